"""pg_proxy - a fault-injecting proxy between libpq clients and a real
PostgreSQL server on a unix socket (tests/lib/pg_server.py): it relays
every byte unchanged until told to swallow the answer to one statement,
a server that took a COMMIT and then went silent (a dead network path, a
wedged backend) with the statement's effect already made.

Exported:
    PgProxy(server_dir)    listening at once; server_dir is the real
                           server's socket dir (PgServer().root)
      .dir                 its own temp dir (tmpdir.make), holding its
                           socket ".s.PGSQL.5432" (dir 0755, socket 0777:
                           an unprivileged client may connect)
      .uri                 "postgresql:///postgres?host=DIR&user=nobody"
      .withhold_next(sql)  arm: the next simple Query ('Q') on any
                           connection whose text (whitespace and one
                           trailing ';' stripped, case ignored) is sql is
                           forwarded, and from then on nothing the server
                           sends on THAT connection reaches the client
                           (read and discarded); the client's socket stays
                           open, so the client waits for an answer that
                           never comes. Other and later connections are
                           relayed normally. Fires once, then disarms.
      .fired               threading.Event, set once a withheld statement
                           was forwarded
      .connections         client connections accepted so far
      .close()             stop accepting, close every socket, join the
                           threads (each bounded); also a with-block

Protocol (frontend/backend v3), client to server only: the first message
is untyped (int32 length including itself, body); an SSLRequest or
GSSENCRequest there (libpq sends none over a unix socket) is answered 'N'
here and the next untyped message read. Every later message is a type
byte, an int32 length (including itself) and the body; a 'Q' body is the
query text NUL-terminated. Messages are forwarded whole, unchanged;
extended-protocol ones (P/B/E/S...) never match. Server to client is
relayed as it comes, not parsed.

One accept thread, two daemon threads per connection (one a direction).
Every socket has a short timeout and every loop looks at the stop flag,
so close() returns within a few seconds at worst. A connection whose
server side or client side ends is closed on both sides - except a
withheld one, whose client socket stays open until the client goes or
close() is called.
"""

import os
import socket
import struct
import threading

import tmpdir

SOCKET_NAME = ".s.PGSQL.5432"
TICK = 0.2              # seconds a blocking call waits before looking again
JOIN = 2.0              # seconds close() waits for each thread
CONNECT_TIMEOUT = 5.0
SSL_REQUEST = 80877103
GSSENC_REQUEST = 80877104


def _norm(sql):
    """_norm - the statement text as withhold_next compares it"""
    s = sql.strip()
    if s.endswith(";"):
        s = s[:-1].strip()
    return s.lower()


class _Conn:
    """_Conn - one client connection and its server connection"""

    def __init__(self, proxy, client, server, n):
        self.proxy = proxy
        self.client = client
        self.server = server
        self.withheld = False
        self.ended = threading.Event()
        self.lock = threading.Lock()
        self.live = 2
        client.settimeout(TICK)
        server.settimeout(TICK)
        self.threads = [
            threading.Thread(target=self._up, daemon=True,
                             name="pg_proxy-%d-up" % n),
            threading.Thread(target=self._down, daemon=True,
                             name="pg_proxy-%d-down" % n)]
        for th in self.threads:
            th.start()

    def _stopping(self):
        return self.ended.is_set() or self.proxy._stop.is_set()

    def _recv(self, sock):
        """_recv - some bytes, or b"" at EOF, an error or a stop"""
        while not self._stopping():
            try:
                return sock.recv(65536)
            except socket.timeout:
                continue
            except OSError:
                return b""
        return b""

    def _send(self, sock, data):
        """_send - all of data; False on an error or a stop"""
        mv = memoryview(data)
        while mv:
            if self._stopping():
                return False
            try:
                n = sock.send(mv)
            except socket.timeout:
                continue
            except OSError:
                return False
            mv = mv[n:]
        return True

    def _forward(self, msg):
        """_forward - one whole client message to the server. On a
        withheld connection whose server is gone the client's further
        messages are dropped (its socket must stay open)."""
        if self._send(self.server, msg):
            return True
        return self.withheld and not self._stopping()

    def _up(self):
        buf = b""
        startup = True
        raw = False         # unparseable stream: relay as it comes
        try:
            while True:
                data = self._recv(self.client)
                if not data:
                    break
                buf += data
                if raw:
                    ok, buf = self._forward(buf), b""
                    if not ok:
                        break
                    continue
                while True:
                    if startup:
                        if len(buf) < 4:
                            break
                        n = struct.unpack("!I", buf[:4])[0]
                        if n < 8:
                            raw = True
                            break
                        if len(buf) < n:
                            break
                        msg, buf = buf[:n], buf[n:]
                        code = struct.unpack("!I", msg[4:8])[0]
                        if code in (SSL_REQUEST, GSSENC_REQUEST):
                            if not self._send(self.client, b"N"):
                                return
                            continue
                        startup = False
                    else:
                        if len(buf) < 5:
                            break
                        n = struct.unpack("!I", buf[1:5])[0]
                        if n < 4:
                            raw = True
                            break
                        if len(buf) < 1 + n:
                            break
                        msg, buf = buf[:1 + n], buf[1 + n:]
                        if msg[:1] == b"Q" and self.proxy._match(msg[5:]):
                            # before sending: the answer may come at once
                            self.withheld = True
                            if not self._forward(msg):
                                return
                            self.proxy.fired.set()
                            continue
                    if not self._forward(msg):
                        return
                if raw and buf:
                    ok, buf = self._forward(buf), b""
                    if not ok:
                        break
        finally:
            self._end(True)

    def _down(self):
        try:
            while True:
                data = self._recv(self.server)
                if not data:
                    break
                if self.withheld:
                    continue        # read and dropped
                if not self._send(self.client, data):
                    break
        finally:
            # a withheld client waits on: its socket stays open
            self._end(not self.withheld)

    def _end(self, both):
        """_end - one direction is done; both: end the other one too. The
        last thread out closes the sockets."""
        if both:
            self.stop()
        with self.lock:
            self.live -= 1
            last = self.live == 0
        if last:
            self.close_sockets()

    def close_sockets(self):
        for s in (self.client, self.server):
            try:
                s.close()
            except OSError:
                pass

    def stop(self):
        """stop - end both directions (close() joins the threads)"""
        self.ended.set()
        for s in (self.client, self.server):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


class PgProxy:
    """PgProxy - relays libpq connections to a unix-socket server, can
    swallow the answer to one chosen statement"""

    def __init__(self, server_dir):
        self.server_path = os.path.join(server_dir, SOCKET_NAME)
        self.dir = tmpdir.make("authmilter-pgproxy-", mode=0o755)
        self.path = os.path.join(self.dir, SOCKET_NAME)
        self.uri = "postgresql:///postgres?host=%s&user=nobody" % self.dir
        self.fired = threading.Event()
        self.connections = 0
        self._armed = None
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._conns = []
        self._closed = False
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.bind(self.path)
        os.chmod(self.path, 0o777)
        self.sock.listen(64)
        self.sock.settimeout(TICK)
        # a script that never reaches close(): stopped before the dir goes
        tmpdir.at_exit(self.close)
        self.th = threading.Thread(target=self._accept, daemon=True,
                                   name="pg_proxy-accept")
        self.th.start()

    def withhold_next(self, sql_text):
        """withhold_next - arm the fault for the next Query of that text"""
        with self._lock:
            self._armed = _norm(sql_text)

    def _match(self, body):
        """_match - True (and disarmed) when a Query body is the armed
        statement"""
        with self._lock:
            if self._armed is None:
                return False
            sql = body.split(b"\0", 1)[0].decode("utf-8", "replace")
            if _norm(sql) != self._armed:
                return False
            self._armed = None
            return True

    def _accept(self):
        n = 0
        while not self._stop.is_set():
            try:
                c, _ = self.sock.accept()
            except socket.timeout:
                continue
            except OSError:
                break
            n += 1
            with self._lock:
                self.connections += 1
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.settimeout(CONNECT_TIMEOUT)
            try:
                s.connect(self.server_path)
            except OSError:
                # the server is down: the client sees it closed
                s.close()
                c.close()
                continue
            conn = _Conn(self, c, s, n)
            with self._lock:
                if self._stop.is_set():
                    conn.stop()
                self._conns.append(conn)

    def close(self):
        """close - stop accepting, close every socket, join the threads"""
        if self._closed:
            return
        self._closed = True
        self._stop.set()
        self.th.join(JOIN)
        self.sock.close()
        with self._lock:
            conns = list(self._conns)
        for conn in conns:
            conn.stop()
        for conn in conns:
            for th in conn.threads:
                th.join(JOIN)
            conn.close_sockets()
        try:
            os.unlink(self.path)
        except OSError:
            pass
        tmpdir.remove(self.dir)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False
