"""time_scale - how much longer than usual a test may wait on this run.

Exported:
    factor()            AUTHMILTER_TEST_TIME_SCALE as a number >= 1
    scaled(seconds)     seconds * factor()

tests/ci-sanitize.sh sets AUTHMILTER_TEST_TIME_SCALE=5 for the runs
under ASan+UBSan and valgrind: the daemon then runs several times
slower, and a wait sized for the plain build would end too soon. Any
bounded wait that decides pass or fail goes through scaled(), both waits
for something that must come (a reply, a log line) and waits that prove
something does not come (a report too many): the plain run keeps its
short waits, only the slow runs stretch them.

A missing, empty or unreadable value (not a number, NaN, infinity) is 1.
A value below 1 is raised to 1: a scale that shortened the waits sized
for the plain build would make tests fail at random, never run faster
for a reason. The variable is read at each call, so a test may change it.
"""

import math
import os

VARIABLE = "AUTHMILTER_TEST_TIME_SCALE"


def factor():
    """factor - the scale, never below 1."""
    try:
        value = float(os.environ.get(VARIABLE, ""))
    except ValueError:
        return 1.0
    if not math.isfinite(value):
        return 1.0
    return max(1.0, value)


def scaled(seconds):
    """scaled - seconds stretched for this run."""
    return seconds * factor()
