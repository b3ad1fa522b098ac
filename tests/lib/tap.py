"""tap - a tiny TAP (Test Anything Protocol) emitter for authmilter tests.

Exported:
    TAP(plan=None)          one test script's reporter; plan() may come later
    TAP.plan(n)             print "1..n" (or let done() print it at the end)
    TAP.ok(cond, name, diag=None) -> bool
                            "ok N - name" / "not ok N - name" plus "# " diag
    TAP.skip(name, reason)  "ok N - name # SKIP reason"
    TAP.skip_rest(reason, names)
                            skip every named test (when a prerequisite is gone)
    TAP.diag(text)          "# text" lines on stdout
    TAP.need(what, ...)     the prerequisite rule, see below; -> bool
    TAP.bail(reason)        "Bail out!" and exit 1
    TAP.done()              print the plan if not yet printed, exit 0 when no
                            test failed (and the plan matched), else 1
    run_parallel(t, part, ...)
                            each part(reporter) in a thread of its own, all
                            at once; their results reported on t afterwards
                            in the order of the parts
    ci()                    True when the environment says CI=true
    is_root()               True when running as uid 0

The prerequisite rule (tests/run-tests.sh states it too): a test that needs
root, Postfix, a DNS server, a program... SKIPS with a clear reason on a
developer's laptop, but when CI=true a missing prerequisite is a FAILURE, so
CI can never go green by skipping. need() implements it: it returns True when
everything is present; otherwise it reports every test name given in `tests`
(or one "prerequisites" test) as skipped (laptop) or failed (CI) and returns
False so the caller can stop.

Output goes to stdout, unbuffered enough to survive a crash: every line is
flushed. Names never contain '#' (it would start a directive), so it is
replaced.
"""

import os
import shutil
import sys
import threading


def ci():
    """ci - True when the environment variable CI is "true" (or 1/yes)."""
    return os.environ.get("CI", "").strip().lower() in ("true", "1", "yes")


def is_root():
    """is_root - True when the effective uid is 0."""
    return os.geteuid() == 0


def _clean(name):
    """_clean - make a test name safe for one TAP line."""
    return " ".join(str(name).replace("#", "No.").split())


class TAP:
    """TAP - one test script's reporter."""

    def __init__(self, plan=None, out=None):
        self.out = out or sys.stdout
        self.n = 0
        self.failed = 0
        self.skipped = 0
        self.planned = None
        if plan is not None:
            self.plan(plan)

    def _emit(self, line):
        self.out.write(line + "\n")
        self.out.flush()

    def plan(self, n):
        """plan - print the plan line "1..n" (only once)."""
        if self.planned is None:
            self.planned = int(n)
            self._emit("1..%d" % self.planned)

    def diag(self, text):
        """diag - print free text as TAP comment lines."""
        for line in str(text).splitlines() or [""]:
            self._emit("# " + line)

    def ok(self, cond, name, diag=None):
        """ok - report one test; diag (str or callable) is shown on failure."""
        self.n += 1
        if cond:
            self._emit("ok %d - %s" % (self.n, _clean(name)))
        else:
            self.failed += 1
            self._emit("not ok %d - %s" % (self.n, _clean(name)))
            if diag is not None:
                self.diag(diag() if callable(diag) else diag)
        return bool(cond)

    def is_eq(self, got, want, name):
        """is_eq - ok(got == want) with both values shown on failure."""
        return self.ok(got == want, name,
                       diag="got:  %r\nwant: %r" % (got, want))

    def skip(self, name, reason):
        """skip - report one skipped test with its reason."""
        self.n += 1
        self.skipped += 1
        self._emit("ok %d - %s # SKIP %s" % (self.n, _clean(name),
                                             _clean(reason)))

    def skip_if_wrapped(self, what):
        """skip_if_wrapped - for a test that starts no daemon: under
        AUTHMILTER_WRAPPER (CI's valgrind run, tests/ci-sanitize.sh)
        nothing of it would run under the wrapper, so it would only
        repeat the plain run (minutes, for the differential tests). Skip
        it whole, saying so, and end the run."""
        if os.environ.get("AUTHMILTER_WRAPPER"):
            self.skip(what, "starts no daemon: nothing of it runs under "
                      "AUTHMILTER_WRAPPER, and the run without it covers it")
            self.done()

    def skip_rest(self, reason, names):
        """skip_rest - skip each of the given test names."""
        for name in names:
            self.skip(name, reason)

    def need(self, root=False, tools=(), files=(), check=None, what=None,
             tests=None):
        """need - check prerequisites; skip (laptop) or fail (CI) when absent.

        root:   True when the test needs uid 0
        tools:  program names that must be on PATH (or absolute paths)
        files:  paths that must exist
        check:  optional callable returning None when fine, else a reason
        what:   label used in the messages
        tests:  names of the tests that cannot run; each is reported.
        Returns True when everything needed is there.
        """
        missing = []
        if root and not is_root():
            missing.append("root")
        for t in tools:
            if os.path.isabs(t):
                if not os.access(t, os.X_OK):
                    missing.append(t)
            elif shutil.which(t) is None and not _in_sbin(t):
                missing.append(t)
        for f in files:
            if not f or not os.path.exists(f):
                missing.append(str(f))
        if not missing and check is not None:
            why = check()
            if why:
                missing.append(why)
        if not missing:
            return True
        reason = "needs %s" % ", ".join(missing)
        if what:
            reason = "%s %s" % (what, reason)
        names = list(tests) if tests else ["prerequisites"]
        for name in names:
            if ci():
                self.ok(False, name,
                        diag="CI=true: missing prerequisite is a failure: "
                        + reason)
            else:
                self.skip(name, reason)
        return False

    def bail(self, reason):
        """bail - abort the whole script (counts as failure)."""
        self._emit("Bail out! " + _clean(reason))
        sys.exit(1)

    def done(self):
        """done - close the run: print the plan if needed, exit 0 or 1."""
        if self.planned is None:
            self.plan(self.n)
        elif self.planned != self.n:
            self.diag("planned %d tests but ran %d" % (self.planned, self.n))
            self.failed += 1
        if self.n == 0 and self.planned == 0:
            self.diag("no tests ran")
        sys.exit(1 if self.failed else 0)


class Recorder:
    """Recorder - stands in for a TAP in one part of run_parallel and
    keeps what the part reports, to be reported later. A diag given as a
    callable is called at once on failure, while what it reads (a
    daemon's log, say) is still there."""

    def __init__(self):
        self.calls = []

    def ok(self, cond, name, diag=None):
        """ok - keep one result; -> bool(cond) as TAP.ok"""
        if not cond and callable(diag):
            diag = diag()
        self.calls.append(("ok", (bool(cond), name, diag)))
        return bool(cond)

    def skip(self, name, reason):
        """skip - keep one skip"""
        self.calls.append(("skip", (name, reason)))

    def diag(self, text):
        """diag - keep comment lines"""
        self.calls.append(("diag", (text,)))

    # the same on top of ok and skip as TAP's own
    is_eq = TAP.is_eq
    skip_rest = TAP.skip_rest
    need = TAP.need


def run_parallel(t, *parts):
    """run_parallel - run each part(reporter) in a thread of its own, all
    at once, then report on t what they reported, in the order of the
    parts: the output is the one running them one after the other gives.
    For parts that share nothing and mostly wait (a timeout of the
    daemon's, a time of day). An exception a part raised is raised here,
    after every part ended and those before it were reported."""
    recs = [Recorder() for _ in parts]
    errors = [None] * len(parts)

    def run(i):
        try:
            parts[i](recs[i])
        except BaseException as e:  # raised again below
            errors[i] = e

    # daemon threads: a script stopped meanwhile (Ctrl-C, SIGTERM) does
    # not wait for its parts, its at-exit clean-up stops their daemons
    threads = [threading.Thread(target=run, args=(i,), daemon=True)
               for i in range(len(parts))]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    for rec, err in zip(recs, errors):
        for method, args in rec.calls:
            getattr(t, method)(*args)
        if err is not None:
            raise err


def _in_sbin(tool):
    """_in_sbin - True when a tool sits in an sbin directory not on PATH."""
    for d in ("/usr/sbin", "/sbin", "/usr/local/sbin"):
        if os.access(os.path.join(d, tool), os.X_OK):
            return True
    return False
