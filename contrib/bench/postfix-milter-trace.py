#!/usr/bin/python3
"""postfix-milter-trace - a logging proxy between an MTA and a milter.

  postfix-milter-trace.py LISTEN_PORT UPSTREAM_PORT OUT.jsonl [SECONDS]
  postfix-milter-trace.py --summary OUT.jsonl

Listens on 127.0.0.1:LISTEN_PORT; every connection is forwarded to the
milter on 127.0.0.1:UPSTREAM_PORT byte for byte, and every milter packet
in either direction is logged as one JSON line:
  {"conn": N, "t": seconds since the connection opened, "dir": "mta" or
   "milter", "cmd": "C", "len": packet length, "seg": number of the
   read() that brought its first byte, "macros": {name: value} for
   SMFIC_MACRO (with "stage": the command letter the macros are for)}
plus {"conn": N, "event": "open"|"close", "t": ...}. "seg" shows the
packetisation: packets that share a seg arrived in one read, i.e. the
MTA wrote them together.

--summary prints, per connection, the command sequence the MTA sent
(macros as M<stage>[names]), and over all connections the mean number
of reads per connection, the time from open to close and the gaps
between the MTA's commands (the SMTP round trips during which the
milter thread sleeps).

It exits after SECONDS (default 600) or on SIGTERM. Used by run-bench.sh
--postfix (what Postfix sends) and by tests/functional/test_bench.py
(what milterload -P sends). Bad or truncated packets end that
connection's log with {"error": ...}; the bytes are still forwarded.
"""
import json
import signal
import socket
import struct
import sys
import threading
import time

MAX_PACKET = 64 * 1024 * 1024


def parse_macros(data):
    """parse_macros - (stage letter, {name: value}) of SMFIC_MACRO data."""
    if not data:
        return "", {}
    parts = data[1:].split(b"\0")
    if parts and parts[-1] == b"":
        parts.pop()
    out = {}
    for i in range(0, len(parts) - 1, 2):
        out[parts[i].decode("latin-1")] = parts[i + 1].decode("latin-1")
    return chr(data[0]), out


class Side:
    """Side - one direction of one proxied connection, split into packets."""

    def __init__(self, log, conn, direction, t0):
        self.log, self.conn, self.dir, self.t0 = log, conn, direction, t0
        self.buf = b""
        self.seg = 0
        self.seg_of_buf_start = 0
        self.bad = False

    def feed(self, data):
        """feed - log the complete packets that data finishes."""
        self.seg += 1
        if self.bad:
            return
        if not self.buf:
            self.seg_of_buf_start = self.seg
        self.buf += data
        while len(self.buf) >= 4:
            (n,) = struct.unpack(">I", self.buf[:4])
            if n < 1 or n > MAX_PACKET:
                self.log({"conn": self.conn, "dir": self.dir, "error": "bad length %d" % n})
                self.bad = True
                return
            if len(self.buf) < 4 + n:
                return
            cmd, body = self.buf[4:5], self.buf[5:4 + n]
            rec = {"conn": self.conn, "t": round(time.monotonic() - self.t0, 6),
                   "dir": self.dir, "cmd": cmd.decode("latin-1"), "len": n,
                   "seg": self.seg_of_buf_start}
            if self.dir == "mta" and cmd == b"D":
                rec["stage"], rec["macros"] = parse_macros(body)
            self.log(rec)
            self.buf = self.buf[4 + n:]
            self.seg_of_buf_start = self.seg


def pump(src, dst, side, done):
    """pump - forward src to dst, feeding side; close both at the end."""
    try:
        while True:
            data = src.recv(262144)
            if not data:
                break
            side.feed(data)
            dst.sendall(data)
    except OSError:
        pass
    finally:
        for s in (src, dst):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        done.set()


def serve(listen_port, upstream_port, out_path, seconds):
    """serve - proxy and log until seconds pass or SIGTERM."""
    lock = threading.Lock()
    out = open(out_path, "w")

    def log(rec):
        with lock:
            out.write(json.dumps(rec) + "\n")
            out.flush()

    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", listen_port))
    ls.listen(256)
    ls.settimeout(0.5)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    deadline = time.monotonic() + seconds
    n = 0
    while time.monotonic() < deadline:
        try:
            mta, _ = ls.accept()
        except socket.timeout:
            continue
        n += 1
        t0 = time.monotonic()
        try:
            milter = socket.create_connection(("127.0.0.1", upstream_port), timeout=10)
        except OSError as e:
            log({"conn": n, "event": "open", "t": 0, "error": str(e)})
            mta.close()
            continue
        milter.settimeout(None)
        for s in (mta, milter):
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        log({"conn": n, "event": "open", "t": 0})
        d1, d2 = threading.Event(), threading.Event()
        threading.Thread(target=pump, args=(mta, milter, Side(log, n, "mta", t0), d1),
                         daemon=True).start()
        threading.Thread(target=pump, args=(milter, mta, Side(log, n, "milter", t0), d2),
                         daemon=True).start()

        def closer(conn=n, t0=t0, d1=d1, d2=d2, a=mta, b=milter):
            d1.wait()
            d2.wait()
            log({"conn": conn, "event": "close", "t": round(time.monotonic() - t0, 6)})
            a.close()
            b.close()
        threading.Thread(target=closer, daemon=True).start()


def sequences(path):
    """sequences - {conn: [records]} of a trace file, in order."""
    conns = {}
    with open(path) as f:
        for line in f:
            rec = json.loads(line)
            conns.setdefault(rec["conn"], []).append(rec)
    return conns


def command_sequence(recs):
    """command_sequence - what the MTA sent: "O M C[j,...] C ..." tokens."""
    out = []
    for r in recs:
        if r.get("dir") != "mta" or "cmd" not in r:
            continue
        if r["cmd"] == "D":
            out.append("M%s[%s]" % (r["stage"], ",".join(sorted(r["macros"]))))
        else:
            out.append(r["cmd"])
    return out


def summary(path):
    """summary - print per-connection sequences and timing figures."""
    conns = sequences(path)
    seen = {}
    reads, lifetimes, gaps = [], [], {}
    for recs in conns.values():
        seq = " ".join(command_sequence(recs))
        seen[seq] = seen.get(seq, 0) + 1
        mta = [r for r in recs if r.get("dir") == "mta" and "cmd" in r]
        if mta:
            reads.append(len({r["seg"] for r in mta}))
        close = [r["t"] for r in recs if r.get("event") == "close"]
        if close:
            lifetimes.append(close[0])
        prev = None
        for r in recs:
            if r.get("cmd") in (None, "D"):
                continue
            if prev is not None:
                # a milter reply is written "E>reply c": time since the
                # MTA's last command, the milter's answer time
                key = prev["cmd"] + ">" + ("" if r["dir"] == "mta" else "reply ") + r["cmd"]
                gaps.setdefault(key, []).append(r["t"] - prev["t"])
            if r["dir"] == "mta":
                prev = r
    print("connections: %d" % len(conns))
    for seq, n in sorted(seen.items(), key=lambda kv: -kv[1]):
        print("%6d x %s" % (n, seq))
    if reads:
        print("MTA writes seen by the milter per connection: %.1f" % (sum(reads) / len(reads)))
    if lifetimes:
        lifetimes.sort()
        print("connection open ms: median %.2f, p90 %.2f" % (
            1000 * lifetimes[len(lifetimes) // 2], 1000 * lifetimes[int(len(lifetimes) * 0.9)]))
    for key, v in sorted(gaps.items()):
        v.sort()
        print("gap %-9s ms: median %.3f, max %.3f (n=%d)" % (
            key, 1000 * v[len(v) // 2], 1000 * v[-1], len(v)))


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--summary":
        summary(sys.argv[2])
        return
    if len(sys.argv) not in (4, 5):
        sys.stderr.write(__doc__)
        sys.exit(2)
    serve(int(sys.argv[1]), int(sys.argv[2]), sys.argv[3],
          float(sys.argv[4]) if len(sys.argv) == 5 else 600.0)


if __name__ == "__main__":
    main()
