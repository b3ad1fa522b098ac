#!/usr/bin/python3
"""test_daemon_exit - how the daemon ends when things go wrong.

1. libmilter's listener gives up (16 failed accept() calls in a row): the
   daemon must exit with status 1 so that its supervisor restarts it,
   not live on without a listener. listener_fault.c, preloaded, makes
   accept() fail with EINVAL once a file exists and skips libmilter's
   1..16 s back-off sleeps; the daemon serves a message normally first.
2. A stop under load: SIGTERM waits for the messages in flight only.
   Idle connections (one that served a message, one that said HELO)
   do not hold it: the daemon exits as soon as the message in flight
   ends, well inside ShutdownTimeout 30s, and a MAIL FROM meanwhile, on
   an old or a new connection, is answered 451 4.3.2. A message still in
   flight past ShutdownTimeout 1s (its header fields keep coming, each
   From starting DMARC lookups on the shared resolver) is cut off: the
   daemon exits 0 soon after the timeout, says how many messages and
   connections were left, and does not free the resolver, the
   configuration or the PSL under it (valgrind and ASan runs of this
   test would see the use after free). The report rows queued by then
   are still written (the writer gets a bounded time before the exit),
   and so are the failure reports queued (the failure-report thread gets
   a bounded time too). A second SIGTERM during the wait ends it at
   once (an operator's second Ctrl-C); a SIGHUP does not. A message
   refused or accepted at MAIL FROM is over there: its idle connection
   does not hold the stop.
3. A ReportSendmail that hangs (a stuck queue): at SIGTERM the daemon
   gives the queued failure reports 3 s, kills the hung submission,
   counts the reports not sent and exits, instead of waiting for it.
4. A SIGHUP while the main thread starts a thread with SIGHUP blocked
   (slowed by a shim that says when) is a reload, not a stop.
5. Only the main thread takes SIGHUP, SIGTERM and SIGINT: libmilter's
   own signal thread no longer waits for them (it stopped the milter on
   any, and the kernel may hand it a process signal). The signals sent
   to every other thread alone (tgkill) change nothing; the process's
   SIGHUP still reloads and its SIGTERM still stops.
"""

import os
import re
import signal
import socket
import sqlite3
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
import daemon  # noqa: E402
import dns_testserver  # noqa: E402
import fake_sendmail  # noqa: E402
import ctypes  # noqa: E402
import milter_client  # noqa: E402
import prom  # noqa: E402
from shim import shim_env  # noqa: E402
import time_scale  # noqa: E402
import tmpdir  # noqa: E402
from tap import TAP, run_parallel  # noqa: E402

SCALE = time_scale.factor()
MSG = (b"From: a@ok.test\r\nTo: b@example.net\r\nSubject: hi\r\n"
       b"Date: Sat, 28 Nov 2026 10:00:00 +0000\r\n"
       b"Message-ID: <1@ok.test>\r\n\r\nhello\r\n")


def signal_takers(pid):
    """signal_takers - the threads of pid (tids) that would take a
    SIGHUP, SIGTERM or SIGINT: those that do not block one of them (a
    thread in sigwait shows the signals it waits for unblocked)"""
    wanted = (1 << (signal.SIGHUP - 1)) | (1 << (signal.SIGTERM - 1)) | \
        (1 << (signal.SIGINT - 1))
    takers = []
    try:
        tids = os.listdir("/proc/%d/task" % pid)
    except OSError:
        return takers
    for tid in tids:
        try:
            with open("/proc/%d/task/%s/status" % (pid, tid)) as f:
                m = re.search(r"^SigBlk:\s*([0-9a-f]+)", f.read(), re.M)
        except OSError:
            continue
        if m and int(m.group(1), 16) & wanted != wanted:
            takers.append(int(tid))
    return sorted(takers)


def wait_libmilter_threads(d):
    """wait_libmilter_threads - until d has its threads (the main one,
    the milter thread, libmilter's listener and signal thread, the
    resolver's): the thread count stops growing for 0.3 s, up to 5 s"""
    deadline = time.time() + 5 * SCALE
    last, since = -1, time.time()
    while time.time() < deadline:
        try:
            n = len(os.listdir("/proc/%d/task" % d.pid))
        except OSError:
            return
        if n != last:
            last, since = n, time.time()
        elif time.time() - since >= 0.3 * SCALE:
            return
        time.sleep(0.05)


def port_of(spec):
    return int(spec.split(":", 1)[1].split("@", 1)[0])


def listener_gives_up(t, tmp, ns):
    names = ["listener fault: daemon served a message first",
             "listener gave up: daemon exits with status 1",
             "listener gave up: the log says why"]
    fault = os.path.join(tmp, "fault")
    env = shim_env(t, tmp, "listener_fault", names, LISTENER_FAULT_FILE=fault)
    if env is None:
        return
    d = daemon.Daemon({"Nameservers": ns, "DNSTimeout": "1s"}, env=env)
    d.start()
    try:
        res = d.send_message(MSG, client_ip="192.0.2.1",
                             mail_from="<a@ok.test>")
        t.ok(res.disposition == "accept", names[0], diag=repr(res))
        with open(fault, "w"):
            pass
        # a connection wakes the listener; accept() then fails 16 times
        # (the daemon may be gone before connect() returns: fine)
        try:
            with socket.create_connection(("127.0.0.1", port_of(d.spec)),
                                          timeout=5):
                rc = d.wait(10 * SCALE)
        except OSError:
            rc = d.wait(10 * SCALE)
        t.is_eq(rc, 1, names[1])
        t.ok(d.wait_for_log(r"listener gave up", timeout=2 * SCALE), names[2],
             diag=d.log_tail(5))
    finally:
        d.stop()
        d.cleanup()


def keep_in_flight(spec, stop, counts):
    """keep_in_flight - start one message and keep sending it header
    fields (a From every other one) until the connection breaks"""
    try:
        c = milter_client.MilterClient(spec, timeout=5 * SCALE).connect()
        c.conn("client.ok.test", "192.0.2.1")
        c.helo("client.ok.test")
        c.mail("<a@ok.test>")
        c.rcpt("<b@example.net>")
        deadline = time.time() + 30 * SCALE
        while time.time() < deadline:
            c.header("From", "a%d@ok.test" % counts["headers"])
            c.header("X-Filler", "%d" % counts["headers"])
            counts["headers"] += 1
            if stop.is_set():
                counts["after_term"] += 1
            time.sleep(0.005)
    except Exception as e:  # the daemon went away: expected
        counts["error"] = repr(e)


def start_in_flight(d, n):
    """start_in_flight - a thread keeping one message of d in flight
    (keep_in_flight), once it has sent n pairs of fields (bounded wait):
    (stop, counts, th)"""
    stop = threading.Event()
    counts = {"headers": 0, "after_term": 0}
    th = threading.Thread(target=keep_in_flight, args=(d.spec, stop, counts))
    th.start()
    deadline = time.time() + 10 * SCALE
    while counts["headers"] < n and time.time() < deadline and \
            th.is_alive():
        time.sleep(0.02)
    return stop, counts, th


def idle_connections_do_not_hold_stop(t, ns):
    """A stop waits for the message in flight, not for idle connections;
    MAIL FROM is tempfailed meanwhile, on old and new connections."""
    names = ["stop under load: MAIL FROM on an idle connection gets 451 4.3.2",
             "stop under load: MAIL FROM on a new connection gets 451 4.3.2",
             "stop under load: the message in flight finishes with its header",
             "stop under load: exit 0 at once after it, not after ShutdownTimeout",
             "stop under load: the log counts the message and the idle connections",
             "stop under load: each 451 logged (stage=mail_from why=stopping)",
             "stop under load: each 451 counted on /metrics",
             "stop under load: GET /healthz 503 (stopping) while the "
             "socket still accepts"]
    port = milter_client.free_port()
    d = daemon.Daemon({"ShutdownTimeout": "30s", "Nameservers": ns,
                       "DNSTimeout": "1s",
                       "MetricsSocket": "inet:%d@127.0.0.1" % port})
    d.start()
    clients = []
    try:
        served = d.client()	# served a message, then idle
        clients.append(served)
        res = served.send_message(MSG, client_ip="192.0.2.1",
                                  mail_from="<a@ok.test>")
        helo = d.client()	# said HELO, then idle
        clients.append(helo)
        helo.conn("client.ok.test", "192.0.2.2")
        helo.helo("client.ok.test")
        busy = d.client()	# a message in flight
        clients.append(busy)
        busy.conn("client.ok.test", "192.0.2.3")
        busy.helo("client.ok.test")
        busy.mail("<a@ok.test>")
        busy.rcpt("<b@example.net>")
        busy.header("From", "a@ok.test")
        busy.eoh()
        d.signal(signal.SIGTERM)
        d.wait_for_log(r"stopping; 1 message\(s\) in flight", 5 * SCALE)
        resp = helo.mail("<a@ok.test>")
        t.ok(resp.verdict == "replycode" and resp.reply is not None and
             resp.reply.startswith("451 4.3.2 "), names[0], diag=repr(resp))
        late = d.client()
        clients.append(late)
        late.conn("client.ok.test", "192.0.2.4")
        resp = late.mail("<a@ok.test>")
        t.ok(resp.verdict == "replycode" and resp.reply is not None and
             resp.reply.startswith("451 4.3.2 "), names[1], diag=repr(resp))
        refused = re.findall(r"stage=mail_from client_name=\S+ "
                             r"client_ip=(192\.0\.2\.[24]) helo=\S* "
                             r"from=a@ok\.test verdict=tempfail why=stopping",
                             d.log())
        t.ok(sorted(refused) == ["192.0.2.2", "192.0.2.4"], names[5],
             diag=d.log_tail(6))
        series = prom.scrape(port)
        t.is_eq(series.get('authmilter_messages_total{stage="mail_from",'
                           'verdict="tempfail"}'), 2.0, names[6])
        health = prom.get(port, "/healthz")
        t.ok(health[0] == 503 and health[1].startswith("stopping"), names[7],
             diag=repr(health))
        d.signal(signal.SIGHUP)
        t.ok(d.wait_for_log(r"signal 1: no reload, the daemon is stopping",
                            5 * SCALE) and "configuration reloaded"
             not in d.log(), "stop under load: a SIGHUP meanwhile is "
             "said to be no reload", diag=d.log_tail(4))
        time.sleep(0.3 * SCALE)
        t.ok(d.running(), "stop under load: the daemon waits for the "
             "message in flight", diag=d.log_tail(5))
        busy.body(b"hello\r\n")
        resp = busy.eom()
        t0 = time.monotonic()
        kinds = [a.kind for a in resp.actions]
        t.ok(resp.verdict in ("continue", "accept") and "insheader" in kinds
             and res.verdict in ("continue", "accept"), names[2],
             diag="%r %r" % (resp, res))
        rc = d.wait(20 * SCALE)
        took = time.monotonic() - t0
        t.ok(rc == 0 and took < 2 * SCALE, names[3],
             diag="status %r %.2f s after the end of message; %s" %
             (rc, took, d.log_tail(5)))
        t.ok(re.search(r"4 connection\(s\) still open; exiting without "
                       r"freeing", d.log()) is not None and
             "still in flight after ShutdownTimeout" not in d.log(),
             names[4], diag=d.log_tail(8))
    except milter_client.MilterError as e:
        t.ok(False, "stop under load: milter conversation",
             diag=str(e) + d.log_tail(10))
    finally:
        for c in clients:
            c.close()
        d.stop()
        d.cleanup()


def ended_at_mail_from(t, ns):
    """A message refused at MAIL FROM (SPF fail under SPFFailAction
    reject) or passed there (PeerHosts: accept) is over: its idle
    connection, after the ABORT Postfix sends at the end of the
    transaction, does not count as a message in flight, so it does not
    hold a stop for ShutdownTimeout. libmilter drops that ABORT (it is
    back in its HELO state), so nothing else would end the message."""
    names = ["ended at MAIL FROM: the refusal and the accept answered",
             "ended at MAIL FROM: no message in flight at SIGTERM",
             "ended at MAIL FROM: exit 0 at once, not after ShutdownTimeout"]
    d = daemon.Daemon({"ShutdownTimeout": "30s", "Nameservers": ns,
                       "DNSTimeout": "1s", "SPFFailAction": "reject",
                       "PeerHosts": "10.8.0.5"})
    d.start()
    clients = []
    try:
        refused = d.client()
        clients.append(refused)
        refused.conn("client.bad.test", "198.51.100.7")
        refused.helo("client.bad.test")
        r1 = refused.mail("<a@ok.test>")
        refused.abort()
        peer = d.client()
        clients.append(peer)
        peer.conn("peer.test", "10.8.0.5")
        peer.helo("peer.test")
        r2 = peer.mail("<a@ok.test>")
        peer.abort()
        t.ok(r1.verdict == "replycode" and r1.reply is not None and
             r1.reply.startswith("550 5.7.23 ") and r2.verdict == "accept",
             names[0], diag="%r %r" % (r1, r2))
        time.sleep(0.2 * SCALE)	# the ABORTs are read
        t0 = time.monotonic()
        d.signal(signal.SIGTERM)
        t.ok(d.wait_for_log(r"stopping; 0 message\(s\) in flight",
                            5 * SCALE), names[1], diag=d.log_tail(5))
        rc = d.wait(40 * SCALE)
        took = time.monotonic() - t0
        t.ok(rc == 0 and took < 5 * SCALE, names[2],
             diag="status %r after %.2f s; %s" % (rc, took, d.log_tail(5)))
    except milter_client.MilterError as e:
        t.ok(False, "ended at MAIL FROM: milter conversation",
             diag=str(e) + d.log_tail(10))
    finally:
        for c in clients:
            c.close()
        d.stop()
        d.cleanup()


def message_past_timeout(t, ns):
    names = ["message past ShutdownTimeout: header fields served before SIGTERM",
             "message past ShutdownTimeout: daemon exits 0 after the timeout",
             "message past ShutdownTimeout: the message was still going at the end",
             "message past ShutdownTimeout: the log counts the message cut off",
             "message past ShutdownTimeout: the log counts the connection left"]
    d = daemon.Daemon({"ShutdownTimeout": "1s", "Nameservers": ns,
                       "DNSTimeout": "1s"})
    d.start()
    try:
        stop, counts, th = start_in_flight(d, 5)
        t.ok(counts["headers"] >= 5, names[0], diag=repr(counts))
        stop.set()
        rc, took = d.terminate(20 * SCALE)
        th.join(40 * SCALE)
        t.ok(rc == 0 and 0.9 <= took < 1 + 5 * SCALE, names[1],
             diag="status %r after %.2f s; %s" % (rc, took, d.log_tail(5)))
        t.ok(counts["after_term"] > 0, names[2], diag=repr(counts))
        t.ok(d.wait_for_log(r"1 message\(s\) still in flight after "
                            r"ShutdownTimeout; their connections are cut off",
                            timeout=2 * SCALE), names[3], diag=d.log_tail(5))
        t.ok(d.wait_for_log(r"1 connection\(s\) still open; exiting "
                            r"without freeing", timeout=2 * SCALE), names[4],
             diag=d.log_tail(5))
    finally:
        d.stop()
        d.cleanup()


def second_sigterm(t, ns):
    """A second SIGTERM (or SIGINT) while a message is in flight ends the
    wait at once; a SIGHUP then is not taken for one."""
    names = ["second SIGTERM: a SIGHUP during the wait does not end it",
             "second SIGTERM: exit 0 at once, not after ShutdownTimeout",
             "second SIGTERM: the log says the message was not waited for"]
    d = daemon.Daemon({"ShutdownTimeout": "30s", "Nameservers": ns,
                       "DNSTimeout": "1s"})
    d.start()
    try:
        stop, counts, th = start_in_flight(d, 2)
        stop.set()
        d.signal(signal.SIGTERM)
        d.wait_for_log(r"stopping; 1 message\(s\) in flight", 5 * SCALE)
        d.signal(signal.SIGHUP)
        time.sleep(0.5 * SCALE)
        t.ok(d.running(), names[0], diag=d.log_tail(5))
        t0 = time.monotonic()
        d.signal(signal.SIGTERM)
        rc = d.wait(20 * SCALE)
        took = time.monotonic() - t0
        th.join(40 * SCALE)
        t.ok(rc == 0 and took < 2 * SCALE, names[1],
             diag="status %r after %.2f s; %s" % (rc, took, d.log_tail(5)))
        t.ok(re.search(r"signal 15 again: not waiting for the 1 message\(s\) "
                       r"in flight", d.log()) is not None, names[2],
             diag=d.log_tail(6))
    finally:
        d.stop()
        d.cleanup()


def exit_past_timeout(d, msg, ip, sender, then):
    """exit_past_timeout - three messages, then SIGTERM while one message
    stays in flight past ShutdownTimeout; once the daemon says so (its
    exit has begun), run then(); wait for the exit"""
    for n in range(3):
        d.send_message(msg, client_ip=ip, mail_from=sender)
    stop, counts, th = start_in_flight(d, 2)
    stop.set()
    d.signal(signal.SIGTERM)
    d.wait_for_log(r"still in flight after ShutdownTimeout", 10 * SCALE)
    then()
    d.wait(20 * SCALE)
    th.join(40 * SCALE)


def rows_past_timeout(t, tmp, ns):
    """Report rows queued when the daemon exits without freeing (a message
    past ShutdownTimeout) are still written: the store's directory appears
    only after that exit began, so only a writer given time at the exit
    can store them."""
    names = ["exit past ShutdownTimeout: the rows queued before are stored",
             "exit past ShutdownTimeout: no rows reported unwritten"]
    later = os.path.join(tmp, "later")
    d = daemon.Daemon({"ShutdownTimeout": "1s", "Nameservers": ns,
                       "DNSTimeout": "1s",
                       "ReportStore": "sqlite:" + later + "/r.db"})
    d.start()
    try:
        def store_appears():
            os.mkdir(later)
            os.chmod(later, 0o777)
        exit_past_timeout(d, MSG, "192.0.2.1", "<a@ok.test>", store_appears)
        rows = -1
        try:
            db = sqlite3.connect(os.path.join(later, "r.db"))
            rows = db.execute("SELECT COUNT(*) FROM messages").fetchone()[0]
            db.close()
        except sqlite3.Error as e:
            rows = repr(e)
        t.is_eq(rows, 3, names[0])
        t.ok("not written at stop" not in d.log(), names[1],
             diag=d.log_tail(5))
    finally:
        d.stop()
        d.cleanup()


# a failing message of rf.test (its SPF fails from this address, nothing
# aligns): each queues one failure report to ruf@rf.test
RF_MSG = (b"From: a@rf.test\r\nTo: b@example.net\r\nSubject: hi\r\n"
          b"Message-ID: <1@rf.test>\r\n\r\nhello\r\n")


def failure_daemon(tmp, ns, sendmail, extra=None):
    """failure_daemon - a daemon sending failure reports through sendmail"""
    opts = {"ShutdownTimeout": "1s", "Nameservers": ns, "DNSTimeout": "1s",
            "FailureReports": "yes", "ReportContact": "dmarc@mx.test",
            "ReportSendmail": sendmail}
    opts.update(extra or {})
    return daemon.Daemon(opts)


def write_script(path, text):
    with open(path, "w") as f:
        f.write("#!/bin/sh\n" + text)
    os.chmod(path, 0o755)


def failure_reports_past_timeout(t, tmp, ns):
    """The failure reports queued when the daemon exits without freeing (a
    message past ShutdownTimeout) are still sent: the submission program
    waits until the exit began, so only a thread given time at the exit
    can send more than the one under way."""
    names = ["exit past ShutdownTimeout: the failure reports queued before are sent",
             "exit past ShutdownTimeout: the log counts them sent"]
    go = os.path.join(tmp, "go")
    # waits for "go" (bounded), then keeps the message
    script, spool = fake_sendmail.make(
        tmp, "wait-sendmail", before="i=0; while [ ! -e %s ] && "
        "[ $i -lt 200 ]; do sleep 0.1; i=$((i+1)); done" % go)
    d = failure_daemon(tmp, ns, script)
    d.start()
    try:
        exit_past_timeout(d, RF_MSG, "198.51.100.1", "<a@rf.test>",
                          lambda: open(go, "w").close())
        t.is_eq(fake_sendmail.wait_count(spool, 3, 5 * SCALE), 3, names[0])
        t.ok(d.wait_for_log(r"failure reports: 3 sent, 0 over the rate limit, "
                            r"0 dropped \(queue full\), 0 not sent", timeout=2 * SCALE),
             names[1], diag=d.log_tail(8))
    finally:
        d.stop()
        d.cleanup()


def hung_sendmail(t, tmp, ns):
    """A submission program that never ends does not hold the stop: the
    daemon kills it when the stop's 3 s for the queue run out, says so,
    counts the reports not sent, and its process group is gone. A report
    for two ruf addresses whose first submission is killed counts once,
    as a report the stop finds still queued does."""
    names = ["hung ReportSendmail: SIGTERM ends the daemon within the stop's 3 s",
             "hung ReportSendmail: the submission is killed and the reports not sent are counted",
             "hung ReportSendmail: nothing it started is left running"]
    pids = os.path.join(tmp, "hung-pids")
    script = os.path.join(tmp, "hung-sendmail")
    # a child that would outlive a kill of the shell alone
    write_script(script, "sleep 120 & echo $! >> %s\nwait\n" % pids)
    d = failure_daemon(tmp, ns, script)
    d.start()
    try:
        for dom in ("rf2.test", "rf.test"):
            d.send_message(RF_MSG.replace(b"rf.test", dom.encode()),
                           client_ip="198.51.100.1",
                           mail_from="<a@%s>" % dom)
        deadline = time.time() + 5 * SCALE
        while not os.path.exists(pids) and time.time() < deadline:
            time.sleep(0.05)
        rc, took = d.terminate(30 * SCALE)
        t.ok(rc == 0 and took < 3 + 3 * SCALE, names[0],
             diag="status %r after %.2f s; %s" % (rc, took, d.log_tail(8)))
        t.ok(d.wait_for_log(r"failure report rf2\.test: a@rf2\.test: failed: .*"
                            r"not done after \d+ ms: killed",
                            timeout=2 * SCALE) and
             d.wait_for_log(r"failure reports: 0 sent, 0 over the rate limit, "
                            r"0 dropped \(queue full\), 2 not sent \(the stop's "
                            r"3000 ms ran out\)", timeout=2 * SCALE),
             names[1], diag=d.log_tail(8))
        left = []
        with open(pids) as f:
            for p in f.read().split():
                try:
                    with open("/proc/%s/stat" % p) as st:
                        if ") Z " not in st.read():
                            left.append(p)
                except OSError:
                    pass
        t.ok(not left, names[2], diag="still running: %r" % left)
        for p in left:      # our own sleeps, by PID: do not leave them
            os.kill(int(p), signal.SIGKILL)
    finally:
        d.stop()
        d.cleanup()


def unanswered_ruf_check(t, tmp, ns):
    """A ruf destination's check that DNS never answers (DNSTimeout 5s)
    does not hold the stop past its 3 s for the failure reports: the
    lookup is given up when they run out (it used to run to its end). The
    report, for two ruf addresses, counts once as not sent."""
    names = ["unanswered ruf check: SIGTERM ends the daemon within the "
             "stop's 3 s, not DNSTimeout's 5",
             "unanswered ruf check: the report is counted as not sent"]
    script, spool = fake_sendmail.make(tmp, "ruf-sendmail")
    d = failure_daemon(tmp, ns, script, extra={"DNSTimeout": "5s"})
    d.start()
    try:
        d.send_message(RF_MSG.replace(b"rf.test", b"ext.test"),
                       client_ip="198.51.100.1", mail_from="<a@ext.test>")
        time.sleep(0.3 * SCALE)     # the failure thread is in the check now
        rc, took = d.terminate(30 * SCALE)
        t.ok(rc == 0 and took < 3 + 0.7 * SCALE, names[0],
             diag="status %r after %.2f s; %s" % (rc, took, d.log_tail(8)))
        t.ok(d.wait_for_log(r"failure reports: 0 sent, 0 over the rate limit, "
                            r"0 dropped \(queue full\), 1 not sent \(the "
                            r"stop's 3000 ms ran out\)", timeout=2 * SCALE) and
             not fake_sendmail.paths(spool), names[1], diag=d.log_tail(8))
    finally:
        d.stop()
        d.cleanup()


def hup_on_mark(path, stop, sent):
    """hup_on_mark - for each pid slow_thread_start.so appends to path,
    a SIGHUP to it at once (inside the slowed thread start); until stop"""
    seen = 0
    while not stop.is_set():
        try:
            with open(path) as f:
                pids = f.read().split()
        except OSError:
            pids = []
        for p in pids[seen:]:
            try:
                os.kill(int(p), signal.SIGHUP)
                sent.append(p)
            except OSError:
                pass
        seen = len(pids)
        time.sleep(0.005)


def sighup_at_start(t, tmp, ns):
    """A SIGHUP while the main thread starts a thread with SIGHUP blocked
    is a reload, not a stop. slow_thread_start.so slows such starts by
    300 ms and says when one begins; a SIGHUP goes at once. The daemon
    used to start libmilter's thread that way: the SIGHUP stayed pending,
    and libmilter's signal thread, sigwaiting once it ran, took it as a
    stop (exit 0, "libmilter stopped on a signal its own thread
    received"; under ASan, whose slower thread start widens the moment,
    test_daemon's reload case hit it 2 runs in 8)."""
    names = ["SIGHUP while a thread starts: the daemon keeps running",
             "SIGHUP while a thread starts: each one is a reload"]
    marks = os.path.join(tmp, "thread-starts")
    env = shim_env(t, tmp, "slow_thread_start", names,
                   SLOW_THREAD_START_MS="300", SLOW_THREAD_START_MARK=marks)
    if env is None:
        return
    stop, sent = threading.Event(), []
    th = threading.Thread(target=hup_on_mark, args=(marks, stop, sent))
    th.start()
    d = daemon.Daemon({"Nameservers": ns, "DNSTimeout": "1s"}, env=env)
    try:
        d.start()
        # each SIGHUP sent is one reload (libmilter's stop would show only
        # after its listener's 5 s select: the reloads are what to wait for)
        deadline = time.time() + 10 * SCALE
        reloads = 0
        while time.time() < deadline:
            reloads = d.log().count("configuration reloaded")
            if sent and reloads >= len(sent):
                break
            time.sleep(0.1)
        t.ok(sent and d.running() and "libmilter stopped" not in d.log(),
             names[0], diag="SIGHUPs sent: %r; %s" % (sent, d.log_tail(5)))
        t.ok(sent and reloads == len(sent), names[1],
             diag="%d SIGHUPs, %d reloads; %s" % (len(sent), reloads, d.log_tail(5)))
    finally:
        stop.set()
        th.join(5)
        d.stop()
        d.cleanup()


def second_sighup_in_handler(t, tmp, ns):
    """A SIGHUP that arrives while the handler of the one before runs is
    a reload too (two reloads in quick succession: a package hook and a
    configuration tool, say). slow_signal_write.so holds the first
    handler 500 ms and says when; the second SIGHUP goes then. The
    handler used to run with SIGHUP blocked, so the kernel gave the
    second one to libmilter's signal thread, the one thread left that
    accepted it: a stop with status 0, which Restart=on-failure does not
    restart."""
    names = ["second SIGHUP during the first one's handler: the daemon "
             "keeps running",
             "second SIGHUP during the first one's handler: two reloads, "
             "still only the main thread takes the signals"]
    marks = os.path.join(tmp, "handler-marks")
    env = shim_env(t, tmp, "slow_signal_write", names,
                   SLOW_SIGNAL_WRITE_MS="500", SLOW_SIGNAL_WRITE_MARK=marks)
    if env is None:
        return
    d = daemon.Daemon({"Nameservers": ns, "DNSTimeout": "1s"}, env=env)
    d.start()
    try:
        wait_libmilter_threads(d)
        os.kill(d.pid, signal.SIGHUP)
        deadline = time.time() + 5 * SCALE
        while not os.path.exists(marks) and time.time() < deadline:
            time.sleep(0.005)
        os.kill(d.pid, signal.SIGHUP)   # inside the first one's handler
        deadline = time.time() + 10 * SCALE
        reloads = 0
        while time.time() < deadline:
            reloads = d.log().count("configuration reloaded")
            if reloads >= 2:
                break
            time.sleep(0.1)
        t.ok(os.path.exists(marks) and d.running() and
             "libmilter stopped" not in d.log(), names[0],
             diag=d.log_tail(5))
        takers = signal_takers(d.pid)
        t.ok(reloads == 2 and (takers == [d.pid] or wrapped()), names[1],
             diag="%d reloads, threads taking the signals %r; %s"
             % (reloads, takers, d.log_tail(5)))
    finally:
        d.stop()
        d.cleanup()


def wrapped():
    """wrapped - under AUTHMILTER_WRAPPER (valgrind), whose threads' masks
    in /proc are its own, not the program's"""
    return bool(os.environ.get("AUTHMILTER_WRAPPER"))


def signals_only_to_main(t, ns):
    """Only the main thread takes SIGHUP, SIGTERM and SIGINT. libmilter's
    signal thread used to sigwait on them and stop the milter on any, and
    the kernel may give a process signal to any thread waiting for it (the
    main thread busy or with a signal pending): a reload then stopped the
    daemon with status 0, which Restart=on-failure does not restart; seen
    in loaded sanitizer runs of test_security and test_daemon. Sending the
    signals to each other thread by tgkill plays the kernel's choice."""
    names = ["only the main thread takes SIGHUP, SIGTERM and SIGINT",
             "SIGHUP and SIGTERM to each other thread: the daemon keeps "
             "running",
             "then a SIGHUP to the process is a reload",
             "then a SIGTERM to the process stops it with status 0"]
    d = daemon.Daemon({"Nameservers": ns, "DNSTimeout": "1s"})
    d.start()
    try:
        wait_libmilter_threads(d)
        takers = signal_takers(d.pid)
        if wrapped():
            t.skip(names[0], "under %s the threads' masks in /proc are "
                   "its own" % os.environ["AUTHMILTER_WRAPPER"].split()[0])
        else:
            t.ok(takers == [d.pid], names[0],
                 diag="threads taking them %r (main %d)" % (takers, d.pid))
        libc = ctypes.CDLL(None, use_errno=True)
        others = [int(x) for x in os.listdir("/proc/%d/task" % d.pid)
                  if int(x) != d.pid]
        sent = 0
        for tid in others:
            for sig in (signal.SIGHUP, signal.SIGTERM):
                sent += libc.tgkill(d.pid, tid, sig) == 0
        # libmilter's listener would see a stop flag when its 5 s select
        # ends: 5 s of the wall clock at any speed, then the exit, slower
        # under the sanitizers and valgrind (6 * SCALE waited 30 s there)
        rc = d.wait(5 + SCALE)
        t.ok(others and sent == 2 * len(others) and rc is None and
             "libmilter stopped" not in d.log(), names[1],
             diag="%d threads, %d signals sent, status %r; %s"
             % (len(others), sent, rc, d.log_tail(5)))
        if rc is None:
            d.reload()
        t.ok(rc is None and d.wait_for_log(r"configuration reloaded",
                                           timeout=5 * SCALE) is not None,
             names[2], diag=d.log_tail(5))
        t.ok(rc is None and d.stop() == 0, names[3], diag=d.log_tail(5))
    finally:
        d.stop()
        d.cleanup()


def no_openssl_exit_cleanup(t, tmp, ns):
    """OpenSSL registers no cleanup to run at exit in the daemon. Its
    cleanup deleted the thread-local keys of its per-thread state while
    libmilter's connection threads could still be ending: such a thread's
    error state was then never freed (LeakSanitizer reported 904 bytes
    once in a CI run). exit_handlers.so lists the library of every exit
    handler registered."""
    names = ["a DKIM-signed message hashed (OpenSSL in use): exit "
             "handlers seen",
             "no exit handler of OpenSSL's registered"]
    marks = os.path.join(tmp, "exit-handlers")
    env = shim_env(t, tmp, "exit_handlers", names, EXIT_HANDLERS_MARK=marks)
    if env is None:
        return
    signed = (b"DKIM-Signature: v=1; a=rsa-sha256; d=ok.test; s=sel; "
              b"c=relaxed/relaxed; h=from:subject; bh=AAAA; b=AAAA\r\n" + MSG)
    d = daemon.Daemon({"Nameservers": ns, "DNSTimeout": "1s"}, env=env)
    d.start()
    try:
        r = d.send_message(signed, client_ip="192.0.2.1",
                           mail_from="<a@ok.test>")
        ar = " ".join(v for k, v in r.added_headers +
                      [(n, v) for _, n, v in r.inserted_headers]
                      if k.lower() == "authentication-results")
        rc = d.stop()
        try:
            with open(marks) as f:
                libs = f.read().split()
        except OSError:
            libs = []
        t.ok(rc == 0 and "dkim=" in ar and libs, names[0],
             diag="status %r, A-R %r, handlers %r" % (rc, ar, libs))
        t.ok(libs and not any(x.startswith("libcrypto") for x in libs),
             names[1], diag="exit handlers by library: %r" % libs)
    finally:
        d.stop()
        d.cleanup()


def one_by_one(t, tmp, ns):
    """one_by_one - the cases one after the other, as before: many time
    their daemon's stop, and two of them at once would share the CPU"""
    listener_gives_up(t, tmp, ns)
    idle_connections_do_not_hold_stop(t, ns)
    ended_at_mail_from(t, ns)
    message_past_timeout(t, ns)
    second_sigterm(t, ns)
    rows_past_timeout(t, tmp, ns)
    failure_reports_past_timeout(t, tmp, ns)
    hung_sendmail(t, tmp, ns)
    unanswered_ruf_check(t, tmp, ns)
    sighup_at_start(t, tmp, ns)
    second_sighup_in_handler(t, tmp, ns)


def main():
    t = TAP()
    if not t.need(check=daemon.missing, what="daemon exit tests"):
        t.done()
    tmp = tmpdir.make("authmilter-exit-")
    zpath = os.path.join(tmp, "zone.yaml")
    with open(zpath, "w") as f:
        f.write("ok.test:\n- TXT: v=spf1 ip4:192.0.2.0/24 -all\n"
                "_dmarc.ok.test:\n- TXT: v=DMARC1; p=none\n"
                "rf.test:\n- TXT: v=spf1 ip4:192.0.2.0/24 -all\n"
                "_dmarc.rf.test:\n- TXT: v=DMARC1; p=none; ruf=mailto:ruf@rf.test\n"
                "rf2.test:\n- TXT: v=spf1 ip4:192.0.2.0/24 -all\n"
                "_dmarc.rf2.test:\n- TXT: v=DMARC1; p=none; "
                "ruf=mailto:a@rf2.test,mailto:b@rf2.test\n"
                "ext.test:\n- TXT: v=spf1 ip4:192.0.2.0/24 -all\n"
                "_dmarc.ext.test:\n- TXT: v=DMARC1; p=none; ruf=mailto:f@other.test,"
                "mailto:g@other.test\n"
                "ext.test._report._dmarc.other.test:\n- TIMEOUT\n")
    try:
        srv = dns_testserver.DnsServer(zpath).__enter__()
    except dns_testserver.ServerError as e:
        t.need(check=lambda reason=str(e): reason, what="DNS server")
        t.done()
    ns = "127.0.0.1@%d" % srv.port
    try:
        # signals_only_to_main waits 5 s and more on an idle daemon of
        # its own: alongside the rest, reported in the same order
        run_parallel(t, lambda r: one_by_one(r, tmp, ns),
                     lambda r: signals_only_to_main(r, ns),
                     lambda r: no_openssl_exit_cleanup(r, tmp, ns))
    finally:
        srv.stop()
        tmpdir.remove(tmp)
    t.done()


main()
