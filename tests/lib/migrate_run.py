"""migrate_run - running the built authmilter-migrate for the tests.

Exported: SRC, BUILD, MIGRATE (paths), migrate(*args) (a completed
subprocess, 60 s at most), settings(text, lower=True) ({name: value} of a
config text's active lines), check_t(path) (authmilter -t on a file),
missing() (None, or why the tests cannot run here).
"""

import os
import subprocess

import daemon

SRC = os.environ.get("top_srcdir") or os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "..")
BUILD = os.environ.get("top_builddir") or SRC
MIGRATE = os.environ.get("AUTHMILTER_MIGRATE") or os.path.join(
    BUILD, "src", "authmilter-migrate")


def migrate(*args):
    return subprocess.run([MIGRATE] + list(args), capture_output=True,
                          text=True, timeout=60)


def settings(text, lower=True):
    """{name: value} of the active lines of a config text (names in
    lower case unless lower is False)."""
    out = {}
    for line in text.splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _sep, value = line.strip().partition(" ")
            out[name.lower() if lower else name] = value.strip()
    return out


def check_t(path):
    return daemon.run(["-t", "-c", path])


def missing():
    if not os.access(MIGRATE, os.X_OK):
        return "the built %s" % MIGRATE
    return daemon.missing()
