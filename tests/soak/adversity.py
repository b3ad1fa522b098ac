"""adversity.py - the hostile soak of soak.py --adversity

While contrib/bench/milterload pushes the soak corpus plus hostile
messages (hostile_corpus) through the daemon in rounds, a fault schedule
runs beside it, one fault every --fault-every seconds, in turn:
  reload-keys     KeyTable switched between selector s1 and s2 (SIGHUP)
  dns-slow        the DNS server stops answering the corpus names (it
                  has no delayed answer: the daemon's DNSTimeout cuts)
  drop-abort      a message aborted after its headers (SMFIC_ABORT), then
                  another one on the same connection, which must get its
                  verdict
  reload-hosts    InternalHosts with and without 10.8.0.0/16 (SIGHUP)
  dns-servfail    every corpus name answers SERVFAIL
  drop-body       the socket closed in the middle of a body
  reload-broken   a config the daemon must refuse (unknown option, a
                  KeyTable naming a missing key, an empty file), SIGHUP
  dns-truncate    UDP answers truncated, TCP works
  drop-quit       SMFIC_QUIT after MAIL FROM
  dns-restart     the DNS server stopped, then started again on its port
  dns-notcp       UDP answers truncated and TCP refused
  drop-headers    the socket closed in the middle of the headers
  reload-storm    20 SIGHUPs back to back (the same config): at least one
                  reload, none refused, and the daemon still answers
  dns-outage      the DNS server stopped for OUTAGE_S, then started again;
                  dkim=pass must come back within OUTAGE_RECOVER_S
                  (libunbound alone kept the forwarder backed off for
                  about as long as the outage had lasted; the daemon
                  moves to a new context once its probe is answered,
                  within about 4 s: src/dns/dns_unbound.c,
                  test_dns_recovery)
A DNS fault but dns-outage lasts 0.5 to 4 s under load, then ends; right
after, a probe message must come back within PROBE_LIMIT_S with its
verdict (and, after a DNS fault, dkim=pass again, tried for
RECOVER_LIMIT_S); after a dropped connection the probe only needs its
verdict within PROBE_LIMIT_S. After
each reload a signing probe checks what the running configuration signs:
the selector of the last good KeyTable, and a client of 10.8.0.0/16
signed only when the last good InternalHosts has it; a refused reload
must keep both.

The DNS server answers with TTL 0 (dns_server.py --ttl 0), so no cache
hides a DNS fault: every message asks.

After every round (about --every messages) the load and the faults stop,
and once idle the daemon's VmRSS, open descriptors (/proc/PID/fd), threads
(/proc/PID/task) and its metrics (MetricsSocket: connections open,
reloads) are read. Bounded means: from the warm-up on, descriptors and
threads come back to at most the counts of the first (steady) idle sample
after the warm-up within SETTLE_S, connections_open is 0, and RSS grows by
less than --max-growth KiB (as the plain soak defines it).
"""
import os
import random
import re
import signal
import threading
import time

import daemon
import dns_testserver
import milter_client as mc
import prom
import tmpdir

PROBE_LIMIT_S = 3.0     # a message after a fault, DNS healthy (1 s timeout)
RECOVER_LIMIT_S = 10.0  # dkim=pass again after a DNS fault ends
OUTAGE_RECOVER_S = RECOVER_LIMIT_S  # ... and after dns-outage (see above)
# Idle descriptors and threads back to the baseline within this: queries
# the daemon gave up on stay in libunbound (a socket each) until its own
# timeouts end them; measured: 1-2 above the baseline right after a round
SETTLE_S = 10.0
FAULT_HOLD_S = (0.5, 4.0)       # a DNS fault lasts this long (random)
OUTAGE_S = 20                   # ... but dns-outage this long
INTERNAL_IP = "10.9.0.5"        # in every InternalHosts variant
OPTIONAL_IP = "10.8.0.5"        # in the "wide" variant only
FAULTS = ["reload-keys", "dns-slow", "drop-abort", "reload-hosts",
          "dns-servfail", "drop-body", "reload-broken", "dns-truncate",
          "drop-quit", "dns-restart", "dns-notcp", "drop-headers",
          "reload-storm", "dns-outage"]
DNS_FLAGS = {"dns-slow": ["TIMEOUT"], "dns-servfail": ["SERVFAIL"],
             "dns-truncate": ["TRUNCATE"], "dns-notcp": ["TRUNCATE", "NOTCP"]}
BROKEN = ["unknown-option", "missing-key", "empty"]


def proc_figures(pid):
    """proc_figures - (rss_kib, open fds, threads) of a process"""
    return (daemon.memory_kib(pid), len(os.listdir("/proc/%d/fd" % pid)),
            len(os.listdir("/proc/%d/task" % pid)))


def hostile_corpus(cdir, message, sign, pem):
    """hostile_corpus - NAME.eml/.env for milterload: 300 DKIM-Signature
    fields, a 200 KB header field, 50 ARC sets"""
    signed = sign(message("pass.test", "many-sigs"), "pass.test", pem)
    sig = signed.split(b"\r\n\r\n")[0].split(b"\r\nFrom:")[0]
    fake = [sig.replace(b"s=s1", b"s=x%d" % i) for i in range(300)]
    arc = b"".join(
        b"ARC-Seal: i=%d; a=rsa-sha256; cv=pass; d=arc.test; s=s1; b=AAAA\r\n"
        b"ARC-Message-Signature: i=%d; a=rsa-sha256; d=arc.test; s=s1;"
        b" h=from; bh=AAAA; b=AAAA\r\n"
        b"ARC-Authentication-Results: i=%d; arc.test; dkim=pass\r\n"
        % (i, i, i) for i in range(50, 0, -1))
    msgs = {
        "h-sigs": (b"\r\n".join(fake) + b"\r\n" + signed, "a@pass.test"),
        "h-bigfield": (b"X-Big: " + b"x" * 200000 + b"\r\n" +
                       message("none.test", "big"), "a@none.test"),
        "h-arc": (arc + message("none.test", "arc"), "a@none.test"),
    }
    for name, (raw, mfrom) in msgs.items():
        with open(os.path.join(cdir, name + ".eml"), "wb") as f:
            f.write(raw)
        with open(os.path.join(cdir, name + ".env"), "w") as f:
            f.write("client_ip 198.51.100.66\nclient_name mail.example.net\n"
                    "helo mail.example.net\nmail_from <%s>\n"
                    "rcpt <bob@example.net>\n" % mfrom)


class Adversity:
    """Adversity - the daemon, its DNS server and the fault schedule"""

    def __init__(self, tmp, zone_text, good_msg, seed=1):
        self.tmp = tmp
        self.zone_good = zone_text
        self.zpath = os.path.join(tmp, "zone.yaml")
        self.good_msg = good_msg        # (raw, mail_from) -> dkim=pass
        self.rng = random.Random(seed)
        self.counts = {f: 0 for f in FAULTS}
        self.probe_times = []
        self.problems = []
        self.keys = "s1"            # the last good KeyTable's selector
        self.wide = False           # the last good InternalHosts
        self.broken_n = 0
        self.dns = None
        self.d = None
        self.mport = mc.free_port()

    # ---- set-up ----------------------------------------------------

    def write_zone(self, flags=None):
        """write_zone - the good zone, or every corpus name with flags"""
        text = self.zone_good
        if flags:
            names = re.findall(r"^(\S+):$", text, re.M)
            text = "".join("%s:\n%s" % (n, "".join("  - %s\n" % f
                                                   for f in flags))
                           for n in names)
        with open(self.zpath, "w") as f:
            f.write(text)

    def start_dns(self, port=0):
        """start_dns - our DNS server, TTL 0, on port (0: any)"""
        self.dns = dns_testserver.DnsServer(self.zpath, port=port,
                                            stats=False, ttl=0)
        self.dns.__enter__()

    def key_files(self, pem):
        """key_files - the key, and a KeyTable per selector"""
        key = os.path.join(self.tmp, "key.pem")
        with open(key, "wb") as f:
            f.write(pem)
        os.chmod(key, 0o600)
        self.key_tables = {}
        for sel in ("s1", "s2"):
            kt = os.path.join(self.tmp, "KeyTable." + sel)
            with open(kt, "w") as f:
                f.write("k pass.test:%s:%s\n" % (sel, key))
            self.key_tables[sel] = kt
        st = os.path.join(self.tmp, "SigningTable")
        with open(st, "w") as f:
            f.write("*@pass.test k\n")
        self.signing_table = st

    def options(self, keys=None, wide=None):
        """options - the config for a KeyTable selector and hosts list"""
        keys = keys or self.keys
        wide = self.wide if wide is None else wide
        return {"Nameservers": "127.0.0.1@%d" % self.dns.port,
                "DNSTimeout": "1s", "LogLevel": "warn",
                "MetricsSocket": "inet:%d@127.0.0.1" % self.mport,
                "InternalHosts": "10.9.0.0/16" +
                (", 10.8.0.0/16" if wide else ""),
                "KeyTable": self.key_tables[keys],
                "SigningTable": "refile:" + self.signing_table}

    def start(self, pem):
        """start - DNS server and daemon; returns the Daemon"""
        self.write_zone()
        self.start_dns()
        self.key_files(pem)
        self.d = daemon.Daemon(options=self.options())
        self.d.start()
        return self.d

    def stop(self):
        """stop - the daemon and the DNS server we started"""
        if self.d is not None:
            self.d.stop()
        if self.dns is not None:
            self.dns.stop()

    # ---- measuring -------------------------------------------------

    def metrics(self):
        """metrics - the daemon's /metrics series, {} when unreadable"""
        try:
            return prom.scrape(self.mport, timeout=5)
        except OSError:
            return {}

    def idle_figures(self, want=None):
        """idle_figures - (rss, fds, threads) once idle: waits up to
        SETTLE_S for fds and threads to come down to want (fds, threads),
        or without want for two reads a second apart to agree"""
        deadline = time.monotonic() + SETTLE_S
        last = None
        while True:
            fig = proc_figures(self.d.pid)
            if time.monotonic() > deadline or (
                    want is None and fig[1:] == last) or (
                    want is not None and fig[1] <= want[0] and
                    fig[2] <= want[1]):
                return fig
            last = fig[1:]
            time.sleep(1.0 if want is None else 0.2)

    # ---- probes ----------------------------------------------------

    def probe(self, what, want_pass=False, limit=RECOVER_LIMIT_S):
        """probe - a normal message, timed; with want_pass, tried until
        dkim=pass for limit seconds. Returns seconds of the first"""
        raw, mfrom = self.good_msg
        t0 = time.monotonic()
        first = None
        while True:
            t1 = time.monotonic()
            try:
                r = mc.send_message(self.d.spec, raw,
                                    client_ip="198.51.100.66",
                                    mail_from=mfrom, timeout=PROBE_LIMIT_S * 4)
                ar = " ".join(r.header_values("Authentication-Results"))
            except mc.MilterError as e:
                self.problems.append("probe after %s: %s" % (what, e))
                return None
            took = time.monotonic() - t1
            if first is None:
                first = took
                self.probe_times.append((what, took))
                if took > PROBE_LIMIT_S:
                    self.problems.append("probe after %s took %.1f s"
                                         % (what, took))
                if r.disposition is None:
                    self.problems.append("probe after %s: no verdict" % what)
            if not want_pass or "dkim=pass" in ar:
                return first
            if time.monotonic() - t0 > limit:
                self.problems.append("after %s: no dkim=pass for %.0f s (%s)"
                                     % (what, limit, ar[:200]))
                return first
            time.sleep(0.5)

    def signed_selector(self, client_ip):
        """signed_selector - s= of the signature the daemon adds to a
        message of alice@pass.test from client_ip, or None"""
        raw = (b"From: Alice <alice@pass.test>\r\nTo: bob@example.net\r\n"
               b"Subject: sign probe\r\n"
               b"Date: Sat, 28 Nov 2026 10:00:00 +0000\r\n\r\nHello.\r\n")
        r = mc.send_message(self.d.spec, raw, client_ip=client_ip,
                            mail_from="alice@pass.test",
                            timeout=PROBE_LIMIT_S * 4)
        for v in r.header_values("DKIM-Signature"):
            m = re.search(r"\bs=([a-z0-9]+)", v)
            if m:
                return m.group(1)
        return None

    def check_signing(self, what):
        """check_signing - the running config is the last good one"""
        got = (self.signed_selector(INTERNAL_IP),
               self.signed_selector(OPTIONAL_IP))
        want = (self.keys, self.keys if self.wide else None)
        if got != want:
            self.problems.append("after %s: signing %r, want %r (keys %s, "
                                 "wide %s)" % (what, got, want, self.keys,
                                               self.wide))

    # ---- faults ----------------------------------------------------

    def reload(self, what, opts, extra=None):
        """reload - write opts (plus extra text), SIGHUP, wait until the
        metrics count it; True when the daemon took it"""
        before = self.metrics()
        self.d.write_config(opts)
        if extra is not None:
            with open(self.d.conf_path, "w" if extra == "" else "a") as f:
                f.write(extra)
        self.d.reload()
        keys = ['authmilter_config_reloads_total{result="ok"}',
                'authmilter_config_reloads_total{result="refused"}']
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            now = self.metrics()
            moved = [now.get(k, 0) - before.get(k, 0) for k in keys]
            if sum(moved) >= 1:
                return moved[0] >= 1
            time.sleep(0.1)
        self.problems.append("%s: reload not counted within 5 s" % what)
        return False

    def fault(self, name):
        """fault - inject one fault, hold it, end it, probe"""
        self.counts[name] += 1
        if name == "reload-keys":
            keys = "s2" if self.keys == "s1" else "s1"
            if not self.reload(name, self.options(keys=keys)):
                self.problems.append("reload-keys refused")
            else:
                self.keys = keys
            self.check_signing(name)
        elif name == "reload-hosts":
            if not self.reload(name, self.options(wide=not self.wide)):
                self.problems.append("reload-hosts refused")
            else:
                self.wide = not self.wide
            self.check_signing(name)
        elif name == "reload-broken":
            kind = BROKEN[self.broken_n % len(BROKEN)]
            self.broken_n += 1
            opts = self.options(keys="s2" if self.keys == "s1" else "s1",
                                wide=not self.wide)
            extra = None
            if kind == "unknown-option":
                extra = "NoSuchOption 1\n"
            elif kind == "missing-key":
                kt = os.path.join(self.tmp, "KeyTable.missing")
                with open(kt, "w") as f:
                    f.write("k pass.test:s3:%s\n"
                            % os.path.join(self.tmp, "no-such.pem"))
                opts["KeyTable"] = kt
            else:
                extra = ""
            if self.reload(name + "/" + kind, opts, extra):
                self.problems.append("broken config (%s) taken" % kind)
            self.check_signing(name + "/" + kind)
            self.d.write_config(self.options())     # the file as running
        elif name == "reload-storm":
            before = self.metrics()
            for _ in range(20):
                self.d.reload()
            time.sleep(1.0)
            self.probe(name)
            after = self.metrics()
            key = 'authmilter_config_reloads_total{result="%s"}'
            if after.get(key % "ok", 0) <= before.get(key % "ok", 0) or \
                    after.get(key % "refused", 0) != \
                    before.get(key % "refused", 0):
                self.problems.append("reload-storm: reloads %r -> %r" % (
                    [before.get(key % r) for r in ("ok", "refused")],
                    [after.get(key % r) for r in ("ok", "refused")]))
            self.check_signing(name)
        elif name in DNS_FLAGS:
            self.write_zone(DNS_FLAGS[name])
            self.dns.proc.send_signal(signal.SIGHUP)
            time.sleep(self.rng.uniform(*FAULT_HOLD_S))
            self.write_zone()
            self.dns.proc.send_signal(signal.SIGHUP)
            time.sleep(0.1)
            self.probe(name, want_pass=True)
        elif name in ("dns-restart", "dns-outage"):
            port = self.dns.port
            self.dns.stop()
            time.sleep(OUTAGE_S if name == "dns-outage" else
                       self.rng.uniform(*FAULT_HOLD_S))
            self.start_dns(port)
            self.probe(name, want_pass=True, limit=OUTAGE_RECOVER_S if
                       name == "dns-outage" else RECOVER_LIMIT_S)
        else:
            for _ in range(3):
                self.drop(name)
            self.probe(name)

    def drop(self, name):
        """drop - one milter connection broken off as name says"""
        raw, mfrom = self.good_msg
        headers, body = mc.split_message(raw)
        c = mc.MilterClient(self.d.spec, timeout=PROBE_LIMIT_S * 4)
        try:
            c.connect()
            c.conn("mail.example.net", "198.51.100.66")
            c.helo("mail.example.net")
            c.smtp_done = True
            c.mail(mfrom)
            if name == "drop-quit":
                c.quit()
                return
            c.rcpt("<bob@example.net>")
            c.data()
            for i, (hname, value) in enumerate(headers):
                if name == "drop-headers" and i == len(headers) // 2:
                    c.close()
                    return
                c.header(hname, value if c.leadspc else value[1:]
                         if value.startswith(" ") else value)
            c.eoh()
            if name == "drop-body":
                c.body(body[:len(body) // 2])
                c.close()
                return
            c.abort()       # drop-abort: then reuse the connection
            r = c.send_message(raw, client_ip="198.51.100.66",
                               mail_from=mfrom)
            if r.disposition is None:
                self.problems.append("no verdict after SMFIC_ABORT")
            c.quit()
        except mc.MilterError as e:
            self.problems.append("%s: %s" % (name, e))
        finally:
            c.close()

    def run_faults(self, stop, every_s):
        """run_faults - the schedule, until stop is set"""
        while not stop.wait(every_s * (0.5 + self.rng.random())):
            i = sum(self.counts.values()) % len(FAULTS)
            try:
                self.fault(FAULTS[i])
            except Exception as e:      # noqa: BLE001 - a soak reports all
                self.problems.append("fault %s: %r" % (FAULTS[i], e))


def run_adversity(messages, every, warmup, max_growth, conc, per_conn,
                  time_limit, fault_every, run_round, make_corpus, out=print):
    """run_adversity - the hostile soak; returns a dict of figures

    run_round(spec, cdir, n, conc, per_conn, seconds) -> milterload's
    RESULT; make_corpus(cdir) -> (pem, zone text, (raw, mail_from) of a
    message that passes DKIM). Keys: series [(messages, rss, fds,
    threads, connections_open)], faults {name: count}, probes
    [(fault, seconds)], done, seconds, growth, problems."""
    tmp = tmpdir.make("authmilter-adversity-")
    cdir = os.path.join(tmp, "corpus")
    pem, zone, good = make_corpus(cdir)
    adv = Adversity(tmp, zone, good)
    fig = {"series": [], "done": 0, "problems": adv.problems,
           "faults": adv.counts, "probes": adv.probe_times, "load": []}
    try:
        d = adv.start(pem)
        t0 = time.monotonic()
        base = None
        out("# messages rss_kib fds threads connections_open "
            "(idle) | rss fds threads (under load)")
        while fig["done"] < messages:
            left = time_limit - (time.monotonic() - t0)
            if left <= 30:
                adv.problems.append("time limit reached")
                break
            n = min(every, messages - fig["done"])
            stop = threading.Event()
            faults = threading.Thread(target=adv.run_faults,
                                      args=(stop, fault_every))
            faults.start()
            res = {}

            def load_round():
                try:
                    res.update(run_round(d.spec, cdir, n, conc, per_conn,
                                         max(1, int(left) - 30)))
                except Exception as e:  # noqa: BLE001 - reported below
                    res["error"] = repr(e)
            load = threading.Thread(target=load_round)
            load.start()
            peak = (0, 0, 0)
            while load.is_alive():
                load.join(1.0)
                if d.running():
                    peak = tuple(map(max, peak, proc_figures(d.pid)))
            stop.set()
            faults.join()
            got = int(res.get("messages", 0))
            fig["done"] += got
            if got != n:
                adv.problems.append("round at %d: %d of %d done (%r)"
                                    % (fig["done"], got, n, res))
            if not d.running():
                adv.problems.append("daemon died")
                break
            warm = fig["done"] >= warmup
            rss, fds, threads = adv.idle_figures(base if warm else None)
            conns = adv.metrics().get("authmilter_connections_open", -1)
            if warm and base is None:
                base = (fds, threads)
            elif warm and (fds > base[0] or threads > base[1]):
                adv.problems.append("at %d idle: %d fds, %d threads; "
                                    "baseline %d, %d" % ((fig["done"], fds,
                                                          threads) + base))
            if conns != 0:
                adv.problems.append("at %d idle: connections_open %s"
                                    % (fig["done"], conns))
            fig["series"].append((fig["done"], rss, fds, threads, conns))
            fig["load"].append(peak)
            out("%d %d %d %d %d | %d %d %d" % ((fig["done"], rss, fds,
                                                threads, conns) + peak))
        fig["seconds"] = time.monotonic() - t0
        fig["metrics"] = adv.metrics()
    finally:
        adv.stop()
        tmpdir.remove(tmp)
    warm = [s[1] for s in fig["series"] if s[0] >= warmup]
    fig["rss_warm"] = warm[0] if warm else 0
    fig["growth"] = (max(warm) - warm[0]) if warm else 0
    if fig["done"] < messages:
        adv.problems.append("only %d of %d messages" % (fig["done"], messages))
    if not warm:
        adv.problems.append("no sample after the warm-up")
    if fig["growth"] >= max_growth:
        adv.problems.append("RSS grew %d KiB after warm-up (limit %d)"
                            % (fig["growth"], max_growth))
    return fig
