#!/usr/bin/python3
"""test_soak_short - 5,000 messages through the daemon, resident memory flat

The short form of tests/soak/soak.py (which runs 100,000): the same mixed
corpus (DKIM pass, p=reject spoof, p=quarantine, tampered with a forged
A-R) through contrib/bench/milterload in rounds of 500, 4 connections of
10 messages each at a time, VmRSS read after every round. Flat means
growth below 1 MiB between the end of the warm-up (1,500 messages) and
the highest later sample (measured: about 170 KiB); every verdict is
checked by count. Takes about 10 s, so a leak is caught on every run:
with 400 bytes leaked per message injected into checks_eom, RSS grew
1,564 KiB and this test failed. Smaller leaks are the 100,000-message
soak's job (make soak: 2 MiB over 90,000 messages is ~23 bytes each)."""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
sys.path.insert(0, os.path.join(HERE, "..", "soak"))
import daemon  # noqa: E402
import soak  # noqa: E402
from tap import TAP  # noqa: E402

MESSAGES, EVERY, WARMUP, MAX_GROWTH_KIB = 5000, 500, 1500, 1024
# Under ASan or valgrind (tests/ci-sanitize.sh) the tool finds leaks
# itself and RSS measures its allocator: fewer messages, no RSS bound.
TOOL = daemon.rss_unreliable()
if TOOL:
    MESSAGES, WARMUP = 1000, 500
NAMES = ["%d messages done within 120 s" % MESSAGES, "every verdict right",
         "RSS flat after warm-up (< %d KiB growth)" % MAX_GROWTH_KIB]

t = TAP()
if t.need(check=soak.missing, what="soak", tests=NAMES):
    fig = soak.run_soak(MESSAGES, EVERY, WARMUP, MAX_GROWTH_KIB, conc=4,
                        per_conn=10, time_limit=120, out=lambda s: None)
    series = " ".join("%d:%d" % p for p in fig["series"])
    t.ok(fig["done"] == MESSAGES, NAMES[0],
         diag="%d done; %s" % (fig["done"], fig["problems"]))
    t.ok(fig["verdicts"] == {"accept": MESSAGES // 2, "reject": MESSAGES // 4,
                             "quarantine": MESSAGES // 4} and
         not [p for p in fig["problems"] if p.startswith("round")],
         NAMES[1], diag=lambda: "%r %r" % (fig["verdicts"], fig["problems"]))
    if TOOL:
        t.skip(NAMES[2], TOOL)
    else:
        t.ok(fig["growth"] < MAX_GROWTH_KIB, NAMES[2],
             diag="series " + series)
    t.diag("soak %d messages in %.1f s; RSS KiB start %d, after warm-up %d, "
           "end %d, growth %d; series %s" % (
               fig["done"], fig["seconds"], fig["rss_start"], fig["rss_warm"],
               fig["rss_end"], fig["growth"], series))
t.done()
