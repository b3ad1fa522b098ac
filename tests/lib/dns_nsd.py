#!/usr/bin/python3
"""dns_nsd.py - run Debian's nsd on a loopback port for tests

As a module:
    with NsdServer(zone_text, 'example.test') as ns:
        ... ns.port ...
As a program (for shell and C tests):
    dns_nsd.py --zone-file FILE --origin ORIGIN [--port N]
prints "READY <port>" once nsd answers, and runs until SIGTERM/SIGINT, then
stops the nsd it started (by PID). Everything lives in a private temporary
directory; nsd listens on 127.0.0.1 and ::1 only, runs in the foreground
(-d) and does not drop privileges or chroot.
"""
import argparse
import os
import select
import signal
import socket
import subprocess
import sys
import time

import dns.message
import dns.query
import dns.rdatatype

import milter_client
import tmpdir

NSD = '/usr/sbin/nsd'
START_TIMEOUT_S = 10


class NsdError(Exception):
    """nsd could not be started"""


def free_port():
    """free_port - a port free for both UDP and TCP on 127.0.0.1, below
    the ephemeral range as milter_client.free_port picks them (nsd binds
    it later; meanwhile an outgoing connection could take a port from
    bind(0))"""
    for _ in range(50):
        port = milter_client.free_port()
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            u.bind(('127.0.0.1', port))
            return port
        except OSError:
            continue
        finally:
            u.close()
    raise NsdError('no free port')


class NsdServer:
    """NsdServer - one nsd process serving one zone"""

    def __init__(self, zone_text, origin, port=0):
        self.zone_text = zone_text
        self.origin = origin.rstrip('.') + '.'
        self.port = port
        self.proc = None
        self.dir = None

    def __enter__(self):
        if not os.access(NSD, os.X_OK):
            raise NsdError('nsd is not installed')
        self.dir = tmpdir.make('authmilter-nsd-')
        tmpdir.at_exit(self.stop)
        self.port = self.port or free_port()
        zf = os.path.join(self.dir, 'zone')
        with open(zf, 'w') as f:
            f.write(self.zone_text)
        conf = os.path.join(self.dir, 'nsd.conf')
        with open(conf, 'w') as f:
            f.write('server:\n'
                    '  ip-address: 127.0.0.1\n'
                    '  ip-address: ::1\n'
                    '  port: %d\n'
                    '  username: ""\n'
                    '  chroot: ""\n'
                    '  zonesdir: "%s"\n'
                    '  pidfile: "%s/nsd.pid"\n'
                    '  xfrdfile: "%s/xfrd.state"\n'
                    '  zonelistfile: "%s/zone.list"\n'
                    '  database: ""\n'
                    '  server-count: 1\n'
                    '  verbosity: 1\n'
                    'remote-control:\n'
                    '  control-enable: no\n'
                    'zone:\n'
                    '  name: "%s"\n'
                    '  zonefile: "%s"\n' % (self.port, self.dir, self.dir,
                                            self.dir, self.dir, self.origin, zf))
        self.proc = subprocess.Popen([NSD, '-d', '-c', conf],
                                     stdout=subprocess.DEVNULL,
                                     stderr=open(os.path.join(self.dir, 'log'), 'w'))
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                break
            try:
                q = dns.message.make_query(self.origin, dns.rdatatype.SOA)
                dns.query.udp(q, '127.0.0.1', port=self.port, timeout=0.3)
                return self
            except Exception:
                time.sleep(0.1)
        log = ''
        try:
            with open(os.path.join(self.dir, 'log')) as f:
                log = f.read()[-300:]
        except OSError:
            pass
        self.stop()
        raise NsdError('nsd did not start: ' + log)

    def stop(self):
        """stop - end our nsd, by PID, bounded; remove the directory
        (kept with KEEP_TEST_TMP)"""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        self.proc = None
        if self.dir:
            tmpdir.remove(self.dir)
            self.dir = None

    def __exit__(self, *exc):
        self.stop()
        return False


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--zone-file', required=True)
    ap.add_argument('--origin', required=True)
    ap.add_argument('--port', type=int, default=0)
    args = ap.parse_args()
    with open(args.zone_file) as f:
        text = f.read()
    stop = []
    signal.signal(signal.SIGTERM, lambda *a: stop.append(1))
    signal.signal(signal.SIGINT, lambda *a: stop.append(1))
    with NsdServer(text, args.origin, args.port) as ns:
        print('READY %d' % ns.port, flush=True)
        while not stop and ns.proc.poll() is None:
            select.select([], [], [], 0.5)
    return 0


if __name__ == '__main__':
    sys.exit(main())
