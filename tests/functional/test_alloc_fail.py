#!/usr/bin/python3
"""test_alloc_fail - an allocation failure inside OpenSSL gives no verdict.

key_alloc_fail.c, preloaded, fails the first allocation made while the
daemon decodes the first DKIM key it fetches, as memory exhaustion
would. OpenSSL reports that as a key that does not decode: the message,
signed with a good key for a domain whose DMARC policy is reject, got
dkim=permerror ("key p= is not an RSA key"), dmarc=fail and a 550
reject. Found by failing the Nth allocation of a message, N swept over
the message's ~7,300 allocations: 9 of 307 runs rejected it.

Allocation failure aborts the daemon, as xmalloc does for our own
(STYLE.md: allocation failure aborts inside one wrapper): once an
allocation inside OpenSSL has failed, a key that does not decode (or a
signature that does not verify, a key size or exponent it cannot read)
aborts (crypto_abort_on_oom). The MTA gets no verdict (its milter
default, tempfail) and the supervisor restarts the daemon. What must
never come out is a reject or a failed DKIM or DMARC result.
"""

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
sys.path.insert(0, os.path.join(HERE, "..", "soak"))
import daemon  # noqa: E402
import dkim_keys  # noqa: E402
import dns_testserver  # noqa: E402
import milter_client  # noqa: E402
import soak  # noqa: E402  (zone, corpus and signing helpers)
from shim import shim_env  # noqa: E402
import time_scale  # noqa: E402
import tmpdir  # noqa: E402
from tap import TAP  # noqa: E402

SCALE = time_scale.factor()

def main():
    t = TAP()
    names = ["control: without the shim the signed message passes",
             "a failed allocation decoding the key: no reject, no "
             "dkim or dmarc failure",
             "a failed allocation decoding the key: the log says out of "
             "memory"]
    if not t.need(check=lambda: daemon.missing() or soak.missing_corpus(),
                  what="authmilter and the soak corpus", tests=names):
        t.done()
    tmp = tmpdir.make("authmilter-allocfail-")
    # the shim's malloc hands out glibc's memory, which the sanitizer's
    # or valgrind's own allocator would then free
    tool = os.environ.get("ASAN_OPTIONS") or \
        os.environ.get("AUTHMILTER_WRAPPER")
    env = None if tool else shim_env(t, tmp, "key_alloc_fail", names[1:])
    pem, pub = dkim_keys.rsa_key_pair()
    zpath = os.path.join(tmp, "zone.yaml")
    with open(zpath, "w") as f:
        f.write(soak.zone_text(pub))
    raw = soak.sign(soak.message("reject.test", "signed"), "reject.test",
                    pem)
    with dns_testserver.DnsServer(zpath) as srv:
        opts = {"Nameservers": "127.0.0.1@%d" % srv.port,
                "DNSTimeout": "2s", "LogLevel": "info"}
        with daemon.Daemon(options=opts) as d:
            res = d.send_message(raw, client_ip=soak.CLIENT_IP,
                                 mail_from="a@reject.test")
            t.ok(res.disposition == "accept" and "dkim=pass" in
                 "".join(res.header_values("Authentication-Results")),
                 names[0], diag=repr(res))
        if tool:
            t.skip_rest("the shim replaces malloc, which AddressSanitizer "
                        "or valgrind own here; the plain run covers it",
                        names[1:])
        if env is None:
            t.done()
        with daemon.Daemon(options=opts, env=env) as d:
            try:
                res = d.send_message(raw, client_ip=soak.CLIENT_IP,
                                     mail_from="a@reject.test")
                got = "%s %s" % (res.disposition, "".join(
                    res.header_values("Authentication-Results")))
            except milter_client.MilterError as e:
                got = "no verdict: %r" % e
            d.wait(5 * SCALE)
            bad = [w for w in ("reject", "dkim=permerror", "dkim=fail",
                               "dmarc=fail") if w in got]
            t.ok(not bad, names[1], diag=got)
            t.ok(d.wait_for_log(r"out of memory",
                                timeout=2 * SCALE) is not None,
                 names[2], diag=d.log_tail(5))
    t.done()


if __name__ == "__main__":
    main()
