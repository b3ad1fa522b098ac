#!/bin/sh
# build-libspf2.sh - build Debian's libspf2 with the fuzzing sanitizers, so
# that memory errors inside libspf2 itself are reported by the fuzz targets.
#
#   build-libspf2.sh               (run-fuzz.sh runs it when
#                                   FUZZ_SPF2=instrumented)
#
# Environment:
#   FUZZ_CC       compiler (default clang)
#   LIBSPF2_UNPATCHED=1  if the registry serves the .dsc and .orig tarball
#                 but not Debian's diff, build upstream's tarball alone
#                 (without Debian's CVE fixes; the build says so loudly)
#   top_srcdir, top_builddir - default: this script's tree
#
# The fuzz targets normally link Debian's uninstrumented libspf2.so, so an
# overflow inside libspf2 (1.2.10 has known CVEs) goes unseen unless it
# happens to crash. This script fetches the source package of exactly the
# installed libspf2-2 (dpkg-query -W libspf2-2), unpacks it with Debian's
# patches applied, and builds it with clang and
#   -g -O1 -fno-omit-frame-pointer -fsanitize=address,undefined
#   -fsanitize=fuzzer-no-link
# into the static library $top_builddir/tests/fuzz/libspf2/lib/libspf2.a
# (headers in .../libspf2/include). UB in libspf2 is reported but not fatal
# (no -fno-sanitize-recover): read the target's log for "runtime error".
#
# The system's apt configuration is not changed: apt-get runs with a
# private sources.list (deb-src lines made from the URIs/Suites/Components
# of /etc/apt/sources.list.d/debian.sources), private lists and a private
# cache, all under $top_builddir/tests/fuzz/libspf2/apt. Nothing is done
# when libspf2.a is already there; remove tests/fuzz/libspf2 to rebuild.
set -eu
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
: "${FUZZ_CC:=clang}"

prefix=$top_builddir/tests/fuzz/libspf2
lib=$prefix/lib/libspf2.a
aptdir=$prefix/apt
srcdir=$prefix/src
log=$prefix/build.log

die() {
	echo "build-libspf2.sh: $*" >&2
	exit 1
}

if [ -f "$lib" ]; then
	echo "build-libspf2.sh: $lib is already built, nothing to do"
	exit 0
fi
start=$(date +%s)

# the source version of the installed binary package (a binNMU such as
# 1.2.10-7.2+b1 is built from source 1.2.10-7.2)
pkg=$(dpkg-query -W -f '${source:Package}' libspf2-2 2>/dev/null) ||
	die "libspf2-2 is not installed (apt-get install libspf2-dev)"
ver=$(dpkg-query -W -f '${source:Version}' libspf2-2)
[ -n "$pkg" ] && [ -n "$ver" ] || die "cannot read libspf2-2's source version"
echo "build-libspf2.sh: building $pkg $ver with $FUZZ_CC and ASan/UBSan into $prefix"

# dpkg-source (dpkg-dev) unpacks the .dsc and applies Debian's patches;
# apt-get source needs it, so install it when it is missing
if ! command -v dpkg-source >/dev/null 2>&1; then
	echo "build-libspf2.sh: dpkg-source missing, installing dpkg-dev"
	apt-get install -y --no-install-recommends dpkg-dev >/dev/null ||
		die "apt-get install dpkg-dev failed"
fi

# private apt state: deb-src lines from the configured deb822 sources
# (every stanza whose Types has "deb"; its Signed-By is kept)
rm -rf "$srcdir"		# a failed earlier run may have left a tree
mkdir -p "$aptdir/lists/partial" "$aptdir/cache/archives/partial" "$srcdir"
sources=/etc/apt/sources.list.d/debian.sources
[ -r "$sources" ] || die "cannot read $sources"
awk '
function flush() {
	if (isdeb && uris != "" && suites != "") {
		n = split(uris, u, " "); m = split(suites, s, " ")
		for (i = 1; i <= n; i++)
			for (j = 1; j <= m; j++)
				printf "deb-src %s%s %s %s\n", opt, u[i], s[j], comps
	}
	isdeb = 0; uris = ""; suites = ""; comps = "main"; opt = ""
}
BEGIN { flush() }
/^[ \t]*#/ { next }
/^[ \t]*$/ { flush(); next }
{
	key = tolower($1); sub(/:$/, "", key)
	val = $0; sub(/^[^:]*:[ \t]*/, "", val)
	if (key == "types") isdeb = (" " val " " ~ / deb /)
	else if (key == "uris") uris = val
	else if (key == "suites") suites = val
	else if (key == "components") comps = val
	else if (key == "signed-by") opt = "[signed-by=" val "] "
}
END { flush() }' "$sources" >"$aptdir/sources.list"
[ -s "$aptdir/sources.list" ] || die "no deb entries in $sources"
echo "build-libspf2.sh: private sources list $aptdir/sources.list:"
sed 's/^/    /' "$aptdir/sources.list"

apt_private() {
	apt-get -o Dir::Etc::SourceList="$aptdir/sources.list" \
	    -o Dir::Etc::SourceParts=/nonexistent \
	    -o Dir::State::Lists="$aptdir/lists" \
	    -o Dir::Cache="$aptdir/cache" "$@"
}
echo "build-libspf2.sh: apt-get update (private lists)"
apt_private -q update >"$log" 2>&1 || die "apt-get update failed (see $log)"
echo "build-libspf2.sh: apt-get source $pkg=$ver"
what="$pkg $ver (Debian source package, Debian's patches applied)"
unpatched=0
if ! (cd "$srcdir" && apt_private -q source "$pkg=$ver") >>"$log" 2>&1; then
	# apt-get source downloads the .dsc, the .orig tarball and Debian's
	# diff, then runs dpkg-source -x. If the registry lacks the diff, the
	# upstream tarball alone can be built, but only when asked for: it
	# lacks Debian's fixes (1.2.10-7.1: CVE-2021-20314 ds_avail in
	# spf_compile.c, sprintf sanity check, 'r' macro modifier; 7.2: no
	# libreplace), so a finding there may be one Debian has fixed.
	grep -E '^(E|W):' "$log" | sed 's/^/    /' >&2
	[ "${LIBSPF2_UNPATCHED:-0}" = 1 ] ||
		die "apt-get source $pkg=$ver failed (see $log); if only the .debian.tar.* is missing, LIBSPF2_UNPATCHED=1 builds the upstream .orig tarball WITHOUT Debian's patches"
	orig=$(find "$srcdir" -maxdepth 1 -name "${pkg}_*.orig.tar.*" ! -name '*.asc' | head -n 1)
	[ -n "$orig" ] || die "no ${pkg}_*.orig.tar.* was downloaded (see $log)"
	echo "build-libspf2.sh: WARNING: LIBSPF2_UNPATCHED=1: building $orig WITHOUT Debian's patches" >&2
	tar -xf "$orig" -C "$srcdir" || die "cannot unpack $orig"
	what="$pkg $ver's upstream tarball $(basename "$orig") WITHOUT Debian's patches"
	unpatched=1
fi
tree=$(find "$srcdir" -mindepth 1 -maxdepth 1 -type d -name "$pkg-*" | head -n 1)
[ -n "$tree" ] && [ -f "$tree/configure.ac" ] ||
	die "no unpacked source tree under $srcdir (see $log)"
echo "build-libspf2.sh: unpacked $tree"

# configure and build only the library (and install its headers)
SANFLAGS="-g -O1 -fno-omit-frame-pointer -fsanitize=address,undefined -fsanitize=fuzzer-no-link"
cd "$tree"
# Debian's patches change configure.ac and Makefile.am (as dh_autoreconf
# does, regenerate); the bare upstream tarball ships its configure
if [ "$unpatched" = 0 ] || [ ! -x configure ]; then
	echo "build-libspf2.sh: autoreconf -fi"
	autoreconf -fi >>"$log" 2>&1 || die "autoreconf failed (see $log)"
fi
echo "build-libspf2.sh: configure CC=$FUZZ_CC CFLAGS=\"$SANFLAGS\""
./configure --prefix="$prefix" --disable-shared --enable-static \
    CC="$FUZZ_CC" CFLAGS="$SANFLAGS" >>"$log" 2>&1 ||
	die "configure failed (see $log and $tree/config.log)"
if [ "$unpatched" = 1 ]; then
	# Debian's patches also change the public headers (spf_log.h:
	# ##__VA_ARGS__, without which upstream's SPF_debugf("literal") does
	# not compile; spf_dns.h: <arpa/nameser.h>'s ns_type). Our code is
	# built against the installed ones (libspf2-dev), so put those into
	# the upstream tree. libspf2.la needs libreplace built first; its
	# __ns_* objects are dropped from the .a below, as Debian's
	# no-libreplace.patch does.
	for h in /usr/include/spf2/*.h; do
		[ -f "src/include/$(basename "$h")" ] || continue
		cp "$h" src/include/ || die "cannot copy $h"
	done
	echo "build-libspf2.sh: headers from /usr/include/spf2 (libspf2-dev) put into the upstream tree"
	make -C src/libreplace >>"$log" 2>&1 ||
		die "make src/libreplace failed (see $log)"
fi
echo "build-libspf2.sh: make (src/libspf2, headers)"
make -C src/include install >>"$log" 2>&1 || die "installing headers failed (see $log)"
make -C src/libspf2 -j2 install >>"$log" 2>&1 ||
	die "make src/libspf2 failed (see $log)"
[ -f "$lib" ] || die "make install did not produce $lib (see $log)"
if [ "$unpatched" = 1 ]; then
	ar t "$lib" | grep '^__ns_' | xargs -r ar d "$lib" ||
		die "cannot drop libreplace's objects from $lib"
fi
[ -f "$prefix/include/spf2/spf.h" ] || die "no $prefix/include/spf2/spf.h (see $log)"
# run-fuzz.sh prints this, so a log says which libspf2 was fuzzed
echo "$what, $FUZZ_CC $SANFLAGS" >"$prefix/SOURCE"
echo "build-libspf2.sh: built $lib in $(($(date +%s) - start))s (log $log)"
