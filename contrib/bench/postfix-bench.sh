# postfix-bench.sh - the --postfix mode of run-bench.sh (issue 18), sourced
# by it after the DNS servers run and the start_* milter functions exist.
#
# A private Postfix instance (its own config and queue directory under the
# work directory, "postfix -c DIR"; the system's /etc/postfix and any
# running Postfix are never touched) listens on 127.0.0.1 in the bench's
# private network namespace, hands every SMTP session to the milter(s)
# under test (smtpd_milters) and delivers to the discard transport.
# postfix-load.py drives it, one message per SMTP session, each from the
# sidecar's client address (made local on the private loopback) with the
# sidecar's HELO. Per milter configuration (none, null, nullR, authmilter,
# chain) and concurrency: messages/s and the milter's CPU per message from
# /proc, and beside it the same milter under milterload -m 1 and
# milterload -P (as Postfix). Then the milter protocol Postfix speaks,
# through postfix-milter-trace.py, and (with perf) system calls and
# context switches per message of nullR and authmilter under Postfix and
# under milterload.
#
# Uses from run-bench.sh: $work $corpus $here $PY $seconds $concs $counts
# $milterload $ncorpus, start_set/stop_set/stop_wrapped, cpu_ticks,
# result_field, perf_switch, free_port, wait_tcp, over_budget, $pids.

PF_PORT=""
PF_DIR=""
PF_MASTER=""

# pf_tool NAME - path of a Postfix tool (sbin may not be on PATH)
pf_tool() { command -v "$1" 2>/dev/null || echo "/usr/sbin/$1"; }

# pf_missing - why a private Postfix cannot run here (empty when it can)
pf_missing() {
	[ "$(id -u)" = 0 ] || { echo "root"; return; }
	[ "$in_ns" = 1 ] || { echo "the private network namespace (unshare -nm)"; return; }
	[ -x "$(pf_tool postfix)" ] || { echo "postfix (Debian package postfix)"; return; }
	id postfix >/dev/null 2>&1 && getent group postdrop >/dev/null ||
		{ echo "the postfix user and postdrop group"; return; }
}

# pf_client_routes - make every client address of the corpus local on the
# private loopback (one "local" route per /24), so postfix-load.py can bind
# to it and Postfix sees the sidecar's client address without XCLIENT
pf_client_routes() {
	local net
	for net in $(sed -n 's/^client_ip \([0-9]*\.[0-9]*\.[0-9]*\)\.[0-9]*$/\1.0\/24/p' \
			"$corpus"/corpus/*.env 2>/dev/null | sort -u); do
		ip route add local "$net" dev lo 2>/dev/null
	done
	return 0
}

# pf_start NAME MILTERS - a fresh private Postfix in $work/postfix.NAME
# whose smtpd_milters are MILTERS (Postfix syntax, may be empty)
pf_start() {
	local name=$1 milters=$2 pw
	PF_DIR=$work/postfix.$name
	PF_PORT=$(free_port)
	mkdir -p "$PF_DIR/conf" "$PF_DIR/queue" "$PF_DIR/data"
	chown postfix "$PF_DIR/data"
	chmod 755 "$work" "$PF_DIR"
	cat > "$PF_DIR/conf/main.cf" <<EOF
# written by contrib/bench/postfix-bench.sh: private instance, loopback only
compatibility_level = 3.6
config_directory = $PF_DIR/conf
queue_directory = $PF_DIR/queue
data_directory = $PF_DIR/data
mail_owner = postfix
setgid_group = postdrop
myhostname = mx.bench.test
mydomain = bench.test
myorigin = \$myhostname
mydestination =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
relay_domains = static:ALL
default_transport = discard:bench
relay_transport = discard:bench
local_transport = discard:bench
alias_maps =
alias_database =
local_header_rewrite_clients =
maillog_file = $PF_DIR/maillog
maillog_file_prefixes = $PF_DIR
smtpd_error_sleep_time = 0
smtpd_authorized_xclient_hosts = 127.0.0.0/8
biff = no
milter_protocol = 6
milter_default_action = tempfail
milter_connect_timeout = 10s
milter_command_timeout = 30s
milter_content_timeout = 60s
EOF
	[ -n "$milters" ] && echo "smtpd_milters = $milters" >> "$PF_DIR/conf/main.cf"
	cat > "$PF_DIR/conf/master.cf" <<EOF
127.0.0.1:$PF_PORT inet n - n - - smtpd
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
proxymap  unix  -       -       n       -       -       proxymap
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
EOF
	timeout 60 "$(pf_tool postfix)" -c "$PF_DIR/conf" check >"$PF_DIR/start.log" 2>&1 &&
		timeout 60 "$(pf_tool postfix)" -c "$PF_DIR/conf" start >>"$PF_DIR/start.log" 2>&1 ||
		{ echo "postfix $name did not start:"; tail -5 "$PF_DIR/start.log" "$PF_DIR/maillog"; return 1; }
	PF_MASTER=$(awk '{print $1; exit}' "$PF_DIR/queue/pid/master.pid" 2>/dev/null)
	wait_tcp "$PF_PORT" || { echo "postfix $name: smtpd does not listen"; pf_stop; return 1; }
}

# pf_stop - stop the instance pf_start started (bounded; KILL its master
# and the master's children if "postfix stop" did not end them)
pf_stop() {
	local i c
	[ -n "$PF_DIR" ] || return 0
	timeout 30 "$(pf_tool postfix)" -c "$PF_DIR/conf" stop >/dev/null 2>&1
	if [ -n "$PF_MASTER" ]; then
		for i in $(seq 100); do kill -0 "$PF_MASTER" 2>/dev/null || break; sleep 0.1; done
		if kill -0 "$PF_MASTER" 2>/dev/null; then
			for c in $(pgrep -P "$PF_MASTER"); do kill -9 "$c" 2>/dev/null; done
			kill -9 "$PF_MASTER" 2>/dev/null
		fi
	fi
	PF_DIR=""; PF_MASTER=""
}

# pf_ticks - CPU clock ticks of the running Postfix instance so far: its
# master's own and reaped children's (cutime, cstime), plus its live
# children's (smtpd, cleanup, qmgr, discard, ...)
pf_ticks() {
	local p s t=0
	for p in $PF_MASTER $(pgrep -P "$PF_MASTER" 2>/dev/null); do
		s=$(sed 's/.*) //' "/proc/$p/stat" 2>/dev/null) || continue
		set -- $s
		t=$(( t + ${12} + ${13} + ${14} + ${15} ))
	done
	echo $t
}

# pf_milters - $SOCKS ("-s inet:P@127.0.0.1 ...") in Postfix's spelling
pf_milters() {
	echo $SOCKS | sed -e 's/-s //g' -e 's/inet:\([0-9]*\)@\([0-9.]*\)/inet:\2:\1/g' -e 's/ /, /g'
}

# pf_load CONC OUT [ARGS] - postfix-load.py on the running instance
pf_load() {
	local c=$1 out=$2
	shift 2
	timeout $(( ${seconds%.*} + 90 )) $PY "$here/postfix-load.py" -p "$PF_PORT" \
		-d "$corpus/corpus" -c "$c" "$@" > "$out" 2>&1
}

# pf_row NAME DRIVER CONC OUT T0 T1 [PT0 PT1] - one table row from a
# load's RESULT; T0/T1 the milter's CPU ticks, PT0/PT1 Postfix's
pf_row() {
	local msgs cpu pcpu=-
	msgs=$(result_field "$4" messages)
	if [ -z "$msgs" ] || [ "$msgs" = 0 ]; then
		echo "ERROR $1 via $2 conc $3: no messages done: $(tail -2 "$4" | tr '\n' ' ')"; status=1; return 1
	fi
	cpu=$(awk -v d=$(( $6 - $5 )) -v hz="$hz" -v n="$msgs" 'BEGIN { printf "%.3f", d / hz / n * 1000 }')
	[ "$1" = postfix ] && cpu=-
	[ -n "${8:-}" ] &&
		pcpu=$(awk -v d=$(( $8 - $7 )) -v hz="$hz" -v n="$msgs" 'BEGIN { printf "%.3f", d / hz / n * 1000 }')
	printf '%-12s %-20s %4s %8s %8s %8s %8s %8s %6s\n' "$1" "$2" "$3" "$(result_field "$4" rate)" \
		"$(result_field "$4" p50)" "$cpu" "$pcpu" "$msgs" "$(result_field "$4" failed)" | tee -a "$work/postfix.rows"
}

# pf_alive NAME CONC TICKS0 TICKS1 - both cpu_ticks readings there: an
# empty one means the milter exited, and its row would be wrong
pf_alive() {
	[ -n "$3" ] && [ -n "$4" ] && return 0
	echo "ERROR $1 conc $2: the milter exited before the end of the timed run; no figures." \
		"Its log: $work/$1/"
	keep=1; status=1; return 1
}

# pf_point NAME CONC - NAME (postfix = no milter) through Postfix at CONC,
# then the same milter (fresh) under milterload -m 1 and -P
pf_point() {
	local name=$1 c=$2 out t0 t1 p0 p1 k mode
	out=$work/pf.$name.$c
	SOCKS=""; SPIDS=""
	if [ "$name" != postfix ]; then
		start_set "$name" || { status=1; stop_set; return 1; }
	fi
	pf_start "$name" "$(pf_milters)" || { status=1; stop_set; return 1; }
	# Warm-up: Postfix's processes, the milter's DNS and key caches.
	pf_load 4 "$out.warm" -n "$ncorpus" -t 30
	t0=$(cpu_ticks $SPIDS)
	p0=$(pf_ticks)
	pf_load "$c" "$out.run" -t "$seconds"
	t1=$(cpu_ticks $SPIDS)
	p1=$(pf_ticks)
	pf_stop
	pf_alive "$name" "$c" "$t0" "$t1" || { stop_set; return 1; }
	pf_row "$name" postfix "$c" "$out.run" "${t0% *}" "${t1% *}" "$p0" "$p1"
	[ "$name" = postfix ] && return 0
	for mode in "-m 1" "-P" "-P -W 2"; do
		# The same milter process, warm: milterload in place of Postfix.
		t0=$(cpu_ticks $SPIDS)
		timeout $(( ${seconds%.*} + 60 )) "$milterload" $SOCKS -d "$corpus/corpus" -c "$c" \
			$mode -t "$seconds" -q > "$out.ml${mode// /}" 2>&1
		t1=$(cpu_ticks $SPIDS)
		pf_alive "$name" "$c" "$t0" "$t1" || break
		pf_row "$name" "milterload ${mode}" "$c" "$out.ml${mode// /}" "${t0% *}" "${t1% *}"
	done
	stop_set
}

# pf_trace_one NAME - 20 messages through Postfix to NAME behind the
# logging proxy: NAME's replies and their timing. NAME first gets the
# warm-up pass the timed points give it (its caches filled), so these
# latencies are a warm milter's, comparable with the timed run's.
pf_trace_one() {
	local tport tpid
	start_set "$1" || { stop_set; return 1; }
	timeout 60 "$milterload" $SOCKS -d "$corpus/corpus" -c 4 -n "$ncorpus" -t 10 -q >/dev/null 2>&1
	tport=$(free_port)
	timeout 120 $PY "$here/postfix-milter-trace.py" "$tport" "$MPORT" "$work/trace.$1.jsonl" 100 &
	tpid=$!
	pids="$pids $tpid"
	wait_tcp "$tport"
	if pf_start "trace.$1" "inet:127.0.0.1:$tport"; then
		pf_load 1 "$work/trace.$1.load" -n 20 -t 60
		pf_stop
	fi
	sleep 0.5
	stop_pid "$tpid"
	stop_set
	echo
	echo "-- $1 through Postfix (behind postfix-milter-trace.py)"
	$PY "$here/postfix-milter-trace.py" --summary "$work/trace.$1.jsonl" | grep -v ' x O '
}

# pf_trace - the milter protocol Postfix speaks, seen by a logging proxy
# in front of nullR, for 20 messages (and 5 with XCLIENT)
pf_trace() {
	local tport x
	start_set nullR || { stop_set; return 1; }
	for x in "" "--xclient"; do
		tport=$(free_port)
		timeout 120 $PY "$here/postfix-milter-trace.py" "$tport" "$MPORT" \
			"$work/trace$x.jsonl" 100 &
		local tpid=$!
		pids="$pids $tpid"
		SOCKS_SAVE=$SOCKS
		wait_tcp "$tport"
		pf_start trace "inet:127.0.0.1:$tport" || { stop_pid "$tpid"; break; }
		pf_load 1 "$work/trace$x.load" -n "$( [ -z "$x" ] && echo 20 || echo 5 )" -t 60 $x
		pf_stop
		sleep 0.5
		stop_pid "$tpid"
		echo
		echo "-- milter protocol through Postfix${x:+ with $x} (nullR behind postfix-milter-trace.py)"
		$PY "$here/postfix-milter-trace.py" --summary "$work/trace$x.jsonl"
	done
	# The same proxy in front of milterload -P, for comparison.
	tport=$(free_port)
	timeout 120 $PY "$here/postfix-milter-trace.py" "$tport" "$MPORT" "$work/trace-P.jsonl" 100 &
	local tpid=$!
	pids="$pids $tpid"
	wait_tcp "$tport"
	timeout 60 "$milterload" -s "inet:$tport@127.0.0.1" -d "$corpus/corpus" -c 1 -P -n 20 -t 50 -q \
		> "$work/trace-P.load" 2>&1
	sleep 0.5
	stop_pid "$tpid"
	echo
	echo "-- the same from milterload -P"
	$PY "$here/postfix-milter-trace.py" --summary "$work/trace-P.jsonl"
	stop_set
}

# pf_count NAME DRIVER - system calls and context switches per message of
# the milter under perf stat, driven by Postfix ("postfix") or milterload
# with the given flag ("-m 1", "-P"), $counts messages at concurrency 4
pf_count() {
	local name=$1 driver=$2 dir msgs sc cs
	dir=$work/pfcount.$name.${driver// /}
	mkdir -p "$dir" && mkfifo "$dir/ctl" "$dir/ack" || { status=1; return 1; }
	WRAP="perf stat -x, -D -1 --control fifo:$dir/ctl,$dir/ack -o $dir/perf.csv
		-e raw_syscalls:sys_enter,context-switches,task-clock --"
	start_set "$name" || {
		WRAP=""; stop_set
		echo "ERROR counts $name via $driver: the milter did not start under perf stat"
		status=1; return 1
	}
	WRAP=""
	if [ "$driver" = postfix ]; then
		pf_start "count" "$(pf_milters)" || { stop_wrapped; status=1; return 1; }
		pf_load 4 "$dir/warm" -n "$ncorpus" -t 30
		perf_switch "$dir" enable
		pf_load 4 "$dir/load.out" -n "$counts" -t 60
		perf_switch "$dir" disable
		pf_stop
	else
		timeout 60 "$milterload" $SOCKS -d "$corpus/corpus" -c 4 -n "$ncorpus" -t 10 -q >/dev/null 2>&1
		perf_switch "$dir" enable
		timeout 120 "$milterload" $SOCKS -d "$corpus/corpus" -c 4 $driver -n "$counts" \
			-t 60 -q > "$dir/load.out" 2>&1
		perf_switch "$dir" disable
	fi
	stop_wrapped
	msgs=$(result_field "$dir/load.out" messages)
	sc=$(awk -F, '$3 == "raw_syscalls:sys_enter" { print $1 }' "$dir/perf.csv")
	cs=$(awk -F, '$3 == "context-switches" { print $1 }' "$dir/perf.csv")
	case "$msgs$sc$cs" in *[!0-9.]*|"")
		echo "ERROR counts $name via $driver: no figures"; status=1; return 1 ;;
	esac
	[ "$msgs" -gt 0 ] || { echo "ERROR counts $name via $driver: no messages done"; status=1; return 1; }
	awk -v n="$name" -v d="$driver" -v m="$msgs" -v s="$sc" -v c="$cs" \
		'BEGIN { printf "%-12s %-20s %6d %10.1f %10.2f\n", n, d, m, s / m, c / m }'
}

# pf_target ROWS - the target of issue 18 per concurrency: through
# Postfix, authmilter's msg/s within 10 % of the null milter's (and the
# --baseline build's, authmilter_base, judged the same way beside it)
pf_target() {
	awk '$2 == "postfix" { rate[$1 " " $3] = $4; conc[$3] = 1 }
	END {
		split("authmilter authmilter_base", who, " ")
		for (c in conc) for (w = 1; w <= 2; w++) {
			m = who[w]
			n = rate["null " c]; a = rate[m " " c]; p = rate["postfix " c]
			if (n == "" || a == "") continue
			printf "conc %3d: Postfix alone %s, null %s, %s %s msg/s: %s %+.1f%% against null  %s\n", \
				c, (p == "" ? "-" : p), n, m, a, m, 100 * (a - n) / n, (a >= 0.9 * n ? "met" : "MISS")
		}
	}' "$1" | sort -n -k2 -s | sed 's/^/target (authmilter within 10 % of null through Postfix): /'
}

# postfix_mode - the whole --postfix run; exits run-bench.sh
postfix_mode() {
	local why name c
	why=$(pf_missing)
	if [ -n "$why" ]; then
		echo "run-bench: --postfix needs $why"; exit 1
	fi
	pf_client_routes
	: > "$work/postfix.rows"
	echo
	echo "== through Postfix $("$(pf_tool postconf)" -d -h mail_version 2>/dev/null): one message per SMTP session, ${seconds}s per point, conc: $concs"
	printf '%-12s %-20s %4s %8s %8s %8s %8s %8s %6s\n' milter driver conc msg/s p50ms cpu_ms pf_cpu_ms msgs failed
	for c in $concs; do
		for name in postfix $only; do
			if over_budget; then echo "SKIP $name conc $c: time budget used up"; status=1; continue; fi
			pf_point "$name" "$c"
		done
	done
	pf_target "$work/postfix.rows"
	if ! over_budget; then
		echo
		echo "== what Postfix sends a milter"
		pf_trace
		pf_trace_one authmilter
	fi
	if [ "$counts" -gt 0 ] 2>/dev/null && command -v perf >/dev/null && ! over_budget; then
		echo
		echo "== counts per message under Postfix and milterload ($counts messages, conc 4, perf stat)"
		printf '%-12s %-20s %6s %10s %10s\n' milter driver msgs syscalls ctxsw
		for name in nullR authmilter; do
			for d in postfix "-m 1" "-P" "-P -W 2"; do
				over_budget || pf_count "$name" "$d"
			done
		done
	fi
	echo "total run time $(elapsed)s"
	exit $status
}
