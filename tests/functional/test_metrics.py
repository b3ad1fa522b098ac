#!/usr/bin/python3
"""test_metrics - MetricsSocket: GET /metrics scraped before and after a
known set of messages (SPF, DKIM and DMARC served by a DNS server on
loopback) moves each counter by exactly what was sent; the output passes
`promtool check metrics`; /healthz, 404 and 405; config reload counters;
a URL with a newline in libmicrohttpd's messages starts no log line;
a flood of scrapes while mail flows does not stall the mail."""

import http.client
import os
import re
import resource
import signal
import socket
import struct
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
import daemon  # noqa: E402
import dkim_keys  # noqa: E402
import dns_testserver  # noqa: E402
import milter_client  # noqa: E402
from prom import parse  # noqa: E402
from shim import shim_env  # noqa: E402
import time_scale  # noqa: E402
import tmpdir  # noqa: E402
from tap import TAP, ci  # noqa: E402

try:
    import dkim  # noqa: F401
    import yaml  # noqa: F401
    HAVE_LIBS = None
except ImportError as e:  # reported through t.need below
    HAVE_LIBS = "python3-dkim and python3-yaml (%s)" % e

SCALE = time_scale.factor()
PROMTOOL = "/usr/bin/promtool"
GOOD_IP = "192.0.2.10"
BAD_IP = "198.51.100.66"
N_PASS = 3
N_SPOOF = 2
N_SIGNED = 1
# Scrapes in the flood (fewer under valgrind/ASan, which run ~5x slower).
FLOOD = int(2000 / SCALE)
# Messages sent while the flood lasts: at least the first, at most the
# second (a bound on the loop).
FLOOD_MESSAGES = 20
FLOOD_MESSAGES_MAX = 2000
# A message during the flood must finish well within this.
FLOOD_MESSAGE_BOUND_S = 5.0 * SCALE


def zone(pub):
    z = {}
    for dom, dmarc in (("pass.test", "v=DMARC1; p=reject"),
                       ("reject.test", "v=DMARC1; p=reject")):
        z[dom] = [{"TXT": "v=spf1 ip4:192.0.2.0/24 -all"}]
        z["s1._domainkey." + dom] = [{"TXT": "v=DKIM1; k=rsa; p=" + pub}]
        z["_dmarc." + dom] = [{"TXT": dmarc}]
    z["sf.test"] = ["SERVFAIL"]
    return z


def msg(from_dom, subject):
    return (b"From: Alice <alice@" + from_dom.encode() + b">\r\n"
            b"To: bob@example.net\r\nSubject: " + subject.encode() + b"\r\n"
            b"Date: Sat, 28 Nov 2026 10:00:00 +0000\r\n"
            b"Message-ID: <" + subject.encode() + b"@x.test>\r\n\r\n"
            b"Hello Bob,\r\nthis is a test.\r\n")


sign = dkim_keys.relaxed_signed  # relaxed/relaxed, h=from:to:subject:date


def get(port, path, method="GET", conn=None):
    """get - one request; (status, body text)"""
    own = conn is None
    if own:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10 * SCALE)
    try:
        conn.request(method, path)
        r = conn.getresponse()
        return r.status, r.read().decode("utf-8", "replace"), r.getheader(
            "Content-Type", "")
    finally:
        if own:
            conn.close()


def scrape(port):
    return parse(get(port, "/metrics")[1])


def delta(before, after, series):
    return after.get(series, 0.0) - before.get(series, 0.0)


def check_counters(t, before, after):
    """check_counters - every counter moved by exactly what was sent"""
    want = {
        'authmilter_messages_total{stage="eom",verdict="accept"}': N_PASS + N_SIGNED,
        'authmilter_messages_total{stage="eom",verdict="reject"}': N_SPOOF,
        'authmilter_messages_total{stage="mail_from",verdict="reject"}': 0,
        'authmilter_results_total{method="spf",result="pass"}': N_PASS,
        'authmilter_results_total{method="spf",result="fail"}': N_SPOOF,
        'authmilter_results_total{method="dkim",result="pass"}': N_PASS,
        'authmilter_results_total{method="dkim",result="none"}': N_SPOOF,
        'authmilter_results_total{method="dmarc",result="pass"}': N_PASS,
        'authmilter_results_total{method="dmarc",result="fail"}': N_SPOOF,
        'authmilter_results_total{method="arc",result="pass"}': 0,
        'authmilter_dkim_signatures_total{algorithm="rsa-sha256",key_size="2048"}': N_PASS,
        'authmilter_dkim_signed_total{domain="example.com",selector="m1",'
        'algorithm="rsa-sha256"}': N_SIGNED,
        'authmilter_dkim_sign_failures_total': 0,
        'authmilter_message_duration_seconds_count': N_PASS + N_SPOOF + N_SIGNED,
        'authmilter_message_duration_seconds_bucket{le="+Inf"}':
            N_PASS + N_SPOOF + N_SIGNED,
        'authmilter_report_rows_queued_total': 0,
        'authmilter_report_rows_stored_total': 0,
        'authmilter_report_rows_dropped_total{reason="queue_full"}': 0,
        'authmilter_report_rows_dropped_total{reason="refused"}': 0,
    }
    bad = ["%s moved %g, want %d" % (k, delta(before, after, k), v)
           for k, v in want.items() if delta(before, after, k) != v]
    t.ok(not bad, "each counter moved by exactly what was sent (%d series)"
         % len(want), diag="\n".join(bad))
    helo = sum(delta(before, after, 'authmilter_results_total{method="spf_helo",'
                     'result="%s"}' % r) for r in ("none", "pass", "fail"))
    t.is_eq(helo, N_PASS + N_SPOOF, "one HELO SPF result per verified message")
    queries = delta(before, after, "authmilter_dns_queries_total")
    answers = sum(v - before.get(k, 0.0) for k, v in after.items()
                  if k.startswith("authmilter_dns_answers_total{"))
    cancelled = delta(before, after, "authmilter_dns_queries_cancelled_total")
    t.ok(queries > 0 and answers + cancelled == queries and
         delta(before, after, "authmilter_dns_answer_duration_seconds_count") == answers,
         "DNS: every lookup asked is answered (counted and timed) or cancelled",
         diag="queries %g answers %g cancelled %g" % (queries, answers, cancelled))
    t.ok(delta(before, after, "authmilter_dns_cache_hits_total") > 0,
         "DNS: repeated lookups counted as cache hits")
    kept = delta(before, after, "authmilter_spf_results_kept_total")
    t.ok(kept >= N_PASS + N_SPOOF - 2,
         "SPF: the same client and sender domain again is answered from "
         "the kept result", diag="kept %g" % kept)
    t.is_eq(after.get("authmilter_connections_open"), 0.0,
            "no connection open once the messages are done")


def check_servfail(t, d, port):
    """a sender domain whose server fails: SPF temperror, SERVFAIL counted"""
    before = scrape(port)
    d.send_message(msg("sf.test", "servfail"), client_ip=BAD_IP,
                   mail_from="<x@sf.test>")
    after = scrape(port)
    judged = sum(v - before.get(k, 0.0) for k, v in after.items()
                 if k.startswith("authmilter_messages_total{"))
    t.ok(judged == 1 and delta(before, after, 'authmilter_results_total'
                               '{method="spf",result="temperror"}') == 1 and
         delta(before, after, 'authmilter_dns_answers_total{status="servfail"}') >= 1,
         "SERVFAIL: one message, spf temperror, the failed answers counted",
         diag="judged %g, servfail %g" % (judged, delta(
             before, after, 'authmilter_dns_answers_total{status="servfail"}')))


def check_http(t, port):
    status, body, ctype = get(port, "/metrics")
    t.ok(status == 200 and ctype.startswith("text/plain; version=0.0.4"),
         "GET /metrics: 200 with the 0.0.4 content type", diag=ctype)
    t.ok(re.search(r'^authmilter_build_info\{version="[^"]+"\} 1$', body, re.M),
         "build info carries the version")
    t.is_eq(get(port, "/nope")[0], 404, "unknown path: 404")
    status, body_head, ctype = get(port, "/metrics", method="HEAD")
    t.ok(status == 200 and body_head == ""
         and ctype.startswith("text/plain; version=0.0.4"),
         "HEAD /metrics: 200, the headers of GET and no body",
         diag="%s %r" % (status, ctype))
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10 * SCALE)
    try:
        conn.request("POST", "/metrics")
        r = conn.getresponse()
        r.read()
        allow = r.status, r.getheader("Allow")
    finally:
        conn.close()
    t.is_eq(allow, (405, "GET, HEAD"), "POST: 405 with the Allow header "
            "RFC 9110 15.5.6 asks for")
    status, health, _ = get(port, "/healthz")
    t.ok(status == 200 and health == "ok\n", "GET /healthz: 200 while the "
         "milter socket accepts", diag="%s %r" % (status, health))
    return body


def check_promtool(t, text):
    if not os.access(PROMTOOL, os.X_OK):
        if ci():
            t.ok(False, "promtool check metrics", diag="%s missing under CI "
                 "(Debian package prometheus)" % PROMTOOL)
        else:
            t.skip("promtool check metrics", "%s not installed" % PROMTOOL)
        return
    p = subprocess.run([PROMTOOL, "check", "metrics"], input=text.encode(),
                       capture_output=True, timeout=60)
    t.ok(p.returncode == 0 and not p.stdout.strip() and not p.stderr.strip(),
         "promtool check metrics: no problem",
         diag=(p.stdout + p.stderr).decode(errors="replace")[-2000:])


def check_reload(t, d, port, opts):
    before = scrape(port)
    t.ok(before.get('authmilter_config_reloads_total{result="ok"}') == 0 and
         before.get('authmilter_config_reloads_total{result="refused"}') == 0,
         "the start counts no reload", diag=repr({k: v for k, v in
                                                  before.items() if "reload" in k}))
    d.write_config(opts)
    d.reload()
    t.ok(d.wait_for_log(r"configuration reloaded", timeout=5 * SCALE),
         "reload accepted")
    mid = scrape(port)
    with open(d.conf_path, "a") as f:
        f.write("NoSuchOption 1\n")
    d.reload()
    t.ok(d.wait_for_log(r"reload of .* refused", timeout=5 * SCALE),
         "broken reload refused")
    after = scrape(port)
    t.ok(delta(before, after, 'authmilter_config_reloads_total{result="ok"}') == 1
         and delta(before, after,
                   'authmilter_config_reloads_total{result="refused"}') == 1,
         "reloads counted: 1 ok, 1 refused")
    ts = "authmilter_config_last_reload_success_timestamp_seconds"
    t.ok(before[ts] > 0 and mid[ts] >= before[ts] and after[ts] == mid[ts] and
         abs(mid[ts] - time.time()) < 60,
         "last good load timestamp set at start, moved by the good reload only",
         diag="%s %s %s" % (before[ts], mid[ts], after[ts]))


def flood(t, d, port, pem):
    """flood - FLOOD scrapes from a thread while messages flow"""
    errors, done = [], [0]

    def scraper():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10 * SCALE)
        try:
            for _ in range(FLOOD):
                status = get(port, "/metrics", conn=conn)[0]
                if status != 200:
                    errors.append(status)
                done[0] += 1
        except (OSError, http.client.HTTPException) as e:
            errors.append(repr(e))
        finally:
            conn.close()

    th = threading.Thread(target=scraper)
    th.start()
    slowest, bad, sent = 0.0, [], 0
    for i in range(FLOOD_MESSAGES_MAX):
        if i >= FLOOD_MESSAGES and not th.is_alive():
            break
        sent += 1
        start = time.monotonic()
        res = d.send_message(sign(msg("pass.test", "flood%d" % i), "pass.test",
                                  pem), client_ip=GOOD_IP,
                             mail_from="<a@pass.test>")
        slowest = max(slowest, time.monotonic() - start)
        if res.disposition != "accept":
            bad.append(repr(res))
    th.join(timeout=120 * SCALE)
    t.ok(not th.is_alive() and not errors and done[0] == FLOOD,
         "%d scrapes during the flood all answered 200" % FLOOD,
         diag="done %d, errors %r" % (done[0], errors[:5]))
    t.ok(not bad and slowest < FLOOD_MESSAGE_BOUND_S,
         "%d messages sent while the scrapes ran all accepted, slowest "
         "%.3f s (< %.1f s)" % (sent, slowest, FLOOD_MESSAGE_BOUND_S),
         diag="\n".join(bad[:3]))


def run_cases(t, tmp, srv, pem):
    port = milter_client.free_port()
    keyfile = os.path.join(tmp, "m1.pem")
    with open(keyfile, "wb") as f:
        f.write(pem)
    os.chmod(keyfile, 0o600)
    opts = {"Nameservers": "127.0.0.1@%d" % srv.port, "DNSTimeout": "2s",
            "InternalHosts": "10.9.0.0/16", "MetricsSocket":
            "inet:%d@127.0.0.1" % port, "Domain": "example.com",
            "Selector": "m1", "KeyFile": keyfile}
    with daemon.Daemon(options=opts) as d:
        # the milter socket opens first, the metrics server right after
        t.ok(d.wait_for_log(r"metrics on inet:%d@127\.0\.0\.1" % port,
                            timeout=10 * SCALE), "metrics server started")
        body = check_http(t, port)
        check_promtool(t, body)
        before = parse(body)
        for i in range(N_PASS):
            d.send_message(sign(msg("pass.test", "good%d" % i), "pass.test", pem),
                           client_ip=GOOD_IP, mail_from="<a@pass.test>")
        for i in range(N_SPOOF):
            d.send_message(msg("reject.test", "spoof%d" % i), client_ip=BAD_IP,
                           mail_from="<x@reject.test>")
        d.send_message(msg("example.com", "out"), client_ip="10.9.1.2",
                       mail_from="<a@example.com>")
        # the MTA side has closed; libmilter ends the session right after
        deadline = time.monotonic() + 5 * SCALE
        while True:
            status, text, _ = get(port, "/metrics")
            if parse(text).get("authmilter_connections_open") == 0 or \
                    time.monotonic() > deadline:
                break
            time.sleep(0.02)
        check_counters(t, before, parse(text))
        with d.client() as c:
            t.is_eq(scrape(port).get("authmilter_connections_open"), 1.0,
                    "an open MTA connection shows in connections_open")
            c.quit()
        check_servfail(t, d, port)
        check_promtool(t, text)
        check_reload(t, d, port, opts)
        flood(t, d, port, pem)
        t.ok(not re.search(r"(warn|error): metrics", d.log()),
             "no warning from the metrics server", diag=d.log_tail(5))
        rc = d.stop()
        t.is_eq(rc, 0, "SIGTERM with the metrics server running: exit 0")
        try:
            get(port, "/healthz")
            gone = False
        except OSError:
            gone = True
        t.ok(gone, "metrics port closed after stop")


def oversized_request(port):
    """oversized_request - one request whose header is larger than the
    server's memory for a connection: libmicrohttpd answers 431 and says
    so (a message for the log, one for each)"""
    s = socket.create_connection(("127.0.0.1", port), timeout=5 * SCALE)
    try:
        s.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\nX-Big: " +
                  b"a" * 40000 + b"\r\n\r\n")
        return s.recv(64)
    finally:
        s.close()


def connection_flood(t, idle_at_stop=False):
    """More connections than the metrics server takes (32), held open: the
    server waits out the flood (poll(): the connections beyond its limit
    wait in the listen queue) and answers again once it ends. Then ten
    requests too large for it: of libmicrohttpd's ten messages the log
    gets at most 5 a minute and the count of the rest at the stop.
    idle_at_stop: an idle MTA connection is open at the stop, which then
    exits without freeing (main.c): the count must be logged on that path
    too."""
    what = "connection flood" + (", idle MTA connection at the stop"
                                 if idle_at_stop else "")
    names = [what + ": at most 5 libmicrohttpd messages logged",
             what + ": /metrics answers after it",
             what + ": the stop logs how many were not"]
    port = milter_client.free_port()
    d = daemon.Daemon(options={"MetricsSocket": "inet:%d" % port})
    d.start()
    held = []
    try:
        d.wait_for_log(r"metrics on", timeout=10 * SCALE)
        for _ in range(300):
            try:
                held.append(socket.create_connection(("127.0.0.1", port),
                                                     timeout=2))
            except OSError:
                pass
        time.sleep(0.5 * SCALE)
        for c in held:
            c.close()
        held = []
        deadline = time.monotonic() + 10 * SCALE
        status = None
        while status != 200 and time.monotonic() < deadline:
            try:
                status = get(port, "/metrics")[0]
            except OSError:
                time.sleep(0.1)
        # ten messages: the log takes 5, the stop counts the rest
        answers = []
        for _ in range(10):
            try:
                answers.append(oversized_request(port)[:12])
            except OSError as e:
                answers.append(repr(e))
        time.sleep(0.2 * SCALE)
        logged = len(re.findall(r"warn: metrics: ", d.log()))
        t.ok(logged == 5 and answers == [b"HTTP/1.1 431"] * 10, names[0],
             diag="%d logged; answers %r" % (logged, answers))
        t.is_eq(status, 200, names[1])
        if idle_at_stop:
            idle = d.client()
            held.append(idle)
            idle.conn("client.example", "192.0.2.9")
        d.stop()
        more = re.search(r"metrics: (\d+) more libmicrohttpd message\(s\) "
                         r"not logged \(at most 5 a minute\)", d.log())
        # the ten 431s beyond the five logged, and any of the flood's
        t.ok(more is not None and 5 <= int(more.group(1)) < 1000
             and (not idle_at_stop or "still open; exiting without "
                  "freeing" in d.log()), names[2], diag=d.log_tail(4))
    finally:
        for c in held:
            c.close()
        d.stop()
        d.cleanup()


def url_in_log(t, tmp):
    """libmicrohttpd names the request's URL, percent-decoded, when it
    cannot send the answer (the client reset the connection): a "%0A" in
    it must not start a line of the log, which would let anyone who
    reaches MetricsSocket write lines that look like the daemon's.
    send_fail.so makes the 404 answer's send fail as a reset would (a
    real reset wins that race only now and then)."""
    name = "a URL with %0A in libmicrohttpd's message starts no log line"
    env = shim_env(t, tmp, "send_fail", [name],
                   SEND_FAIL_PREFIX="HTTP/1.1 404")
    if env is None:
        return
    forged = "authmilter[1]: info: qid=FORGED verdict=accept"
    port = milter_client.free_port()
    with daemon.Daemon(options={"MetricsSocket": "inet:%d" % port},
                       env=env) as d:
        d.wait_for_log(r"metrics on", timeout=10 * SCALE)
        s = socket.create_connection(("127.0.0.1", port), timeout=5 * SCALE)
        try:
            s.sendall(b"GET /metrics%0A" + forged.replace(" ", "%20").encode()
                      + b" HTTP/1.1\r\nHost: x\r\n\r\n")
            named = d.wait_for_log(r"request for `/metrics",
                                   timeout=5 * SCALE)
        finally:
            s.close()
        log = d.log()
    t.ok(named and not any(line.startswith(forged) for line in log.split("\n"))
         and "`/metrics\\x0a" + forged in log, name, diag=log[-1500:])
    # the newline ending libmicrohttpd's message is dropped, not escaped
    t.ok(named and not re.search(r"\\x0[ad]$", log, re.M),
         "libmicrohttpd's message ends without an escaped newline",
         diag=log[-1500:])


def thread_uids(pid):
    """thread_uids - {thread name: set of real/effective uids}"""
    out = {}
    for tid in os.listdir("/proc/%d/task" % pid):
        name, uids = "?", set()
        with open("/proc/%d/task/%s/status" % (pid, tid)) as f:
            for line in f:
                if line.startswith("Name:"):
                    name = line.split()[1]
                elif line.startswith("Uid:"):
                    uids = set(int(x) for x in line.split()[1:])
        out.setdefault(name, set()).update(uids)
    return out


def inet6_and_user(t):
    """inet6 MetricsSocket, and the HTTP thread drops privileges with the
    rest of the daemon (needs root to start as root)"""
    names = ["inet6 MetricsSocket: /healthz 200 over ::1",
             "every thread, the HTTP one too, runs as UserID nobody"]
    if not t.need(root=True, check=lambda: None if os.path.exists(
            "/proc/self/task") else "no /proc", what="privilege drop",
            tests=names):
        return
    import pwd
    port = milter_client.free_port(socket.AF_INET6, "::1")
    opts = {"MetricsSocket": "inet6:%d@[::1]" % port, "UserID": "nobody",
            "RunAsRoot": None}
    with daemon.Daemon(options=opts) as d:
        # the milter socket accepts before privileges are dropped
        d.wait_for_log(r"running as nobody", timeout=10 * SCALE)
        conn = http.client.HTTPConnection("::1", port, timeout=10 * SCALE)
        try:
            status = get(port, "/healthz", conn=conn)[0]
        finally:
            conn.close()
        t.is_eq(status, 200, names[0])
        uids = thread_uids(d.pid)
        nobody = pwd.getpwnam("nobody").pw_uid
        t.ok(len(uids) > 1 and all(u == {nobody} for u in uids.values()),
             names[1], diag=repr(uids))


def check_threads_block_signals(t, pid):
    """every thread but the main one, libmicrohttpd's included, blocks
    SIGHUP, SIGINT and SIGTERM: the main thread alone takes them"""
    name = "the HTTP thread, like every other, blocks SIGHUP, SIGINT, SIGTERM"
    if not os.path.isdir("/proc/%d/task" % pid):
        t.skip(name, "no /proc")
        return
    want = (1 << (signal.SIGHUP - 1) | 1 << (signal.SIGINT - 1)
            | 1 << (signal.SIGTERM - 1))
    masks = {}
    for tid in os.listdir("/proc/%d/task" % pid):
        if int(tid) == pid:
            continue
        with open("/proc/%d/task/%s/status" % (pid, tid)) as f:
            fields = dict(line.split(":", 1) for line in f if ":" in line)
        masks[tid] = (fields["Name"].strip(), int(fields["SigBlk"], 16))
    t.ok(masks and all(m & want == want for _, m in masks.values()), name,
         diag=repr(masks))


def healthz_follows_socket(t):
    """/healthz says 503 while the milter socket cannot be reached (its
    unix path moved away) and 200 again once it is back"""
    port = milter_client.free_port()
    with daemon.Daemon(options={"MetricsSocket": "inet:%d" % port},
                       socket="unix") as d:
        d.wait_for_log(r"metrics on", timeout=10 * SCALE)
        path = d.spec.split(":", 1)[1]
        first = get(port, "/healthz")[0]
        os.rename(path, path + ".away")
        try:
            away = get(port, "/healthz")
        finally:
            os.rename(path + ".away", path)
        back = get(port, "/healthz")[0]
        check_threads_block_signals(t, d.pid)
    t.ok(first == 200 and away[0] == 503 and "not accepting" in away[1] and
         back == 200, "/healthz: 200, 503 while the unix socket is gone, "
         "200 again; loopback default address", diag="%s %s %s" % (first, away, back))


def config_errors(t):
    for value, why in (("inet:99999@127.0.0.1", "port must be"),
                       ("inet:9100@localhost", "address must be a numeric IPv4"),
                       ("unix:/tmp/x", "expected inet:PORT@ADDRESS")):
        d = daemon.Daemon(options={"MetricsSocket": value})
        try:
            p = d.check_config()
        finally:
            d.cleanup()
        t.ok(p.returncode != 0 and
             re.search(r":\d+: MetricsSocket: " + why, p.stdout + p.stderr),
             "MetricsSocket %s refused with file:line" % value,
             diag=p.stdout + p.stderr)


def high_descriptors(t, tmp, srv):
    """A daemon whose descriptors are numbered 1024 and up (a busy one,
    LimitNOFILE raised: Postfix keeps one milter connection per SMTP
    session) still answers /healthz and /metrics and checks mail.
    libmicrohttpd watched its connections with select(), which cannot
    take a descriptor of FD_SETSIZE (1024) or more: it closed each such
    scrape at once, and a health check that restarts on failure would
    restart a daemon for being busy. fd_fill.so takes the descriptors
    below 1100 at start."""
    names = ["descriptors from 1100 up: /healthz 200",
             "descriptors from 1100 up: /metrics 200",
             "descriptors from 1100 up: a message gets its A-R (DNS works)"]
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < 1612:
        try:    # the daemon inherits it; raising a hard limit needs root
            resource.setrlimit(resource.RLIMIT_NOFILE, (soft, 1612))
        except (ValueError, OSError) as e:
            for n in names:
                t.skip(n, "the hard open-files limit here is %d, under the "
                       "1,612 the case needs, and cannot be raised (%s)"
                       % (hard, e))
            return
    env = shim_env(t, tmp, "fd_fill", names, FD_FILL="1100")
    if env is None:
        return
    port = milter_client.free_port()
    opts = {"Nameservers": "127.0.0.1@%d" % srv.port, "DNSTimeout": "2s",
            "MetricsSocket": "inet:%d@127.0.0.1" % port}
    d = daemon.Daemon(options=opts, env=env)
    try:
        d.start()
    except daemon.DaemonError as e:
        for n in names:
            t.ok(False, n, diag=str(e)[-600:])
        d.cleanup()
        return
    try:
        d.wait_for_log(r"metrics on", timeout=10 * SCALE)
        got = []
        for path in ("/healthz", "/metrics"):
            try:
                got.append(get(port, path)[0])
            except (OSError, http.client.HTTPException) as e:
                got.append(repr(e))
        fds = [int(x) for x in os.listdir("/proc/%d/fd" % d.pid)]
        r = d.send_message(msg("pass.test", "high"), client_ip=GOOD_IP,
                           mail_from="<a@pass.test>")
        ar = r.header_values("Authentication-Results")
        t.ok(got[0] == 200 and max(fds) >= 1100, names[0],
             diag="%r; highest descriptor %d; %s" % (got, max(fds),
                                                    d.log_tail(5)))
        t.ok(got[1] == 200, names[1], diag="%r; %s" % (got, d.log_tail(5)))
        t.ok(len(ar) == 1 and "spf=pass" in ar[0], names[2],
             diag="%r; %s" % (ar, d.log_tail(5)))
    finally:
        d.cleanup()


def main():
    t = TAP()
    if not t.need(check=lambda: daemon.missing() or HAVE_LIBS,
                  what="metrics tests"):
        return t.done()
    config_errors(t)
    inet6_and_user(t)
    healthz_follows_socket(t)
    connection_flood(t)
    connection_flood(t, idle_at_stop=True)
    tmp = tmpdir.make("authmilter-metrics-")
    try:
        url_in_log(t, tmp)
        pem, pub = dkim_keys.rsa_key_pair()
        zpath = os.path.join(tmp, "zone.yaml")
        with open(zpath, "w") as f:
            yaml.safe_dump(zone(pub), f)
        try:
            srv = dns_testserver.DnsServer(zpath).__enter__()
        except dns_testserver.ServerError as e:
            t.need(check=lambda reason=str(e): reason, what="DNS server")
            return t.done()
        try:
            run_cases(t, tmp, srv, pem)
            high_descriptors(t, tmp, srv)
        finally:
            srv.stop()
    finally:
        tmpdir.remove(tmp)
    return t.done()


if __name__ == "__main__":
    sys.exit(main())
