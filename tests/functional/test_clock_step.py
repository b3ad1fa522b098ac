#!/usr/bin/python3
"""test_clock_step - the daemon when the wall clock is not the kernel's.

libfaketime (Debian's faketime package), preloaded, shifts what the
daemon reads from the wall clock (time, gettimeofday, CLOCK_REALTIME)
and, with FAKETIME_DONT_FAKE_MONOTONIC, leaves CLOCK_MONOTONIC alone.
The kernel, which times the waits, does not see the shift: a wait whose
deadline is a wall-clock time read 2 h ahead of the kernel's lasts 2 h
more, exactly as if the clock had been stepped back by 2 h (NTP, an
admin) during the wait. Timeouts must therefore be on the monotonic
clock; the wall clock is for protocol fields.

  - signing at and after 2038-01-19 03:14:08 UTC (2^31 s) and at
    2106-02-07 06:28:16 UTC (2^32 s): t= is the clock's time in full,
    and dkimpy, at that time, verifies the signatures;
  - a stop while the report writer hangs in a connection to a store that
    never answers ends within the stop's 3 s; the wait for the writer
    was on CLOCK_REALTIME and lasted until the writer gave up (30 s here,
    the URI's connect_timeout; hours after a step of hours).

Needs libfaketime: skipped without it, failed under CI=true.
"""

import calendar
import glob
import os
import sys
import time
from unittest import mock

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
sys.path.insert(0, os.path.join(HERE, "..", "dkim"))
import daemon  # noqa: E402
from silent_server import SilentServer  # noqa: E402
import time_scale  # noqa: E402
import tmpdir  # noqa: E402
from tap import TAP  # noqa: E402

try:
    import sign_keys  # noqa: E402
    HAVE_LIBS = None
except ImportError as e:
    HAVE_LIBS = "python3-dkim and python3-cryptography (%s)" % e

SCALE = time_scale.factor()


def faketime_lib():
    """faketime_lib - the multithreaded libfaketime, or None"""
    found = sorted(glob.glob("/usr/lib/*/faketime/libfaketimeMT.so.1"))
    return found[0] if found else None


def faketime_env(offset):
    """faketime_env - environment for a daemon whose wall clock is
    offset (libfaketime syntax, "+2h") from the kernel's; an ASan build
    (tests/ci-sanitize.sh) refuses a preload unless told not to check
    that its runtime comes first"""
    asan = os.environ.get("ASAN_OPTIONS", "")
    return {"LD_PRELOAD": faketime_lib(), "FAKETIME": offset,
            "FAKETIME_DONT_FAKE_MONOTONIC": "1",
            "ASAN_OPTIONS": (asan + ":" if asan else "") +
            "verify_asan_link_order=0"}


MSG = (b"From: alice@example.com\r\nTo: bob@example.net\r\n"
       b"Subject: later\r\nMessage-ID: <y2038@example.com>\r\n\r\nHello.\r\n")


def sign_at(t, keys, when):
    """sign_at - sign MSG with a daemon whose clock starts at when (UTC,
    "YYYY-MM-DD HH:MM:SS"): t= of each signature is that time or a few
    seconds later, and dkimpy verifies both at that time"""
    start = calendar.timegm(time.strptime(when, "%Y-%m-%d %H:%M:%S"))
    opts = {"Nameservers": "127.0.0.1@9", "DNSTimeout": "200ms",
            "Domain": "example.com", "Selector": "r1 e1",
            "KeyFile": "%s %s" % (keys["rsa"][0], keys["ed"][0])}
    env = dict(faketime_env("@" + when), TZ="UTC")
    with daemon.Daemon(opts, env=env) as d:
        r = d.send_message(MSG, macros={"{auth_authen}": "alice"})
    tags = sign_keys.sig_tags(r.message)
    stamps = [int(x[3].get("t", "-1")) for x in tags]
    t.ok(len(stamps) == 2 and all(start <= v < start + 30 * SCALE
                                  for v in stamps),
         "signing at %s UTC: t= is %d or a little later" % (when, start),
         diag="t= %r" % stamps)
    recs = {"r1._domainkey.example.com": keys["rsa"][1],
            "e1._domainkey.example.com": keys["ed"][1]}
    with mock.patch("time.time", return_value=float(start + 5)):
        res = sign_keys.dkimpy_results(r.message, recs)
    t.ok(len(res) == 2 and all(ok for _a, _s, ok in res),
         "signing at %s UTC: dkimpy verifies both signatures then" % when,
         diag=repr(res))


def signing_after_2038(t, tmp):
    keys = sign_keys.make_keys(tmp)
    for when in ("2038-01-19 03:14:08", "2106-02-07 06:28:16"):
        sign_at(t, keys, when)


def stop_with_hung_store(t, names):
    silent = SilentServer()
    uri = ("postgresql://authmilter@127.0.0.1:%d/reports?connect_timeout=30"
           % silent.port)
    d = daemon.Daemon({"ReportStore": uri}, env=faketime_env("+2h"))
    try:
        d.start()
        # the writer opens the store at start: it is inside the
        # connection attempt now, for 30 s
        rc, took = d.terminate(20 * SCALE)
        t.ok(rc == 0 and took < 3 + 2 * SCALE, names[0],
             diag="status %r after %.1f s; %s" % (rc, took, d.log_tail(6)))
        t.ok(d.wait_for_log(r"ReportStore \S+: the store did not answer "
                            r"within 3000 ms; not waiting for it", 1 * SCALE),
             names[1], diag=d.log_tail(6))
    finally:
        d.stop()
        d.cleanup()
        silent.close()


def main():
    t = TAP()
    names = ["wall clock 2 h ahead: a stop with the store hung ends within 3 s",
             "wall clock 2 h ahead: the stop says it did not wait for the store"]
    if not t.need(check=lambda: daemon.missing() or (
                      None if faketime_lib() else
                      "libfaketimeMT.so.1 (package faketime)"),
                  what="clock step tests (faketime package)",
                  tests=names + ["signing after 2038"]):
        t.done()
    if os.environ.get("AUTHMILTER_WRAPPER"):
        t.skip_rest("LD_PRELOAD of libfaketime does not reach a daemon "
                    "under AUTHMILTER_WRAPPER; the plain run covers it",
                    names + ["signing after 2038"])
        t.done()
    stop_with_hung_store(t, names[0:2])
    if t.need(check=lambda: HAVE_LIBS, what="signing after 2038",
              tests=["signing after 2038"]):
        tmp = tmpdir.make("authmilter-clock-")
        try:
            signing_after_2038(t, tmp)
        finally:
            tmpdir.remove(tmp)
    t.done()


main()
