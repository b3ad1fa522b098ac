#!/usr/bin/python3
"""postfix-load - SMTP load on a Postfix smtpd: one message per session.

  postfix-load.py -p PORT -d CORPUS [-c N] [-t SEC] [-n N] [--xclient]

Sends the corpus messages (NAME.eml with its NAME.env sidecar, as
gencorpus.py writes them; see milterload's -d) round robin from N
threads (default 4) to 127.0.0.1:PORT, each message in its own SMTP
session: banner, EHLO helo, MAIL FROM, RCPT TO (each), DATA, the
dot-stuffed message, ".", QUIT - one command at a time, waiting for each
reply, as a real client without PIPELINING does.

How the milter learns the envelope's client address and HELO:
  default     the socket is bound to the sidecar's client_ip before
              connect (run-bench.sh --postfix makes those addresses local
              on the private loopback), so Postfix sees a real client
              there, and the EHLO carries the sidecar's helo;
  --xclient   connect from 127.0.0.1 and send "XCLIENT ADDR= NAME= HELO="
              first (smtpd_authorized_xclient_hosts). Postfix then ends
              the milter session of the loopback client and opens a
              second one for the claimed client: two milter connections
              per message, not what an MX sees.

Bounded by -t seconds (default 10) and -n messages; each socket
operation by 30 s. Prints one line for scripts:
  RESULT messages=.. failed=.. elapsed=.. rate=.. p50=.. p99=..
         accept=.. reject=.. tempfail=.. errors=..
messages counts sessions whose end of DATA got a reply (accept: 2xx,
tempfail: 4xx, reject: 5xx - a milter's verdict); failed, the sessions
that ended before (refused, broken: errors counts socket errors);
latency is per SMTP session in ms.
"""
import argparse
import os
import socket
import sys
import threading
import time


def load_corpus(d):
    """load_corpus - [(message bytes dot-stuffed, envelope dict)] sorted by name."""
    out = []
    for name in sorted(os.listdir(d)):
        if not name.endswith(".eml"):
            continue
        with open(os.path.join(d, name), "rb") as f:
            raw = f.read()
        env = {"client_ip": "192.0.2.1", "client_name": "unknown",
               "helo": "client.example", "mail_from": None, "rcpt": []}
        side = os.path.join(d, name[:-4] + ".env")
        if os.path.exists(side):
            with open(side) as f:
                for line in f:
                    key, _, value = line.strip().partition(" ")
                    if key == "rcpt":
                        env["rcpt"].append(value.strip())
                    elif key in env:
                        env[key] = value.strip()
        env["mail_from"] = env["mail_from"] or "<>"
        env["rcpt"] = env["rcpt"] or ["<postmaster@bench.test>"]
        lines = raw.replace(b"\r\n", b"\n").split(b"\n")
        if lines and lines[-1] == b"":
            lines.pop()
        data = b"".join((b"." + ln if ln.startswith(b".") else ln) + b"\r\n" for ln in lines)
        out.append((data + b".\r\n", env))
    return out


class Session:
    """Session - one SMTP session on one socket, line replies."""

    def __init__(self, sock):
        self.sock = sock
        self.buf = b""

    def reply(self):
        """reply - the code of the next (possibly multi-line) reply."""
        while True:
            i = self.buf.find(b"\r\n")
            if i < 0:
                chunk = self.sock.recv(65536)
                if not chunk:
                    raise OSError("connection closed")
                self.buf += chunk
                continue
            line, self.buf = self.buf[:i], self.buf[i + 2:]
            if len(line) < 4 or line[3:4] != b"-":
                return line[:3].decode("latin-1")

    def cmd(self, line):
        """cmd - send one command line, return the reply code."""
        self.sock.sendall(line.encode() + b"\r\n")
        return self.reply()


def one_message(port, data, env, xclient):
    """one_message - the reply code to the end of DATA ("250", "550", ...),
    or None when the session ended before (refused, broken, no DATA)."""
    s = socket.socket()
    s.settimeout(30)
    try:
        if not xclient:
            s.bind((env["client_ip"], 0))
        s.connect(("127.0.0.1", port))
        sess = Session(s)
        if not sess.reply().startswith("2"):
            return None
        if xclient:
            if not sess.cmd("EHLO loadgen.bench.test").startswith("2"):
                return None
            if not sess.cmd("XCLIENT ADDR=%s NAME=%s HELO=%s" % (
                    env["client_ip"], env["client_name"], env["helo"])).startswith("2"):
                return None
        if not sess.cmd("EHLO " + env["helo"]).startswith("2"):
            return None
        if not sess.cmd("MAIL FROM:" + env["mail_from"]).startswith("2"):
            return None
        ok = [sess.cmd("RCPT TO:" + r).startswith("2") for r in env["rcpt"]]
        if not any(ok) or not sess.cmd("DATA").startswith("3"):
            return None
        s.sendall(data)
        code = sess.reply()
        sess.cmd("QUIT")
        return code
    finally:
        s.close()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("-p", type=int, required=True, help="smtpd port on 127.0.0.1")
    ap.add_argument("-d", required=True, help="corpus directory")
    ap.add_argument("-c", type=int, default=4, help="concurrent sessions")
    ap.add_argument("-t", type=float, default=10.0, help="time bound, seconds")
    ap.add_argument("-n", type=int, default=10 ** 9, help="message bound")
    ap.add_argument("--xclient", action="store_true", help="claim the client with XCLIENT")
    a = ap.parse_args()
    if not 1 <= a.c <= 256 or a.t <= 0 or a.n < 1:
        sys.exit("postfix-load: -c 1..256, -t > 0, -n >= 1")
    corpus = load_corpus(a.d)
    if not corpus:
        sys.exit("postfix-load: no .eml files in " + a.d)
    lock = threading.Lock()
    state = {"next": 0, "done": 0, "failed": 0, "errors": 0, "lat": [],
             "accept": 0, "reject": 0, "tempfail": 0}
    start = time.monotonic()
    deadline = start + a.t

    def worker():
        while time.monotonic() < deadline:
            with lock:
                i = state["next"]
                if i >= a.n:
                    return
                state["next"] += 1
            data, env = corpus[i % len(corpus)]
            t0 = time.monotonic()
            try:
                code = one_message(a.p, data, env, a.xclient)
                err = 0
            except OSError:
                code, err = None, 1
            ms = 1000 * (time.monotonic() - t0)
            with lock:
                state["errors"] += err
                if code is None:
                    state["failed"] += 1
                    continue
                state["done"] += 1
                state["lat"].append(ms)
                state[{"2": "accept", "4": "tempfail"}.get(code[:1], "reject")] += 1

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(a.c)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(a.t + 60)
    elapsed = time.monotonic() - start
    lat = sorted(state["lat"]) or [0.0]
    print("RESULT messages=%d failed=%d elapsed=%.2f rate=%.1f p50=%.2f p99=%.2f "
          "accept=%d reject=%d tempfail=%d errors=%d" % (
              state["done"], state["failed"], elapsed, state["done"] / elapsed if elapsed else 0,
              lat[len(lat) // 2], lat[min(len(lat) - 1, int(len(lat) * 0.99))],
              state["accept"], state["reject"], state["tempfail"], state["errors"]))


if __name__ == "__main__":
    main()
