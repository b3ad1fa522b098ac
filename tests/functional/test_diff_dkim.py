#!/usr/bin/python3
"""test_diff_dkim.py - DKIM differential test: authmilter's verifier
against dkimpy and Mail::DKIM on seeded, signed-then-changed messages.

1. tests/diff/dkim/gen.py makes DIFF_COUNT messages (default 1500) from
   DIFF_SEED (default 20261204): its own RFC 6376 signer (rsa-sha256 with
   1024/2048-bit keys, ed25519-sha256), every c= pair, l= within the body,
   tag order/FWS/case variants, then changes after signing (whitespace,
   folding, field case and order, added/duplicated/removed fields, 8-bit
   bytes, bare CR, body edits) from a vocabulary on which RFC 6376 and
   both oracles agreed in the last session's 30,000-message run; gen.py's
   docstring lists what is left out and why.
2. Each message goes through tests/dkim/dkim_check (our verifier, found
   through top_builddir), dkimpy (python3-dkim) and Mail::DKIM
   (libmail-dkim-perl, through tests/dkim/verify_maildkim.pl), keys from
   a table and the clock pinned at 1700003600 for all three.
3. Per signature, pass against not-pass must be the same for all three
   (Mail::DKIM 1.20230212 has no Ed25519: those are compared with dkimpy
   only). Any difference fails, with the message's recipe printed.
   Sanity floors keep it from passing vacuously: every verifier answered
   for every message, both verdicts are common, the unchanged messages
   pass everywhere.
4. Fixed cases (tests/diff/dkim/cases, expected.txt: our verdict, the RFC
   section, the oracles' answers): where the last session found us right
   and an oracle wrong, checked against our verifier only.

Environment: DIFF_SEED, DIFF_COUNT for longer hunts (DIFF_COUNT=20000 takes
about a minute); DIFF_KEEP=1 keeps the messages that differ (and the
corpus's keys.txt, now.txt, recipes.jsonl) in a directory named at the
end. Missing tools skip, but fail under CI=true. Default run: about 6 s
(2 cores).
"""
import collections
import importlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

srcdir = os.environ.get("top_srcdir") or os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "..")
builddir = os.environ.get("top_builddir") or srcdir
sys.path.insert(0, os.path.join(srcdir, "tests", "lib"))
from tap import TAP  # noqa: E402

PY = "/usr/bin/python3"
CHECK = os.path.join(builddir, "tests", "dkim", "dkim_check")
HERE = os.path.join(srcdir, "tests", "diff", "dkim")
GEN = os.path.join(HERE, "gen.py")
DKIMPY = os.path.join(HERE, "dkimpy_verify.py")
MAILDKIM = os.path.join(HERE, "maildkim_at.pl")
VERIFY_PL = os.path.join(srcdir, "tests", "dkim", "verify_maildkim.pl")
KEYDIR = os.path.join(srcdir, "tests", "dkim", "keys")
CASES = os.path.join(HERE, "cases")
NOW = 1700003600          # gen.py's NOW; the fixed cases were signed for it
TIMEOUT = 300             # per subprocess; the default run needs ~10 s
MAX_SHOWN = 20
CHECK_MAX = 4000          # dkim_check's CHECK_MAX_LINES is 4096


def missing():
    """missing - None when the oracles and modules are there, else why"""
    for mod in ("dkim", "nacl.signing", "cryptography"):
        try:
            importlib.import_module(mod)
        except ImportError as e:
            return "python3-dkim, python3-nacl, python3-cryptography (%s)" % e
    r = subprocess.run(["perl", "-MMail::DKIM::Verifier", "-MNet::DNS", "-e", "1"],
                       capture_output=True, timeout=60)
    if r.returncode != 0:
        return "Mail::DKIM (libmail-dkim-perl)"
    return None


def read_cases():
    """read_cases - [(file, expected, description, RFC comment)]"""
    out, comment = [], []
    with open(os.path.join(CASES, "expected.txt")) as f:
        for line in f:
            line = line.rstrip("\n")
            if line.startswith("#") or not line.strip():
                if line.startswith("# "):
                    comment.append(line[2:])
                continue
            name, want, desc = line.split("\t")
            out.append((name, want, desc, " ".join(comment)))
            comment = []
    return out


def parse_check(text):
    """parse_check - dkim_check's TAP as {file: [verdict per signature]}"""
    out = {}
    for line in text.splitlines():
        m = re.match(r"^(?:not )?ok \d+ - (\S+) \S+: (?:got )?(.*?)"
                     r"(?:, want .*)?$", line)
        if m:
            out[m.group(1)] = [v for v in m.group(2).split(";")
                               if not v.startswith("ignored=")]
    return out


def parse_table(text):
    """parse_table - "path<TAB>v;v" lines as {file name: [verdicts]}"""
    out = {}
    for line in text.splitlines():
        if "\t" in line:
            path, v = line.split("\t", 1)
            out[os.path.basename(path)] = v.split(";")
    return out


def start(cmd, stdin_path=None):
    """start - run cmd in the background; its input from a file, so that
    it works while the others run"""
    with open(stdin_path or os.devnull, "rb") as f:
        return subprocess.Popen(cmd, stdin=f, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE)


def finish(p):
    """finish - (returncode, stdout, stderr) of a started job, killed (by
    its own pid) when it overruns TIMEOUT"""
    try:
        out, err = p.communicate(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        p.kill()
        out, err = p.communicate()
        return -1, out.decode("utf-8", "replace"), "timed out after %d s" % TIMEOUT
    return p.returncode, out.decode("utf-8", "replace"), err.decode("utf-8", "replace")


def check_dirs(corpus, files):
    """check_dirs - the corpus as directories dkim_check can take: it
    reads at most 4,096 manifest lines, so larger runs (DIFF_COUNT) go in
    parts of symlinks, each with the corpus's keys and clock"""
    if len(files) <= CHECK_MAX:
        return [corpus]
    dirs = []
    for k in range(0, len(files), CHECK_MAX):
        d = os.path.join(corpus, "part%d" % (k // CHECK_MAX + 1))
        os.mkdir(d)
        for n in ("keys.txt", "now.txt"):
            shutil.copy(os.path.join(corpus, n), d)
        with open(os.path.join(d, "manifest.txt"), "w") as man:
            for j, name in enumerate(files[k:k + CHECK_MAX]):
                os.symlink(os.path.join(corpus, name), os.path.join(d, name))
                man.write("%s\t?\tc%d\n" % (name, k + j + 1))
        dirs.append(d)
    return dirs


def is_pass(v):
    """is_pass - ours says "pass" or "pass+l"; the oracles say "pass" """
    return v == "pass" or v.startswith("pass+") or v.startswith("pass:")


def word(v):
    """word - a verdict's result word for the counts"""
    return re.split(r"[:(+]", v, 1)[0]


def differential(t, work, seed, count):
    """differential - generate, run the three verifiers, compare"""
    corpus = os.path.join(work, "corpus")
    t0 = time.time()
    g = subprocess.run([PY, GEN, str(seed), str(count), corpus, KEYDIR],
                       capture_output=True, text=True, timeout=TIMEOUT)
    recipes = []
    if g.returncode == 0:
        with open(os.path.join(corpus, "recipes.jsonl")) as f:
            recipes = [json.loads(line) for line in f]
    if not t.ok(g.returncode == 0 and len(recipes) == count,
                "generator wrote %d messages (seed %d)" % (count, seed),
                diag=(g.stdout + g.stderr)[-2000:]):
        return []
    t1 = time.time()
    paths = os.path.join(work, "paths.txt")
    with open(paths, "w") as f:
        f.write("".join(os.path.join(corpus, r["file"]) + "\n" for r in recipes))
    jobs = [start([PY, DKIMPY, corpus]),
            start(["perl", MAILDKIM, str(NOW), VERIFY_PL,
                   os.path.join(corpus, "keys.txt")], stdin_path=paths)]
    rc_a, out_a, err_a = 0, "", ""
    for d in check_dirs(corpus, [r["file"] for r in recipes]):
        rc, out, err = finish(start([CHECK, d]))
        rc_a, out_a, err_a = max(rc_a, rc), out_a + out, err_a + err
    (rc_d, out_d, err_d), (rc_m, out_m, err_m) = [finish(j) for j in jobs]
    t2 = time.time()
    t.diag("seed %d, %d messages: generated in %.1f s, verified by the three "
           "in %.1f s" % (seed, count, t1 - t0, t2 - t1))
    ours, dkimpy, maildkim = parse_check(out_a), parse_table(out_d), \
        parse_table(out_m)
    names = [r["file"] for r in recipes]

    def answered(got, rc, err, who):
        # dkim_check exits 1 here (its manifest expects "?"), 2 when it
        # cannot read the corpus
        lacking = [n for n in names if n not in got]
        rc_ok = rc in (0, 1) if who == "dkim_check" else rc == 0
        return t.ok(rc_ok and not lacking, "%s answered for every message" % who,
                    diag="exit %d, %d of %d missing (first %s)\n%s" % (
                        rc, len(lacking), len(names), lacking[:3], err[-1500:]))
    ok_a = answered(ours, rc_a, err_a, "dkim_check")
    ok_d = answered(dkimpy, rc_d, err_d, "dkimpy")
    ok_m = answered(maildkim, rc_m, err_m, "Mail::DKIM")

    counts = {k: collections.Counter() for k in ("ours", "dkimpy", "Mail::DKIM")}
    diff_d, diff_m = [], []
    n_sig = n_rsa = n_ed = n_pass = n_unchanged = 0
    unchanged_bad = []
    for r in recipes:
        f, sigs = r["file"], r["sigs"]
        a = ours.get(f, [])
        d = dkimpy.get(f, [])
        if len(d) == 1 and d[0].startswith("error(") and len(sigs) > 1:
            d = d * len(sigs)     # dkimpy refused the whole message
        m = maildkim.get(f, [])
        for i, s in enumerate(sigs):
            n_sig += 1
            va = a[i] if i < len(a) else "missing"
            vd = d[i] if i < len(d) else "missing"
            vm = m[i] if i < len(m) else "missing"
            counts["ours"][word(va)] += 1
            counts["dkimpy"][word(vd)] += 1
            counts["Mail::DKIM"][word(vm)] += 1
            n_pass += is_pass(va)
            row = (f, i, s, r, va, vd, vm)
            if is_pass(va) != is_pass(vd) or "missing" in (va, vd):
                diff_d.append(row)
            if s["alg"] == "ed25519-sha256" and \
                    vm.startswith("invalid") and "unsupported algorithm" in vm:
                n_ed += 1     # Mail::DKIM 1.20230212 has no Ed25519
            else:
                n_rsa += s["alg"] == "rsa-sha256"
                if is_pass(va) != is_pass(vm) or "missing" in (va, vm):
                    diff_m.append(row)
            if not r["changes"]:
                n_unchanged += 1
                if not (is_pass(va) and is_pass(vd) and
                        (is_pass(vm) or s["alg"] != "rsa-sha256")):
                    unchanged_bad.append(row)
    for who, c in counts.items():
        t.diag("%-10s %s" % (who, ", ".join("%s %d" % kv for kv in sorted(c.items()))))
    t.diag("%d signatures (%d compared with Mail::DKIM, %d Ed25519 with dkimpy "
           "only), %d on unchanged messages" % (n_sig, n_sig - n_ed,
                                                 n_ed, n_unchanged))

    # sanity floors: a broken oracle or runner must not make this vacuous
    t.ok(ok_a and ok_d and ok_m and n_sig >= count and
         0.25 * n_sig <= n_pass <= 0.75 * n_sig and n_ed >= 0.1 * n_sig and
         n_rsa >= 0.5 * n_sig and n_unchanged >= 0.05 * count,
         "verdict mix: %d pass, %d not pass, %d Ed25519, %d unchanged" % (
             n_pass, n_sig - n_pass, n_ed, n_unchanged),
         diag="want 25-75 % pass, >= 10 % Ed25519, >= 50 % RSA compared with "
         "Mail::DKIM, >= 5 % unchanged messages")
    t.ok(not unchanged_bad and n_unchanged > 0,
         "unchanged messages pass in all three verifiers (the signer is right)",
         diag=lambda: show(unchanged_bad))
    t.ok(ok_a and ok_d and not diff_d,
         "no pass/not-pass difference from dkimpy (%d signatures)" % n_sig,
         diag=lambda: show(diff_d))
    t.ok(ok_a and ok_m and not diff_m,
         "no pass/not-pass difference from Mail::DKIM (%d signatures)" %
         (n_sig - n_ed), diag=lambda: show(diff_m))
    return sorted({row[0] for row in diff_d + diff_m + unchanged_bad})


def show(rows):
    """show - the recipes of the first differences"""
    out = []
    for f, i, s, r, va, vd, vm in rows[:MAX_SHOWN]:
        out.append("%s sig %d/%d %s %s h=%s body=%s" % (
            f, i + 1, len(r["sigs"]), s["alg"], s["c"], s["h"], r["body"]))
        out.append("    signed: %s" % ("; ".join(s["notes"]) or "plain"))
        out.append("    changed: %s" % ("; ".join(r["changes"]) or "nothing"))
        out.append("    ours=%s dkimpy=%s Mail::DKIM=%s" % (va, vd, vm))
    if len(rows) > MAX_SHOWN:
        out.append("... and %d more" % (len(rows) - MAX_SHOWN))
    out.append("(DIFF_KEEP=1 keeps these messages)")
    return "\n".join(out)


def fixed(t, work, cases):
    """fixed - the committed cases through our verifier only"""
    d = os.path.join(work, "fixed")
    g = subprocess.run([PY, GEN, "--keys", d, KEYDIR], capture_output=True,
                       text=True, timeout=TIMEOUT)
    with open(os.path.join(d, "manifest.txt"), "w") as man:
        for k, (name, want, _desc, _rfc) in enumerate(cases):
            shutil.copy(os.path.join(CASES, name), d)
            man.write("%s\t%s\tf%d\n" % (name, want, k + 1))
    r = subprocess.run([CHECK, d], capture_output=True, text=True,
                       timeout=TIMEOUT) if g.returncode == 0 else None
    got = parse_check(r.stdout) if r else {}
    for name, want, desc, rfc in cases:
        v = ";".join(got.get(name, ["missing"]))
        t.ok(v == want, "fixed %s (%s): %s" % (name, desc, want),
             diag="got %s\nwhy: %s\n%s" % (v, rfc, (g.stderr + (
                 r.stderr if r else ""))[-1000:]))


def main():
    t = TAP()
    t.skip_if_wrapped("DKIM differential")
    seed = int(os.environ.get("DIFF_SEED", "20261204"))
    count = int(os.environ.get("DIFF_COUNT", "1500"))
    cases = read_cases()
    names = ["differential DKIM run"] + ["fixed %s" % c[0] for c in cases]
    if not t.need(files=[CHECK, VERIFY_PL, GEN, KEYDIR], check=missing,
                  what="DKIM differential", tests=names):
        t.done()
    work = tempfile.mkdtemp(prefix="diff-dkim-")
    keep = False
    try:
        bad = differential(t, work, seed, count)
        fixed(t, work, cases)
        if bad and os.environ.get("DIFF_KEEP"):
            corpus = os.path.join(work, "corpus")
            kept = set(bad) | {"keys.txt", "now.txt", "recipes.jsonl"}
            for n in os.listdir(corpus):
                path = os.path.join(corpus, n)
                if os.path.isdir(path):     # a partN view of symlinks
                    shutil.rmtree(path)
                elif n not in kept:
                    os.unlink(path)
            shutil.rmtree(os.path.join(work, "fixed"), ignore_errors=True)
            t.diag("kept the %d differing messages in %s" % (len(bad), corpus))
            keep = True
    finally:
        if not keep:
            shutil.rmtree(work, ignore_errors=True)
    t.done()


if __name__ == "__main__":
    main()
