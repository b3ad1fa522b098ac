#!/bin/sh
# run-fuzz.sh - build the libFuzzer targets with clang and run each for a
# bounded time.
#
#   run-fuzz.sh [TARGET...]        (default: every tests/fuzz/fuzz_*.c)
#
# Environment:
#   FUZZ_SECONDS  seconds per target (default 60; 0: build only)
#   FUZZ_CC       compiler (default clang)
#   FUZZ_LIBS     libraries (default: libspf2, libunbound, libpsl, libidn2,
#                 libunistring, OpenSSL, zlib)
#   FUZZ_SPF2     instrumented: build (once, build-libspf2.sh) and link an
#                 instrumented libspf2 (see below); unset or anything
#                 else: Debian's libspf2.so
#   top_srcdir, top_builddir (config.h) - default: this script's tree
#
# The sources the targets need are compiled here with
# -fsanitize=fuzzer-no-link,address,undefined (not the gcc-built
# libauthmilter.a, which has no coverage instrumentation). New inputs go
# to $top_builddir/tests/fuzz/work/NAME (the seed corpus in the source
# tree is only read); a crash, leak or UB report stops the target and
# leaves the reproducer in $top_builddir/tests/fuzz/artifacts/NAME/.
# Each target's last libFuzzer stats (execs/s, cov, ft) are printed at
# the end. Exit status is non-zero when any target failed.
#
# Debian's libspf2.so has no sanitizer, so a memory error inside libspf2
# is seen only if it crashes. With FUZZ_SPF2=instrumented,
# build-libspf2.sh builds Debian's libspf2 source with the same
# sanitizers into $top_builddir/tests/fuzz/libspf2 (once); its include/
# comes first and its libspf2.a replaces -lspf2 in FUZZ_LIBS; objects then
# go to tests/fuzz/obj/spf2-instrumented. Only when asked: an unpatched
# build (LIBSPF2_UNPATCHED=1) fails at once on regress/spf_eval/libspf2-*.
set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
: "${FUZZ_SECONDS:=60}"
: "${FUZZ_CC:=clang}"
: "${FUZZ_LIBS:=-lspf2 -lunbound -lpsl -lidn2 -lunistring -lssl -lcrypto -lz -lpthread}"

out=$top_builddir/tests/fuzz
objdir=$out/obj
mkdir -p "$objdir" "$out/bin" "$out/work" "$out/artifacts" "$out/logs"

SAN="-fsanitize=address,undefined -fno-sanitize-recover=undefined"
CFLAGS_FUZZ="-g -O1 -fno-omit-frame-pointer $SAN -I$top_srcdir/src -I$top_builddir -I$top_srcdir/tests/fuzz"

spf2=$out/libspf2
if [ "${FUZZ_SPF2:-}" = instrumented ]; then
	env top_srcdir="$top_srcdir" top_builddir="$top_builddir" \
	    FUZZ_CC="$FUZZ_CC" sh "$top_srcdir/tests/fuzz/build-libspf2.sh" || exit 1
fi
if [ "${FUZZ_SPF2:-}" = instrumented ]; then
	echo "  SPF2     $spf2/lib/libspf2.a: $(cat "$spf2/SOURCE" 2>/dev/null)"
	CFLAGS_FUZZ="-I$spf2/include $CFLAGS_FUZZ"
	FUZZ_LIBS=$(echo " $FUZZ_LIBS " |
	    sed "s| -lspf2 | $spf2/lib/libspf2.a -lresolv |; s/^ *//; s/ *\$//")
	objdir=$objdir/spf2-instrumented
	mkdir -p "$objdir"
fi

if [ $# -eq 0 ]; then
	for f in "$top_srcdir"/tests/fuzz/fuzz_*.c; do
		n=$(basename "$f" .c)
		set -- "$@" "${n#fuzz_}"
	done
fi

# build the library sources once (only the modules the targets use; the
# DNS layer counts into metrics.c, which needs no HTTP server; the SPF-DNS
# field of failure reports is in report_afrf.c, its date in report_mime.c,
# its redaction in report_redact.c; rua/ruf destinations in report_rua.c)
objs=
for src in "$top_srcdir"/src/util/*.c "$top_srcdir"/src/log/*.c \
    "$top_srcdir"/src/core/*.c "$top_srcdir"/src/crypto/*.c \
    "$top_srcdir"/src/dns/*.c "$top_srcdir"/src/spf/*.c \
    "$top_srcdir"/src/metrics/metrics.c \
    "$top_srcdir"/src/report/report_afrf.c \
    "$top_srcdir"/src/report/report_mime.c \
    "$top_srcdir"/src/report/report_redact.c \
    "$top_srcdir"/src/report/report_rua.c; do
	o=$objdir/$(echo "${src#"$top_srcdir"/src/}" | tr / _ | sed 's/\.c$/.o/')
	# dash, Debian's sh, has -nt; the flags split on purpose
	# shellcheck disable=SC3013,SC2086
	if [ ! -f "$o" ] || [ "$src" -nt "$o" ]; then
		echo "  CC       $src"
		$FUZZ_CC $CFLAGS_FUZZ -fsanitize=fuzzer-no-link -c "$src" -o "$o" || exit 1
	fi
	objs="$objs $o"
done

status=0
summary=
for name in "$@"; do
	src=$top_srcdir/tests/fuzz/fuzz_$name.c
	bin=$out/bin/fuzz_$name
	if [ ! -f "$src" ]; then
		echo "run-fuzz.sh: no target $src" >&2
		exit 2
	fi
	echo "  CCLD     $bin"
	# shellcheck disable=SC2086
	$FUZZ_CC $CFLAGS_FUZZ -fsanitize=fuzzer "$src" $objs $FUZZ_LIBS -o "$bin" || exit 1
	[ "$FUZZ_SECONDS" -gt 0 ] || continue
	mkdir -p "$out/work/$name" "$out/artifacts/$name"
	log=$out/logs/$name.log
	echo "  FUZZ     $name for ${FUZZ_SECONDS}s (log $log)"
	seeds=$top_srcdir/tests/fuzz/corpus/$name
	regress=$top_srcdir/tests/fuzz/regress/$name
	dirs="$out/work/$name $seeds"
	[ -d "$regress" ] && dirs="$dirs $regress"
	started=$(date +%s)
	# shellcheck disable=SC2086
	"$bin" -max_total_time="$FUZZ_SECONDS" -print_final_stats=1 \
	    -timeout=10 -rss_limit_mb=1024 -max_len=8192 \
	    -artifact_prefix="$out/artifacts/$name/" $dirs >"$log" 2>&1
	rc=$?
	# the time it ran: a target that fails stops before FUZZ_SECONDS
	ran=$(($(date +%s) - started))
	execs=$(grep -E '^stat::number_of_executed_units' "$log" | awk '{print $2}')
	rate=$(grep -E '^stat::average_exec_per_sec' "$log" | awk '{print $2}')
	last=$(grep -E '^#[0-9]+' "$log" | tail -n 1)
	cov=$(echo "$last" | sed -n 's/.*cov: \([0-9]*\).*/\1/p')
	ft=$(echo "$last" | sed -n 's/.*ft: \([0-9]*\).*/\1/p')
	if [ "$rc" -eq 0 ]; then
		res=ok
	else
		res="FAILED (exit $rc; see $log and $out/artifacts/$name/)"
		status=1
	fi
	line=$(printf '%-14s %ss execs=%s exec/s=%s cov=%s ft=%s %s' "$name" \
	    "$ran" "${execs:-?}" "${rate:-?}" "${cov:-?}" "${ft:-?}" "$res")
	echo "  $line"
	summary="$summary
$line"
done
[ -n "$summary" ] && printf 'fuzz summary:%s\n' "$summary"
exit $status
