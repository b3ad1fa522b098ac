"""port_lane.py - keep concurrent test runs off each other's free ports

    import port_lane
    if port_lane.mine(port): ...      # False: another run's port

A free port is found by binding port 0 and closing the socket; the daemon
binds it later. When two test runs go at once (tests/ci-sanitize.sh runs
its ASan and valgrind parts side by side), the other run may be given
the same port in between. AUTHMILTER_TEST_PORT_LANE="K/N" gives this run
the ports whose number is K modulo N, so the runs never pick the same
one. Unset, every port is ours.
"""
import os


def _lane():
    spec = os.environ.get("AUTHMILTER_TEST_PORT_LANE", "")
    if not spec:
        return None
    k, _, n = spec.partition("/")
    k, n = int(k), int(n)
    if n < 1 or not 0 <= k < n:
        raise ValueError("AUTHMILTER_TEST_PORT_LANE %r: want K/N, 0 <= K < N" % spec)
    return k, n


def mine(port):
    """mine - whether PORT belongs to this run's lane"""
    lane = _lane()
    return lane is None or port % lane[1] == lane[0]


# bind(0) hands out ports at random: with N lanes a few tries find one
TRIES = 200
