"""silent_server - a TCP listener on loopback that accepts connections and
never sends a byte: a peer that hangs (a stuck milter, a database behind a
dead proxy), for tests of timeouts.

Exported:
    SilentServer()     listening at once on 127.0.0.1, a free port
      .port            its port
      .close()         close the held connections and the listener
    MutePgServer()     the same, but it answers PostgreSQL's start-up (no
                       TLS, no password) and then no statement
"""

import socket
import struct
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


class MutePgServer(SilentServer):
    """MutePgServer - a PostgreSQL server on loopback that lets every
    client in (trust, no TLS) and then never answers a statement: a
    wedged backend, a lock nobody gives up. .startups holds each client's
    start-up parameters (a dict: user, database, application_name ...)"""

    def __init__(self):
        self.startups = []
        super().__init__()

    PARAMS = (("server_version", "15.0"), ("server_encoding", "UTF8"),
              ("client_encoding", "UTF8"), ("DateStyle", "ISO, MDY"),
              ("integer_datetimes", "on"),
              ("standard_conforming_strings", "on"))

    def _run(self):
        try:
            while True:
                c, _ = self.sock.accept()
                self.conns.append(c)
                threading.Thread(target=self._greet, args=(c,),
                                 daemon=True).start()
        except OSError:
            pass

    @staticmethod
    def _recv(c, n):
        data = b""
        while len(data) < n:
            part = c.recv(n - len(data))
            if not part:
                raise OSError("closed")
            data += part
        return data

    def _greet(self, c):
        try:
            while True:
                n = struct.unpack("!I", self._recv(c, 4))[0]
                body = self._recv(c, n - 4)
                code = struct.unpack("!I", body[:4])[0]
                if code in (80877103, 80877104):    # SSL, GSS encryption
                    c.sendall(b"N")
                    continue
                kv = body[4:].split(b"\0")         # key, value, ..., "", ""
                self.startups.append({kv[i].decode(): kv[i + 1].decode()
                                      for i in range(0, len(kv) - 2, 2)
                                      if kv[i]})
                break
            out = b"R" + struct.pack("!II", 8, 0)   # AuthenticationOk
            for k, v in self.PARAMS:
                kv = k.encode() + b"\0" + v.encode() + b"\0"
                out += b"S" + struct.pack("!I", 4 + len(kv)) + kv
            out += b"K" + struct.pack("!III", 12, 4242, 4242)
            out += b"Z" + struct.pack("!I", 5) + b"I"   # ready, idle
            c.sendall(out)
            while c.recv(65536):    # statements, read and never answered
                pass
        except OSError:
            pass
