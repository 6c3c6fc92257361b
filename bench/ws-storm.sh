#!/bin/sh
# ws-storm.sh — connect storms (issue 16), run by `make bench`; prints
# figures, asserts nothing. Needs a build without sanitizers.
#
#   (a) N = 1,000 users of one dialog, all offline, connect as fast as the
#       client allows; 10 of them then flap (offline and online three
#       times). u0 sends 200 messages at 50/s from 1 s after the last
#       connect ("storm"), and again once presence has drained ("quiet",
#       same connections, same run). Delivery p50/p99 of both, their p99
#       ratio (the goal: at most 2), when the last presence frame came, the
#       frames, and what the flappers cost each recipient (the goal: one
#       frame, the latest state). The same with messages from 0 s. Then
#       with each client loading the dialog's participants after its
#       `connected`, as the SDK does (a client is pushed only the changes
#       after it connected): how long until every member had every other
#       member's state, and what those 1,000 lists of 1,000 cost.
#   (b) N = 5,000 at 10 msg/s: with the default PRESENCE_FANOUT_MAX_DIALOG
#       (the dialog is above it: 100 members subscribed to it get presence,
#       the others none), and with the threshold above 5,000 (everybody
#       gets everybody: 25 million frames).
#   (c) reconnect storm: N clients connected to the bridge, which is
#       restarted (SIGTERM, start); each client connects again at once and,
#       after its `connected`, loads its dialog list over REST (lighttpd +
#       mtchat.fcgi, 32 keep-alive connections), as the SDK does. Time
#       until every client has `connected` and its list, N = 1,000 and
#       5,000, and the CPU time of each process meanwhile.
#
# WebSockets go straight to the bridge (bench/ws-hop.sh measures the web
# servers' proxies); REST through lighttpd as `make run` configures it.
# usage: ws-storm.sh BUILD_DIR      (RUNS=3, PHASES=abc, N_A=1000)
set -eu
. "$(dirname "$0")/lib.sh"
RUNS=${RUNS:-3}
PHASES=${PHASES:-abc}
N_A=${N_A:-1000}
bench_setup "${1:-build}"

fcgi_pids() { pgrep -f "$BUILD/mtchat.fcgi" | tr '\n' ' '; }

# storm N RATE COUNT FLAPPERS SUBS LABEL [MS [LOAD]]: one run, its lines
# prefixed.
storm() {
	offline_drained
	pids=$(fcgi_pids)
	c0=$(cpu_ticks "$BPID") f0=$(cpu_ticks $pids)
	"$T/ws-storm" storm 127.0.0.1 "$BPORT" "$1" "$PORT" "$D" "$2" "$3" \
	    "$4" "$5" "${7:-1000}" "${8:-0}" > "$T/storm.out" \
	    2>>"$T/load.err" || true
	c1=$(cpu_ticks "$BPID") f1=$(cpu_ticks $pids)
	sed "s/^/  $6: /" "$T/storm.out"
	echo "  $6: CPU for the whole run: bridge $(secs $((c1 - c0))) s, mtchat.fcgi $(secs $((f1 - f0))) s"
}

# p99 of the line starting with $1 in $T/storm.out
field() {
	awk -v k="$1:" -v f="$2" '$1 == k { for (i = 1; i <= NF; i++)
	    if ($i == f) print $(i + 1) }' "$T/storm.out" | head -1
}

# summary FILE: medians of the runs in FILE (storm p50 p99, quiet p50
# p99, every state, last frame).
summary() {
	printf '  %-30s %s\n' "storm p50 / p99, ms:" \
	    "$(cut -d' ' -f1 "$1" | median) / $(cut -d' ' -f2 "$1" | median) (p99 range $(cut -d' ' -f2 "$1" | range))"
	printf '  %-30s %s\n' "quiet p50 / p99, ms:" \
	    "$(cut -d' ' -f3 "$1" | median) / $(cut -d' ' -f4 "$1" | median) (p99 range $(cut -d' ' -f4 "$1" | range))"
	printf '  %-30s %s\n' "storm p99 / quiet p99:" \
	    "$(awk '$4 > 0 { printf "%.2f\n", $2 / $4 }' "$1" | median) (median of the runs' ratios, range $(awk '$4 > 0 { printf "%.2f\n", $2 / $4 }' "$1" | range); goal <= 2)"
	printf '  %-30s %s\n' "last presence frame:" \
	    "$(cut -d' ' -f6 "$1" | median) s after the first connect (range $(cut -d' ' -f6 "$1" | range))"
	[ "$2" = 1 ] || return 0
	printf '  %-30s %s\n' "every member had every state:" \
	    "$(cut -d' ' -f5 "$1" | median) s after the first connect (range $(cut -d' ' -f5 "$1" | range))"
}

case $PHASES in *a*)
	bridge_start
	D=$(dialog "$N_A")
	for v in 1000:0 0:0 1000:1; do
		ms=${v%%:*} ld=${v#*:}
		printf '== (a) presence storm: %s members, 10 flapping; 200 messages at 50/s from %s ms after the last connect%s; %s runs\n' \
		    "$N_A" "$ms" "$([ "$ld" = 1 ] && echo "; every client loads the participants after connecting")" "$RUNS"
		: > "$T/a.res"
		r=0
		while [ $r -lt "$RUNS" ]; do
			r=$((r + 1))
			storm "$N_A" 50 200 10 0 "run $r" "$ms" "$ld"
			every=$(sed -n 's/.*(the last at \([0-9.]*\) s).*/\1/p' "$T/storm.out")
			last=$(sed -n 's/.*last frame at \([0-9.]*\) s.*/\1/p' "$T/storm.out")
			echo "$(field storm p50) $(field storm p99) $(field quiet p50) $(field quiet p99) ${every:-0} ${last:-0}" >> "$T/a.res"
		done
		summary "$T/a.res" "$ld"
	done
	dialog_delete "$D"
	bridge_stop
	;;
esac

case $PHASES in *b*)
	echo "== (b) 5,000 members, 100 messages at 10/s from 1 s after the last connect"
	bridge_start
	D=$(dialog 5000)
	echo " default PRESENCE_FANOUT_MAX_DIALOG: the dialog is above it; 100 members subscribed to it"
	storm 5000 10 100 10 100 "above"
	bridge_stop
	bridge_start PRESENCE_FANOUT_MAX_DIALOG=10000
	echo " PRESENCE_FANOUT_MAX_DIALOG=10000: presence to every member"
	storm 5000 10 100 10 0 "all"
	dialog_delete "$D"
	bridge_stop
	;;
esac

# reconnect N: the clients connect, the bridge restarts, they come back.
reconnect() {
	offline_drained
	D=$(dialog "$1")
	bridge_start
	"$T/ws-storm" reconnect 127.0.0.1 "$BPORT" "$1" "$PORT" \
	    > "$T/rc.out" 2>>"$T/load.err" &
	CPID=$!
	until grep -q ready "$T/rc.out" 2>/dev/null || ! kill -0 $CPID 2>/dev/null
	do sleep 0.1; done
	sleep 2		# their presence written, the storm over
	pids="$LPID $(fcgi_pids)"
	l0=$(cpu_ticks $pids)
	t0=$(date +%s.%N)
	bridge_stop
	t1=$(date +%s.%N)
	bridge_start
	t2=$(date +%s.%N)
	b0=$(cpu_ticks "$BPID")
	wait $CPID || true
	b1=$(cpu_ticks "$BPID")
	l1=$(cpu_ticks $pids)
	sed "s/^/  N=$1: /" "$T/rc.out"
	printf '  N=%s: old bridge stopped in %.2f s, new one listening %.2f s later; CPU until every list: bridge %s s, lighttpd + mtchat.fcgi %s s\n' \
	    "$1" "$(echo "$t1 - $t0" | bc)" "$(echo "$t2 - $t1" | bc)" \
	    "$(secs $((b1 - b0)))" "$(secs $((l1 - l0)))"
	dialog_delete "$D"
	bridge_stop
}

case $PHASES in *c*)
	echo "== (c) reconnect storm after a bridge restart (each client: connected, then GET /api/v1/dialogs)"
	for n in ${RECONNECT_SIZES:-1000 5000}; do
		reconnect "$n"
	done
	;;
esac
