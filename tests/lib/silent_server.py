"""silent_server - a TCP listener on loopback that accepts connections and
never sends a byte: a peer that hangs (a stuck milter, a database behind a
dead proxy), for tests of timeouts.

Exported:
    SilentServer()     listening at once on 127.0.0.1, a free port
      .port            its port
      .close()         close the held connections and the listener
"""

import socket
import threading


class SilentServer:
    """SilentServer - accepts and holds every connection, answers nothing"""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.conns = []
        self.th = threading.Thread(target=self._run, daemon=True)
        self.th.start()

    def _run(self):
        try:
            while True:
                c, _ = self.sock.accept()
                self.conns.append(c)
        except OSError:
            pass        # close() closed the listener

    def close(self):
        for c in self.conns:
            c.close()
        self.sock.close()
