#!/bin/sh
# run-tests.sh - run every test suite and print one closing summary line.
#
# Each test program speaks TAP on stdout ("ok N - name", "not ok N - name",
# "ok N - name # SKIP reason"); cmocka is told to as well. A program that
# exits non-zero without reporting a failure counts as one failure, so a
# crash is never silent. Each program's line ends with its wall seconds
# (what CI time is made of). The last line is "N passed, N failed, N
# skipped".
#
# Suites: unit (cmocka), lib (self-tests of the test harness),
# functional (the daemon over the milter protocol), e2e (real MTAs).
# Environment: TEST_SUITES (default "unit lib functional e2e"), UNIT_TESTS (the
# unit test programs, from make), AUTHMILTER (the built daemon), top_srcdir,
# top_builddir. Under CI=true, tests that need root, Postfix or a DNS
# server must run; elsewhere they may skip with a reason.

: "${TEST_SUITES:=unit lib functional e2e}"
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
: "${AUTHMILTER:=$top_builddir/src/authmilter}"
export top_srcdir top_builddir AUTHMILTER
PYTHON=/usr/bin/python3
PYTHONDONTWRITEBYTECODE=1
export PYTHON PYTHONDONTWRITEBYTECODE

total_pass=0
total_fail=0
total_skip=0
logdir=$top_builddir/tests/logs
mkdir -p "$logdir"

# run_one NAME CMD... - run a TAP program, tally its results
run_one() {
	name=$1
	shift
	log=$logdir/$(echo "$name" | tr '/ ' '__').log
	t0=$(date +%s)
	CMOCKA_MESSAGE_OUTPUT=TAP "$@" >"$log" 2>&1
	rc=$?
	secs=$(($(date +%s) - t0))
	p=$(grep -E '^ok ' "$log" | grep -vciE '# *skip')
	s=$(grep -E '^ok ' "$log" | grep -ciE '# *skip')
	f=$(grep -cE '^not ok ' "$log")
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		# its last words (a Python traceback, an abort message) go to
		# the console too: CI keeps only what is printed
		{
			echo "not ok - $name exited with status $rc without reporting a failure"
			grep -vE '^(ok|not ok) |^1\.\.' "$log" | tail -n 12 | sed 's/^/# /'
		} >"$log.end"
		cat "$log.end" >>"$log"
		rm -f "$log.end"
		f=1
	fi
	if [ "$p" -eq 0 ] && [ "$f" -eq 0 ] && [ "$s" -eq 0 ]; then
		echo "not ok - $name reported no results" >>"$log"
		f=1
	fi
	total_pass=$((total_pass + p))
	total_fail=$((total_fail + f))
	total_skip=$((total_skip + s))
	status=PASS
	[ "$f" -gt 0 ] && status=FAIL
	printf '%-4s %-40s %d passed, %d failed, %d skipped (%ds)\n' "$status" "$name" "$p" "$f" "$s" "$secs"
	if [ "$f" -gt 0 ]; then
		grep -E '^not ok |^# ' "$log" | head -n 40 | sed 's/^/     /'
	fi
	grep -iE '^ok .*# *skip' "$log" | head -n 5 | sed 's/^/     /'
	grep -E '^# SCORE' "$log" | sed 's/^/     /'
}

for suite in $TEST_SUITES; do
	echo "== $suite tests"
	case $suite in
	unit)
		for t in $UNIT_TESTS; do
			case $t in */unit/*) run_one "unit/$(basename "$t")" "$top_builddir/$t" ;; esac
		done
		;;
	lib|functional|e2e)
		pattern='*'
		[ "$suite" = lib ] && pattern='selftest_*'
		for t in "$top_srcdir"/tests/$suite/$pattern.py "$top_srcdir"/tests/$suite/$pattern.sh; do
			[ -f "$t" ] || continue
			case $t in
			*.py) run_one "$suite/$(basename "$t")" "$PYTHON" "$t" ;;
			*.sh) run_one "$suite/$(basename "$t")" /bin/sh "$t" ;;
			esac
		done
		;;
	*)
		echo "unknown suite $suite"
		total_fail=$((total_fail + 1))
		;;
	esac
done

echo "logs: $logdir"
echo "$total_pass passed, $total_fail failed, $total_skip skipped"
[ "$total_fail" -eq 0 ]
