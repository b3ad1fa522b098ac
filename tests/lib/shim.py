"""shim - LD_PRELOAD shims for the daemon under test, built from their C
source in tests/functional with the system compiler ($CC_FOR_TESTS)."""
import os
import shutil
import subprocess

SOURCES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..",
                       "functional")


def build_shim(tmp, name):
    """build_shim - (path of NAME.so built from NAME.c into tmp, None) or
    (None, reason)"""
    cc = os.environ.get("CC_FOR_TESTS") or "cc"
    if shutil.which(cc) is None:
        return None, "a C compiler (%s)" % cc
    out = os.path.join(tmp, name + ".so")
    r = subprocess.run([cc, "-shared", "-fPIC", "-Wall", "-o", out,
                        os.path.join(SOURCES, name + ".c"), "-ldl"],
                       capture_output=True, text=True, timeout=120)
    if r.returncode != 0:
        return None, "building %s.so: %s" % (name, r.stderr[-300:])
    return out, None


def shim_env(t, tmp, name, names, **settings):
    """shim_env - the environment that preloads NAME.so (built here) with
    settings, or None when it cannot be built (the tests names skip, or
    fail under CI=true). The shim is not built with ASan, so ASan must
    not insist on coming first"""
    shim, why = build_shim(tmp, name)
    if not t.need(check=lambda: why, what=name + " shim", tests=names):
        return None
    asan = os.environ.get("ASAN_OPTIONS", "")
    return dict(settings, LD_PRELOAD=shim,
                ASAN_OPTIONS=(asan + ":" if asan else "") +
                "verify_asan_link_order=0")
