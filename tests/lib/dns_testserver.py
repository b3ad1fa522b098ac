"""dns_testserver.py - start and stop tests/lib/dns_server.py from Python tests

    write_zone(zone_file, {"example.test": [{"TXT": "v=spf1 -all"}]})
    with DnsServer(zone_file) as srv:
        ... srv.port, srv.stats() ...

Starts the server on a free loopback port, waits (bounded) for its READY
line, and stops exactly that process (by its PID) on exit.
"""
import json
import os
import select
import signal
import subprocess
import tempfile
import time

SERVER = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'dns_server.py')
START_TIMEOUT_S = 10
# and this much more per MB of zone file: a hunt's 2,000-case YAML zone
# took 13.6 s to load at load 8
START_TIMEOUT_PER_MB_S = 15


def write_zone(path, zone):
    """write_zone - zone (a dict: name -> list of {TYPE: data}) as the YAML
    zone file dns_server.py reads"""
    import yaml
    with open(path, "w") as f:
        yaml.safe_dump(zone, f)


class ServerError(Exception):
    """the test DNS server could not start"""


class DnsServer:
    """DnsServer - one dns_server.py process on 127.0.0.1 (and ::1)"""

    def __init__(self, zone_file, port=0, stats=True, ttl=None):
        """stats=False: no query counts (the server rewrites the stats
        file after every query, which a big zone under load feels);
        ttl: the TTL of every answer (None: the server's default)"""
        self.zone_file = zone_file
        self.port = port
        self.proc = None
        self.stats_file = None
        self.want_stats = stats
        self.ttl = ttl

    def __enter__(self):
        args = ['/usr/bin/python3', SERVER, '--zone', self.zone_file,
                '--port', str(self.port)]
        if self.ttl is not None:
            args += ['--ttl', str(self.ttl)]
        if self.want_stats:
            fd, self.stats_file = tempfile.mkstemp(prefix='dns-stats-',
                                                   suffix='.json')
            os.close(fd)
            args += ['--stats', self.stats_file]
        self.proc = subprocess.Popen(
            args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        mb = os.path.getsize(self.zone_file) / 1e6
        # a given port may be held for a moment (dns_server.py waits
        # up to FIXED_PORT_WAIT_S for it)
        deadline = time.monotonic() + START_TIMEOUT_S + \
            START_TIMEOUT_PER_MB_S * mb + (10 if self.port else 0)
        while time.monotonic() < deadline:
            r, _, _ = select.select([self.proc.stdout], [], [], 0.2)
            if r:
                line = self.proc.stdout.readline()
                if line.startswith('READY'):
                    self.port = int(line.split()[1])
                    return self
                if not line:
                    break
            if self.proc.poll() is not None:
                break
        err = ''
        if self.proc.poll() is not None:
            err = self.proc.stderr.read()[-300:]
        self.stop()
        raise ServerError('DNS test server did not start: ' + err)

    def stats(self):
        """stats - {"total": N, "queries": {"name TYPE": N}}"""
        with open(self.stats_file) as f:
            return json.load(f)

    def stop(self):
        """stop - end our server process, by PID, bounded"""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        if self.proc is not None:
            for f in (self.proc.stdout, self.proc.stderr):
                if f:
                    f.close()
        self.proc = None
        if self.stats_file and os.path.exists(self.stats_file):
            os.unlink(self.stats_file)
            self.stats_file = None

    def __exit__(self, *exc):
        self.stop()
        return False
