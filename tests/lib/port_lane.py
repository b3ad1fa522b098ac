"""port_lane.py - keep concurrent test runs off each other's free ports

    import port_lane
    for port in port_lane.candidates(): ...    # bind each until one binds

A free port is found by binding it and closing the socket; the daemon
binds it later. When two test runs go at once (tests/ci-sanitize.sh runs
its ASan and valgrind parts side by side), the other run may be given
the same port in between. AUTHMILTER_TEST_PORT_LANE="K/N" gives this run
the K-th of N slices of ports 10000-32767, tried in random order: the
runs never pick the same port, and the slices lie below Linux's default
range for outgoing connections (32768-60999), whose source ports cannot
take one either. (Filtering bind(0)'s ports by parity does not work:
Linux hands bind(0) odd ports and keeps the even ones for connect.)
Unset: port 0, the kernel's choice, as before.
"""
import os
import random

LOW, HIGH = 10000, 32768
TRIES = 200


def _lane():
    spec = os.environ.get("AUTHMILTER_TEST_PORT_LANE", "")
    if not spec:
        return None
    k, _, n = spec.partition("/")
    k, n = int(k), int(n)
    if n < 1 or not 0 <= k < n:
        raise ValueError("AUTHMILTER_TEST_PORT_LANE %r: want K/N, 0 <= K < N"
                         % spec)
    return k, n


def candidates():
    """candidates - TRIES ports of this run's slice in random order, or
    TRIES times port 0 (any port) when no lane is set"""
    lane = _lane()
    if lane is None:
        return [0] * TRIES
    k, n = lane
    span = (HIGH - LOW) // n
    lo = LOW + k * span
    return [random.randrange(lo, lo + span) for _ in range(TRIES)]
