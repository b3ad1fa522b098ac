#!/usr/bin/python3
"""report-bench.py - how fast authmilter-report aggregates a large store,
and how many bytes a row takes (issue 15 "Speed"). Not a test.

    contrib/bench/report-bench.py [--rows N] [--domains D] [--pg]

Fills a fresh store with N synthetic rows (D policy domains, a few
thousand source addresses, a mix of results and DKIM signatures, all in
one completed period), then times one `authmilter-report --dry-run --out`
over it (every report built, gzipped and written; rua addresses are in
each policy domain, so no DNS is asked). SQLite by default; --pg also
runs it on a private PostgreSQL server (as root; tests/lib/pg_server.py).
Prints rows, seconds, rows per second, reports written and bytes per row
(SQLite: the file after a checkpoint; PostgreSQL:
pg_total_relation_size of the messages table)."""

import argparse
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.join(HERE, "..", "..")
sys.path.insert(0, os.path.join(TOP, "tests", "lib"))
REPORT = os.path.join(os.environ.get("top_builddir", TOP), "src",
                      "authmilter-report")
COLS = ("arrival queue_id source_ip header_from envelope_from policy_domain "
        "p sp np adkim aspf testing psd fo pct rua ruf discovery dmarc_result "
        "dkim_aligned spf_aligned disposition override_type override_comment "
        "spf_domain spf_scope spf_result dkim").split()


def rows(n, domains, begin, seed=15):
    rnd = random.Random(seed)
    for i in range(n):
        d = "d%d.example" % rnd.randrange(domains)
        ok = rnd.random() < 0.8
        ip = "198.51.%d.%d" % (rnd.randrange(20), rnd.randrange(200))
        dkim = "%s\ts%d\t%s" % (d, rnd.randrange(2), "pass" if ok else "fail")
        yield (begin + rnd.randrange(86400), "Q%08X" % i, ip, d,
               d if ok else "bounce.example", d, "reject", "", "", "r", "r",
               "n", "u", "", 100, "mailto:dmarc@" + d, "", "treewalk",
               "pass" if ok else "fail", int(ok), int(ok),
               "none" if ok else "reject", "", "", d if ok else
               "bounce.example", "mfrom", "pass" if ok else "fail",
               dkim if rnd.random() < 0.9 else "")


def write_conf(path, store):
    with open(path, "w") as f:
        f.write("ReportStore %s\nReportContact dmarc@bench.example\n"
                "LogTo stderr\nLogLevel warn\nNameservers 127.0.0.1@9\n"
                % store)


def time_job(conf, out, begin):
    t0 = time.monotonic()
    r = subprocess.run(["nice", REPORT, "-c", conf, "--dry-run", "--out",
                        out, "--period", str(begin), str(begin + 86400)],
                       capture_output=True, text=True)
    dt = time.monotonic() - t0
    if r.returncode != 0:
        sys.exit("authmilter-report failed: " + r.stderr[-2000:])
    return dt, len([f for f in os.listdir(out) if f.endswith(".xml.gz")])


def bench_sqlite(n, domains, tmp, begin):
    db = os.path.join(tmp, "bench.db")
    conf = os.path.join(tmp, "sqlite.conf")
    write_conf(conf, "sqlite:" + db)
    open(db, "w").close()       # only the daemon makes a store file
    subprocess.run([REPORT, "-c", conf, "--stats"], check=True,
                   capture_output=True)          # makes the schema
    con = sqlite3.connect(db)
    con.executemany("INSERT INTO messages (%s) VALUES (%s)" % (
        ",".join(COLS), ",".join("?" * len(COLS))), rows(n, domains, begin))
    con.commit()
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    size = os.path.getsize(db)
    out = os.path.join(tmp, "out-sqlite")
    os.mkdir(out)
    dt, reports = time_job(conf, out, begin)
    return dt, reports, size / n


def bench_pg(n, domains, tmp, begin):
    import pg_server
    why = pg_server.missing()
    if why:
        sys.exit("--pg: " + why)
    with pg_server.PgServer() as pg:
        conf = os.path.join(tmp, "pg.conf")
        write_conf(conf, pg.uri)
        subprocess.run([REPORT, "-c", conf, "--stats"], check=True,
                       capture_output=True)
        data = "".join("\t".join(str(v).replace("\t", "\\t").replace(
            "\n", "\\n") for v in r) + "\n" for r in rows(n, domains, begin))
        subprocess.run([os.path.join(pg.bin, "psql"), "-h", pg.root, "-U",
                        pg_server.USER, "-d", "postgres", "-q", "-c",
                        "COPY messages (%s) FROM STDIN" % ",".join(COLS)],
                       input=data, text=True, check=True,
                       preexec_fn=pg._as_user)
        pg.psql("ANALYZE messages")
        size = int(pg.psql("SELECT pg_total_relation_size('messages')"))
        out = os.path.join(tmp, "out-pg")
        os.mkdir(out)
        dt, reports = time_job(conf, out, begin)
    return dt, reports, size / n


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1000000)
    ap.add_argument("--domains", type=int, default=1000)
    ap.add_argument("--pg", action="store_true")
    a = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="report-bench-")
    os.chmod(tmp, 0o755)
    begin = (int(time.time()) // 86400 - 2) * 86400
    try:
        runs = [("sqlite", bench_sqlite)] + ([("postgresql", bench_pg)]
                                             if a.pg else [])
        for name, fn in runs:
            dt, reports, bpr = fn(a.rows, a.domains, tmp, begin)
            print("%-10s rows=%d seconds=%.1f rows/s=%.0f reports=%d "
                  "bytes/row=%.0f" % (name, a.rows, dt, a.rows / dt, reports,
                                      bpr))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


main()
