#!/usr/bin/python3
"""test_conf_socket_host - authmilter -t looks up Socket's host name as
libmilter does at start: a name that does not exist, or has no address
of the socket's family, is an error at Socket's line (the start fails
there); a look-up with no answer is only a warning.

The names are looked up in a network namespace of its own (unshare -mn:
loopback only) whose /etc/resolv.conf points at dns_server.py on
127.0.0.1:53, so nothing reaches the machine's resolver."""

import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
import daemon  # noqa: E402
from tap import TAP  # noqa: E402

DNS_SERVER = os.path.join(HERE, "..", "lib", "dns_server.py")
ZONE = {"mx.example.test": [{"A": "127.0.0.1"}]}

# In the namespace: loopback up, our resolv.conf, the DNS server on port
# 53 (READY awaited at most 10 s), then the command; its status is ours
ISOLATED = r"""
ip link set lo up || exit 90
mount --bind "$1/resolv.conf" /etc/resolv.conf || exit 91
dir=$1
"$2" "$3" --zone "$dir/zone.json" --port 53 --no-ipv6 >"$dir/dns.out" 2>&1 &
dns=$!
shift 3
n=0
until grep -q READY "$dir/dns.out"; do
    n=$((n + 1)); [ $n -gt 100 ] && { kill $dns; exit 92; }; sleep 0.1
done
"$@"; rc=$?
kill $dns
exit $rc
"""


def isolated(tmp, argv, resolv="nameserver 127.0.0.1\n"):
    """isolated - run argv in a fresh net and mount namespace"""
    with open(os.path.join(tmp, "resolv.conf"), "w") as f:
        f.write(resolv)
    with open(os.path.join(tmp, "zone.json"), "w") as f:
        json.dump(ZONE, f)
    return subprocess.run(["unshare", "-mn", "sh", "-c", ISOLATED, "sh", tmp,
                           sys.executable, DNS_SERVER] + argv,
                          capture_output=True, text=True, timeout=60,
                          errors="replace")


def check(d, socket_spec, resolv="nameserver 127.0.0.1\n"):
    """check - authmilter -t on the test config with Socket socket_spec.
    Against our DNS server a temporary failure is the machine's load (a
    sanitizer run beside another once lost a query here), not the answer
    checked: asked again, up to twice; a lasting one is still seen."""
    d.write_config({"Socket": socket_spec})
    for _ in range(3):
        r = isolated(d.tmp, [daemon.binary(), "-t", "-q", "-c", d.conf_path],
                     resolv)
        if (resolv != "nameserver 127.0.0.1\n" or
                "(Temporary failure in name resolution)" not in r.stderr):
            break
    return r


def test_socket_host(t):
    d = daemon.Daemon()
    try:
        line = [n for n, text in enumerate(open(d.conf_path), 1)
                if text.startswith("Socket ")][0]
        at = "%s:%d: Socket: " % (d.conf_path, line)
        r = check(d, "inet:8891@gone.example.test")
        t.ok(r.returncode == 1 and at + "no such host gone.example.test"
             in r.stderr, "-t: a Socket host name that does not exist is an "
             "error at Socket's line", diag=r.stderr)
        r = isolated(d.tmp, ["timeout", "10", daemon.binary(), "-f", "-c",
                             d.conf_path])
        t.ok(r.returncode == 1 and "cannot open milter socket" in r.stderr,
             "the start fails there too", diag=r.stderr)
        r = check(d, "inet6:8891@mx.example.test")
        t.ok(r.returncode == 1 and at + "mx.example.test has no IPv6 "
             "address" in r.stderr, "-t: inet6: with a name that has only "
             "an IPv4 address is an error", diag=r.stderr)
        r = check(d, "inet:8891@mx.example.test")
        t.ok(r.returncode == 0 and r.stderr == "",
             "-t: a name with an IPv4 address passes inet:", diag=r.stderr)
        # libmilter takes an IPv6 literal in brackets as well
        r = check(d, "inet6:8891@[::1]")
        t.ok(r.returncode == 0 and r.stderr == "",
             "-t: inet6: with a bracketed literal ([::1]) passes, as the "
             "start listens there", diag=r.stderr)
        # nothing answers on 127.0.0.2: the start may yet find the name
        r = check(d, "inet:8891@gone.example.test",
                  resolv="nameserver 127.0.0.2\noptions timeout:1 attempts:1\n")
        t.ok(r.returncode == 0 and at + "warning: Socket: " not in r.stderr
             and "%s:%d: warning: Socket: cannot look up gone.example.test"
             % (d.conf_path, line) in r.stderr,
             "-t: a look-up with no answer is a warning, not an error",
             diag=r.stderr)
    finally:
        d.cleanup()


def main():
    t = TAP()
    if not t.need(root=True, tools=("unshare", "ip", "mount"),
                  check=daemon.missing, what="Socket host name tests"):
        t.done()
    test_socket_host(t)
    t.done()


if __name__ == "__main__":
    main()
