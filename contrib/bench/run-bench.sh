#!/bin/bash
# run-bench.sh - authmilter against OpenDKIM and OpenDMARC, one run, same
# corpus, same DNS, same load generator (issue 7).
#
# Starts, all on 127.0.0.1 and each on its own free port: nsd serving the
# generated zone, unbound in front of it as the caching resolver, then in
# turn a null libmilter milter, the floor that negotiates like authmilter
# (nullmilter -R, "nullR"), authmilter, OpenDKIM (verify), OpenDMARC,
# and OpenDKIM -> OpenDMARC as a chain. Each milter is first checked on a
# sample against the expected results (a wrongly configured milter is
# skipped, loudly), then timed at each concurrency with a fresh process
# after a warm-up pass: messages/s, p50/p99 latency, CPU seconds per 1,000
# messages (utime+stime of the milter processes from /proc/PID/stat) and
# peak RSS (VmHWM), and the kernel's share of that CPU. Prints the crypto
# floor from `openssl speed`, the kernel floor (sysfloor.c) and the
# authmilter : chain ratios. Every point is timed in two connection
# modes: one message per milter connection (as Postfix does) and many
# messages reused on one connection (--per-conn "1 100"). Then authmilter's
# CPU per message minus the nullR floor's ("own work", issue 18), and,
# counted by perf over a bounded run, the system calls and context
# switches per message of authmilter and the nullR floor (--counts).
#
# Run as root it re-executes itself in private network and mount
# namespaces (unshare -nm): its loopback is its own, and /etc/resolv.conf
# is bind-mounted there to point at the bench unbound, which OpenDMARC and
# libspf2 need (they use the system resolver, port 53, no other option).
# Without that, OpenDMARC and the chain are skipped with a message.
#
# It stops only the processes it started, by PID. Every step is bounded;
# the whole run is bounded by --budget (default 720 s, --quick 300 s).
#
# Usage: contrib/bench/run-bench.sh [--quick] [options]; see usage() below.
set -u

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
PY=/usr/bin/python3

quick=0
builddir=$top
corpus=""
count=""
seconds=""
concs="1 4 16 64"
per_conn="1 100"
counts=400
budget=""
keep=0
only="null nullR authmilter opendkim opendmarc chain"
seed=7
callgrind=0
cachesim=0
profile=0
postfix=0
baseline=""
repeat=1
latencies=0
burn=20

usage() {
	cat <<EOF
usage: $0 [--quick] [options]
  --quick           ~3-4 minutes: 300 messages, 2 s per point
  --builddir DIR    where milterload, nullmilter and src/authmilter are built
                    (default: $top)
  --corpus DIR      use an existing gencorpus.py output directory
  --count N         messages to generate (default 2000; quick 300)
  --seed N          gencorpus seed (default 7)
  --seconds S       timed seconds per milter and concurrency (default 10; quick 2)
  --conc "LIST"     concurrencies (default "1 4 16 64")
  --per-conn "LIST" messages per milter connection, one timing pass each
                    (default "1 100": fresh connections as Postfix opens
                    them, and connections reused for 100 messages)
  --counts N        system calls, context switches and CPU per message of
                    nullR and authmilter, counted by perf over N messages
                    after a warm-up, at concurrency 1 and 16 in each
                    --per-conn mode (default 400; 0 skips)
  --only "LIST"     subset of: null nullR nullC nullA nullB authmilter opendkim opendmarc chain
                    (nullC: nullR plus the crypto floor's work; nullA:
                    nullC plus authmilter's output, an A-R field and a log
                    line a message; nullB: nullA plus --burn's CPU a
                    message; none of them runs unless named)
                    authmilter_metrics (MetricsSocket on, scraped every
                    second) authmilter_reports (ReportStore sqlite:...)
                    authmilter_noarc (ARCVerify no)
  --burn US         nullB's CPU a message beyond nullA's, in microseconds
                    (default 20; give it the run's "authmilter - nullA":
                    then nullB's p99 is what authmilter's CPU alone makes)
  --budget S        stop starting new measurements after S seconds
  --keep            keep the work directory (configs, logs, results)
  --callgrind N     instead of timing: run authmilter (and the floors
                    null, nullR, nullC, nullA named in --only) under valgrind
                    --tool=callgrind, N messages after a warm-up pass, and
                    print instructions per message and the top functions,
                    with the first --per-conn value as messages per connection
                    (load on the machine does not change these counts); with
                    nullR, the own-work split in instructions (benchcheck.py
                    instructions); and instructions a message by object
                    (benchcheck.py cglibs)
  --cache-sim       with --callgrind: also simulate the caches
                    (--cache-sim=yes) and print instruction-cache, data-
                    cache and last-level misses a message for each milter
                    (benchcheck.py cachesim): what a machine without
                    hardware counters cannot show of the time above the
                    instructions
  --profile N       instead of timing: run each of authmilter, nullR,
                    nullC and nullA named in --only under perf record
                    (call graphs),
                    sampling N messages after start-up and a warm-up pass,
                    at concurrency 4 with --per-conn's first mode, and print
                    where the CPU went by library (us a message) and by
                    function (nullC beside authmilter shows what is ours
                    beyond the crypto)
  --postfix         instead of the milterload timing: a private Postfix
                    (root, private namespace) with each of --only (plus
                    none) as smtpd_milters, one message per SMTP session
                    at each --conc: msg/s and milter CPU per message,
                    beside milterload -m 1 and -P; the milter protocol
                    Postfix speaks; perf counts (--counts N) under both
                    (see postfix-bench.sh)
  --baseline BIN    also time BIN, another build of src/authmilter (e.g.
                    the commit before a change), as "authmilter_base", with
                    the same config, beside authmilter in the same run:
                    timing, own work and --counts
  --repeat N        time nullR, authmilter (nullC, nullA, --baseline) N times per
                    point, interleaved (nullR authmilter, authmilter nullR,
                    ...), and count them N times with --counts; own work is
                    then the median of the N paired differences, with their
                    range (default 1)
  --latencies       keep each message's latency in the timed points
                    (milterload -o, which costs the load generator a line
                    a message) and print, per point, p50/p90/p99 by message
                    size and where the slowest 1 % came from (benchcheck.py
                    latency); run 1 of each point only
EOF
	exit "${1:-2}"
}

while [ $# -gt 0 ]; do
	case "$1" in
	--quick) quick=1 ;;
	--builddir) builddir=$2; shift ;;
	--corpus) corpus=$2; shift ;;
	--count) count=$2; shift ;;
	--seed) seed=$2; shift ;;
	--seconds) seconds=$2; shift ;;
	--conc) concs=$2; shift ;;
	--per-conn) per_conn=$2; shift ;;
	--counts) counts=$2; shift ;;
	--only) only=$2; shift ;;
	--budget) budget=$2; shift ;;
	--burn) burn=$2; shift ;;
	--keep) keep=1 ;;
	--callgrind) callgrind=$2; shift ;;
	--cache-sim) cachesim=1 ;;
	--profile) profile=$2; shift ;;
	--postfix) postfix=1 ;;
	--baseline) baseline=$2; shift ;;
	--repeat) repeat=$2; shift ;;
	--latencies) latencies=1 ;;
	-h|--help) usage 0 ;;
	*) echo "run-bench: unknown option $1" >&2; usage 2 ;;
	esac
	shift
done
case "$repeat" in ""|*[!0-9]*|0) echo "run-bench: --repeat takes a number of runs, 1 or more" >&2; usage 2 ;; esac
case "$burn" in ""|*[!0-9]*|0) echo "run-bench: --burn takes microseconds, 1 or more" >&2; usage 2 ;; esac
[ "$cachesim" = 0 ] || [ "$callgrind" -gt 0 ] 2>/dev/null || { echo "run-bench: --cache-sim goes with --callgrind N" >&2; usage 2; }
if [ "$quick" = 1 ]; then
	: "${count:=300}" "${seconds:=2}" "${budget:=300}"
else
	: "${count:=2000}" "${seconds:=10}" "${budget:=1500}"
fi

# Private namespaces: own loopback, own /etc/resolv.conf (see above).
if [ "$(id -u)" = 0 ] && [ -z "${BENCH_IN_NS:-}" ] && command -v unshare >/dev/null; then
	if BENCH_IN_NS=probe unshare -nm true 2>/dev/null; then
		BENCH_IN_NS=1 exec unshare -nm --propagation private "$0" "$@" \
			$( [ "$quick" = 1 ] && echo --quick ) --builddir "$builddir" \
			${corpus:+--corpus "$corpus"} --count "$count" --seed "$seed" \
			--seconds "$seconds" --conc "$concs" --per-conn "$per_conn" \
			--only "$only" --budget "$budget" $( [ "$keep" = 1 ] && echo --keep ) \
			--counts "$counts" \
			--callgrind "$callgrind" --profile "$profile" \
			$( [ "$cachesim" = 1 ] && echo --cache-sim ) \
			$( [ "$postfix" = 1 ] && echo --postfix ) ${baseline:+--baseline "$baseline"} \
			--repeat "$repeat" $( [ "$latencies" = 1 ] && echo --latencies )
	fi
fi
in_ns=0
if [ "${BENCH_IN_NS:-}" = 1 ]; then
	in_ns=1
	ip link set lo up || { echo "run-bench: cannot bring up lo in the namespace" >&2; exit 1; }
fi

start_time=$(date +%s)
elapsed() { echo $(( $(date +%s) - start_time )); }
over_budget() { [ "$(elapsed)" -ge "$budget" ]; }

milterload=$builddir/contrib/bench/milterload
nullmilter=$builddir/contrib/bench/nullmilter
sysfloor=$builddir/contrib/bench/sysfloor
authmilter=$builddir/src/authmilter
for b in "$milterload" "$nullmilter" "$sysfloor" "$authmilter"; do
	[ -x "$b" ] || { echo "run-bench: $b not built (run make)" >&2; exit 1; }
done
if [ -n "$baseline" ]; then
	[ -x "$baseline" ] || { echo "run-bench: --baseline $baseline is not an executable" >&2; exit 1; }
	case " $only " in *" authmilter_base "*) ;; *) only="$only authmilter_base" ;; esac
fi
for b in nsd unbound opendkim opendmarc openssl; do
	command -v "$b" >/dev/null || PATH=$PATH:/usr/sbin
	command -v "$b" >/dev/null || { echo "run-bench: $b not installed" >&2; exit 1; }
done

work=$(mktemp -d /tmp/run-bench.XXXXXX)
pids=""
WRAP=""		# a command the milter runs under (valgrind for --callgrind)

# A libmilter milter's listener notices a TERM only when its select on
# the listening socket returns, after up to 5 s without a connection; a
# connection ends that wait at once (src/milter/milter_stop.c does the
# same from inside authmilter). port_of maps the PID of each milter
# started by start_set, or of the perf that runs it, to its port.
declare -A port_of=()

# poke_port PORT - one connection to 127.0.0.1:PORT, closed at once
poke_port() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# wait_exit PID [PORT] - wait up to 10 s for PID to exit, poking PORT
# (when given) every 0.1 s meanwhile; true when it exited
wait_exit() {
	local i
	for i in $(seq 100); do
		kill -0 "$1" 2>/dev/null || return 0
		[ -n "${2:-}" ] && poke_port "$2"
		sleep 0.1
	done
	return 1
}

# stop_pid - TERM one process we started, KILL it after 1 s; a milter's
# port is poked meanwhile (the figures are read before this)
stop_pid() {
	local p=$1 i
	kill "$p" 2>/dev/null || return 0
	for i in $(seq 10); do
		kill -0 "$p" 2>/dev/null || { wait "$p" 2>/dev/null; unset "port_of[$p]"; return 0; }
		[ -n "${port_of[$p]:-}" ] && poke_port "${port_of[$p]}"
		sleep 0.1
	done
	kill -9 "$p" 2>/dev/null
	wait "$p" 2>/dev/null
	unset "port_of[$p]"
}

cleanup() {
	local p
	# --postfix: a private Postfix still running (interrupted between
	# pf_start and pf_stop) is a daemon, in no list of $pids
	if declare -F pf_stop >/dev/null; then pf_stop; fi
	for p in $pids; do stop_pid "$p"; done
	if [ "$keep" = 1 ]; then echo "work directory kept: $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# free_port - a TCP/UDP port on 127.0.0.1 nobody uses right now
free_port() {
	$PY - <<'EOF'
import socket
for _ in range(50):
    t = socket.socket(); t.bind(("127.0.0.1", 0)); p = t.getsockname()[1]
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        u.bind(("127.0.0.1", p)); print(p); break
    except OSError:
        pass
    finally:
        u.close(); t.close()
EOF
}

# wait_tcp PORT [PID] - wait up to 10 s (60 s under a wrapper: valgrind,
# perf) for a listener on 127.0.0.1:PORT; false at once when PID, the
# process that should listen, has exited (a milter that fails at its start
# is reported then, not a minute later)
wait_tcp() {
	local i
	for i in $(seq $( [ -n "$WRAP" ] && echo 600 || echo 100 )); do
		(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
		[ -z "${2:-}" ] || kill -0 "$2" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

echo "run-bench: work directory $work; budget $(( budget ))s; $( [ $in_ns = 1 ] && echo 'private network namespace' || echo 'host network')"
echo "machine: $(nproc) CPU(s), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(uname -sr)"

# ---------------------------------------------------------------- corpus
if [ -z "$corpus" ]; then
	corpus=$work/data
	echo "generating corpus: $count messages, seed $seed"
	$PY "$here/gencorpus.py" "$corpus" --count "$count" --seed "$seed" || exit 1
fi
manifest=$corpus/manifest.json
[ -f "$manifest" ] && [ -d "$corpus/corpus" ] || { echo "run-bench: $corpus is not a gencorpus.py output" >&2; exit 1; }
ncorpus=$(ls "$corpus/corpus" | grep -c '\.eml$')
origin=$($PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["zone_origin"])' "$manifest")

# ---------------------------------------------------------------- DNS
nsd_port=$(free_port)
ub_port=$(free_port)
mkdir -p "$work/nsd" "$work/unbound"
cat > "$work/nsd/nsd.conf" <<EOF
server:
	ip-address: 127.0.0.1@$nsd_port
	port: $nsd_port
	username: ""
	chroot: ""
	zonesdir: "$work/nsd"
	pidfile: "$work/nsd/nsd.pid"
	database: ""
	xfrdfile: "$work/nsd/xfrd.state"
	zonelistfile: "$work/nsd/zone.list"
	logfile: "$work/nsd/nsd.log"
	server-count: 1
	verbosity: 1
	do-ip6: no
	# NSD's response rate limiting (200 answers/s per /24 by default)
	# would throttle its only client, the bench resolver: a milter that
	# asks cold names per message (authmilter's SPF HELO check) got
	# NXDOMAIN answers dropped and waited 0.1-1.5 s on unbound's retries.
	rrl-ratelimit: 0
	rrl-whitelist-ratelimit: 0
remote-control:
	control-enable: no
zone:
	name: "$origin"
	zonefile: "$corpus/dns/zone"
EOF
nsd -d -c "$work/nsd/nsd.conf" >"$work/nsd/stdout" 2>&1 &
pids="$pids $!"

# unbound: the cache OpenDKIM, OpenDMARC and authmilter all use. In the
# namespace it also answers on port 53 for the system resolver.
# OpenDKIM's libunbound will not forward to 127.0.0.0/8 (its
# do-not-query-localhost default; its ResolverConfiguration file is parsed
# by several threads at once and fails), so in the namespace the resolver
# also listens on a documentation address put on the private lo.
NS_ADDR=192.0.2.53
extra_if=""
if [ $in_ns = 1 ]; then
	ip addr add "$NS_ADDR/32" dev lo || exit 1
	extra_if="	interface: 127.0.0.1@53
	interface: $NS_ADDR@53
	access-control: $NS_ADDR/32 allow"
fi
cat > "$work/unbound/unbound.conf" <<EOF
server:
	interface: 127.0.0.1@$ub_port
$extra_if
	port: $ub_port
	do-daemonize: no
	username: ""
	chroot: ""
	directory: "$work/unbound"
	pidfile: "$work/unbound/unbound.pid"
	use-syslog: no
	logfile: "$work/unbound/unbound.log"
	verbosity: 0
	num-threads: 1
	do-ip6: no
	do-not-query-localhost: no
	access-control: 127.0.0.0/8 allow
	module-config: "iterator"
	domain-insecure: "$origin"
	msg-cache-size: 16m
	rrset-cache-size: 32m
stub-zone:
	name: "$origin"
	stub-addr: 127.0.0.1@$nsd_port
remote-control:
	control-enable: no
EOF
unbound -d -c "$work/unbound/unbound.conf" >"$work/unbound/stdout" 2>&1 &
pids="$pids $!"

resolv_ok=0
if [ $in_ns = 1 ]; then
	echo "nameserver 127.0.0.1" > "$work/resolv.conf"
	mount --bind "$work/resolv.conf" /etc/resolv.conf && resolv_ok=1
fi

# dns_check - the resolver answers for a DKIM key of the zone
dns_check() {
	$PY - "$ub_port" "$manifest" <<'EOF'
import json, sys, time
import dns.resolver
r = dns.resolver.Resolver(configure=False)
r.nameservers = ["127.0.0.1"]; r.port = int(sys.argv[1]); r.lifetime = 2
name = "s2048._domainkey." + json.load(open(sys.argv[2]))["domains"][0]["name"]
for _ in range(50):
    try:
        a = r.resolve(name, "TXT"); print("dns ok: %s TXT via unbound 127.0.0.1@%s" % (name, sys.argv[1])); sys.exit(0)
    except Exception as e:
        err = e; time.sleep(0.2)
print("dns: %s: %s" % (name, err)); sys.exit(1)
EOF
}
if ! dns_check; then
	echo "run-bench: nsd/unbound do not answer; logs:" >&2
	tail -5 "$work/nsd/nsd.log" "$work/nsd/stdout" "$work/unbound/stdout" "$work/unbound/unbound.log" >&2 2>/dev/null
	exit 1
fi

# ---------------------------------------------------------------- milters
# Each start_* function writes a config in $work/<name>/, starts the milter
# in the foreground mode in the background, and sets MPID and MSOCK.
auth_extra=""
# Options authmilter may not know yet: keep the ones `authmilter -t` accepts.
mkdir -p "$work/authmilter"
for line in "Nameservers 127.0.0.1@$ub_port" "DNSTimeout 2s"; do
	printf 'AuthservID bench.test\n%s\n' "$line" > "$work/authmilter/probe.conf"
	if "$authmilter" -t -c "$work/authmilter/probe.conf" >/dev/null 2>&1; then
		auth_extra="$auth_extra$line
"
	else
		echo "note: authmilter does not accept '${line%% *}' yet: left out of its config"
	fi
done

# start_authmilter [NAME [EXTRA_CONFIG]] - authmilter with the bench config
# plus EXTRA_CONFIG lines, its files under $work/NAME. It logs as the
# sample config does (stderr, level info: one line per message), so the
# cost of that line is measured; each start begins a new log file, or a
# full run would write hundreds of MB.
start_authmilter() {
	local port=$(free_port) name=${1:-authmilter}
	mkdir -p "$work/$name"
	cat > "$work/$name/authmilter.conf" <<EOF
Socket inet:$port@127.0.0.1
LogTo stderr
LogLevel info
AuthservID bench.test
# every milter here runs as root inside the benchmark's private namespace
RunAsRoot yes
$auth_extra
${2:-}
EOF
	$WRAP "$authmilter" -f -c "$work/$name/authmilter.conf" >"$work/$name/log" 2>&1 &
	MPID=$!; MSOCK="inet:$port@127.0.0.1"; MPORT=$port
}

# Variants, each timed beside plain authmilter in the same run: with the
# metrics endpoint on and scraped every second (issue 19), with DMARC
# report recording into SQLite (issue 15), and with ARC verification off
# (issue 16: what verification costs on this ARC-free corpus).
start_authmilter_metrics() {
	local mport=$(free_port)
	start_authmilter authmilter_metrics "MetricsSocket inet:$mport@127.0.0.1"
	( for i in $(seq 600); do
		kill -0 "$MPID" 2>/dev/null || break
		exec 3<>"/dev/tcp/127.0.0.1/$mport" 2>/dev/null &&
			printf 'GET /metrics HTTP/1.0\r\n\r\n' >&3 && cat <&3 >/dev/null
		exec 3<&- 2>/dev/null
		sleep 1
	done ) >/dev/null 2>&1 &
}

start_authmilter_reports() {
	start_authmilter authmilter_reports "ReportStore sqlite:$work/authmilter_reports/reports.db"
}

start_authmilter_noarc() {
	start_authmilter authmilter_noarc "ARCVerify no"
}

# --baseline: another build of authmilter, same config
start_authmilter_base() {
	local ours=$authmilter
	authmilter=$baseline
	start_authmilter authmilter_base
	authmilter=$ours
}

# start_nullmilter NAME [FLAG...] - contrib/bench/nullmilter with the FLAGs
# as the milter NAME, its stderr in NAME/log
start_nullmilter() {
	local port=$(free_port) name=$1
	shift
	mkdir -p "$work/$name"
	$WRAP "$nullmilter" "$@" -s "inet:$port@127.0.0.1" >>"$work/$name/log" 2>&1 &
	MPID=$!; MSOCK="inet:$port@127.0.0.1"; MPORT=$port
}

start_null() { start_nullmilter null; }
# nullR: the floor that negotiates exactly like authmilter (issue 18)
start_nullR() { start_nullmilter nullR -R; }
# nullC: nullR plus the crypto floor's work, done in the milter (its
# totals are in nullC/log when it stops)
start_nullC() { start_nullmilter nullC -C; }
# nullA: nullC plus the output authmilter makes for each message (an
# A-R field inserted, a log line written; the lines go to nullA/log)
start_nullA() { start_nullmilter nullA -A; }
# nullB: nullA plus --burn microseconds of CPU at each end of message
# (nullA's work plus authmilter's own cost, as plain CPU: see
# nullmilter.c)
start_nullB() { start_nullmilter nullB -B "$burn"; }

start_opendkim() {
	local port=$(free_port)
	mkdir -p "$work/opendkim"
	cat > "$work/opendkim/opendkim.conf" <<EOF
Mode v
Socket inet:$port@127.0.0.1
Syslog no
AuthservID bench.test
AlwaysAddARHeader yes
Nameservers $NS_ADDR
PidFile $work/opendkim/opendkim.pid
UserID root
Background no
EOF
	opendkim -f -x "$work/opendkim/opendkim.conf" >>"$work/opendkim/log" 2>&1 &
	MPID=$!; MSOCK="inet:$port@127.0.0.1"; MPORT=$port
}

start_opendmarc() {
	local port=$(free_port) psl="PublicSuffixList $work/opendmarc/psl.dat" f
	# OpenDMARC does not apply the PSL's implicit "*" rule, so with no
	# rule for .example it takes mail.NAME.example as its own
	# organizational domain: give it the system list plus "example".
	mkdir -p "$work/opendmarc"
	: > "$work/opendmarc/psl.dat"
	for f in /usr/share/publicsuffix/public_suffix_list.dat; do
		[ -f "$f" ] && cat "$f" > "$work/opendmarc/psl.dat"
	done
	echo "${origin%.}" >> "$work/opendmarc/psl.dat"
	mkdir -p "$work/opendmarc"
	cat > "$work/opendmarc/opendmarc.conf" <<EOF
Socket inet:$port@127.0.0.1
Syslog false
AuthservID bench.test
TrustedAuthservIDs bench.test
SPFSelfValidate true
SPFIgnoreResults true
RejectFailures true
FailureReports false
IgnoreAuthenticatedClients true
$psl
PidFile $work/opendmarc/opendmarc.pid
UserID root
Background false
EOF
	opendmarc -f -c "$work/opendmarc/opendmarc.conf" >>"$work/opendmarc/log" 2>&1 &
	MPID=$!; MSOCK="inet:$port@127.0.0.1"; MPORT=$port
}

# start_set NAME - start the milter(s) of one configuration; sets SOCKS, SPIDS
start_set() {
	SOCKS=""; SPIDS=""
	local m
	case "$1" in
	chain) set -- opendkim opendmarc ;;
	esac
	for m in "$@"; do
		"start_$m"
		pids="$pids $MPID"
		if ! wait_tcp "$MPORT" "$MPID"; then
			echo "run-bench: $m did not start; its log:" >&2
			tail -5 "$work/$m/log" >&2
			return 1
		fi
		SOCKS="$SOCKS -s $MSOCK"; SPIDS="$SPIDS $MPID"
		port_of[$MPID]=$MPORT
	done
}

stop_set() {
	local p rest=""
	for p in $SPIDS; do stop_pid "$p"; done
	for p in $pids; do case " $SPIDS " in *" $p "*) ;; *) rest="$rest $p" ;; esac; done
	pids=$rest
}

# cpu_ticks PIDS - "TOTAL SYS": utime+stime, and stime alone, of the
# processes, in clock ticks. Prints nothing and fails when one of them has
# exited (gone, or a zombie): a milter that crashed during a timed run has
# no figures, and leaving it out of the sum made its CPU negative.
cpu_ticks() {
	local p t=0 k=0 s
	for p in "$@"; do
		# Fields after the ")" of comm: state is 1st, utime 12th, stime 13th.
		s=$(sed 's/.*) //' "/proc/$p/stat" 2>/dev/null) || return 1
		set -- $s
		case "${1:-Z}" in Z|X|x) return 1 ;; esac
		t=$(( t + ${12} + ${13} ))
		k=$(( k + ${13} ))
	done
	echo "$t $k"
}

# rss_kb PIDS - sum of VmHWM (peak resident set) in kB
rss_kb() {
	local p t=0 v
	for p in "$@"; do
		v=$(awk '/^VmHWM:/ {print $2}' "/proc/$p/status" 2>/dev/null)
		t=$(( t + ${v:-0} ))
	done
	echo $t
}

result_field() { sed -n "s/.* $2=\([^ ]*\).*/\1/p" "$1"; }

# perf_switch DIR enable|disable - switch a perf started with "-D -1
# --control fifo:DIR/ctl,DIR/ack" on or off, and wait for its answer
perf_switch() { echo "$2" > "$1/ctl" && timeout 10 head -n 1 "$1/ack" >/dev/null; }

# fifo_enable CTL ACK PID - "enable" to the perf (PID) reading control FIFO
# CTL, and wait up to 10 s for its ack on ACK; false at once when PID
# exits first. Both FIFOs are opened read-write, which never blocks, so a
# perf that died before opening them cannot hang this.
fifo_enable() {
	local i ok=1
	exec 8<>"$1" 9<>"$2"
	echo enable >&8
	for i in $(seq 100); do
		read -r -t 0.1 -u 9 _ && { ok=0; break; }
		kill -0 "$3" 2>/dev/null || break
	done
	exec 8>&- 9<&-
	return $ok
}

hz=$(getconf CLK_TCK)
rows=$work/rows
status=0
check_n=$(( ncorpus < 400 ? ncorpus : 400 ))
null_cpu=""

# --callgrind N: instruction counts instead of wall-clock figures. The
# milter runs under callgrind with instrumentation off; a warm-up pass
# fills its caches, instrumentation is switched on, N messages run at
# concurrency 4 (the first --per-conn value gives the messages per
# connection), and the counters are dumped: instructions per message =
# Ir / N, for every thread of the milter (libmilter's, the resolver's
# and libunbound's included). Switching on, not zeroing the counters
# (callgrind_control -z): after a zeroing callgrind charges the entry
# frames of threads alive across it (the listener, a reused connection's)
# with all they ran since, which spoils the counts by function.
if [ "$callgrind" -gt 0 ] 2>/dev/null; then
	command -v valgrind >/dev/null || { echo "run-bench: valgrind not installed" >&2; exit 1; }
	echo
	echo "== callgrind: $callgrind messages after a warm-up pass, concurrency 4, ${per_conn%% *} msg/conn"
	cg_split="" cg_libs="" cg_dumps=""
	for name in $only; do
		case "$name" in null|nullR|nullC|nullA|authmilter) ;; *) echo "SKIP $name: --callgrind measures null, nullR, nullC, nullA and authmilter"; continue ;; esac
		WRAP="valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file=$work/$name.cg.out"
		[ "$cachesim" = 1 ] && WRAP="$WRAP --cache-sim=yes"
		start_set "$name" || { WRAP=""; echo "SKIP $name: did not start under valgrind"; status=1; stop_set; continue; }
		timeout 300 "$milterload" $SOCKS -d "$corpus/corpus" -c 4 -n "$ncorpus" -t 240 -T 60 -q \
			> "$work/$name.cgwarm.out" 2>&1
		callgrind_control -i on $SPIDS >/dev/null 2>&1
		timeout 600 "$milterload" $SOCKS -d "$corpus/corpus" -c 4 -m "${per_conn%% *}" \
			-n "$callgrind" -t 500 -T 60 -q \
			> "$work/$name.cg.run" 2>&1
		callgrind_control -d $SPIDS >/dev/null 2>&1
		cg_pids=$SPIDS
		stop_set
		WRAP=""
		# valgrind removes the FIFOs callgrind_control talks through
		# only when it exits by itself, not after stop_pid's KILL
		for p in $cg_pids; do rm -f "${TMPDIR:-/tmp}"/vgdb-pipe-*-"$p"-by-*; done
		msgs=$(result_field "$work/$name.cg.run" messages)
		dump=$(ls "$work/$name.cg.out".* 2>/dev/null | head -1)
		if [ -z "$msgs" ] || [ "$msgs" = 0 ] || [ -z "$dump" ]; then
			echo "ERROR $name: no callgrind figures"; cat "$work/$name.cg.run"; status=1; continue
		fi
		callgrind_annotate --threshold=100 "$dump" > "$work/$name.cg.txt" 2>/dev/null
		ir=$(sed -n 's/^summary: *\([0-9]*\).*/\1/p' "$dump" | tail -1)
		[ -n "$ir" ] || ir=$(sed -n 's/^totals: *\([0-9]*\).*/\1/p' "$dump" | tail -1)
		echo "$name: $msgs messages (failed $(result_field "$work/$name.cg.run" failed)), $ir instructions, $(( ir / msgs )) per message"
		cg_split="$cg_split $name=$(( ir / msgs ))"
		cg_libs="$cg_libs $name=$msgs:$work/$name.cg.txt"
		cg_dumps="$cg_dumps $name=$msgs:$dump"
		echo "  top functions (self), from $work/$name.cg.txt:"
		grep -E "^ *[0-9,]+ .*:" "$work/$name.cg.txt" | grep -v "(100.0%)" | head -25 | sed 's/^/  /'
	done
	case " $cg_split" in *" nullR="*" authmilter="*|*" authmilter="*" nullR="*)
		echo; $PY "$here/benchcheck.py" instructions $cg_split ;;
	esac
	[ -z "$cg_libs" ] || { echo; $PY "$here/benchcheck.py" cglibs $cg_libs; }
	[ "$cachesim" = 0 ] || [ -z "$cg_dumps" ] || { echo; $PY "$here/benchcheck.py" cachesim $cg_dumps || status=1; }
	keep=1
	exit $status
fi

# stop_wrapped - stop milters started under a wrapper that reports when
# its child exits (perf): stop each child first, then wait for the wrapper
stop_wrapped() {
	local p child
	for p in $SPIDS; do
		for child in $(pgrep -P "$p"); do kill "$child" 2>/dev/null; done
		wait_exit "$p" "${port_of[$p]:-}" || true
	done
	stop_set
}

# --postfix: through a private Postfix instead (postfix-bench.sh)
if [ "$postfix" = 1 ]; then
	. "$here/postfix-bench.sh"
	postfix_mode
fi

# --profile N: where the CPU goes on the real processor (callgrind above
# counts instructions on valgrind's model). perf samples every thread of
# the milter with call graphs over N messages after a warm-up pass.
if [ "$profile" -gt 0 ] 2>/dev/null; then
	echo
	echo "== perf profile: $profile messages after a warm-up pass, concurrency 4, ${per_conn%% *} msg/conn"
	for name in $only; do
		case "$name" in nullR|nullC|nullA|authmilter) ;; *) echo "SKIP $name: --profile measures nullR, nullC, nullA and authmilter"; continue ;; esac
		# perf starts disabled and samples only the N timed messages:
		# start-up (nullC makes its keys) and the warm-up pass stay out
		pdir=$work/profile.$name
		mkdir -p "$pdir" && mkfifo "$pdir/ctl" "$pdir/ack" || { status=1; continue; }
		WRAP="perf record -q -F 4999 -g -D -1 --control fifo:$pdir/ctl,$pdir/ack
			-o $work/$name.perf.data --"
		start_set "$name" || { WRAP=""; echo "SKIP $name: did not start under perf"; status=1; stop_set; continue; }
		WRAP=""
		timeout 120 "$milterload" $SOCKS -d "$corpus/corpus" -c 4 -n "$ncorpus" -t 60 -q >/dev/null 2>&1
		perf_switch "$pdir" enable
		timeout 300 "$milterload" $SOCKS -d "$corpus/corpus" -c 4 -m "${per_conn%% *}" \
			-n "$profile" -t 240 -q > "$work/$name.perf.run" 2>&1
		perf_switch "$pdir" disable
		stop_wrapped
		msgs=$(result_field "$work/$name.perf.run" messages)
		echo "$name: $msgs messages sampled (after start-up and a warm-up pass)"
		echo "  by library (samples at 4999 Hz, us of CPU per message, share):"
		# us a message: samples / 4999 Hz / messages, comparable between
		# milters (shares are not)
		perf report -i "$work/$name.perf.data" --no-children --sort dso --stdio \
			-F sample,overhead,dso 2>/dev/null | grep -E '^ +[0-9]+ +[0-9.]+%' | sort -k1,1nr | head -8 |
			awk -v n="${msgs:-0}" '{ printf "  %10d %8.2f us %8s  %s\n", $1, (n > 0 ? $1 * 1e6 / 4999 / n : 0), $2, $3 }'
		echo "  by function:"
		perf report -i "$work/$name.perf.data" --no-children --sort dso,sym --stdio -g none 2>/dev/null |
			grep -E '^ +[0-9.]+%' | head -30 | sed 's/^/  /'
	done
	keep=1
	exit $status
fi

max_pc=1
for pc in $per_conn; do [ "$pc" -gt "$max_pc" ] && max_pc=$pc; done
echo
echo "== correctness check ($check_n messages each) and timing (${seconds}s per point, conc: $concs, msg/conn: $per_conn)"
checked=""
for name in $only; do
	case "$name" in null|nullR|nullC|nullA|nullB|authmilter*) ;; *)
		if [ $resolv_ok != 1 ]; then
			echo "SKIP $name: OpenDKIM's Nameservers takes no port, and OpenDMARC and libspf2 use"
			echo "     the system resolver: they cannot reach the bench DNS (port 53) here;"
			echo "     run as root where unshare -nm works"
			status=1
			continue
		fi ;;
	esac
	if over_budget; then echo "SKIP $name: time budget used up"; status=1; continue; fi
	start_set "$name" || { echo "SKIP $name: did not start"; status=1; stop_set; continue; }
	# Correctness on a sample; this also warms unbound's cache.
	timeout 120 "$milterload" $SOCKS -d "$corpus/corpus" -c 4 -n "$check_n" -t 60 -q \
		-o "$work/$name.check.json" > "$work/$name.check.out" 2>&1
	if ! $PY "$here/benchcheck.py" check "$name" "$manifest" "$work/$name.check.json" bench.test; then
		echo "ERROR $name: wrong results on the sample (above); not timed. Config and log: $work/$name/"
		keep=1; status=1
		stop_set
		continue
	fi
	# The same sample on reused connections (the largest --per-conn):
	# milterload puts one client's messages on a connection, so the
	# results must stay right there too.
	if [ "$max_pc" -gt 1 ]; then
		timeout 120 "$milterload" $SOCKS -d "$corpus/corpus" -c 4 -m "$max_pc" -n "$check_n" -t 60 -q \
			-o "$work/$name.check$max_pc.json" > "$work/$name.check$max_pc.out" 2>&1
		sed 's/^/  /' "$work/$name.check$max_pc.out" | grep -v RESULT
		if ! $PY "$here/benchcheck.py" check "$name" "$manifest" "$work/$name.check$max_pc.json" bench.test |
			sed "s|^|$max_pc msg/conn: |" | tee "$work/$name.check$max_pc.txt" | grep -qE ' [1-9][0-9]* messages, 0 wrong'; then
			cat "$work/$name.check$max_pc.txt"
			echo "ERROR $name: wrong results on reused connections (above); not timed. Config and log: $work/$name/"
			keep=1; status=1
			stop_set
			continue
		fi
		cat "$work/$name.check$max_pc.txt"
	fi
	stop_set
	checked="$checked $name"
done

# time_point NAME CONC PER_CONN ROWS [RUN] - one timed point: a fresh
# milter, a warm-up pass, then the timed load; appends a row to ROWS, with
# RUN (1..--repeat) as its last field
time_point() {
	local name=$1 c=$2 pc=$3 rows_file=$4 run=${5:-1} out t0 k0 t1 k1 rss msgs cpu sys lat=""
	out=$work/$name.$c.$pc.$run.out
	[ "$latencies" = 1 ] && [ "$run" = 1 ] && lat=$work/$name.$c.$pc.lat.jsonl
	start_set "$name" || { status=1; stop_set; return 1; }
	# Warm-up: fill the milter's own caches (DNS, keys) once.
	timeout 60 "$milterload" $SOCKS -d "$corpus/corpus" -c 4 -n "$ncorpus" -t 3 -q >/dev/null 2>&1
	t0=$(cpu_ticks $SPIDS)
	timeout $(( ${seconds%.*} + 60 )) "$milterload" $SOCKS -d "$corpus/corpus" -c "$c" \
		-m "$pc" -t "$seconds" -q ${lat:+-o "$lat"} > "$out" 2>&1
	t1=$(cpu_ticks $SPIDS)
	rss=$(rss_kb $SPIDS)
	stop_set
	if [ -z "$t0" ] || [ -z "$t1" ]; then
		echo "ERROR $name conc $c, $pc msg/conn: the milter exited before the end of the timed run;" \
			"no figures. Its log: $work/$name/"
		grep RESULT "$out"; keep=1; status=1; return 1
	fi
	read -r t0 k0 <<< "$t0"
	read -r t1 k1 <<< "$t1"
	msgs=$(result_field "$out" messages)
	if [ -z "$msgs" ] || [ "$msgs" = 0 ]; then
		echo "ERROR $name conc $c: no messages done:"; cat "$out"; status=1; return 1
	fi
	cpu=$(awk -v d=$(( t1 - t0 )) -v hz="$hz" -v n="$msgs" 'BEGIN { printf "%.4f", d / hz / n * 1000 }')
	# Share of that CPU spent in the kernel (stime), in percent.
	sys=$(awk -v d=$(( t1 - t0 )) -v k=$(( k1 - k0 )) 'BEGIN { printf "%.0f", (d > 0 ? 100 * k / d : 0) }')
	printf '%s %s %s %s %s %s %s %s %s %s %s\n' "$name" "$c" \
		"$(result_field "$out" rate)" "$(result_field "$out" p50)" \
		"$(result_field "$out" p99)" "$cpu" \
		"$(awk -v k="$rss" 'BEGIN { printf "%.1f", k / 1024 }')" \
		"$(result_field "$out" errors)" "$msgs" "$sys" "$run" >> "$rows_file"
	echo "  $name conc $c, $pc msg/conn$( [ "$repeat" -gt 1 ] && is_paired "$name" && echo ", run $run"):" \
		"$(result_field "$out" rate) msg/s, CPU $cpu s/1k msg, $(result_field "$out" msg_bytes) bytes/msg"
	if [ "$name" = null ] && [ "$c" = 16 ] && [ "$pc" = "$first_pc" ]; then null_cpu=$cpu; fi
}

# is_paired NAME - the milters of the own-work comparison: timed --repeat
# times, interleaved
is_paired() { case "$1" in nullR|nullC|nullA|nullB|authmilter|authmilter_base) return 0 ;; esac; return 1; }

# run_order RUN NAMES - NAMES in their order for odd runs, reversed for even
# runs (A B, B A, A B, ...): a drift of the machine's load within a pair
# then favours neither side over the runs
run_order() {
	local run=$1 n out=""
	shift
	if [ $(( run % 2 )) = 1 ]; then echo "$*"; return; fi
	for n in "$@"; do out="$n $out"; done
	echo $out
}

first_pc=${per_conn%% *}
paired=""
for name in $checked; do is_paired "$name" && paired="$paired $name"; done
for pc in $per_conn; do
	: > "$rows.$pc"
	for name in $checked; do
		is_paired "$name" && continue
		for c in $concs; do
			if over_budget; then echo "SKIP $name conc $c, $pc msg/conn: time budget used up"; status=1; continue; fi
			time_point "$name" "$c" "$pc" "$rows.$pc"
		done
	done
	for c in $concs; do
		for run in $(seq "$repeat"); do
			for name in $(run_order "$run" $paired); do
				if over_budget; then echo "SKIP $name conc $c, $pc msg/conn, run $run: time budget used up"; status=1; continue; fi
				time_point "$name" "$c" "$pc" "$rows.$pc" "$run"
			done
		done
	done
done

# count_point NAME CONC PER_CONN [RUN] - system calls, context switches and CPU
# time of the milter's process (every thread) over $counts messages after
# a warm-up, counted by perf stat: these do not depend on how fast this
# machine's kernel is. Appends "NAME CONC PER_CONN MSGS SYSCALLS CTXSW
# TASK_MS FAULTS RUN" to $counts_rows (page faults: kernel time that no
# system call shows, paid when freed memory goes back to the kernel and is
# touched again). The breakdown by system call and thread (perf record) is
# taken in run 1 only.
count_point() {
	local name=$1 c=$2 pc=$3 run=${4:-1} dir=$work/count.$1.$2.$3.${4:-1} msgs sc cs ms pf child rec=""
	local try
	mkdir -p "$dir" && mkfifo "$dir/ctl" "$dir/ack" || { status=1; return 1; }
	WRAP="perf stat -x, -D -1 --control fifo:$dir/ctl,$dir/ack -o $dir/perf.csv
		-e raw_syscalls:sys_enter,context-switches,task-clock,page-faults --"
	start_set "$name" || {
		WRAP=""; stop_set
		echo "ERROR counts $name conc $c, $pc msg/conn: the milter did not start under perf stat"
		status=1; return 1
	}
	WRAP=""
	timeout 60 "$milterload" $SOCKS -d "$corpus/corpus" -c 4 -n "$ncorpus" -t 10 -q >/dev/null 2>&1
	# Which system calls, from which thread: a second perf, attached to
	# the milter (its threads and those it starts), records each call's
	# number; that costs the milter no system call of its own.
	child=$(pgrep -P "$MPID" | head -n 1)
	thread_switches "$child" > "$dir/threads.before"
	# It starts disabled and counts from its acknowledged "enable" on (no
	# guessed wait for it to attach); no build ids, which perf script
	# does not need here and which cost a second at its exit. (It gives
	# up when a thread exits while it attaches, as libmilter's idle
	# workers do after the warm-up: then it tries again.)
	for try in 1 2 3; do
		[ "$run" = 1 ] || break
		rm -f "$dir/rctl" "$dir/rack"
		mkfifo "$dir/rctl" "$dir/rack" || break
		timeout 300 perf record -q -B -N -m 16M -e raw_syscalls:sys_enter -D -1 \
			--control "fifo:$dir/rctl,$dir/rack" -p "$child" \
			-o "$dir/sys.data" >/dev/null 2>&1 &
		rec=$!
		fifo_enable "$dir/rctl" "$dir/rack" "$rec" && break
		wait "$rec" 2>/dev/null
	done
	perf_switch "$dir" enable
	timeout 120 "$milterload" $SOCKS -d "$corpus/corpus" -c "$c" -m "$pc" -n "$counts" \
		-t 60 -q > "$dir/load.out" 2>&1
	perf_switch "$dir" disable
	[ -n "$rec" ] && { kill -INT "$rec" 2>/dev/null; wait "$rec"; }
	thread_switches "$child" > "$dir/threads.after"
	if ! cpu_ticks "$child" >/dev/null; then
		stop_wrapped
		echo "ERROR counts $name conc $c, $pc msg/conn: the milter exited during the count; no figures." \
			"Its log: $work/$name/"
		keep=1; status=1; return 1
	fi
	# perf writes its counts when the milter it runs exits
	stop_wrapped
	msgs=$(result_field "$dir/load.out" messages)
	sc=$(awk -F, '$3 == "raw_syscalls:sys_enter" { print $1 }' "$dir/perf.csv")
	cs=$(awk -F, '$3 == "context-switches" { print $1 }' "$dir/perf.csv")
	ms=$(awk -F, '$3 == "task-clock" { print $1 }' "$dir/perf.csv")
	pf=$(awk -F, '$3 == "page-faults" { print $1 }' "$dir/perf.csv")
	case "$msgs$sc$cs$ms$pf" in *[!0-9.]*|"")
		echo "ERROR counts $name conc $c: no figures (perf: $(tr '\n' ' ' < "$dir/perf.csv"))"
		status=1; return 1 ;;
	esac
	if [ "$msgs" -eq 0 ]; then
		echo "ERROR counts $name conc $c, $pc msg/conn: no messages done: $(tr '\n' ' ' < "$dir/load.out")"
		status=1; return 1
	fi
	echo "$name $c $pc $msgs $sc $cs $ms $pf $run" >> "$counts_rows"
	[ "$run" = 1 ] || return 0
	# One "TID NR" line per call; counted by name ("nrN" when the kernel
	# headers do not name it) into $counts_calls, and by thread into
	# $counts_threads as "TID NAME VOLUNTARY NONVOLUNTARY SYSCALLS FUTEX".
	# A thread gone before the second snapshot is named "(exited)", its
	# context switches unknown (0).
	perf script -i "$dir/sys.data" -F tid,trace 2>/dev/null |
		awk '$2 == "NR" { print $1, $3 }' > "$dir/calls"
	awk -v p="$name $c $pc $msgs" '
		FILENAME == ARGV[1] { if ($2 ~ /^__NR_/) nr[$3] = substr($2, 6); next }
		{ n[($2 in nr) ? nr[$2] : "nr" $2]++ }
		END { for (k in n) print p, k, n[k] }' "${syscall_names:-/dev/null}" "$dir/calls" >> "$counts_calls"
	awk -v p="$name $c $pc $msgs" -v futex="$futex_nr" '
		FILENAME == ARGV[1] { v0[$1] = $3; n0[$1] = $4; next }
		FILENAME == ARGV[2] { name[$1] = $2; v[$1] = $3 - v0[$1]; n[$1] = $4 - n0[$1]; next }
		{ calls[$1]++; if ($2 == futex) fx[$1]++; if (!($1 in name)) name[$1] = "(exited)" }
		END { for (t in name) print p, t, name[t], v[t] + 0, n[t] + 0, calls[t] + 0, fx[t] + 0 }' \
		"$dir/threads.before" "$dir/threads.after" "$dir/calls" >> "$counts_threads"
}

# thread_switches PID - "TID NAME VOLUNTARY NONVOLUNTARY" context switches
# so far of each thread of process PID, sorted by TID. A thread that
# exits before the second snapshot (libmilter's worker of a connection
# that closed) is missing from it, and so from the per-thread list.
thread_switches() {
	local pid=$1 t comm
	[ -n "$pid" ] || return 0
	for t in /proc/"$pid"/task/*; do
		comm=$(tr ' ' '_' < "$t/comm" 2>/dev/null) || continue
		[ "${t##*/}" = "$pid" ] && comm="$comm(main)"
		awk -v tid="${t##*/}" -v comm="$comm" '
			/^voluntary_ctxt_switches/ { v = $2 }
			/^nonvoluntary_ctxt_switches/ { n = $2 }
			END { print tid, comm, v + 0, n + 0 }' "$t/status" 2>/dev/null
	done | LC_ALL=C sort -k1,1
}

counts_rows=$work/counts
counts_calls=$work/counts.calls
counts_threads=$work/counts.threads
# system call numbers to names, from the kernel headers (linux-libc-dev)
syscall_names=$(echo '#include <sys/syscall.h>' | cc -E -dM - 2>/dev/null |
	grep '^#define __NR_' > "$work/syscall-names" && echo "$work/syscall-names")
futex_nr=$(awk '$2 == "__NR_futex" { print $3 }' "${syscall_names:-/dev/null}")
: > "$counts_rows"; : > "$counts_calls"; : > "$counts_threads"
if [ "$counts" -gt 0 ] 2>/dev/null; then
	if ! command -v perf >/dev/null || ! perf stat -e raw_syscalls:sys_enter true >/dev/null 2>&1; then
		echo "SKIP counts: perf cannot count system calls here (linux-perf, root)"
		status=1
	else
		echo
		echo "== counts: system calls and context switches per message ($counts messages after a warm-up)"
		for pc in $per_conn; do
			for c in 1 16; do
				for run in $(seq "$repeat"); do
					for name in $(run_order "$run" $paired); do
						if over_budget; then echo "SKIP counts $name conc $c, run $run: time budget used up"; status=1; continue; fi
						count_point "$name" "$c" "$pc" "$run"
					done
				done
			done
		done
	fi
fi

echo
echo "== crypto and kernel floors"
# SHA-256 on 8192-byte blocks only, the size the floor uses (the other
# five sizes would add 5 s to every run)
openssl speed -seconds 1 -bytes 8192 rsa2048 ed25519 sha256 > "$work/openssl-speed.txt" 2>/dev/null
$PY "$here/benchcheck.py" floor "$manifest" "$work/openssl-speed.txt" > "$work/floor.txt"
grep -v '^FLOOR_MS=' "$work/floor.txt"
floor_ms=$(sed -n 's/^FLOOR_MS=//p' "$work/floor.txt")
if [ -z "$floor_ms" ]; then
	# without it the own-work comparison below is left out
	echo "ERROR crypto floor: no figures from openssl speed ($work/openssl-speed.txt): no own work"
	keep=1; status=1
fi
"$sysfloor" || echo "sysfloor failed: the kernel floor above is incomplete"

for pc in $per_conn; do
	echo
	echo "== results, $pc msg/conn ($ncorpus-message corpus, ${seconds}s per point; CPU = milter process(es) only)"
	if [ -n "$floor_ms" ] && [ -n "$null_cpu" ] && [ "$pc" = "$first_pc" ]; then
		# null_cpu is s per 1,000 messages = ms per message.
		$PY "$here/benchcheck.py" table "$rows.$pc" "$floor_ms" "$null_cpu"
	else
		$PY "$here/benchcheck.py" table "$rows.$pc"
	fi
done
if [ -n "$floor_ms" ]; then
	echo
	echo "== own work: authmilter's CPU per message minus the nullR floor's (issue 18)"
	modes=""
	for pc in $per_conn; do modes="$modes $pc $rows.$pc"; done
	$PY "$here/benchcheck.py" ownwork "$floor_ms" $modes
fi
if [ -s "$counts_rows" ]; then
	echo
	echo "== counts per message (perf stat, every thread of the milter process)"
	$PY "$here/benchcheck.py" counts "$counts_rows"
	$PY "$here/benchcheck.py" calls "$counts_calls" "$counts_threads" "$counts_rows"
fi
if [ "$latencies" = 1 ]; then
	echo
	echo "== latency by message size (--latencies: run 1 of each point; milterload -o)"
	for pc in $per_conn; do
		for c in $concs; do
			set --
			for name in $checked; do
				f=$work/$name.$c.$pc.lat.jsonl
				[ -s "$f" ] && set -- "$@" "$name=$f"
			done
			[ $# -gt 0 ] || continue
			echo "-- conc $c, $pc msg/conn"
			$PY "$here/benchcheck.py" latency "$corpus/corpus" "$@"
		done
	done
fi
echo "total run time $(elapsed)s"
exit $status
