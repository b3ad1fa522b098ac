#!/usr/bin/python3
"""test_dns_libunbound_log - libunbound's own messages reach our log,
limited.

libunbound prints its errors with fprintf to stderr ("can't create
socket: Too many open files" and the like, about ten lines a message
when descriptors run out): lost once the daemon had detached, and in the
foreground written raw, without our prefix or any limit. They now go
through the daemon's log as warnings ("libunbound: error: ..."), at most
5 lines a minute (src/dns/dns_unbound_log.c).

The test lowers the running daemon's RLIMIT_NOFILE to its lowest free
descriptor with one milter connection open, then sends DKIM-signed messages over that
connection: each key lookup needs a new UDP socket, which libunbound
cannot make. The log must have its messages as our warnings, none in
libunbound's raw form, and no more than the limit; with the limit back,
a message gets dkim=pass again.
"""
import os
import re
import resource
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
import daemon  # noqa: E402
import dkim_keys  # noqa: E402
import dns_testserver  # noqa: E402
import milter_client as mc  # noqa: E402
import time_scale  # noqa: E402
import tmpdir  # noqa: E402
from tap import TAP  # noqa: E402

try:
    import dkim  # noqa: F401
    HAVE_LIBS = None
except ImportError as e:  # reported through t.need below
    HAVE_LIBS = "python3-dkim (%s)" % e

SCALE = time_scale.factor()
MESSAGES = 8                # about ten libunbound lines each, unlimited
BURST = 5                   # UB_LOG_BURST
OURS_RX = re.compile(r"warn: libunbound: (error|warning|notice|info): ")
RAW_RX = re.compile(r"libunbound\[\d+:[0-9a-f]+\]")


def zone(pub):
    return ('pass.test:\n  - TXT: "v=spf1 -all"\n'
            's1._domainkey.pass.test:\n  - TXT: "v=DKIM1; k=rsa; p=%s"\n'
            % pub)


def lowest_free_fd(pid):
    """lowest_free_fd - the descriptor the daemon's next open() would get:
    as its limit, no new one can be made (valgrind's own descriptors sit
    far above, so counting them would leave room)"""
    held = {int(n) for n in os.listdir("/proc/%d/fd" % pid)}
    return min(set(range(len(held) + 1)) - held)


def dkim_word(r):
    ar = " ".join(r.header_values("Authentication-Results"))
    i = ar.find("dkim=")
    return ar[i + 5:].split()[0] if i >= 0 else "none"


def main():
    t = TAP()
    names = ["dkim=pass before the limit",
             "at the limit: dkim=temperror",
             "libunbound's messages are in the log as our warnings",
             "none in libunbound's raw form",
             "no more than %d of them" % BURST,
             "with the limit back: dkim=pass"]
    if not t.need(check=lambda: HAVE_LIBS or daemon.missing(),
                  what="libunbound log", tests=names):
        return t.done()
    tmp = tmpdir.make("authmilter-ublog-")
    pem, pub = dkim_keys.rsa_key_pair()
    zpath = os.path.join(tmp, "zone.yaml")
    with open(zpath, "w") as f:
        f.write(zone(pub))
    raw = dkim_keys.relaxed_signed(
        b"From: Alice <alice@pass.test>\r\nTo: bob@example.net\r\n"
        b"Subject: ublog\r\nDate: Sat, 28 Nov 2026 10:00:00 +0000\r\n"
        b"Message-ID: <ublog@pass.test>\r\n\r\nHello.\r\n", "pass.test", pem)
    srv = dns_testserver.DnsServer(zpath, stats=False, ttl=0).__enter__()
    try:
        opts = {"Nameservers": "127.0.0.1@%d" % srv.port,
                "DNSTimeout": "2s", "LogLevel": "info"}
        with daemon.Daemon(options=opts) as d:
            c = mc.MilterClient(d.spec, timeout=30 * SCALE)
            c.connect()
            try:
                t.is_eq(dkim_word(c.send_message(raw)), "pass", names[0])
                soft, hard = resource.prlimit(d.pid, resource.RLIMIT_NOFILE)
                resource.prlimit(d.pid, resource.RLIMIT_NOFILE,
                                 (lowest_free_fd(d.pid), hard))
                try:
                    words = [dkim_word(c.send_message(raw))
                             for _ in range(MESSAGES)]
                finally:
                    resource.prlimit(d.pid, resource.RLIMIT_NOFILE,
                                     (soft, hard))
                t.ok(set(words) == {"temperror"}, names[1],
                     diag=repr(words))
                log = d.log()
                ours = [ln for ln in log.splitlines() if OURS_RX.search(ln)]
                t.ok(any("Too many open files" in ln for ln in ours),
                     names[2], diag=d.log_tail(8))
                raw_lines = [ln for ln in log.splitlines()
                             if RAW_RX.search(ln)]
                t.ok(not raw_lines, names[3], diag=repr(raw_lines[:3]))
                t.ok(0 < len(ours) <= BURST, names[4],
                     diag="%d lines" % len(ours))
                # libunbound backs the server off after the failed sends
                # for a few seconds (5.5 s measured)
                t0, word = time.monotonic(), None
                while time.monotonic() - t0 < 10 * SCALE:
                    word = dkim_word(c.send_message(raw))
                    if word == "pass":
                        break
                    time.sleep(0.2)
                t.ok(word == "pass", names[5], diag="dkim=%s after %.1f s; %s"
                     % (word, time.monotonic() - t0, d.log_tail(4)))
                t.diag("dkim=pass again %.1f s after the limit went back"
                       % (time.monotonic() - t0))
            finally:
                c.close()
    finally:
        srv.stop()
        tmpdir.remove(tmp)
    return t.done()


if __name__ == "__main__":
    sys.exit(main())
