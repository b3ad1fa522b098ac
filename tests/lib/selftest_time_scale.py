#!/usr/bin/python3
"""selftest_time_scale - prove tests/lib/time_scale.py: a scale of 2
doubles a wait; a missing, empty or unreadable value means 1; a value
below 1 is raised to 1 (never a shorter wait than the plain run's). The
harness's default timeouts follow the scale; a timeout given is kept."""

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import daemon  # noqa: E402
import milter_client  # noqa: E402
import time_scale  # noqa: E402
from tap import TAP  # noqa: E402


def scaled_with(value, seconds=10):
    """scaled_with - scaled(seconds) with the variable set to value
    (None: unset)"""
    os.environ.pop(time_scale.VARIABLE, None)
    if value is not None:
        os.environ[time_scale.VARIABLE] = value
    return time_scale.scaled(seconds)


t = TAP()
t.is_eq(scaled_with("2"), 20, "a scale of 2 doubles a wait")
t.is_eq(scaled_with("2.5", 0.4), 1.0, "a fractional scale multiplies too")
t.is_eq(scaled_with(" 5\n"), 50, "blanks around the number are ignored")
for value in (None, "", "slow", "5s", "nan", "inf", "-inf"):
    t.is_eq(scaled_with(value), 10, "%r means 1" % value)
for value in ("0.5", "0", "-3"):
    t.is_eq(scaled_with(value), 10, "%r (below 1) is raised to 1" % value)
os.environ[time_scale.VARIABLE] = "3"
t.is_eq(time_scale.factor(), 3.0, "factor() is the scale itself")
os.environ[time_scale.VARIABLE] = "2"
spec = "inet:1@127.0.0.1"
t.is_eq(milter_client.MilterClient(spec).timeout,
        2 * milter_client.DEFAULT_TIMEOUT, "scale 2: the reply timeout "
        "doubles")
t.is_eq(milter_client.MilterClient(spec, timeout=1).timeout, 1,
        "a reply timeout given is kept")
d = daemon.Daemon({}, binary="/bin/true", defaults={})
t.is_eq((d.start_timeout, d.stop_timeout), (30, 40),
        "scale 2: the daemon's start and stop timeouts double")
d.cleanup()
d = daemon.Daemon({}, binary="/bin/true", defaults={}, start_timeout=1,
                  stop_timeout=2)
t.is_eq((d.start_timeout, d.stop_timeout), (1, 2),
        "start and stop timeouts given are kept")
d.cleanup()
t.done()
