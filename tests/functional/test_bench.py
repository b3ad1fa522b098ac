#!/usr/bin/python3
"""test_bench - the benchmark tools of issue 7 still work

contrib/bench/ is not run by anything else in the suite, so a renamed
config option or a changed table would only show at the next full
benchmark. This runs:
  - benchcheck.py table on fixed rows: the columns, the authmilter : chain
    ratios and each target judged met or MISS on its figure;
  - benchcheck.py floor on fixed openssl speed output, every block size
    or -bytes 8192 alone (as run-bench.sh runs it), the RSA columns of
    OpenSSL 3.0 or of 3.2 and later: the same floor;
  - benchcheck.py ownwork and counts on fixed rows (issue 18 arithmetic),
    and on rows of repeated runs (run-bench.sh --repeat): the median of
    the paired differences, their range, the verdict on the median;
  - sysfloor: one line with three positive timings;
  - nullmilter -R negotiates exactly like authmilter: same protocol
    version, actions, protocol steps and macro lists offered to an MTA;
  - nullmilter -C (nullC) negotiates the same, verifies once per
    rsa-sha256/ed25519-sha256 DKIM-Signature and hashes signed bodies
    only (its totals at exit); nullmilter -A (nullA) does the same and
    inserts an A-R field and logs a line of authmilter's median sizes;
    nullmilter -B (nullB) does what -A does and spends the CPU it is told
    to at each end of message; it refuses a burn of 0;
  - benchcheck.py check nullA: its one A-R field at the top, nothing else;
  - milterload -m N puts one client's messages on a connection (a fixed
    corpus of three clients), and falls back to mixing clients, saying so,
    when no client has two messages;
  - milterload -P sends what Postfix 3.7 sends (commands, macros, writes),
    decoded by contrib/bench/postfix-milter-trace.py in front of
    nullmilter -R, and plain milterload does not;
  - run-bench.sh itself, cut down (40 messages, null milter, the -R, -C
    and -A floors and authmilter, concurrency 4, 0.5 s per point, fresh and
    reused connections, perf counts over 40 messages; root for its
    private network namespace; nullR, nullC, nullA and authmilter timed and
    counted twice, interleaved, --repeat 2): every milter passes the
    correctness check on fresh and on reused connections and gets a table
    row in both modes, the own-work medians, the nullC and nullA splits and counts
    tables are printed;
  - run-bench.sh --postfix, cut down (nullR only, 40 messages): the
    table rows, and what Postfix sent equals what milterload -P sends;
    stopped by TERM while its Postfix runs, it stops that Postfix;
    its target line on fixed rows (authmilter and a --baseline build);
  - run-bench.sh --profile, cut down (nullC and authmilter, 400
    messages): CPU per message by library for each, from perf samples;
  - run-bench.sh --callgrind --cache-sim, cut down (nullR, nullC, nullA
    and authmilter, 40 messages): instructions per message of each, the
    split from them, the table by object and the simulated cache
    misses; benchcheck.py instructions on fixed counts, cglibs on a fixed
    listing and cachesim on a fixed dump;
  - run-bench.sh with a null milter that crashes during its timed run,
    or does not start for a counted point: an ERROR, no row, a failed run.
The three run-bench.sh runs share one generated corpus, and every
nullmilter is stopped the way run-bench.sh stops it (TERM, then
connections to its port until it exits), which keeps this test near
three minutes. Speed is not judged here: only a benchmark run says
anything about speed."""
import json
import os
import re
import shutil
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
authmilter_metrics 16 1813.0 8.1 21.0 0.880 15.0 0 18130 55
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


# run-bench.sh's handling of a milter that fails or of its own stop is
# shell and Python, the same in the sanitizer run (CI's ASan stage): three
# more benchmark runs there would check nothing new
SANITIZED = bool(os.environ.get("ASAN_OPTIONS"))
SANITIZED_SKIP = ("run-bench.sh's failure handling is shell, not sanitized code; "
                  "the run without sanitizers covers it")

t = TAP()
if os.environ.get("AUTHMILTER_WRAPPER"):
    # The bench tools start their milters themselves, never under the
    # wrapper: this run would repeat the plain one (three minutes and
    # more, under valgrind's load) and check nothing new.
    t.skip("benchmark tools", "the bench tools do not run their milters under "
           "AUTHMILTER_WRAPPER; the run without it covers them")
    t.done()
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
t.ok("  authmilter_metrics   conc  16: 1813.0 msg/s (-2.0%), p99 21.00 ms (authmilter 20.40), "
     "CPU 0.880 ms (authmilter 0.870)" in out,
     "table: a variant (metrics on) against plain authmilter, same run", diag=out)
t.ok("targets (issue 18; they do not apply: null milter 1800.0 msg/s at conc 16, < 6000):"
     in out and "  n/a  >= 5x chain msg/s at conc 16: 6.17x" in out,
     "table: issue 18 targets not judged where the null milter is below 6,000 msg/s",
     diag=out)
FAST = ("null 16 7000.0 2.0 5.0 0.2 3.0 0 70000\n"
        "nullR 16 11000.0 1.3 2.5 0.11 3.0 0 110000\n"
        "authmilter 16 7200.0 2.1 5.5 0.2 18.0 0 72000\n"
        "chain 16 1500.0 9.0 20.0 1.5 30.0 0 15000\n")
r = table(FAST)
t.ok("targets (issue 18; they apply: null milter 7000.0 msg/s at conc 16, >= 6000):"
     in r.stdout and "  MISS >= 5x chain msg/s at conc 16: 4.80x" in r.stdout and
     "  MISS p99 <= 2x the nullR floor's at conc 16: 5.50 ms, 2.20x of 2.50 ms" in r.stdout,
     "table: issue 18 chain and p99 targets judged on a fast machine (misses)",
     diag=r.stdout + r.stderr)
r = table(FAST.replace("chain 16 1500.0", "chain 16 1400.0")
          .replace("authmilter 16 7200.0 2.1 5.5", "authmilter 16 7200.0 2.1 5.0"))
t.ok("  met  >= 5x chain msg/s at conc 16: 5.14x" in r.stdout and
     "  met  p99 <= 2x the nullR floor's at conc 16: 5.00 ms, 2.00x of 2.50 ms" in r.stdout,
     "table: issue 18 chain and p99 targets met at the bounds", diag=r.stdout + r.stderr)
r = table(FAST + "nullC 16 9000.0 1.6 4.5 0.15 6.0 0 90000\n")
t.ok("  MISS p99 <= 2x the nullR floor's at conc 16: 5.50 ms, 2.20x of 2.50 ms "
     "(nullC, the crypto alone: 1.80x)\n" in r.stdout,
     "table: the p99 target shows nullC's ratio beside ours when nullC ran",
     diag=r.stdout + r.stderr)
r = table(FAST + "nullC 16 9000.0 1.6 4.5 0.15 6.0 0 90000\n"
          "nullB 16 7300.0 2.0 5.4 0.2 6.0 0 73000\n")
t.ok("  MISS p99 <= 2x the nullR floor's at conc 16: 5.50 ms, 2.20x of 2.50 ms "
     "(nullC, the crypto alone: 1.80x; nullB, nullA plus a CPU burn: 2.16x)\n" in r.stdout and
     re.search(r"^nullB\s+16\s+7300\.0\s", r.stdout, re.M),
     "table: the p99 target shows nullB's ratio beside nullC's when nullB ran",
     diag=r.stdout + r.stderr)
r = table("authmilter 16 100.0 1.0 2.0 0.5 10.0 0 1000\n")
t.ok(r.returncode == 0 and re.search(r"^authmilter\s+16 .*\s-\s+10\.0\s+0$", r.stdout, re.M)
     and "met  p99 < 10 ms at conc 16: 2.00 ms\n" in r.stdout,
     "table: rows without the sys % field still read", diag=r.stdout + r.stderr)



def benchcheck(*args):
    return subprocess.run([PY, os.path.join(BENCH, "benchcheck.py")] + list(args),
                          capture_output=True, text=True, timeout=60)


# latency: 200 messages of three sizes with fixed latencies (a 1 KB one
# 190 times at 1..190 ms, a 30 KB one 8 times at 100.5..107.5 ms, a 300 KB
# one at 500 and 600 ms), so every percentile is known (nearest rank) and
# the slowest 1 % (2 messages) are the 300 KB one's; three failed
# messages (ms -1) are not among them.
with tempfile.TemporaryDirectory() as d:
    corpus = os.path.join(d, "corpus")
    os.mkdir(corpus)
    for name, size in (("small.eml", 1000), ("mid.eml", 30000), ("big.eml", 300000)):
        with open(os.path.join(corpus, name), "wb") as f:
            f.write(b"x" * size)
    res = os.path.join(d, "m.jsonl")
    with open(res, "w") as f:
        for i in range(190):
            f.write(json.dumps({"msg": "small.eml", "ms": 1.0 + i}) + "\n")
        for i in range(8):
            f.write(json.dumps({"msg": "mid.eml", "ms": 100.5 + i}) + "\n")
        f.write(json.dumps({"msg": "big.eml", "ms": 500.0}) + "\n")
        f.write(json.dumps({"msg": "big.eml", "ms": 600.0}) + "\n")
        # failed messages: no latency, as milterload's own p50/p99 have none
        for i in range(3):
            f.write(json.dumps({"msg": "small.eml", "verdict": "error", "ms": -1}) + "\n")
        f.write('{"msg": "small.eml", "m')     # cut short at the time bound
    r = benchcheck("latency", corpus, "m=" + res)
    want = ["m: 200 messages (3 failed, left out), p50 100.00 ms, p99 190.00 ms",
            "  < 20 KB        190 messages ( 95.0 %)  p50  95.00  p90 171.00  p99 189.00 ms;"
            "   0.0 % of the slowest 1 %",
            "  20-150 KB        8 messages (  4.0 %)  p50 103.50  p90 107.50  p99 107.50 ms;"
            "   0.0 % of the slowest 1 %",
            "  >= 150 KB        2 messages (  1.0 %)  p50 500.00  p90 600.00  p99 600.00 ms;"
            " 100.0 % of the slowest 1 %"]
    t.ok(r.returncode == 0 and r.stdout.splitlines() == want,
         "latency: p50/p90/p99 per size band and the bands of the slowest 1 %, failed messages "
         "left out",
         diag=r.stdout + r.stderr)


# instructions: the --callgrind split on fixed counts
r = benchcheck("instructions", "nullR=40000", "nullC=940000", "nullA=943000", "authmilter=985000")
out = r.stdout
t.ok(r.returncode == 0 and
     re.search(r"^  own work \(authmilter - nullR\) +945000$", out, re.M) and
     re.search(r"^  crypto in process \(nullC - nullR\) +900000  own work = 1\.05 x this$", out, re.M) and
     re.search(r"^  output \(nullA - nullC\) +3000$", out, re.M) and
     re.search(r"^  ours beyond \(authmilter - nullA\) +42000  \(4\.7 % of the crypto's\)$", out, re.M),
     "instructions: own work, the crypto in process, the output and ours beyond, per message",
     diag=out + r.stderr)
r = benchcheck("instructions", "nullC=940000", "authmilter=985000")
t.ok(r.returncode == 1 and "needs nullR and authmilter" in r.stdout,
     "instructions: without nullR there is no split, and it says so", diag=r.stdout + r.stderr)


# cglibs: instructions by object from a callgrind_annotate listing; the
# annotated sources after the function list are not counted
CG_TXT = """--------------------------------------------------------------------------------
Ir
--------------------------------------------------------------------------------
24,020 (100.0%)  PROGRAM TOTALS

--------------------------------------------------------------------------------
Ir              file:function
--------------------------------------------------------------------------------
12,000 (57.09%)  ???:0x000000000029c680 [/usr/lib/x86_64-linux-gnu/libcrypto.so.3]
 5,000 (23.79%)  src/core/dkim_canon.c:dkim_body_update [/work/main/src/authmilter]
 4,000 (19.03%)  ./malloc/./malloc/malloc.c:malloc [/usr/lib/x86_64-linux-gnu/libc.so.6]
 2,000 ( 9.51%)  ???:mi_engine [/usr/lib/x86_64-linux-gnu/libmilter.so.1.0.1]
 1,000 ( 4.76%)  src/main.c:main [/work/main/src/authmilter]
    20 ( 0.10%)  ???:0x0000000000001000 [/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2]

--------------------------------------------------------------------------------
-- Auto-annotated source: src/core/dkim_canon.c
--------------------------------------------------------------------------------
 5,000 (16.67%)  x = 1;
"""
with tempfile.TemporaryDirectory() as d:
    cg = os.path.join(d, "a.cg.txt")
    with open(cg, "w") as f:
        f.write(CG_TXT)
    r = benchcheck("cglibs", "authmilter=10:" + cg, "twice=20:" + cg)
    rows = {ln.split()[0]: ln.split()[1:] for ln in r.stdout.splitlines()[2:]}
    t.ok(r.returncode == 0 and rows.get("(sum)") == ["2402", "1201"] and
         rows.get("libcrypto") == ["1200", "600"] and rows.get("authmilter") == ["600", "300"] and
         rows.get("libc") == ["400", "200"] and rows.get("libmilter") == ["200", "100"] and
         "ld-linux-x86-64" not in rows,
         "cglibs: instructions a message by object, the rows under 100 left out but summed, "
         "the annotated sources not counted",
         diag=r.stdout + r.stderr)


# cachesim: misses a message from a callgrind dump's summary line (made
# with --cache-sim=yes); a dump without cache events fails
CG_OUT = ("version: 1\ncreator: callgrind-3.19.0\n"
          "events: Ir Dr Dw I1mr D1mr D1mw ILmr DLmr DLmw\n"
          "fl=(1) a.c\nfn=(1) f\n1 5 1 1 0 0 0 0 0 0\n"
          "summary: 200000 60000 20000 4000 3000 1000 20 40 60\n"
          "totals: 199990 59990 19990 3990 2990 990 10 30 50\n")
with tempfile.TemporaryDirectory() as d:
    cg = os.path.join(d, "a.cg.out")
    with open(cg, "w") as f:
        f.write(CG_OUT)
    plain = os.path.join(d, "b.cg.out")
    with open(plain, "w") as f:
        f.write("version: 1\nevents: Ir\nsummary: 200000\n")
    r = benchcheck("cachesim", "nullA=100:" + cg, "authmilter=10:" + cg)
    rows = {ln[:16].strip(): ln[16:].split() for ln in r.stdout.splitlines()[1:]}
    t.ok(r.returncode == 0 and rows.get("") == ["nullA", "authmilter"] and
         rows.get("instructions") == ["2000", "20000"] and rows.get("I1 misses") == ["40", "400"] and
         rows.get("D1 misses") == ["40", "400"] and rows.get("LL misses") == ["1", "12"],
         "cachesim: instructions, I1, D1 (reads and writes) and LL misses a message per milter",
         diag=r.stdout + r.stderr)
    r = benchcheck("cachesim", "nullA=100:" + cg, "authmilter=10:" + plain)
    t.ok(r.returncode == 1 and "authmilter: no cache events" in r.stdout,
         "cachesim: a dump made without --cache-sim fails and says so", diag=r.stdout + r.stderr)


# floor: the crypto floor from openssl speed, as run-bench.sh runs it
# (SHA-256 on 8192-byte blocks only) and with every block size (the
# 8192-byte column is the fifth): the same figures either way.
SPEED_HEAD = "type  16 bytes  64 bytes  256 bytes  1024 bytes  8192 bytes  16384 bytes\n"
SPEED_ALL = SPEED_HEAD + "sha256  100.00k  200.00k  300.00k  400.00k  1000000.00k  1100000.00k\n"
SPEED_ONE = "type           8192 bytes\nsha256         1000000.00k\n"
SPEED_PK = ("                  sign    verify    sign/s verify/s\n"
            "rsa 2048 bits 0.000244s 0.000015s   4000.0  50000.0\n"
            "                              sign    verify    sign/s verify/s\n"
            " 253 bits EdDSA (Ed25519)   0.0000s   0.0001s  40000.0  10000.0\n")
# OpenSSL 3.2 and later time RSA encryption and decryption too, in four
# more columns, and add a KEM table (the layout of Debian trixie's 3.5)
SPEED_PK_35 = ("                   sign    verify    encrypt   decrypt   sign/s verify/s  encr./s  decr./s\n"
               "rsa  2048 bits 0.000250s 0.000020s 0.000021s 0.000251s   4000.0  50000.0  48000.0   3990.0\n"
               "                               keygen    encaps    decaps keygens/s  encaps/s  decaps/s\n"
               "                    rsa2048 0.050000s 0.000021s 0.000251s      20.0   48000.0    3990.0\n"
               "                              sign    verify    sign/s verify/s\n"
               " 253 bits EdDSA (Ed25519)   0.0000s   0.0001s  40000.0  10000.0\n")
with tempfile.TemporaryDirectory() as d:
    manifest = os.path.join(d, "manifest.json")
    with open(manifest, "w") as f:
        json.dump({"stats": {"rsa_verifies_per_msg": 1.0, "ed25519_verifies_per_msg": 0.5,
                             "hash_bytes_per_msg_shared": 10000}}, f)
    outs = []
    for text in (SPEED_ALL + SPEED_PK, SPEED_ONE + SPEED_PK, SPEED_ONE + SPEED_PK_35):
        with open(os.path.join(d, "speed.txt"), "w") as f:
            f.write(text)
        outs.append(benchcheck("floor", manifest, os.path.join(d, "speed.txt")))
    # 1/50000 s + 0.5/10000 s + 10000 B / 1e9 B/s = 0.02 + 0.05 + 0.01 ms
    t.ok(all(r.returncode == 0 and "sha256 1000 MB/s x 10000 bytes per msg = 0.0100 ms" in r.stdout and
             "FLOOR_MS=0.08000" in r.stdout for r in outs),
         "floor: crypto floor from openssl speed, all block sizes or -bytes 8192 alone, "
         "OpenSSL 3.0's RSA columns or 3.2's",
         diag="\n".join(r.stdout + r.stderr for r in outs))

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
    # a baseline build (--baseline) is judged the same way, beside authmilter
    with open(fresh, "a") as f:
        f.write("authmilter_base 16 2000 1 2 0.500 12 0 2000 55\n")
    with open(reused, "a") as f:
        f.write("authmilter_base 16 2100 1 2 0.450 12 0 2100 55\n")
    r = benchcheck("ownwork", "0.05", "1", fresh, "100", reused)
    out = r.stdout
    t.ok(r.returncode == 0 and
         "1 msg/conn conc  16: authmilter_base 0.500 - nullR 0.300 = 0.200 ms  MISS" in out and
         "conc  16: authmilter_base 0.450 ms reused (100 msg/conn) vs 0.500 ms fresh: met" in out and
         out.index("authmilter 0.380") < out.index("authmilter_base 0.500"),
         "ownwork: a --baseline build's own work is judged too, after authmilter's", diag=out + r.stderr)
    cfile = os.path.join(d, "counts")
    with open(cfile, "w") as f:
        f.write("nullR 1 1 200 34000 1000 60 400\nauthmilter 1 1 200 35000 1500 100 1400\n"
                "nullR 16 1 200 34000 1000 60 400\nauthmilter 16 1 200 37000 1300 100 600\n")
    r = benchcheck("counts", cfile)
    out = r.stdout
    t.ok(r.returncode == 0 and re.search(r"^authmilter\s+1\s+1\s+200\s+175\.0\s+7\.50\s+0\.500\s+7\.0$", out, re.M)
         and "1 msg/conn conc   1: +5.0 system calls met, +2.50 context switches MISS, +0.200 ms CPU, +5.0 page faults" in out
         and "1 msg/conn conc  16: +15.0 system calls MISS, +1.50 context switches met" in out,
         "counts: per-message system calls and context switches above the floor, judged",
         diag=out + r.stderr)
    with open(cfile, "a") as f:
        f.write("authmilter_base 1 1 200 36000 1200 90\n")  # a row from before the faults column
    r = benchcheck("counts", cfile)
    out = r.stdout
    t.ok(r.returncode == 0 and
         "1 msg/conn conc   1: authmilter_base +10.0 system calls met, +1.00 context switches met" in out,
         "counts: a --baseline build's counts above the floor are judged too", diag=out + r.stderr)

    # --repeat: rows carry their run number; each authmilter run is paired
    # with the nullR run of the same number. Fresh: differences 0.080,
    # 0.190, 0.090 (the third pair timed while the machine was busy): the
    # median 0.090 is met, though the medians' difference (0.500 - 0.310)
    # would not be. Reused: two runs, the median is the mean of 0.270, 0.130.
    with open(fresh, "w") as f:
        f.write("nullR 16 3000 1 2 0.300 2.4 0 3000 90 1\nauthmilter 16 2500 1 2 0.380 12 1 2500 55 1\n"
                "authmilter 16 2500 1 2 0.500 12 0 2400 55 2\nnullR 16 3000 1 2 0.310 2.4 0 3000 90 2\n"
                "nullR 16 3000 1 2 0.700 2.4 0 3000 90 3\nauthmilter 16 2500 1 2 0.790 12 2 2600 55 3\n")
    with open(reused, "w") as f:
        f.write("nullR 16 6000 1 2 0.150 2.4 0 6000 90 1\nauthmilter 16 2400 1 2 0.420 12 0 2400 55 1\n"
                "authmilter 16 2400 1 2 0.300 12 0 2400 55 2\nnullR 16 6000 1 2 0.170 2.4 0 6000 90 2\n")
    r = benchcheck("ownwork", "0.05", "1", fresh, "100", reused)
    out = r.stdout
    t.ok(r.returncode == 0 and
         "   1 msg/conn conc  16: authmilter - nullR, median of 3 paired runs 0.090 ms "
         "(range 0.080..0.190; authmilter 0.500, nullR 0.310)  met" in out and
         " 100 msg/conn conc  16: authmilter - nullR, median of 2 paired runs 0.200 ms "
         "(range 0.130..0.270; authmilter 0.360, nullR 0.160)  MISS" in out,
         "ownwork --repeat: median of the paired differences, their range, verdict on the median",
         diag=out + r.stderr)
    t.ok("conc  16: authmilter 0.360 ms reused (100 msg/conn) vs 0.500 ms fresh "
         "(medians of 2 and 3 runs): met" in out,
         "ownwork --repeat: reused against fresh on the medians", diag=out)
    # nullC rows add the split: crypto in process (nullC - nullR) and
    # authmilter's work beyond it (authmilter - nullC), paired by run;
    # the own-work verdicts stay on nullR. Fresh: nullC - nullR 0.040,
    # 0.050, 0.030 -> 0.040; authmilter - nullC 0.040, 0.140, 0.060 -> 0.060.
    def ownwork_adding(rows):
        """ownwork_adding - ownwork after appending ROWS to the fresh rows"""
        with open(fresh, "a") as f:
            f.write(rows)
        return benchcheck("ownwork", "0.05", "1", fresh, "100", reused)

    r = ownwork_adding("nullC 16 2800 1 2 0.340 2.6 0 2800 80 1\nnullC 16 2800 1 2 0.360 2.6 0 2800 80 2\n"
                       "nullC 16 2800 1 2 0.730 2.6 0 2800 80 3\n")
    out = r.stdout
    t.ok(r.returncode == 0 and
         "   1 msg/conn conc  16: crypto in process (nullC - nullR) 0.040 ms (floor 0.050); "
         "authmilter - nullC 0.060 ms (range 0.040..0.140)" in out and
         "100 msg/conn conc  16: crypto in process" not in out and
         "median of 3 paired runs 0.090 ms" in out and "nullC - nullR, median" not in out and
         "nullA" not in out,
         "ownwork with nullC rows: the crypto split, paired by run; verdicts stay on nullR",
         diag=out + r.stderr)
    # nullA rows (nullC plus the A-R field and the log line) add the
    # output's cost (nullA - nullC: 0.020 in each run) and authmilter's
    # work beyond it (authmilter - nullA: 0.020, 0.120, 0.040 -> 0.040).
    r = ownwork_adding("nullA 16 2700 1 2 0.360 2.6 0 2700 80 1\nnullA 16 2700 1 2 0.380 2.6 0 2700 80 2\n"
                       "nullA 16 2700 1 2 0.750 2.6 0 2700 80 3\n")
    out = r.stdout
    t.ok(r.returncode == 0 and
         "   1 msg/conn conc  16: output (nullA - nullC: the A-R field and the log line) 0.020 ms; "
         "authmilter - nullA 0.040 ms (range 0.020..0.120)" in out and
         "authmilter - nullC 0.060 ms (range 0.040..0.140)" in out and
         "median of 3 paired runs 0.090 ms" in out and "nullA - nullR" not in out and
         "; nullA = nullC + the output; for reading" in out,
         "ownwork with nullA rows: the output's cost and what is ours beyond it, paired by run",
         diag=out + r.stderr)
    r = benchcheck("table", fresh)
    out = r.stdout
    t.ok(r.returncode == 0 and "the median of each column over the timed runs of that point, up to 3" in out
         and re.search(r"^authmilter\s+16\s+2500\.0\s+1\.00\s+2\.00\s+0\.500\s+55\s+12\.0\s+3$", out, re.M)
         and len(re.findall(r"^(nullR|authmilter)\s+16\s", out, re.M)) == 2,
         "table --repeat: one row per point, medians, errors summed", diag=out + r.stderr)
    with open(cfile, "w") as f:
        f.write("nullR 1 1 200 34000 1000 60 400 1\nauthmilter 1 1 200 35000 1500 100 1400 1\n"
                "authmilter 1 1 200 35000 1500 140 1400 2\nnullR 1 1 200 34000 1000 80 400 2\n"
                "nullR 1 1 200 34000 1000 200 400 3\nauthmilter 1 1 200 35200 1500 220 1400 3\n")
    r = benchcheck("counts", cfile)
    out = r.stdout
    t.ok(r.returncode == 0 and
         re.search(r"^nullR\s+1\s+1\s+200\s+170\.0\s+5\.00\s+0\.400\s+2\.0$", out, re.M) and
         "1 msg/conn conc   1: +5.0 system calls met, +2.50 context switches MISS, +0.200 ms CPU "
         "(median of 3 paired runs, range +0.100..+0.300), +5.0 page faults" in out,
         "counts --repeat: task-clock above nullR as the median of paired runs, with its range",
         diag=out + r.stderr)

nullmilter = os.path.join(BUILD, "contrib", "bench", "nullmilter")


def stop_null(proc, port):
    """stop_null - TERM a nullmilter, connecting to its port until it exits
    (milter_client.wait_poking, as run-bench.sh stops its milters); KILL
    after 10 s. Returns its stderr when that was a pipe."""
    proc.terminate()
    if milter_client.wait_poking(proc, "inet:%d@127.0.0.1" % port, 10) is None:
        proc.kill()
    return proc.communicate()[1]


names = ["nullmilter -R negotiates exactly like authmilter",
         "authmilter answers DATA (no Nagle stall behind Postfix's unanswered RCPT/DATA macros)"]
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
        # Postfix writes the macros of skipped steps unanswered and keeps
        # Nagle on: unless DATA gets a reply, the content waits ~40 ms for
        # the milter's delayed ACK (run-bench.sh --postfix, issue 18).
        SMFIP_NODATA, SMFIP_NR_DATA = 0x200, 0x10000
        t.ok(not seen["authmilter"][2] & (SMFIP_NODATA | SMFIP_NR_DATA), names[1],
             diag="protocol 0x%x" % seen["authmilter"][2])
    finally:
        stop_null(null, port)

# nullmilter -C (nullC): the floor of -R plus the crypto floor's work.
# Two messages on one connection: the first signed twice (rsa-sha256 and
# ed25519-sha256, plus a signature of another algorithm, which is not
# verified), the second unsigned (nothing hashed, nothing verified). Its
# totals at exit prove the work was done and every verification passed.
C_BODY = b"Hello.\r\n" * 100
C_SIGNED = (b"DKIM-Signature: v=1; a=rsa-sha256; d=example.org; s=s1; h=from; bh=x; b=y\r\n"
            b"DKIM-Signature: v=1; d=example.org;\r\n\ta = ed25519-sha256 ; s=s2; bh=x; b=y\r\n"
            b"DKIM-Signature: v=1; a=rsa-sha1; d=example.org; s=s3; bh=x; b=y\r\n"
            b"From: a@example.org\r\nSubject: signed\r\n\r\n" + C_BODY)
C_UNSIGNED = b"From: a@example.org\r\nSubject: plain\r\n\r\n" + C_BODY
names = ["nullmilter -C negotiates like -R and answers every message as it does",
         "nullmilter -C verifies once per rsa-sha256/ed25519-sha256 signature, hashes the "
         "body of signed messages only, and every verification passes"]
if t.need(files=[nullmilter], check=daemon.missing, what="nullmilter and authmilter", tests=names):
    port = milter_client.free_port()
    spec = "inet:%d@127.0.0.1" % port
    nullc = subprocess.Popen([nullmilter, "-C", "-s", spec], stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE, text=True)
    err, seen = "", {}
    try:
        milter_client.wait_for_socket(spec, 30)
        c = milter_client.MilterClient(spec, timeout=10).connect()
        seen["nullC"] = (c.version, c.actions, c.protocol, c.symlists)
        codes = [c.send_message(m).verdict for m in (C_SIGNED, C_UNSIGNED)]
        c.close()
    finally:
        err = stop_null(nullc, port)
    with daemon.Daemon() as d:
        a = d.client()
        seen["authmilter"] = (a.version, a.actions, a.protocol, a.symlists)
        a.close()
    t.ok(seen["nullC"] == seen["authmilter"] and codes == ["continue", "continue"],
         names[0], diag="%r %r" % (seen, codes))
    hashed = len(C_BODY) + 2 * 600
    t.ok(re.search(r"^nullC: 2 messages, 1 rsa-sha256 and 1 ed25519-sha256 verifications, "
                   r"%d bytes hashed, 0 failed$" % hashed, err, re.M), names[1], diag=err)

# nullmilter -A (nullA): -C plus the output authmilter makes for each
# message, an A-R field inserted at the top and one log line on stderr,
# each of the median size authmilter's have over the bench corpus.
names = ["nullmilter -A inserts one Authentication-Results field of 263 bytes at the top "
         "of each message and answers as -C does",
         "nullmilter -A writes one 451-byte log line a message and does -C's crypto work"]
if t.need(files=[nullmilter], what="nullmilter", tests=names):
    port = milter_client.free_port()
    spec = "inet:%d@127.0.0.1" % port
    nulla = subprocess.Popen([nullmilter, "-A", "-s", spec], stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE, text=True)
    err, res = "", []
    try:
        milter_client.wait_for_socket(spec, 30)
        c = milter_client.MilterClient(spec, timeout=10).connect()
        res = [c.send_message(m) for m in (C_SIGNED, C_UNSIGNED)]
        c.close()
    finally:
        err = stop_null(nulla, port)
    ins = [r.inserted_headers for r in res]
    t.ok(len(ins) == 2 and all(len(i) == 1 and i[0][:2] == (0, "Authentication-Results") and
                               len(i[0][2]) == 263 and i[0][2].startswith(" bench.test;") for i in ins) and
         [r.verdict for r in res] == ["continue", "continue"] and not any(r.added_headers for r in res),
         names[0], diag=repr([(r.verdict, r.actions) for r in res]))
    lines = [ln for ln in err.splitlines(True) if " nullmilter[1]: info: " in ln]
    t.ok(len(lines) == 2 and all(len(ln) == 451 for ln in lines) and
         re.search(r"^nullC: 2 messages, 1 rsa-sha256 and 1 ed25519-sha256 verifications, "
                   r"%d bytes hashed, 0 failed$" % (len(C_BODY) + 2 * 600), err, re.M),
         names[1], diag=err)

# nullmilter -B US (nullB): -A, then US microseconds of CPU at each end
# of message, as plain computation. Two messages with a 150 ms burn each
# must cost the process at least 250 ms of CPU (its clock ticks are 10
# ms); without the burn they cost a few milliseconds. A burn of 0 is a
# usage error, not a floor.
names = ["nullmilter -B inserts -A's Authentication-Results field and spends the CPU it is "
         "told to at each end of message",
         "nullmilter -B 0 is refused with its usage line"]


def process_cpu_ms(pid):
    """process_cpu_ms - user plus system CPU of a process so far"""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * 1000.0 / os.sysconf("SC_CLK_TCK")


if t.need(files=[nullmilter], what="nullmilter", tests=names):
    port = milter_client.free_port()
    spec = "inet:%d@127.0.0.1" % port
    nullb = subprocess.Popen([nullmilter, "-B", "150000", "-s", spec], stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE, text=True)
    res, before, after = [], 0.0, 0.0
    try:
        milter_client.wait_for_socket(spec, 30)
        before = process_cpu_ms(nullb.pid)
        c = milter_client.MilterClient(spec, timeout=30).connect()
        res = [c.send_message(m) for m in (C_SIGNED, C_UNSIGNED)]
        c.close()
        after = process_cpu_ms(nullb.pid)
    finally:
        stop_null(nullb, port)
    ins = [r.inserted_headers for r in res]
    t.ok(len(ins) == 2 and all(len(i) == 1 and i[0][1] == "Authentication-Results" for i in ins) and
         [r.verdict for r in res] == ["continue", "continue"] and after - before >= 250,
         names[0], diag="CPU %.0f ms for two messages; %r" % (
             after - before, [(r.verdict, r.actions) for r in res]))
    r = subprocess.run([nullmilter, "-B", "0", "-s", spec], capture_output=True, text=True,
                       timeout=30)
    t.ok(r.returncode == 1 and "usage: nullmilter" in r.stderr and "-B US" in r.stderr,
         names[1], diag=r.stderr)

# benchcheck check nullA: accepted with exactly its one A-R field inserted
# at the top; no field, or one added at the bottom, is wrong.
names = ["benchcheck check nullA: one A-R field inserted at the top is right; none, or one "
         "added at the end, is wrong"]
with tempfile.TemporaryDirectory() as d:
    man = os.path.join(d, "manifest.json")
    with open(man, "w") as f:
        json.dump({"messages": {"1.eml": {}, "2.eml": {}, "3.eml": {}}}, f)
    ar = {"op": "insert", "milter": 1, "index": 0, "name": "Authentication-Results", "value": " x; none"}
    recs = [{"msg": "1.eml", "verdict": "accept", "edits": [ar]},
            {"msg": "2.eml", "verdict": "accept", "edits": []},
            {"msg": "3.eml", "verdict": "accept", "edits": [dict(ar, op="add", index=None)]}]
    good, bad = os.path.join(d, "good.json"), os.path.join(d, "bad.json")
    with open(good, "w") as f:
        f.write(json.dumps(recs[0]) + "\n")
    with open(bad, "w") as f:
        f.write("".join(json.dumps(x) + "\n" for x in recs))
    g, b = benchcheck("check", "nullA", man, good, "x"), benchcheck("check", "nullA", man, bad, "x")
    t.ok(g.returncode == 0 and "1 messages, 0 wrong" in g.stdout and
         b.returncode == 1 and "3 messages, 2 wrong" in b.stdout,
         names[0], diag=g.stdout + g.stderr + b.stdout + b.stderr)

# milterload -P must send what Postfix 3.7 sends. The expected stream is
# what Postfix 3.7.11 sent nullmilter -R (which negotiates like
# authmilter), recorded by contrib/bench/postfix-milter-trace.py in
# run-bench.sh --postfix: per SMTP session OPTNEG; Postfix's default
# connect macros; a macro packet for every stage, empty ones (HELO, MAIL:
# no queue id yet) and those of the steps the milter declined (RCPT)
# included; macros tagged with the command they precede (L before each
# header, B before the body); then two ABORTs and QUIT. Its writes:
# OPTNEG | CONNECT..MAIL | RCPT macros+DATA | content | ABORT | ABORT+QUIT.
PF_HEADERS = 3
PF_EXPECTED = (["O", "MC[_,j,v,{daemon_addr},{daemon_name}]", "C", "MH[]", "H", "MM[]", "M",
                "MR[{rcpt_addr},{rcpt_host},{rcpt_mailer}]", "MT[i]", "T"] +
               ["ML[i]", "L"] * PF_HEADERS +
               ["MN[i]", "N", "MB[i]", "B", "ME[i]", "E", "A", "A", "Q"])
PF_WRITES = ["O", "MC", "MR", "ML", "A", "A"]
PF_MSG = (b"From: Alice <alice@example.org>\r\nTo: bob@bench.test\r\n"
          b"Subject: as Postfix\r\n\r\nHello.\r\n")
PF_ENV = ("client_ip 192.0.2.7\nclient_name mail.example.org\nhelo mail.example.org\n"
          "mail_from <alice@example.org>\nrcpt <bob@bench.test>\n")


def trace_module():
    """trace_module - contrib/bench/postfix-milter-trace.py as a module."""
    import importlib.util
    spec = importlib.util.spec_from_file_location(
        "postfix_milter_trace", os.path.join(BENCH, "postfix-milter-trace.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def traced_milterload(d, flags):
    """traced_milterload - one message from milterload FLAGS to nullmilter
    -R through the tracing proxy; returns (milterload output, [records])."""
    port, proxy_port = milter_client.free_port(), milter_client.free_port()
    trace = os.path.join(d, "trace%s.jsonl" % "".join(flags).replace(" ", ""))
    null = subprocess.Popen([nullmilter, "-R", "-s", "inet:%d@127.0.0.1" % port],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    proxy = subprocess.Popen([PY, os.path.join(BENCH, "postfix-milter-trace.py"),
                              str(proxy_port), str(port), trace, "60"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for spec in ("inet:%d@127.0.0.1" % port, "inet:%d@127.0.0.1" % proxy_port):
            milter_client.wait_for_socket(spec, 10)
        r = subprocess.run([milterload, "-s", "inet:%d@127.0.0.1" % proxy_port, "-d",
                            os.path.join(d, "corpus"), "-n", "1", "-t", "20", "-q"] + flags,
                           capture_output=True, text=True, timeout=60)
        time.sleep(0.5)
    finally:
        proxy.terminate()
        proxy.wait(10)
        stop_null(null, port)
    conns = trace_module().sequences(trace)
    # wait_for_socket's probe is a connection without packets
    recs = [rs for rs in conns.values() if any("cmd" in x for x in rs)]
    return r.stdout + r.stderr, (recs[0] if len(recs) == 1 else [])


def first_of_writes(recs):
    """first_of_writes - per MTA write, its first packet: O, MC (macros
    for C), C, ..."""
    out, seen = [], set()
    for x in recs:
        if x.get("dir") != "mta" or "cmd" not in x or x["seg"] in seen:
            continue
        seen.add(x["seg"])
        out.append("M" + x["stage"] if x["cmd"] == "D" else x["cmd"])
    return out


milterload = os.path.join(BUILD, "contrib", "bench", "milterload")
names = ["milterload -P sends Postfix 3.7's commands and macros, stage by stage",
         "milterload -P -W writes them in Postfix's writes (envelope, RCPT/DATA macros, "
         "content, ABORT, ABORT+QUIT)",
         "milterload without -P differs from Postfix (the check above can fail)",
         "milterload refuses -P with -m, and -W without -P"]
if t.need(files=[nullmilter, milterload], what="contrib/bench (make)", tests=names):
    with tempfile.TemporaryDirectory() as d:
        os.mkdir(os.path.join(d, "corpus"))
        with open(os.path.join(d, "corpus", "m.eml"), "wb") as f:
            f.write(PF_MSG)
        with open(os.path.join(d, "corpus", "m.env"), "w") as f:
            f.write(PF_ENV)
        tm = trace_module()
        out, recs = traced_milterload(d, ["-P", "-W", "50"])
        seq = tm.command_sequence(recs)
        t.ok(seq == PF_EXPECTED, names[0], diag="%s\ngot      %s\nexpected %s" % (out, seq, PF_EXPECTED))
        t.ok(first_of_writes(recs) == PF_WRITES, names[1],
             diag="%s\n%r" % (out, first_of_writes(recs)))
        out2, recs2 = traced_milterload(d, [])
        seq2 = tm.command_sequence(recs2)
        t.ok(recs2 and seq2 != PF_EXPECTED and seq2[0] == "O" and seq2[-1] == "Q", names[2],
             diag="%s\n%s" % (out2, seq2))
        bad = [subprocess.run([milterload, "-s", "inet:1@127.0.0.1", "-d", os.path.join(d, "corpus")]
                              + f, capture_output=True, text=True, timeout=30) for f in
               (["-P", "-m", "2"], ["-W", "5"])]
        t.ok(all(b.returncode != 0 and ("-m" in b.stderr or "-P" in b.stderr) for b in bad),
             names[3], diag=repr([b.stderr for b in bad]))

# milterload -m N: one client per connection. Clients a (3 messages), b
# (2) and c (1) in a fixed corpus; one worker, sessions of 3 messages, 18
# messages: six sessions, one starting at each of the six messages.
CLIENTS = {"a": ["m1", "m4", "m6"], "b": ["m2", "m5"], "c": ["m3"]}


def write_corpus(d, client_of):
    """write_corpus - one small message per name, its sidecar naming its
    client (CLIENT_OF: message name -> client label)"""
    os.makedirs(d)
    for i, (name, cl) in enumerate(sorted(client_of.items())):
        with open(os.path.join(d, name + ".eml"), "wb") as f:
            f.write(PF_MSG.replace(b"as Postfix", name.encode()))
        with open(os.path.join(d, name + ".env"), "w") as f:
            f.write("client_ip 192.0.2.%d\nclient_name mta-%s.example.org\nhelo mta-%s.example.org\n"
                    "mail_from <m%d@example.org>\n" % (10 + ord(cl[0]) - ord("a"), cl, cl, i))


def run_sessions(d, corpus, extra):
    """run_sessions - milterload -c 1 against nullmilter -R; returns
    (output, {session: [message names]})"""
    port = milter_client.free_port()
    null = subprocess.Popen([nullmilter, "-R", "-s", "inet:%d@127.0.0.1" % port],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    out_json = os.path.join(d, "out.json")
    try:
        milter_client.wait_for_socket("inet:%d@127.0.0.1" % port, 10)
        r = subprocess.run([milterload, "-s", "inet:%d@127.0.0.1" % port, "-d", corpus,
                            "-c", "1", "-t", "30", "-o", out_json] + extra,
                           capture_output=True, text=True, timeout=60)
    finally:
        stop_null(null, port)
    sessions = {}
    if os.path.exists(out_json):
        for line in open(out_json):
            rec = json.loads(line)
            sessions.setdefault(rec["session"], []).append(rec["msg"][:-4])
    return r.stdout + r.stderr, sessions


names = ["milterload -m 3: each connection carries 3 messages of one client, every message "
         "sent equally often",
         "milterload -m 3: a corpus where every client has one message falls back to mixing "
         "clients, and says so",
         "milterload -m 3 -n 18 -c 4: the same messages in each session as with one worker"]
if t.need(files=[nullmilter, milterload], what="contrib/bench (make)", tests=names):
    with tempfile.TemporaryDirectory() as d:
        client_of = {m: c for c, ms in CLIENTS.items() for m in ms}
        write_corpus(os.path.join(d, "grouped"), client_of)
        out, sessions = run_sessions(d, os.path.join(d, "grouped"), ["-m", "3", "-n", "18"])
        sent = [m for ms in sessions.values() for m in ms]
        t.ok(" clients=3" in out and "3 clients, 1 of them with one message" in out and
             re.search(r"bytes each on average \(the corpus: \d+\)", out) and
             len(sessions) == 6 and
             all(len(ms) == 3 and len({client_of[m] for m in ms}) == 1 for ms in sessions.values()) and
             all(sent.count(m) == 3 for m in client_of),
             names[0], diag="%s\n%r" % (out, sessions))
        # four workers: session S still sends the messages numbered 3S..3S+2,
        # so a run bounded by -n sends what one worker sends, session by session
        out4, sessions4 = run_sessions(d, os.path.join(d, "grouped"), ["-m", "3", "-n", "18", "-c", "4"])
        t.ok({k: sorted(v) for k, v in sessions4.items()} == {k: sorted(v) for k, v in sessions.items()},
             names[2], diag="%s\n%r\n%r" % (out4, sessions4, sessions))
        write_corpus(os.path.join(d, "mixed"), {"m%d" % i: chr(ord("a") + i) for i in range(1, 7)})
        out, sessions = run_sessions(d, os.path.join(d, "mixed"), ["-m", "3", "-n", "6"])
        t.ok(" clients=0" in out and "no client has two messages" in out and
             sorted(len(ms) for ms in sessions.values()) == [3, 3] and
             all(ms == sorted(ms) for ms in sessions.values()),
             names[1], diag="%s\n%r" % (out, sessions))

sysfloor = os.path.join(BUILD, "contrib", "bench", "sysfloor")
names = ["sysfloor: system call, thread and TCP connection timed"]
if t.need(files=[sysfloor], what="contrib/bench/sysfloor (make)", tests=names):
    r = subprocess.run([sysfloor], capture_output=True, text=True, timeout=60)
    m = re.search(r"system call ([0-9.]+) us, thread create\+join ([0-9.]+) us, "
                  r"loopback TCP connection ([0-9.]+) us", r.stdout)
    t.ok(r.returncode == 0 and m and all(float(x) > 0 for x in m.groups()),
         names[0], diag=r.stdout + r.stderr)

# The Postfix target line on fixed rows (name driver conc msg/s ...):
# authmilter and a --baseline build each judged against the null milter.
PF_ROWS = """\
postfix postfix 4 900.0
null postfix 4 800.0
authmilter postfix 4 760.0
authmilter_base postfix 4 700.0
null milterload -m 1 4 5000.0
authmilter milterload -m 1 4 100.0
null postfix 16 1000.0
authmilter postfix 16 880.0
"""
names = ["run-bench.sh --postfix target: authmilter and the --baseline build each judged "
         "within 10 % of the null milter through Postfix, per concurrency"]
with tempfile.TemporaryDirectory() as d:
    rows_file = os.path.join(d, "postfix.rows")
    with open(rows_file, "w") as f:
        f.write(PF_ROWS)
    r = subprocess.run(["bash", "-c", '. "$1"; pf_target "$2"', "pf_target",
                        os.path.join(BENCH, "postfix-bench.sh"), rows_file],
                       capture_output=True, text=True, timeout=30)
    want = ["conc   4: Postfix alone 900.0, null 800.0, authmilter 760.0 msg/s: "
            "authmilter -5.0% against null  met",
            "conc   4: Postfix alone 900.0, null 800.0, authmilter_base 700.0 msg/s: "
            "authmilter_base -12.5% against null  MISS",
            "conc  16: Postfix alone -, null 1000.0, authmilter 880.0 msg/s: "
            "authmilter -12.0% against null  MISS"]
    got = [ln.split(": ", 1)[1] for ln in r.stdout.splitlines()]
    t.ok(r.returncode == 0 and got == want, names[0], diag=r.stdout + r.stderr)

names = ["run-bench.sh: finishes within its budget",
         "run-bench.sh: null milter, -R, -C and -A floors, authmilter and its metrics and reports variants "
         "pass the correctness check, on reused connections too",
         "run-bench.sh: a table row for each in both connection modes: messages/s, kernel share, no errors",
         "run-bench.sh: own work, the nullC and nullA splits, per-message counts, the variants and a "
         "--baseline build printed for both modes",
         "run-bench.sh --latencies: latency by message size for each milter of each point"]
tools = [os.path.join(BUILD, "contrib", "bench", p) for p in ("milterload", "nullmilter", "sysfloor")]
tools += [os.path.join(BUILD, "src", "authmilter"), "nsd", "unbound", "opendkim",
          "opendmarc", "openssl", "unshare", "perf"]


def python_modules():
    r = subprocess.run([PY, "-c", "import dkim, nacl, cryptography, dns"],
                       capture_output=True, text=True)
    return None if r.returncode == 0 else "python3-dkim, -nacl, -cryptography, -dnspython"


# The three runs below share one corpus (gencorpus.py makes its RSA keys in
# Python, ~15 s here): the first generates it (--count 40, as the others
# would) and keeps its work directory; the others read it with --corpus.
# Without the first (no Postfix) each generates its own.
kept_dirs = []


def keep_corpus(out):
    """keep_corpus - note the work directory a --keep run kept"""
    kept_dirs.extend(re.findall(r"^work directory kept: (/tmp/run-bench\.\w+)$", out, re.M))


def corpus_args():
    """corpus_args - --corpus DIR of a kept run's corpus, if there is one"""
    for k in kept_dirs:
        if os.path.isfile(os.path.join(k, "data", "manifest.json")):
            return ["--corpus", os.path.join(k, "data")]
    return []


pf_names = ["run-bench.sh --postfix: Postfix alone and nullR behind it get a row each, "
            "beside nullR under milterload -m 1, -P and -P -W 2",
            "run-bench.sh --postfix: Postfix's recorded command sequence equals milterload -P's"]
if t.need(root=True, tools=tools + ["postfix", "ip"], check=python_modules,
          what="run-bench.sh --postfix", tests=pf_names):
    r = subprocess.run(["bash", os.path.join(BENCH, "run-bench.sh"), "--builddir", BUILD,
                        "--postfix", "--only", "nullR", "--conc", "4", "--seconds", "1",
                        "--count", "40", "--counts", "0", "--budget", "240", "--keep"],
                       capture_output=True, text=True, timeout=400)
    out = r.stdout + r.stderr
    keep_corpus(out)
    rows = re.findall(r"^(postfix|nullR)\s+(postfix|milterload -m 1|milterload -P|milterload -P -W 2)"
                      r"\s+4\s+([0-9.]+)\s", out, re.M)
    t.ok(r.returncode == 0 and len(rows) == 5 and all(float(x[2]) > 0 for x in rows),
         pf_names[0], diag=out)
    # the most frequent sequence of each trace summary ("N x O MC[...] ...")
    seqs = re.findall(r"^-- (milter protocol through Postfix \(nullR|the same from milterload -P)"
                      r"[^\n]*\n[^\n]*\n +\d+ x (O [^\n]*)$", out, re.M)
    by = {k: v.replace(" ML[i] L", "") for k, v in seqs}
    t.ok(len(by) == 2 and len(set(by.values())) == 1, pf_names[1], diag=out)

# run-bench.sh --postfix stopped by TERM while a private Postfix runs:
# that Postfix is a daemon (postfix start), in no list of the processes
# the clean-up stops, and it was left running in the private namespace
# (its master and children) after run-bench.sh had removed its files.
stop_names = ["run-bench.sh --postfix stopped by TERM stops the private Postfix it started"]
if SANITIZED:
    for n in stop_names:
        t.skip(n, SANITIZED_SKIP)
elif t.need(root=True, tools=tools + ["postfix", "ip"], check=python_modules,
            what="run-bench.sh --postfix", tests=stop_names):
    p = subprocess.Popen(["bash", os.path.join(BENCH, "run-bench.sh"), "--builddir", BUILD,
                          "--postfix", "--only", "nullR", "--conc", "4", "--seconds", "5",
                          "--count", "40", "--counts", "0", "--budget", "120"] + corpus_args(),
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    master, work, lines = None, None, []
    try:
        deadline = time.time() + 120
        for line in p.stdout:
            lines.append(line)
            m = re.match(r"run-bench: work directory (/tmp/run-bench\.\w+);", line)
            work = m.group(1) if m else work
            if line.startswith("milter ") and "driver" in line:
                break       # the table's heading: the first Postfix starts now
            if time.time() > deadline:
                break
        while work and master is None and time.time() < deadline:
            for d in sorted(os.listdir(work)) if os.path.isdir(work) else []:
                try:
                    with open(os.path.join(work, d, "queue", "pid", "master.pid")) as f:
                        master = int(f.read().split()[0])
                except (OSError, ValueError, IndexError):
                    pass
            time.sleep(0.2)
        time.sleep(1)
        p.terminate()
        p.communicate(timeout=120)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    alive = False
    if master is not None:
        for _ in range(50):
            try:
                os.kill(master, 0)
                alive = True
            except ProcessLookupError:
                alive = False
                break
            time.sleep(0.1)
        if alive:
            os.kill(master, 9)      # ours: the test started it through run-bench.sh
    if work:
        shutil.rmtree(work, ignore_errors=True)
    t.ok(master is not None and not alive, stop_names[0],
         diag="master %r alive %r\n%s" % (master, alive, "".join(lines)))


def run_kept(args):
    """run_kept - run-bench.sh cut down (40 messages, fresh connections)
    with ARGS, for the modes that keep their work directory (--profile,
    --callgrind): removed here. Returns (CompletedProcess, output)."""
    return run_removing_kept(["--builddir", BUILD, "--count", "40", "--per-conn", "1",
                              "--budget", "240"] + args)


def run_removing_kept(args):
    """run_removing_kept - run-bench.sh with ARGS and the shared corpus;
    the work directory it keeps (after a failure, --profile, --callgrind)
    is removed. Returns (CompletedProcess, output)."""
    r = subprocess.run(["bash", os.path.join(BENCH, "run-bench.sh")] + args + corpus_args(),
                       capture_output=True, text=True, timeout=400)
    out = r.stdout + r.stderr
    for kept in re.findall(r"^work directory kept: (/tmp/run-bench\.\w+)$", out, re.M):
        shutil.rmtree(kept, ignore_errors=True)
    return r, out


prof_names = ["run-bench.sh --profile: nullC and authmilter each sampled, CPU per message "
              "by library (libcrypto in both, authmilter's own code in authmilter's)"]
if t.need(root=True, tools=tools, check=python_modules, what="run-bench.sh --profile",
          tests=prof_names):
    r, out = run_kept(["--only", "nullC authmilter", "--profile", "400"])
    libs = {}
    for name, body in re.findall(r"^(nullC|authmilter): 400 messages sampled "
                                 r"[^\n]*\n  by library[^\n]*\n((?: +\d+ +[0-9.]+ us +[0-9.]+% +\S+\n)+)",
                                 out, re.M):
        libs[name] = {ln.split()[-1]: float(ln.split()[1]) for ln in body.splitlines()}
    t.ok(r.returncode == 0 and sorted(libs) == ["authmilter", "nullC"] and
         libs["nullC"].get("libcrypto.so.3", 0) > 0 and libs["authmilter"].get("libcrypto.so.3", 0) > 0 and
         libs["authmilter"].get("authmilter", 0) > 0 and "authmilter" not in libs["nullC"],
         prof_names[0], diag=out)

cg_names = ["run-bench.sh --callgrind: instructions per message of nullR, nullC, nullA and authmilter, "
            "and the own-work split in instructions from them",
            "run-bench.sh --callgrind: instructions a message by object, the program's own code "
            "in authmilter's column only, each column summing to its total",
            "run-bench.sh --callgrind --cache-sim: simulated cache misses a message of each, "
            "instructions as counted above"]
ldd = subprocess.run(["ldd", os.path.join(BUILD, "src", "authmilter")], capture_output=True, text=True)
if "libasan" in ldd.stdout:
    # valgrind cannot run a program built with AddressSanitizer
    for n in cg_names:
        t.skip(n, "this build is instrumented by ASan, which valgrind cannot run")
elif t.need(root=True, tools=tools + ["valgrind", "callgrind_control", "callgrind_annotate"],
            check=python_modules, what="run-bench.sh --callgrind", tests=cg_names):
    r, out = run_kept(["--only", "nullR nullC nullA authmilter", "--callgrind", "40", "--cache-sim"])
    per = {n: int(v) for n, v in re.findall(
        r"^(nullR|nullC|nullA|authmilter): 40 messages \(failed 0\), \d+ instructions, (\d+) per message$",
        out, re.M)}
    own = re.search(r"^  own work \(authmilter - nullR\) +(-?\d+)$", out, re.M)
    beyond = re.search(r"^  ours beyond \(authmilter - nullA\) +(-?\d+) ", out, re.M)
    libs = re.search(r"^instructions a message by object \(self, callgrind\):\n"
                     r"  object +nullR +nullC +nullA +authmilter\n((?:  \S+(?: +\d+){4}\n)+)", out, re.M)
    librows = {ln.split()[0]: [int(x) for x in ln.split()[1:]]
               for ln in (libs.group(1).splitlines() if libs else [])}
    t.ok(r.returncode == 0 and sorted(per) == ["authmilter", "nullA", "nullC", "nullR"] and
         # the floors do the crypto work too: far more than nullR, which does none
         per["nullC"] > 5 * per["nullR"] and per["authmilter"] > per["nullC"] and
         own is not None and int(own.group(1)) == per["authmilter"] - per["nullR"] and
         beyond is not None and int(beyond.group(1)) == per["authmilter"] - per["nullA"],
         cg_names[0], diag=out)
    # the program's own code is authmilter's alone; every sum is the
    # total callgrind counted (instrumentation switched on, not zeroed)
    t.ok(librows.get("authmilter", [1])[:3] == [0, 0, 0] and librows["authmilter"][3] > 0 and
         librows.get("libcrypto", [1])[0] == 0 and librows["libcrypto"][1] > 0 and
         all(abs(s - per[n]) <= 0.002 * per[n] for s, n in
             zip(librows.get("(sum)", [0] * 4), ["nullR", "nullC", "nullA", "authmilter"])),
         cg_names[1], diag=out)
    cache = re.search(r"^cache misses a message \(callgrind's simulated caches[^\n]*\n"
                      r" +nullR +nullC +nullA +authmilter\n((?:  \S+(?: \S+)?(?: +\d+){4}\n){4})",
                      out, re.M)
    crows = {ln[:16].strip(): [int(x) for x in ln[16:].split()]
             for ln in (cache.group(1).splitlines() if cache else [])}
    t.ok(cache is not None and
         crows.get("instructions") == [per[n] for n in ["nullR", "nullC", "nullA", "authmilter"]] and
         # the crypto's tables and a message's buffers miss the first level
         all(v > 0 for v in crows["I1 misses"][1:] + crows["D1 misses"][1:]) and
         "LL misses" in crows,
         cg_names[2], diag=out)

if t.need(root=True, tools=tools, check=python_modules, what="run-bench.sh", tests=names):
    r = subprocess.run(["bash", os.path.join(BENCH, "run-bench.sh"), "--builddir", BUILD,
                        "--only", "null nullR nullC nullA nullB authmilter authmilter_metrics "
                        "authmilter_reports", "--burn", "5",
                        # 26 timed points: 0.5 s each shows a row, its
                        # rate and errors as well as 1 s (speed is not
                        # judged here), and saves some 13 s; 0.2 s saved
                        # 21 s with less margin for an ASan build on a
                        # loaded CI machine, where a point with no message
                        # done fails the stop
                        "--conc", "4", "--seconds", "0.5",
                        "--count", "40", "--per-conn", "1 10", "--counts", "40",
                        "--repeat", "2", "--budget", "420", "--latencies",
                        # the same binary as an "older build": --baseline end to end
                        "--baseline", os.path.join(BUILD, "src", "authmilter")] + corpus_args(),
                       capture_output=True, text=True, timeout=700)
    out = r.stdout + r.stderr
    t.ok(r.returncode == 0 and "total run time" in out, names[0], diag=out)
    t.ok(all(re.search(r"^check %s +40 messages, 0 wrong" % n, out, re.M)
             for n in ("null", "nullR", "nullC", "nullA", "nullB", "authmilter", "authmilter_metrics",
                       "authmilter_reports")) and
         all(re.search(r"^10 msg/conn: check %s +40 messages, 0 wrong" % n, out, re.M)
             for n in ("null", "nullR", "nullC", "nullA", "nullB", "authmilter")), names[1], diag=out)
    rows = re.findall(r"^(null|nullR|nullC|nullA|nullB|authmilter\w*)\s+4\s+([0-9.]+)\s.*\s\d+\s+[0-9.]+\s+(\d+)$",
                      out, re.M)
    t.ok(sorted(n for n, _, _ in rows) == ["authmilter"] * 2 + ["authmilter_base"] * 2 +
         ["authmilter_metrics"] * 2 +
         ["authmilter_reports"] * 2 + ["null"] * 2 + ["nullA"] * 2 + ["nullB"] * 2 + ["nullC"] * 2 +
         ["nullR"] * 2 and
         all(float(rate) > 0 and errors == "0" for _, rate, errors in rows),
         names[2], diag=out)
    t.ok(re.search(r"^ +1 msg/conn conc +4: authmilter - nullR, median of 2 paired runs -?[0-9.]+ ms "
                   r"\(range -?[0-9.]+\.\.-?[0-9.]+; ", out, re.M) and
         re.search(r"^ +10 msg/conn conc +4: authmilter - nullR, median of 2 ", out, re.M) and
         len(re.findall(r"^  (nullR|authmilter) conc 4, (1|10) msg/conn, run (1|2): ", out, re.M)) == 8 and
         len(re.findall(r"^authmilter\s+(1|16)\s+(1|10)\s+40\s+[0-9.]+\s+[0-9.]+\s+[0-9.]+\s+[0-9.]+$",
                        out, re.M)) == 4 and
         len(re.findall(r"msg/conn conc +(1|16): [-+][0-9.]+ system calls .* ms CPU "
                        r"\(median of 2 paired runs", out)) == 4 and
         len(re.findall(r"^  authmilter_(metrics|reports) +conc +4: [0-9.]+ msg/s", out, re.M)) == 4 and
         re.search(r"^ +1 msg/conn conc +4: authmilter_base - nullR, median of 2 paired runs ", out, re.M) and
         re.search(r"^ +10 msg/conn conc +4: authmilter_base - nullR, median of 2 ", out, re.M) and
         len(re.findall(r"msg/conn conc +(1|16): authmilter_base [-+][0-9.]+ system calls", out)) == 4 and
         len(re.findall(r"^ +(1|10) msg/conn conc +4: crypto in process \(nullC - nullR\) -?[0-9.]+ ms "
                        r"\(floor [0-9.]+\); authmilter - nullC -?[0-9.]+ ms", out, re.M)) == 2 and
         len(re.findall(r"^ +(1|10) msg/conn conc +4: output \(nullA - nullC: the A-R field and the log "
                        r"line\) -?[0-9.]+ ms; authmilter - nullA -?[0-9.]+ ms", out, re.M)) == 2 and
         len(re.findall(r"^ +(1|10) msg/conn conc +4: authmilter - nullB -?[0-9.]+ ms \(range ", out,
                        re.M)) == 2 and
         len(re.findall(r"^null[CA]\s+(1|16)\s+(1|10)\s+40\s", out, re.M)) == 8,
         names[3], diag=out)
    # one block per point (conc 4, fresh and reused), a line per milter
    # timed there, and its < 20 KB band (the 40-message corpus' bulk)
    blocks = re.findall(r"^-- conc 4, (1|10) msg/conn\n((?:\S+: \d+ messages, p50 [0-9.]+ ms, p99 [0-9.]+ ms\n"
                        r"(?:  .*\n)+)+)", out, re.M)
    named = {pc: re.findall(r"^(\S+): \d+ messages", b, re.M) for pc, b in blocks}
    t.ok("== latency by message size" in out and sorted(named) == ["1", "10"] and
         all(sorted(n) == ["authmilter", "authmilter_base", "authmilter_metrics",
                           "authmilter_reports", "null", "nullA", "nullB", "nullC", "nullR"]
             for n in named.values()) and
         all(b.count("  < 20 KB ") == 9 for _, b in blocks),
         names[4], diag=out)
# A milter that fails while run-bench.sh measures it gives an ERROR and a
# failed run, never a row. The fake build directory's nullmilter is the
# real one, except at its Nth start (the first is the correctness check,
# the second the timed point, the next ones the counted points):
#  - "crash": killed by SIGSEGV one second into the timed load; run-bench
#    read no CPU for the PID that was gone, so the row showed a negative
#    CPU a message, and the run ended with status 0;
#  - "refuse": it exits at once, so it never listens under perf stat; the
#    counted point was left out with status 0.
FAKE_NULL = """#!/bin/bash
n=$(( $(cat "$0.starts" 2>/dev/null || echo 0) + 1 )); echo $n > "$0.starts"
if [ $n = %(start)d ] && [ %(what)s = refuse ]; then
    exit 1
elif [ $n = %(start)d ]; then
    ( for i in $(seq 300); do
        pgrep -P $PPID -f -- "-m 1 -t 3 -q" >/dev/null && { sleep 1; kill -SEGV $$; exit; }
        sleep 0.1
    done ) &
fi
exec %(real)s "$@"
"""


def run_failing_null(what, start, args):
    """run_failing_null - run-bench.sh with a nullmilter that fails as
    WHAT at its START-th start; returns (CompletedProcess, output)"""
    with tempfile.TemporaryDirectory() as fake:
        for sub, prog in (("contrib/bench", "milterload"), ("contrib/bench", "sysfloor"), ("src", "authmilter")):
            os.makedirs(os.path.join(fake, sub), exist_ok=True)
            os.symlink(os.path.join(BUILD, sub, prog), os.path.join(fake, sub, prog))
        path = os.path.join(fake, "contrib", "bench", "nullmilter")
        with open(path, "w") as f:
            f.write(FAKE_NULL % {"start": start, "what": what, "real": nullmilter})
        os.chmod(path, 0o755)
        return run_removing_kept(["--builddir", fake, "--conc", "4", "--seconds", "3",
                                  "--count", "40", "--per-conn", "1", "--budget", "200"] + args)


fail_names = ["run-bench.sh: a milter that crashes during its timed run gets an ERROR and "
              "no row, and the run fails",
              "run-bench.sh: a milter that does not start for a counted point gets an ERROR, "
              "and the run fails"]
if SANITIZED:
    for n in fail_names:
        t.skip(n, SANITIZED_SKIP)
elif t.need(root=True, tools=tools, check=python_modules, what="run-bench.sh", tests=fail_names):
    r, out = run_failing_null("crash", 2, ["--only", "null", "--counts", "0"])
    t.ok(r.returncode != 0 and
         re.search(r"^ERROR null conc 4, 1 msg/conn: the milter exited before the end of the "
                   r"timed run", out, re.M) and
         not re.search(r"^null +4 ", out, re.M), fail_names[0], diag=out)
    r, out = run_failing_null("refuse", 3, ["--only", "nullR", "--counts", "40", "--seconds", "1"])
    t.ok(r.returncode != 0 and
         re.search(r"^ERROR counts nullR conc 1, 1 msg/conn: the milter did not start", out, re.M) and
         re.search(r"^nullR +16 +1 +40 ", out, re.M), fail_names[1], diag=out)

for k in kept_dirs:
    shutil.rmtree(k, ignore_errors=True)
t.done()
