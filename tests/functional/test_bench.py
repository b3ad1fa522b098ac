#!/usr/bin/python3
"""test_bench - the benchmark tools of issue 7 still work

contrib/bench/ is not run by anything else in the suite, so a renamed
config option or a changed table would only show at the next full
benchmark. This runs:
  - benchcheck.py table on fixed rows: the columns, the authmilter : chain
    ratios and each target judged met or MISS on its figure;
  - benchcheck.py ownwork and counts on fixed rows (issue 18 arithmetic);
  - sysfloor: one line with three positive timings;
  - nullmilter -R negotiates exactly like authmilter: same protocol
    version, actions, protocol steps and macro lists offered to an MTA;
  - run-bench.sh itself, cut down (40 messages, null milter, the -R floor
    and authmilter, concurrency 4, 1 s per point, fresh and reused
    connections, perf counts over 40 messages; about 60 s, root for its
    private network namespace): every milter passes the correctness check
    and gets a table row in both modes, the own-work and counts tables
    are printed.
Speed is not judged here: only a benchmark run says anything about speed."""
import os
import re
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
from tap import TAP  # noqa: E402
import daemon  # noqa: E402
import milter_client  # noqa: E402

SRC = os.environ.get("top_srcdir") or os.path.normpath(os.path.join(HERE, "..", ".."))
BUILD = os.environ.get("top_builddir") or SRC
BENCH = os.path.join(SRC, "contrib", "bench")
PY = "/usr/bin/python3"

# name conc rate p50 p99 cpu_ms rss_mb errors messages sys%
ROWS = """\
null 16 1800.0 8.8 18.3 0.737 3.4 0 18000 62
authmilter 16 1850.0 8.0 20.4 0.870 14.7 0 18500 55
authmilter 64 1560.0 39.3 93.6 1.033 17.3 0 15600 57
opendkim 16 900.0 16.8 37.5 1.713 28.0 0 9000 40
opendmarc 16 1900.0 11.8 24.1 1.061 8.4 0 19000 45
chain 16 300.0 51.5 95.2 5.132 33.9 0 3000 41
"""


def table(rows):
    with tempfile.NamedTemporaryFile("w", suffix=".rows", delete=False) as f:
        f.write(rows)
    try:
        return subprocess.run([PY, os.path.join(BENCH, "benchcheck.py"), "table",
                               f.name, "0.046", "0.737"], capture_output=True,
                              text=True, timeout=60)
    finally:
        os.unlink(f.name)


t = TAP()
r = table(ROWS)
out = r.stdout
t.ok(r.returncode == 0 and re.search(
    r"^authmilter\s+16\s+1850\.0\s+8\.00\s+20\.40\s+0\.870\s+55\s+14\.7\s+0$", out, re.M),
    "table: one row per milter and concurrency, sys % column included",
    diag=out + r.stderr)
t.ok("conc  16: chain 6.17x msg/s, 5.90x less CPU; opendkim 2.06x msg/s, "
     "1.97x less CPU; opendmarc 0.97x msg/s, 1.22x less CPU" in out,
     "table: authmilter : chain and : each alone, msg/s and CPU", diag=out)
t.ok("met  >= 5x chain msg/s at conc 16: 6.17x" in out and
     "MISS faster than OpenDKIM and OpenDMARC alone at every concurrency: "
     "not against opendmarc at conc 16" in out,
     "table: throughput targets judged on the figures", diag=out)
t.ok("CPU target per message: 2 x (crypto floor 0.046 ms + null milter 0.737 ms) = 1.566 ms"
     in out and "met  CPU per message <= 1.566 ms at conc 16: 0.870 ms" in out and
     "met  peak RSS < 64 MB at conc 64: 17.3 MB" in out,
     "table: CPU and RSS targets", diag=out)
t.ok("MISS p99 < 10 ms at conc 16: 20.40 ms (null milter: 18.30 ms)" in out,
     "table: p99 target shown beside the null milter's own p99", diag=out)
r = table("authmilter 16 100.0 1.0 2.0 0.5 10.0 0 1000\n")
t.ok(r.returncode == 0 and re.search(r"^authmilter\s+16 .*\s-\s+10\.0\s+0$", r.stdout, re.M)
     and "met  p99 < 10 ms at conc 16: 2.00 ms\n" in r.stdout,
     "table: rows without the sys % field still read", diag=r.stdout + r.stderr)



def benchcheck(*args):
    return subprocess.run([PY, os.path.join(BENCH, "benchcheck.py")] + list(args),
                          capture_output=True, text=True, timeout=60)


with tempfile.TemporaryDirectory() as d:
    fresh, reused = os.path.join(d, "rows.1"), os.path.join(d, "rows.100")
    with open(fresh, "w") as f:
        f.write("nullR 16 3000 1 2 0.300 2.4 0 3000 90\nauthmilter 16 2500 1 2 0.380 12 0 2500 55\n")
    with open(reused, "w") as f:
        f.write("nullR 16 6000 1 2 0.150 2.4 0 6000 90\nauthmilter 16 2400 1 2 0.420 12 0 2400 55\n")
    r = benchcheck("ownwork", "0.05", "1", fresh, "100", reused)
    out = r.stdout
    t.ok(r.returncode == 0 and "target: own work <= 2 x crypto floor = 0.100 ms per message" in out and
         "1 msg/conn conc  16: authmilter 0.380 - nullR 0.300 = 0.080 ms  met" in out and
         "100 msg/conn conc  16: authmilter 0.420 - nullR 0.150 = 0.270 ms  MISS" in out,
         "ownwork: authmilter minus the -R floor per mode, judged against 2 x crypto floor",
         diag=out + r.stderr)
    t.ok("conc  16: authmilter 0.420 ms reused (100 msg/conn) vs 0.380 ms fresh: "
         "MISS (a reused connection costs more)" in out,
         "ownwork: a reused connection costing more than a fresh one is a MISS", diag=out)
    cfile = os.path.join(d, "counts")
    with open(cfile, "w") as f:
        f.write("nullR 1 1 200 34000 1000 60\nauthmilter 1 1 200 35000 1500 100\n"
                "nullR 16 1 200 34000 1000 60\nauthmilter 16 1 200 37000 1300 100\n")
    r = benchcheck("counts", cfile)
    out = r.stdout
    t.ok(r.returncode == 0 and re.search(r"^authmilter\s+1\s+1\s+200\s+175\.0\s+7\.50\s+0\.500$", out, re.M)
         and "1 msg/conn conc   1: +5.0 system calls met, +2.50 context switches MISS, +0.200 ms CPU" in out
         and "1 msg/conn conc  16: +15.0 system calls MISS, +1.50 context switches met" in out,
         "counts: per-message system calls and context switches above the floor, judged",
         diag=out + r.stderr)

nullmilter = os.path.join(BUILD, "contrib", "bench", "nullmilter")
names = ["nullmilter -R negotiates exactly like authmilter"]
if t.need(files=[nullmilter], check=daemon.missing, what="nullmilter and authmilter", tests=names):
    port = milter_client.free_port()
    spec = "inet:%d@127.0.0.1" % port
    null = subprocess.Popen([nullmilter, "-R", "-s", spec], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        seen = {}
        with daemon.Daemon() as d:
            c = d.client()
            seen["authmilter"] = (c.version, c.actions, c.protocol, c.symlists)
            c.close()
        deadline = time.time() + 10
        while "nullR" not in seen and time.time() < deadline:
            try:
                c = milter_client.MilterClient(spec, timeout=5).connect()
                seen["nullR"] = (c.version, c.actions, c.protocol, c.symlists)
                c.close()
            except milter_client.MilterError:
                time.sleep(0.1)
        t.ok(seen.get("nullR") == seen["authmilter"] and seen["authmilter"][3],
             names[0], diag=repr(seen))
    finally:
        null.terminate()
        null.wait(10)

sysfloor = os.path.join(BUILD, "contrib", "bench", "sysfloor")
names = ["sysfloor: system call, thread and TCP connection timed"]
if t.need(files=[sysfloor], what="contrib/bench/sysfloor (make)", tests=names):
    r = subprocess.run([sysfloor], capture_output=True, text=True, timeout=60)
    m = re.search(r"system call ([0-9.]+) us, thread create\+join ([0-9.]+) us, "
                  r"loopback TCP connection ([0-9.]+) us", r.stdout)
    t.ok(r.returncode == 0 and m and all(float(x) > 0 for x in m.groups()),
         names[0], diag=r.stdout + r.stderr)

names = ["run-bench.sh: finishes within its budget",
         "run-bench.sh: null milter, -R floor and authmilter pass the correctness check",
         "run-bench.sh: a table row for each in both connection modes: messages/s, kernel share, no errors",
         "run-bench.sh: own work and per-message counts printed for both modes"]
tools = [os.path.join(BUILD, "contrib", "bench", p) for p in ("milterload", "nullmilter", "sysfloor")]
tools += [os.path.join(BUILD, "src", "authmilter"), "nsd", "unbound", "opendkim",
          "opendmarc", "openssl", "unshare", "perf"]


def python_modules():
    r = subprocess.run([PY, "-c", "import dkim, nacl, cryptography, dns"],
                       capture_output=True, text=True)
    return None if r.returncode == 0 else "python3-dkim, -nacl, -cryptography, -dnspython"


if t.need(root=True, tools=tools, check=python_modules, what="run-bench.sh", tests=names):
    r = subprocess.run(["bash", os.path.join(BENCH, "run-bench.sh"), "--builddir", BUILD,
                        "--only", "null nullR authmilter", "--conc", "4", "--seconds", "1",
                        "--count", "40", "--per-conn", "1 10", "--counts", "40",
                        "--budget", "300"],
                       capture_output=True, text=True, timeout=500)
    out = r.stdout + r.stderr
    t.ok(r.returncode == 0 and "total run time" in out, names[0], diag=out)
    t.ok(all(re.search(r"^check %s +40 messages, 0 wrong" % n, out, re.M)
             for n in ("null", "nullR", "authmilter")), names[1], diag=out)
    rows = re.findall(r"^(null|nullR|authmilter)\s+4\s+([0-9.]+)\s.*\s\d+\s+[0-9.]+\s+(\d+)$", out, re.M)
    t.ok(sorted(n for n, _, _ in rows) == ["authmilter"] * 2 + ["null"] * 2 + ["nullR"] * 2 and
         all(float(rate) > 0 and errors == "0" for _, rate, errors in rows),
         names[2], diag=out)
    t.ok(re.search(r"^ +1 msg/conn conc +4: authmilter [0-9.]+ - nullR [0-9.]+ = ", out, re.M) and
         re.search(r"^ +10 msg/conn conc +4: authmilter ", out, re.M) and
         len(re.findall(r"^authmilter\s+(1|16)\s+(1|10)\s+40\s+[0-9.]+\s+[0-9.]+\s+[0-9.]+$",
                        out, re.M)) == 4 and
         len(re.findall(r"msg/conn conc +(1|16): [-+][0-9.]+ system calls", out)) == 4,
         names[3], diag=out)
t.done()
