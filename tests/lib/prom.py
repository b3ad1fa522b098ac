"""prom.py - read authmilter's /metrics (Prometheus text format 0.0.4)

parse(text) -> {series: value}: each sample line of an exposition, the
series with its labels as written ('name{a="b"}'), comments skipped.
scrape(port, host="127.0.0.1") -> parse() of GET /metrics there.
get(port, path, host="127.0.0.1") -> (status, body text) of GET path there.
"""
import http.client
import re

SERIES = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\{[^}]*\})?) (\S+)$')


def parse(text):
    """parse - {series: value} of an exposition text (comments skipped)"""
    out = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = SERIES.match(line)
        if m:
            out[m.group(1)] = float(m.group(2))
    return out


def get(port, path, host="127.0.0.1", timeout=10):
    """get - (HTTP status, body text) of GET path on host:port"""
    conn = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        conn.request("GET", path)
        r = conn.getresponse()
        return r.status, r.read().decode("utf-8", "replace")
    finally:
        conn.close()


def scrape(port, host="127.0.0.1", timeout=10):
    """scrape - the series of GET /metrics on host:port"""
    conn = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        conn.request("GET", "/metrics")
        return parse(conn.getresponse().read().decode("utf-8", "replace"))
    finally:
        conn.close()
