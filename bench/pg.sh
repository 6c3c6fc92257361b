#!/bin/sh
# pg.sh — PostgreSQL beside SQLite (issue 22; docs/postgresql.md#benchmark),
# run by `make bench` through bench/run.sh; prints figures, asserts
# nothing. On one machine, 127.0.0.1 only, the real lighttpd + mtchat.fcgi
# (tools/lighttpd-conf.sh, one process of 16 threads) and mtchat-bridge,
# each store in turn: SQLite with MTCHAT_SYNCHRONOUS=FULL (the default),
# then a throw-away PostgreSQL 15 cluster (tests/pg.sh) made durable as a
# real server is: fsync, full_page_writes and synchronous_commit on.
#
#   (a) send rate: 1 client, then 16 clients into one dialog of 10, then
#       16 clients each into a dialog of its own (bench/send-load.c), a
#       fixed number of POSTs each run; messages/s, the answer's p50, and
#       the CPU milliseconds per send of mtchat.fcgi, the database server
#       (the postgres processes; SQLite's work is inside mtchat.fcgi),
#       lighttpd and the bridge;
#   (b) fan-out: 1,000 WebSockets of the members of one dialog on the
#       bridge, u0 sending at 10 and at 50 messages/s through the REST API;
#       delivery latency, send to receipt at every client, p50/p99
#       (bench/ws-load.c);
#   (c) PostgreSQL only: two bridges (ports A and B, each with its own
#       wake-up socket) over the one database, 2,000 members connected
#       1,000 / 1,000, the same measure; beside it the same 2,000 on one
#       bridge;
#   (d) PostgreSQL only, where the time goes: the cluster restarted with
#       pg_stat_statements and track_wal_io_timing; one client sending
#       without the bridge: statements (round trips) and server time per
#       send, the WAL flushes and their time (pg_stat_wal); then
#       log_min_duration_statement=0 for a short run, from which the time
#       the change-log lock is held (the lock statement to the end of
#       COMMIT) and the bound it puts on sends/s.
#
# Each figure is the median of RUNS runs; the table at the end gives the
# ratio PostgreSQL / SQLite. Presence rows of the benchmark users are made
# before each fan-out run, so connecting causes no presence storm.
# Every process and the cluster are stopped at the end, even on failure.
# Needs a build without sanitizers, PostgreSQL 15 (initdb, pg_ctl), wrk is
# not needed.
# usage: sh bench/pg.sh BUILD_DIR     (RUNS=3; QUICK=1: one short run each;
#        PHASES=abcd; STORES="sqlite pg")
# (variables for tests/pg.sh; pid lists split on purpose)
# shellcheck disable=SC2034,SC2046,SC2086,SC2163
set -u
BUILD=${1:-build}
DIR=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$DIR/.." && pwd)
case $BUILD in /*) ;; *) BUILD=$TOP/$BUILD ;; esac
. "$DIR/lib.sh"
MTCHAT_TOP=$TOP
. "$TOP/tests/pg.sh"

QUICK=${QUICK:-0}
if [ "$QUICK" = 1 ]; then
	RUNS=${RUNS:-1} SEND1=100 SENDN=300 FAN_SECS=3 PROF=100
else
	RUNS=${RUNS:-3} SEND1=500 SENDN=2000 FAN_SECS=10 PROF=500
fi
PHASES=${PHASES:-abcd}
STORES=${STORES:-sqlite pg}
CLIENTS=16

T=$(mktemp -d "${TMPDIR:-/tmp}/mtchat-bench-pg.XXXXXX")
LPID="" BPID="" BPID2="" STORE="" PGDB="" CUR=""
cleanup() {
	for p in $BPID $BPID2 $LPID; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	pg_stop
	rm -rf "$T"
}
PG_NO_TRAP=1
trap cleanup EXIT
trap 'exit 130' INT TERM HUP
cc -O2 -o "$T/ws-load" "$DIR/ws-load.c" -lpthread &&
	cc -O2 -o "$T/send-load" "$DIR/send-load.c" -lpthread || exit 1

# The store of the phase: SQL on it, and its server's processes.
sql() {
	case $STORE in
	sqlite)	sqlite3 "$CUR/mtchat.db" "$1" ;;
	pg)	pg_psql_on "$PGDB" -At -c "$1" ;;
	esac
}
db_pids() {
	[ "$STORE" = pg ] || return 0
	pm=$(head -1 "$PG_DIR/data/postmaster.pid")
	echo "$pm $(pgrep -P "$pm" | tr '\n' ' ')"
}
fcgi_pids() { pgrep -P "$LPID" | tr '\n' ' '; }

# Exports the lines of the phase's env file (not sourced: the URL has '&').
with_env() {
	while IFS= read -r kv; do export "$kv"; done < "$CUR/env"
}

# store_up sqlite|pg NAME: a fresh database, lighttpd + mtchat.fcgi and
# bridge A on it.
store_up() {
	STORE=$1 CUR=$T/$2
	mkdir -p "$CUR"
	PORT=$(free_port) BPORT=$(free_port) BPORT2=$(free_port)
	url=""
	if [ "$STORE" = pg ]; then
		PGDB=$2
		url=$(pg_createdb "$PGDB") || return 1
	fi
	{
		echo "MTCHAT_DB=$CUR/mtchat.db"
		[ -z "$url" ] || echo "MTCHAT_DATABASE_URL=$url"
		cat <<-ENV
		MTCHAT_CONFIG=/dev/null
		MTCHAT_ALLOW_ROOT=true
		MTCHAT_BRIDGE_SOCKET=$CUR/bridge.sock
		MTCHAT_SYNCHRONOUS=FULL
		MTCHAT_FCGI_THREADS=$CLIENTS
		PRESENCE_TTL_SECS=3600
		BRIDGE_MAX_CONNECTIONS=20000
		BRIDGE_QUEUE_LIMIT=100000
		ENV
	} > "$CUR/env"
	(with_env; exec "$BUILD/mtchat-admin" init) >/dev/null ||
		{ echo "mtchat-admin init failed ($STORE)"; return 1; }
	lighttpd_start 1 || return 1
	BPID=$(bridge_run "$BPORT" "$CUR/bridge.sock" "$CUR/bridge.log")
}

# bridge_run PORT SOCKET LOG: a bridge on the store of the phase, with its
# own port and wake-up socket; prints its pid once it answers.
bridge_run() {
	(with_env; MTCHAT_BRIDGE_SOCKET=$2 BRIDGE_PORT=$1
	 export MTCHAT_BRIDGE_SOCKET BRIDGE_PORT
	 exec "$BUILD/mtchat-bridge") 2>>"$3" </dev/null >/dev/null &
	echo $!
	n=0
	until curl -s -o /dev/null "http://127.0.0.1:$1/api/v1/events"; do
		n=$((n + 1))
		[ $n -lt 200 ] || { echo "bridge did not start" >&2; return 1; }
		sleep 0.05
	done
}

# lighttpd_start PROCS: lighttpd and PROCS mtchat.fcgi processes.
lighttpd_start() {
	sh "$TOP/tools/lighttpd-conf.sh" "$PORT" "$BUILD/mtchat.fcgi" "$CUR" \
		"$CUR/env" "$1" "$BPORT" > "$CUR/lighttpd.conf"
	/usr/sbin/lighttpd -D -f "$CUR/lighttpd.conf" 2>>"$CUR/lighttpd.log" &
	LPID=$!
	n=0
	until curl -s -o /dev/null "http://127.0.0.1:$PORT/health"; do
		n=$((n + 1))
		[ $n -lt 100 ] || { echo "lighttpd did not start"; return 1; }
		sleep 0.1
	done
}

# Stops a process of ours and waits (5 s at most) until it is gone: the
# bridges are children of a command substitution, not of this shell.
stop_pid() {
	[ -n "$1" ] && kill "$1" 2>/dev/null || return 0
	n=0
	while kill -0 "$1" 2>/dev/null && [ $n -lt 50 ]; do
		sleep 0.1
		n=$((n + 1))
	done
	wait "$1" 2>/dev/null
	return 0
}

store_down() {
	for p in $BPID2 $BPID $LPID; do
		stop_pid "$p"
	done
	BPID="" BPID2="" LPID=""
}

# mkdialog NAME N: a dialog of u0 .. u(N-1); prints its id.
mkdialog() {
	python3 - "$1" "$2" > "$CUR/d.json" <<'PY'
import json, sys
n = int(sys.argv[2])
print(json.dumps({"object_id": sys.argv[1], "object_type": "bench",
    "participants": [{"user_id": "u%d" % i, "display_name": "U%d" % i}
                     for i in range(n)]}))
PY
	curl -s -H 'Content-Type: application/json' --data-binary "@$CUR/d.json" \
		"http://127.0.0.1:$PORT/api/v1/management/dialogs" | jq -r .data.id
}

# online N: presence rows for u0 .. u(N-1) of an instance no bridge has
# ('bench'): a bridge's own row is never a user's first or last, so
# connecting and leaving make no presence.update storm.
online() {
	case $STORE in
	sqlite)	sql "WITH RECURSIVE i(n) AS (SELECT 0 UNION ALL SELECT n + 1
		    FROM i WHERE n < $1 - 1) INSERT OR IGNORE INTO presence
		    (user_id, last_seen, instance) SELECT 'u' || n,
		    strftime('%s','now') * 1000000, 'bench' FROM i" ;;
	pg)	sql "INSERT INTO presence (user_id, last_seen, instance)
		    SELECT 'u' || n, (extract(epoch FROM now()) * 1000000)::bigint,
		    'bench' FROM generate_series(0, $1 - 1) n
		    ON CONFLICT DO NOTHING" ;;
	esac >/dev/null
}

# Until (60 s at most) the bridges removed the last run's rows.
drained() {
	i=0
	while [ "$(sql "SELECT count(*) FROM presence WHERE instance <> 'bench'")" -gt 0 ] &&
	    [ $i -lt 600 ]; do
		sleep 0.1
		i=$((i + 1))
	done
}

# put KEY VALUE: one run's figure for the table.
put() { echo "$1 $STORE $2" >> "$T/res"; }
field() {	# NAME: the number after NAME in the line on stdin
	awk -v k="$1" '{ for (i = 1; i < NF; i++) if ($i == k) v = $(i + 1) }
	    END { print v }'
}

# (a) send rate: sendrate KEY CLIENTS COUNT DIALOG...
sendrate() {
	key=$1 nc=$2 cnt=$3
	shift 3
	pids_f=$(fcgi_pids) pids_d=$(db_pids)
	f0=$(cpu_ticks $pids_f) d0=$(cpu_ticks $pids_d)
	l0=$(cpu_ticks "$LPID") b0=$(cpu_ticks "$BPID")
	line=$("$T/send-load" 127.0.0.1 "$PORT" "$nc" "$cnt" "$@" \
	    2>>"$CUR/send.err")
	f1=$(cpu_ticks $pids_f) d1=$(cpu_ticks $pids_d)
	l1=$(cpu_ticks "$LPID") b1=$(cpu_ticks "$BPID")
	echo "  $key: $line"
	put "$key" "$(echo "$line" | field "s:")"
	put "$key.p50" "$(echo "$line" | field p50)"
	hz=$(getconf CLK_TCK)
	for x in "fcgi $f0 $f1" "db $d0 $d1" "lighttpd $l0 $l1" \
	    "bridge $b0 $b1"; do
		set -- $x
		put "$key.cpu.$1" "$(echo "$2 $3" | awk -v n="$cnt" -v hz="$hz" \
		    '{ printf "%.3f", ($2 - $1) * 1000 / hz / n }')"
	done
}

phase_a() {
	echo "(a) send rate, $STORE"
	D1=$(mkdialog one 10)
	ds=""
	i=0
	while [ $i -lt $CLIENTS ]; do
		ds="$ds $(mkdialog "own$i" 10)"
		i=$((i + 1))
	done
	r=0
	while [ $r -lt "$RUNS" ]; do
		r=$((r + 1))
		sendrate send1 1 "$SEND1" "$D1"
		sendrate send16 $CLIENTS "$SENDN" "$D1"
		# shellcheck disable=SC2086
		sendrate send16own $CLIENTS "$SENDN" $ds
	done
	# Two mtchat.fcgi processes (two web nodes' worth): on PostgreSQL
	# their batches take turns on the change-log lock.
	stop_pid "$LPID"
	lighttpd_start 2 || return 1
	r=0
	while [ $r -lt "$RUNS" ]; do
		r=$((r + 1))
		sendrate send16p2 $CLIENTS "$SENDN" "$D1"
	done
	stop_pid "$LPID"
	lighttpd_start 1
}

# fanout KEY N RATE [BPORT2]: one run of N recipients of dialog $DF.
fanout() {
	key=$1 n=$2 rate=$3 b2=${4:-}
	drained
	online "$n"
	sleep 1
	b0=$(cpu_ticks $BPID $BPID2) d0=$(cpu_ticks $(db_pids))
	line=$(WS_LOAD_BPORT2=$b2 "$T/ws-load" fanout 127.0.0.1 "$BPORT" "$n" \
	    "$PORT" "$DF" "$rate" $((rate * FAN_SECS)) 2>>"$CUR/load.err" |
	    tail -1)
	b1=$(cpu_ticks $BPID $BPID2) d1=$(cpu_ticks $(db_pids))
	echo "  $key: $line; bridge CPU $(secs $((b1 - b0))) s, database CPU $(secs $((d1 - d0))) s"
	# the last p50 / p99 of the line are the delivery's
	put "$key.p50" "$(echo "$line" | field p50)"
	put "$key.p99" "$(echo "$line" | field p99)"
	put "$key.lost" "$(echo "$line" | field lost)"
}

phase_b() {
	echo "(b) fan-out to 1,000 WebSockets, $STORE"
	DF=$(mkdialog fan1000 1000)
	r=0
	while [ $r -lt "$RUNS" ]; do
		r=$((r + 1))
		fanout fan10 1000 10
		fanout fan50 1000 50
	done
}

phase_c() {
	echo "(c) 2,000 WebSockets on one bridge, then split over two, $STORE"
	DF=$(mkdialog fan2000 2000)
	r=0
	while [ $r -lt "$RUNS" ]; do
		r=$((r + 1))
		fanout one2000.10 2000 10
	done
	BPID2=$(bridge_run "$BPORT2" "$CUR/bridge-b.sock" "$CUR/bridge-b.log")
	r=0
	while [ $r -lt "$RUNS" ]; do
		r=$((r + 1))
		fanout two2000.10 2000 10 "$BPORT2"
	done
	if nm -D "$BUILD/mtchat-bridge" 2>/dev/null | grep -q ' U PQnotifies'
	then
		echo "  (this build's bridges are woken by LISTEN/NOTIFY)"
	else
		echo "  (this build's bridges have no LISTEN/NOTIFY: bridge B tails every second)"
	fi
}

# (d) where the time goes, PostgreSQL's send path.
phase_d() {
	echo "(d) where the time goes: one client, $PROF sends, no bridge"
	pg_as "$PG_BINDIR/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" \
	    -o "-p $PG_PORT -c shared_preload_libraries=pg_stat_statements -c track_wal_io_timing=on -c pg_stat_statements.track_utility=on" \
	    -w -t 60 restart >/dev/null || { echo "restart failed"; return 1; }
	store_up pg prof || return 1
	sql 'CREATE EXTENSION pg_stat_statements' >/dev/null
	stop_pid "$BPID"
	BPID=""
	D1=$(mkdialog prof 10)
	"$T/send-load" 127.0.0.1 "$PORT" 1 50 "$D1" >/dev/null	# warm
	sql "SELECT pg_stat_statements_reset(), pg_stat_reset_shared('wal')" \
	    >/dev/null
	echo "  $("$T/send-load" 127.0.0.1 "$PORT" 1 "$PROF" "$D1")"
	store_down	# its sessions end: their WAL figures reach pg_stat_wal
	sql "SELECT calls, round(total_exec_time::numeric, 2),
	    regexp_replace(left(query, 70), '\\s+', ' ', 'g')
	    FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database
	    WHERE datname = current_database()) AND calls > 0
	    ORDER BY total_exec_time DESC" > "$T/stmts"
	sql "SELECT wal_records, wal_bytes, wal_sync,
	    round(wal_sync_time::numeric, 2), wal_write,
	    round(wal_write_time::numeric, 2) FROM pg_stat_wal" > "$T/wal"
	awk -F'|' -v n="$PROF" '{ c += $1; t += $2 } END {
	    printf "  per send: %.1f statements other than BEGIN, SAVEPOINT, RELEASE, COMMIT, %.3f ms of server execution\n", c / n, t / n }' "$T/stmts"
	awk -F'|' -v n="$PROF" '{ printf "  per send: %.1f WAL records, %.0f WAL bytes, %.2f WAL flushes of %.3f ms each (%.3f ms of fsync per send)\n", $1 / n, $2 / n, $3 / n, $3 ? $4 / $3 : 0, $4 / n }' "$T/wal"
	echo "  statements by server time (calls/send, mean ms):"
	awk -F'|' -v n="$PROF" '{ printf "    %5.2f x %7.3f ms  %s\n", $1 / n, $1 ? $2 / $1 : 0, $3 }' "$T/stmts" | head -12
	put prof.server_ms "$(awk -F'|' -v n="$PROF" '{ t += $2 } END { printf "%.3f", t / n }' "$T/stmts")"
	put prof.fsync_ms "$(awk -F'|' '{ printf "%.3f", $3 ? $4 / $3 : 0 }' "$T/wal")"

	# The lock's hold, from the statements' log (millisecond stamps,
	# averaged over the sends): from the end of the lock statement to the
	# end of COMMIT, one client, then CLIENTS.
	store_up pg prof2 || return 1
	stop_pid "$BPID"
	BPID=""
	D1=$(mkdialog prof 10)
	"$T/send-load" 127.0.0.1 "$PORT" 1 50 "$D1" >/dev/null	# warm
	sql "ALTER SYSTEM SET log_min_duration_statement = 0" >/dev/null
	sql "ALTER SYSTEM SET log_line_prefix = '%m [%p] '" >/dev/null
	sql "SELECT pg_reload_conf()" >/dev/null
	sleep 0.5
	for nc in 1 $CLIENTS; do
		from=$(wc -l < "$PG_DIR/server.log")
		echo "  $("$T/send-load" 127.0.0.1 "$PORT" "$nc" "$PROF" "$D1") ($nc clients, every statement logged)"
		tail -n +"$((from + 1))" "$PG_DIR/server.log" > "$T/stmt.log"
		hold=$(awk '
		    function ms(t) { split(t, a, ":"); return (a[1] * 3600 + a[2] * 60 + a[3]) * 1000 }
		    / duration: .*(execute [^:]*:|statement:)/ { all++ }
		    / duration: / {
			pid = $4; t = ms($2)
			for (i = 1; i < NF; i++) if ($i == "duration:") d = $(i + 1)
			if ($0 ~ /pg_advisory_xact_lock\(7887038147395339084\)/ && $0 ~ /execute/) {
				start[pid] = t; inside[pid] = 0; ns[pid] = 0; next
			}
			if (!(pid in start)) next
			if ($0 ~ /(statement|execute [^:]*): COMMIT/) {
				h += t - start[pid]; srv += inside[pid] + d; k++
				st += ns[pid]; delete start[pid]; next
			}
			inside[pid] += d
			if ($0 ~ /execute [^:]*:|statement:/) ns[pid]++
		    }
		    END { if (k) printf "%.3f %.3f %.1f %d %.1f", h / k, srv / k, st / k, k, all / n }' n="$PROF" "$T/stmt.log")
		set -- $hold
		echo "    round trips per send $5 (all connections); change-log lock held $1 ms per write transaction, $4 transactions for $PROF sends ($(echo "$4" | awk -v n="$PROF" '{ printf "%.1f", n / $1 }') sends each): $2 ms of it in the server for $3 statements + COMMIT; bound $(echo "$1 $4" | awk -v n="$PROF" '{ printf "%.0f", ($1 > 0 ? 1000 / $1 * n / $2 : 0) }') sends/s"
		put "prof.rt$nc" "$5"
		put "prof.hold$nc" "$1"
		put "prof.batch$nc" "$(echo "$4" | awk -v n="$PROF" '{ printf "%.1f", n / $1 }')"
	done
	sql "ALTER SYSTEM RESET ALL" >/dev/null
	sql "SELECT pg_reload_conf()" >/dev/null
	store_down
}

echo "PostgreSQL beside SQLite: $(nproc) cores, $(uptime | sed 's/.*load/load/')"
echo "SQLite: MTCHAT_SYNCHRONOUS=FULL; PostgreSQL: fsync, full_page_writes, synchronous_commit on"
echo "runs: $RUNS; sends per run: 1 client $SEND1, $CLIENTS clients $SENDN; fan-out: ${FAN_SECS} s of sending per run"
: > "$T/res"
for s in $STORES; do
	if [ "$s" = pg ]; then
		PG_FSYNC=on PG_CONF="shared_buffers = 128MB"
		pg_up
		case $? in
		0) ;;
		2) echo "skip PostgreSQL: $PG_WHY"; continue ;;
		*) echo "pg.sh: $PG_WHY"; exit 1 ;;
		esac
		pg_build_calls_libpq "$BUILD" ||
			{ echo "skip PostgreSQL: $BUILD does not call libpq"; continue; }
	fi
	store_up "$s" main || exit 1
	case $PHASES in *a*) phase_a ;; esac
	case $PHASES in *b*) phase_b ;; esac
	[ "$s" = pg ] && case $PHASES in *c*) phase_c ;; esac
	store_down
	[ "$s" = pg ] && case $PHASES in *d*) phase_d ;; esac
done

echo "== PostgreSQL / SQLite, medians of $RUNS runs, $(uptime | sed 's/.*load/load/')"
printf '%-50s %10s %10s %9s\n' measure sqlite pg pg/sqlite
row() {	# key label
	a=$(awk -v k="$1" '$1 == k && $2 == "sqlite" { print $3 }' "$T/res" | median)
	b=$(awk -v k="$1" '$1 == k && $2 == "pg" { print $3 }' "$T/res" | median)
	[ -n "$a$b" ] || return 0
	printf '%-50s %10s %10s %9s\n' "$2" "${a:--}" "${b:--}" \
	    "$(awk -v a="${a:-0}" -v b="${b:-0}" 'BEGIN { if (a > 0 && b != "") printf "%.2f", b / a; else print "-" }')"
}
row send1 "send, 1 client, msg/s"
row send1.p50 "  answer p50 ms"
row send16 "send, $CLIENTS clients, one dialog, msg/s"
row send16.p50 "  answer p50 ms"
row send16own "send, $CLIENTS clients, own dialogs, msg/s"
row send16own.p50 "  answer p50 ms"
row send16p2 "send, $CLIENTS clients, one dialog, 2 processes"
row send16p2.p50 "  answer p50 ms"
for k in fcgi db lighttpd bridge; do
	row "send16.cpu.$k" "  CPU ms/send ($CLIENTS clients, one), $k"
done
row fan10.p50 "fan-out 1,000 x 10/s, p50 ms"
row fan10.p99 "fan-out 1,000 x 10/s, p99 ms"
row fan10.lost "  lost deliveries"
row fan50.p50 "fan-out 1,000 x 50/s, p50 ms"
row fan50.p99 "fan-out 1,000 x 50/s, p99 ms"
row fan50.lost "  lost deliveries"
row one2000.10.p50 "2,000 on one bridge x 10/s, p50 ms"
row one2000.10.p99 "2,000 on one bridge x 10/s, p99 ms"
row two2000.10.p50 "2,000 on two bridges x 10/s, p50 ms"
row two2000.10.p99 "2,000 on two bridges x 10/s, p99 ms"
row two2000.10.lost "  lost deliveries"
grep -q '^prof' "$T/res" &&
	echo "PostgreSQL send path, one run each (\"logged\": every statement logged, which slows it):"
row prof.server_ms "  server execution ms per send (pgss)"
row prof.fsync_ms "  ms per WAL flush"
row prof.rt1 "  round trips per send, 1 client (logged)"
row prof.hold1 "  lock held ms per transaction, 1 client (logged)"
row "prof.batch$CLIENTS" "  sends per transaction, $CLIENTS clients (logged)"
row "prof.hold$CLIENTS" "  lock held ms per transaction, $CLIENTS clients (logged)"
