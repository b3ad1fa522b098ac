#!/bin/sh
# ci-sanitize.sh - the memory-safety runs of CI (issue #8), called by
# .ci/run before its final `make check`.
#
#  1. An out-of-tree (VPATH) build of the release tarball with
#     AddressSanitizer + UndefinedBehaviorSanitizer, and the WHOLE test
#     suite (unit lib functional e2e) run against it. Every sanitizer
#     report, whichever process wrote it (a unit test, the daemon started
#     by a Python test, a helper program), goes to a file under
#     $work/reports; the run fails when any such file exists, so a report
#     from a daemon whose exit status no test looks at still fails CI.
#  2. The fuzz replays (tests/unit/fuzz_replay_*) and the functional
#     tests against the normal build under valgrind memcheck
#     (tests/lib/daemon.py puts $AUTHMILTER_WRAPPER before the daemon):
#     every valgrind log must be empty (-q), and definite or indirect
#     leaks count as errors. The differential tests, which start no
#     daemon, skip themselves there (TAP.skip_if_wrapped): they would
#     only repeat the plain run.
#
# Usage: tests/ci-sanitize.sh [asan|valgrind]...   (default: both)
# Run from a configured, built source tree (after ./bootstrap && make).
# Environment: SANITIZE_DIR (default build-san in the source tree).
# Prints the duration of each part.
set -eu
srcdir=$(cd "$(dirname "$0")/.." && pwd)
work=${SANITIZE_DIR:-$srcdir/build-san}
supp=$srcdir/tests/sanitize
parts=${*:-asan valgrind}
status=0

# The ASan run's report directory is under /tmp (see run_asan);
# keep_reports moves what it holds into $work/asan/reports and removes it,
# also when the script is interrupted or dies half-way.
reports=
keep_reports() {
	[ -n "$reports" ] && [ -d "$reports" ] || return 0
	mv "$reports"/* "$work/asan/reports/" 2>/dev/null || true
	rmdir "$reports" 2>/dev/null || echo "asan: reports left in $reports"
	reports=
}
trap keep_reports EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# elapsed START - seconds since START (date +%s)
elapsed() { echo $(( $(date +%s) - $1 )); }

# check_reports DIR - fail when DIR holds any sanitizer report file
check_reports() {
	if [ -n "$(ls -A "$1" 2>/dev/null)" ]; then
		for f in "$1"/*; do
			echo "---- sanitizer report $f"
			head -n 80 "$f"
		done
		echo "asan: $(ls "$1" | wc -l) report file(s)"
		return 1
	fi
	return 0
}

run_asan() {
	t0=$(date +%s)
	rm -rf "$work/asan"
	mkdir -p "$work/asan/build" "$work/asan/reports"
	# set -e does not apply inside a function called with ||: check each
	tarball=$(ls -t "$srcdir"/authmilter-*.tar.gz | head -n 1)
	tar -xzf "$tarball" -C "$work/asan" || return 1
	src=$(ls -d "$work"/asan/authmilter-*/)
	cd "$work/asan/build" || return 1
	"$src/configure" -q \
	    CFLAGS='-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined' \
	    LDFLAGS='-fsanitize=address,undefined' >configure.log 2>&1 || {
		tail -n 40 configure.log
		echo "asan: configure failed"
		return 1
	}
	make -j2 >build.log 2>&1 || {
		tail -n 40 build.log
		echo "asan: build failed"
		return 1
	}
	echo "asan: build took $(elapsed "$t0")s"
	t1=$(date +%s)
	# The daemon drops privileges (UserID tests): its reports need a
	# directory every user can write to.
	reports=$(mktemp -d /tmp/authmilter-asan-reports.XXXXXX)
	chmod 1777 "$reports"
	# Any error ends the process with a report file; leaks are reported
	# at exit. LSan suppressions cover third-party libraries only. A small
	# quarantine keeps freed memory from counting as resident memory in
	# the flat-memory tests (use-after-free is still caught within it).
	ASAN_OPTIONS="detect_leaks=1:halt_on_error=1:abort_on_error=0:print_stacktrace=1:detect_stack_use_after_return=1:strict_string_checks=1:check_initialization_order=1:quarantine_size_mb=2:log_path=$reports/asan"
	UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:report_error_type=1:log_path=$reports/ubsan"
	LSAN_OPTIONS="suppressions=$supp/lsan.supp:print_suppressions=0"
	# sanitized code runs several times slower (and CI machines are shared):
	# timing margins widen
	AUTHMILTER_TEST_TIME_SCALE=5
	export ASAN_OPTIONS UBSAN_OPTIONS LSAN_OPTIONS AUTHMILTER_TEST_TIME_SCALE
	rc=0
	make -j2 check >check.log 2>&1 || rc=$?
	unset ASAN_OPTIONS UBSAN_OPTIONS LSAN_OPTIONS AUTHMILTER_TEST_TIME_SCALE
	grep -E '^(FAIL|PASS) |^ +not ok' check.log | grep -vE '^PASS ' || true
	summary=$(grep -E '^[0-9]+ passed, [0-9]+ failed, [0-9]+ skipped$' check.log | tail -n 1)
	echo "asan: whole suite under ASan+UBSan: ${summary:-no summary line} ($(elapsed "$t1")s)"
	check_reports "$reports" || rc=1
	keep_reports
	[ "$rc" -eq 0 ] || { echo "asan: FAILED (logs in $work/asan/build/tests/logs)"; return 1; }
	echo "asan: OK"
}

run_valgrind() {
	t0=$(date +%s)
	logs=$work/valgrind
	rm -rf "$logs"
	mkdir -p "$logs"
	cd "$srcdir" || return 1
	# Leaks of kind definite and indirect are errors; possible and
	# reachable ones (libmilter and libunbound threads still alive at
	# exit) are not. Suppressions cover third-party code only. A small
	# freed-block queue (--freelist-vol) keeps freed memory from counting
	# as resident in the flat-memory tests; no vgdb: the daemon drops
	# privileges and could not remove vgdb's pipes.
	AUTHMILTER_WRAPPER="valgrind -q --tool=memcheck --vgdb=no --freelist-vol=2000000 --leak-check=full --show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite,indirect --error-exitcode=99 --track-origins=yes --suppressions=$supp/valgrind.supp --log-file=$logs/vg.%p.log"
	AUTHMILTER_TEST_TIME_SCALE=5
	export AUTHMILTER_WRAPPER AUTHMILTER_TEST_TIME_SCALE
	rc=0
	# The fuzz targets' replays (seed corpora and reproducers) run the
	# parsers and libspf2 on hostile input: memcheck sees what ASan
	# cannot, uninitialised reads and overruns inside Debian's libspf2,
	# which is not instrumented. A few seconds.
	# (built by main's make check-programs: a missing one is an error,
	# not a replay quietly left out)
	nreplay=0
	for b in tests/unit/fuzz_replay_*; do
		[ -x "$b" ] || { echo "valgrind: no fuzz replay program $b"; rc=1; continue; }
		nreplay=$((nreplay + 1))
		top_srcdir=$srcdir $AUTHMILTER_WRAPPER "$b" \
		    >"$logs/$(basename "$b").log" 2>&1 ||
		    { echo "valgrind: $b failed"; rc=1; }
	done
	echo "valgrind: $nreplay fuzz replays ($(elapsed "$t0")s)"
	make check TEST_SUITES=functional >"$logs/check.log" 2>&1 || rc=$?
	unset AUTHMILTER_WRAPPER AUTHMILTER_TEST_TIME_SCALE
	grep -E '^(FAIL|PASS) |^ +not ok' "$logs/check.log" | grep -vE '^PASS ' || true
	n=$(ls "$logs"/vg.*.log 2>/dev/null | wc -l)
	summary=$(grep -E '^[0-9]+ passed, [0-9]+ failed, [0-9]+ skipped$' "$logs/check.log" | tail -n 1)
	echo "valgrind: functional tests: ${summary:-no summary line}, $n daemon runs ($(elapsed "$t0")s)"
	[ "$n" -gt 0 ] || { echo "valgrind: no daemon ran under valgrind"; rc=1; }
	bad=0
	for f in "$logs"/vg.*.log; do
		[ -f "$f" ] || continue
		# -q: a clean run writes nothing at all
		if [ -s "$f" ]; then
			echo "---- valgrind log $f"
			head -n 80 "$f"
			bad=$((bad + 1))
		fi
	done
	[ "$bad" -eq 0 ] || { echo "valgrind: $bad run(s) with errors or leaks"; rc=1; }
	[ "$rc" -eq 0 ] || { echo "valgrind: FAILED (logs in $logs)"; return 1; }
	echo "valgrind: OK (zero errors, zero definite/indirect leaks)"
}

for p in $parts; do
	case $p in
	asan | valgrind) ;;
	*) echo "unknown part $p"; exit 1 ;;
	esac
done
mkdir -p "$work"
# Made before the parts: the tarball the ASan part builds, the test
# programs (the fuzz replays the valgrind part runs).
(cd "$srcdir" && make dist >/dev/null) || { echo "make dist failed"; exit 1; }
(cd "$srcdir" && make -j2 check-programs >/dev/null) || { echo "make check-programs failed"; exit 1; }
# One after the other: side by side they took some 15 minutes less here,
# but the load made timing-bound tests fail that pass alone (seven
# kinds in two runs; those found are mended).
for p in $parts; do
	"run_$p" || status=1
done
exit $status
