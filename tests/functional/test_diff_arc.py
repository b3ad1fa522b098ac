#!/usr/bin/python3
"""test_diff_arc - ARC chain validation, authmilter against dkimpy.

Our verdict is `authcheck message FILE --json` (its "arc" result), keys
served by tests/lib/dns_server.py on 127.0.0.1; the oracle is dkimpy's
dkim.arc_verify (python3-dkim) answering from the same key records.

(a) Differential: a seeded generator (tests/diff/arc/gen.py) builds
    chains of 1-5 sets sealed by dkimpy and by an independent sealer
    (tests/diff/arc/arcseal.py), each with a change on which RFC 8617 and
    dkimpy agree (hops that modify the message, cv= right and wrong,
    broken or missing seals/AMS/AAR, duplicated and renumbered sets, odd
    but valid spacing and folding, bad key records...). Every verdict
    must be dkimpy's.
(b) Sanity: both oracles answered on every case, "pass" and "fail" each
    make up at least a fifth, chains sealed by dkimpy verified, and (with
    1000 cases or more) every mutation kind was drawn.
(c) Fixed cases (tests/diff/arc/fixed.py): the bugs found by the first
    differential run, and the classes where dkimpy differs and the RFC
    sides with us, each with our expected verdict and its RFC section.

Environment: DIFF_SEED (default 8617) and DIFF_COUNT (default 1000) for
longer hunts; DIFF_KEEP=1 keeps the work directory with the messages that
disagreed (named on a "# kept" line). Keys are fixed (tests/diff/arc/
keys) and t= pinned, so a seed always makes the same messages. 25-30 s
on two cores with the default count. What the generator leaves out (the
dkimpy quirks and judged classes) is listed in tests/diff/arc/gen.py.
"""
import importlib
import os
import random
import shutil
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

sys.dont_write_bytecode = True      # never write into the source tree
SRC = os.environ.get("top_srcdir") or os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "..")
sys.path.insert(0, os.path.join(SRC, "tests", "lib"))
sys.path.insert(0, os.path.join(SRC, "tests", "diff", "arc"))
import authcheck_env  # noqa: E402
from tap import TAP  # noqa: E402

SEED = int(os.environ.get("DIFF_SEED") or 8617)
COUNT = int(os.environ.get("DIFF_COUNT") or 1000)
MAX_SHOWN = 20
TESTS = ["generator", "both verifiers answered", "no discrepancy",
         "sanity floor", "fixed cases"]


def missing():
    why = authcheck_env.missing()
    if why:
        return why
    try:
        for mod in ("dkim", "cryptography", "yaml"):
            importlib.import_module(mod)
    except ImportError as e:
        return "python3-dkim and python3-cryptography (%s)" % e
    return None


def want_ok(want, got, reason):
    """want: "pass"/"fail", or (verdict, text) the reason must contain,
    or (verdict, "!text") it must not"""
    if isinstance(want, str):
        return got == want
    verdict, text = want
    if got != verdict:
        return False
    return text[1:] not in reason if text.startswith("!") else text in reason


def main():
    t = TAP()
    t.skip_if_wrapped("ARC differential")
    if not t.need(check=missing, what="ARC differential", tests=TESTS):
        t.done()
    import yaml
    import dns_testserver
    import fixed
    import gen
    import keyset
    import oracle

    started = time.monotonic()
    work = tempfile.mkdtemp(prefix="diff-arc-")
    keep = set()
    try:
        K = keyset.keys()
        recs, zone = keyset.records(K)
        with open(os.path.join(work, "zone.yaml"), "w") as f:
            yaml.safe_dump(zone, f)
        rng = random.Random(SEED)
        cases, gen_errors = [], []
        for idx in range(COUNT):
            try:
                raw, recipe = gen.make_case(rng, K, idx)
            except Exception as e:  # noqa: BLE001 - reported as a failure
                gen_errors.append("case %d: %s: %s" % (idx, type(e).__name__,
                                                       e))
                continue
            path = os.path.join(work, "%05d.eml" % idx)
            with open(path, "wb") as f:
                f.write(raw)
            cases.append((path, raw, recipe))
        fixed_msgs = []
        for name, want, rfc, dk_then, build in fixed.CASES:
            path = os.path.join(work, "fixed-%s.eml" % name.split()[0])
            try:
                raw = build(K)
            except Exception as e:  # noqa: BLE001
                gen_errors.append("fixed %s: %s: %s" % (name, type(e).__name__,
                                                        e))
                raw = b""
            with open(path, "wb") as f:
                f.write(raw)
            fixed_msgs.append((path, raw, (name, want, rfc, dk_then)))
        gen_s = time.monotonic() - started

        with dns_testserver.DnsServer(os.path.join(work, "zone.yaml")) as srv:
            def judge(case):
                path, raw, _ = case
                return oracle.ours(path, srv.port), oracle.dkimpy(raw, recs)
            with ThreadPoolExecutor(2) as ex:
                results = list(ex.map(judge, cases))
                fixed_res = list(ex.map(judge, fixed_msgs))

        # (a)+(b) the differential part
        t.ok(not gen_errors, "generator: %d cases from seed %d, fixed %d" % (
            len(cases), SEED, len(fixed_msgs)), diag="\n".join(gen_errors[:20]))
        pairs, bykind, odd = Counter(), Counter(), []
        disc = []
        for (path, raw, rec), (ours, dk) in zip(cases, results):
            pairs[(ours[0], dk[0])] += 1
            for m in rec["mutations"]:
                bykind[(m, ours[0])] += 1
            if ours[0] not in ("pass", "fail", "none") or \
                    dk[0] not in ("pass", "fail", "none"):
                odd.append((path, rec, ours, dk))
            if ours[0] != dk[0]:
                disc.append((path, rec, ours, dk))
                keep.add(path)

        def show(rows):
            out = []
            for path, rec, ours, dk in rows[:MAX_SHOWN]:
                out.append("%s: %d hops %s (dkimpy sealed %s) mutations %s" % (
                    os.path.basename(path), rec["hops"], rec["sealers"],
                    rec["by_dkimpy"], rec["mutations"]))
                out.append("  recipe: %s" % "; ".join(rec["desc"]))
                out.append("  authmilter: %s %s" % ours)
                out.append("  dkimpy:     %s %s" % (dk[0], dk[1][:200]))
            if len(rows) > MAX_SHOWN:
                out.append("... and %d more" % (len(rows) - MAX_SHOWN))
            return "\n".join(out)
        t.ok(not odd, "both verifiers answered on all %d cases" % len(cases),
             diag=lambda: show(odd))
        t.ok(not disc, "no discrepancy authmilter vs dkimpy (%d cases)" %
             len(cases), diag=lambda: show(disc))
        for (a, d), n in sorted(pairs.items()):
            t.diag("authmilter %s, dkimpy %s: %d" % (a, d, n))
        npass = sum(n for (a, _d), n in pairs.items() if a == "pass")
        nfail = sum(n for (a, _d), n in pairs.items() if a == "fail")
        dk_pass = sum(1 for (_p, _r, rec), (o, _d) in zip(cases, results)
                      if o[0] == "pass" and any(rec["by_dkimpy"]))
        kinds = {m for m, _v in bykind}
        unused = [m for m, _f, _w in gen.MUTATIONS if m not in kinds]
        floor = max(1, len(cases) // 5)
        t.ok(npass >= floor and nfail >= floor and dk_pass > 0 and
             (COUNT < 1000 or not unused),
             "sanity floor: %d pass, %d fail (each >= %d), %d passing chains "
             "with dkimpy-sealed sets" % (npass, nfail, floor, dk_pass),
             diag="mutation kinds never drawn: %s" % unused)
        t.diag("per mutation kind (our verdict): " + ", ".join(
            "%s %d/%d" % (m, bykind[(m, "pass")], bykind[(m, "fail")])
            for m, _f, _w in gen.MUTATIONS))

        # (c) fixed cases, against our verdict only
        notes = []
        for (path, raw, (name, want, rfc, dk_then)), (ours, dk) in \
                zip(fixed_msgs, fixed_res):
            ok = t.ok(want_ok(want, ours[0], ours[1]),
                      "fixed %s: %s (%s)" % (name, want if isinstance(
                          want, str) else "%s, reason %s" % want, rfc),
                      diag="authmilter: %s %s; dkimpy: %s %s" % (
                          ours[0], ours[1], dk[0], dk[1][:120]))
            if not ok:
                keep.add(path)
            if not dk_then.startswith(dk[0]):
                notes.append("%s: dkimpy now %s (%s), was %s" % (
                    name, dk[0], dk[1][:80], dk_then))
        t.diag("dkimpy on the fixed cases: %d as recorded%s" % (
            len(fixed_msgs) - len(notes), "".join("\n" + n for n in notes)))
        t.diag("%d random + %d fixed cases in %.1f s (generation %.1f s)" % (
            len(cases), len(fixed_msgs), time.monotonic() - started, gen_s))
    finally:
        if os.environ.get("DIFF_KEEP") and keep:
            for name in os.listdir(work):
                p = os.path.join(work, name)
                if p not in keep and name != "zone.yaml":
                    os.unlink(p)
            t.diag("kept %s (zone.yaml and the %d messages that failed)" % (
                work, len(keep)))
        else:
            shutil.rmtree(work, ignore_errors=True)
    t.done()


if __name__ == "__main__":
    main()
