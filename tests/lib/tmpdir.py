"""tmpdir - temporary directories that go away when the test script ends.

Exported:
    make(prefix, mode=None)    a new directory (tempfile.mkdtemp: $TMPDIR,
                               else /tmp) -> its path; removed when the
                               script exits, passed or failed
    remove(path)               remove it now (done with it early); nothing
                               for a path make() did not return
    at_exit(fn, *args)         call fn(*args) at exit, before the
                               directories made so far are removed: stop a
                               process that works in one of them
    keep()                     True when env KEEP_TEST_TMP is set

Removal runs from atexit, last registered first, so whatever was started
after a directory was made (a daemon, a DNS server, PostgreSQL) and
registered with at_exit is stopped before that directory goes. A script
normally stops its processes itself (with-blocks, try/finally); at_exit is
the net for the ones it did not reach.

"Passed or failed": atexit runs after sys.exit (t.done()), after an
uncaught exception and after Ctrl-C. A SIGTERM (make check or a CI job
cancelled) would end the interpreter without it, so importing this module
makes SIGTERM raise SystemExit(143) in the main thread when SIGTERM still
has its default action: with-blocks and finally clauses unwind (daemons
are stopped) and then the directories are removed.

KEEP_TEST_TMP=1 (any non-empty value) keeps every directory for a
post-mortem; each kept one is named on stderr at exit ("# kept DIR").

Only the process that made a directory removes it: a forked child that
leaves through the interpreter's normal exit does not.
"""

import atexit
import os
import shutil
import signal
import sys
import tempfile
import threading

_pid = os.getpid()
_made = []          # paths make() returned and nobody removed yet


def keep():
    """keep - True when KEEP_TEST_TMP asks to keep temp dirs."""
    return bool(os.environ.get("KEEP_TEST_TMP"))


def remove(path):
    """remove - remove a directory make() returned, now (kept when
    KEEP_TEST_TMP is set; then it is named at exit)."""
    if path not in _made or keep():
        return
    _made.remove(path)
    shutil.rmtree(path, ignore_errors=True)


def _at_exit_remove(path):
    if os.getpid() != _pid or path not in _made:
        return
    if keep():
        _made.remove(path)
        sys.stderr.write("# kept %s (KEEP_TEST_TMP)\n" % path)
        return
    remove(path)


def make(prefix, mode=None):
    """make - mkdtemp(prefix=prefix), chmod to mode when given; the
    directory is removed at exit (see the module comment)."""
    path = tempfile.mkdtemp(prefix=prefix)
    _made.append(path)
    atexit.register(_at_exit_remove, path)
    if mode is not None:
        os.chmod(path, mode)
    return path


def at_exit(fn, *args, **kw):
    """at_exit - fn(*args, **kw) at exit in this process, before the
    directories made so far are removed; its exceptions are reported on
    stderr and do not stop the removal."""
    pid = os.getpid()

    def run():
        if os.getpid() != pid:
            return
        try:
            fn(*args, **kw)
        except Exception as e:  # noqa: BLE001 - exiting anyway
            sys.stderr.write("# at exit %r: %r\n" % (fn, e))
    atexit.register(run)


def _sigterm(signum, _frame):
    signal.signal(signum, signal.SIG_DFL)    # a second one kills at once
    raise SystemExit(128 + signum)


if threading.current_thread() is threading.main_thread() and \
        signal.getsignal(signal.SIGTERM) == signal.SIG_DFL:
    signal.signal(signal.SIGTERM, _sigterm)
