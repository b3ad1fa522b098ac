#!/bin/sh
# run-soak.sh - the bounded 100,000-message soak of issue 8, niced.
#
# Runs tests/soak/soak.py against the built daemon and milterload: prints
# the RSS series (messages, VmRSS KiB) and one SOAK line with the figures;
# exits non-zero when memory was not flat (growth after the 10,000-message
# warm-up >= 2 MiB), a verdict was wrong, or the 15-minute bound was hit.
# Extra arguments go to soak.py (--messages, --every, --warmup,
# --max-growth, --conc, --per-conn, --time, --adversity, --fault-every).
here=$(cd "$(dirname "$0")" && pwd)
: "${top_srcdir:=$(cd "$here/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
export top_srcdir top_builddir
exec nice -n 10 /usr/bin/python3 "$here/soak.py" --messages 100000 \
	--every 5000 --warmup 10000 --max-growth 2048 "$@"
