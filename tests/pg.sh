# pg.sh — a throw-away PostgreSQL cluster for the tests (issue 22, work in
# progress): initdb into a temporary directory as an unprivileged user,
# listening on a Unix socket in that directory and on 127.0.0.1 at a free
# port, one database, stopped and removed when the script exits.
#
#   . "$MTCHAT_TOP/tests/pg.sh"
#   pg_start [DBNAME]     starts the cluster and creates DBNAME (default
#                         mtchat); exports MTCHAT_DATABASE_URL for it. Where
#                         PostgreSQL is not installed it prints "skip: ..."
#                         and exits the script with 0
#   pg_createdb NAME      one more database; prints its URL
#   pg_dropdb NAME        drops a database, its sessions ended first
#   pg_psql [ARGS]        psql on the cluster as its superuser
#   pg_psql_on DB [ARGS]  the same on database DB
#   pg_stop               stops the cluster and removes its directory
#                         (pg_start sets it as the EXIT trap; a script with
#                         its own EXIT trap sets PG_NO_TRAP=1 and calls it)
#
# tests/run.sh starts one cluster for its whole PostgreSQL pass:
#   pg_up                 pg_start without the database, returning instead
#                         of exiting: 0 started, 2 PostgreSQL cannot run
#                         here, 1 it failed; PG_WHY says why
#   pg_export             exports the cluster's coordinates (MTCHAT_TEST_PG_*)
#   pg_attach             in a test: takes them back (1 when there are none)
#   pg_build_calls_libpq BUILD   whether BUILD's programs call libpq (the
#                         PostgreSQL driver has landed) or not yet
#
# The server runs as the first of $MTCHAT_PG_USER, postgres or nobody when
# the script runs as root (PostgreSQL refuses root; CI runs as root), else
# as the caller. $MTCHAT_PG_BINDIR names the directory of initdb and pg_ctl
# (by default: from PATH, pg_config, or Debian's /usr/lib/postgresql/N/bin);
# MTCHAT_PG_BINDIR=/nonexistent shows what a machine without them does.
# The cluster is for tests only: fsync is off, and a watchdog stops it
# should the script die without running its traps (kill -9). PG_FSYNC=on
# (bench/pg.sh) makes it durable as a real server is: fsync, full-page
# writes and synchronous_commit on; PG_CONF holds more postgresql.conf
# lines, appended last (they win).
# shellcheck shell=sh

PG_DIR="" PG_PORT="" PG_BINDIR="" PG_AS="" PG_PASS="" PG_WHY=""

# Sets PG_BINDIR to the directory holding initdb and pg_ctl, or returns 1.
# MTCHAT_PG_BINDIR, when set, is the only place looked at.
pg_find() {
	if [ -n "${MTCHAT_PG_BINDIR+x}" ]; then
		set -- "$MTCHAT_PG_BINDIR"
	else
		# (Debian's paths have no spaces; the newest version first)
		# shellcheck disable=SC2046,SC2012
		set -- \
		    "$(dirname "$(readlink -f "$(command -v initdb)" 2>/dev/null)")" \
		    "$(pg_config --bindir 2>/dev/null)" \
		    $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k4 -rn)
	fi
	for d in "$@"; do
		if [ -n "$d" ] && [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ]; then
			PG_BINDIR=$d
			return 0
		fi
	done
	return 1
}

# Runs a command as the cluster's owner.
pg_as() {
	if [ -n "$PG_AS" ]; then
		runuser -u "$PG_AS" -- "$@"
	else
		"$@"
	fi
}

# Chooses the user the server runs as (PG_AS, empty: the caller).
pg_pick_user() {
	PG_AS=""
	[ "$(id -u)" -eq 0 ] || return 0
	command -v runuser >/dev/null 2>&1 || return 1
	for u in "${MTCHAT_PG_USER:-}" postgres nobody; do
		if [ -n "$u" ] && id -u "$u" >/dev/null 2>&1; then
			PG_AS=$u
			return 0
		fi
	done
	return 1
}

# Makes PG_DIR, owned by the server's user, under $TMPDIR or else /tmp:
# the owner must reach it, and its socket path must fit in sun_path.
pg_mkdir() {
	for base in "${TMPDIR:-/tmp}" /tmp; do
		PG_DIR=$(mktemp -d "$base/mtchat-pg.XXXXXX") || continue
		[ -n "$PG_AS" ] && chown "$PG_AS" "$PG_DIR"
		if [ ${#PG_DIR} -lt 80 ] && pg_as test -w "$PG_DIR"; then
			return 0
		fi
		rm -rf "$PG_DIR"
		PG_DIR=""
	done
	return 1
}

pg_free_port() {
	python3 -c 'import socket; s = socket.socket()
s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# initdb with a random password for TCP (other users of the machine must
# not get in) and trust on the socket, which only the owner can reach.
pg_initdb() {
	PG_PASS=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
	printf '%s\n' "$PG_PASS" > "$PG_DIR/pw"
	[ -n "$PG_AS" ] && chown "$PG_AS" "$PG_DIR/pw"
	pg_as "$PG_BINDIR/initdb" -D "$PG_DIR/data" -U mtchat -E UTF8 \
	    --locale=C -N -A trust --auth-host=scram-sha-256 \
	    --pwfile="$PG_DIR/pw" >"$PG_DIR/initdb.log" 2>&1 ||
		{ cat "$PG_DIR/initdb.log"; return 1; }
	rm -f "$PG_DIR/pw"
	_sync=off
	[ "${PG_FSYNC:-off}" = on ] && _sync=on
	cat >> "$PG_DIR/data/postgresql.conf" <<-EOF
	listen_addresses = '127.0.0.1'
	unix_socket_directories = '$PG_DIR'
	fsync = $_sync
	full_page_writes = $_sync
	synchronous_commit = on
	shared_buffers = 16MB
	max_connections = 300
	log_min_messages = warning
	EOF
	[ -z "${PG_CONF:-}" ] ||
		printf '%s\n' "$PG_CONF" >> "$PG_DIR/data/postgresql.conf"
}

# Starts the server on a free port (a few tries: the port may be taken
# between choosing and binding it).
pg_server() {
	for _try in 1 2 3; do
		PG_PORT=$(pg_free_port)
		pg_as "$PG_BINDIR/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" \
		    -o "-p $PG_PORT" -w -t 60 start >/dev/null 2>&1 && return 0
	done
	cat "$PG_DIR/server.log"
	return 1
}

# Stops the cluster when the shell that started it is gone, whatever ended
# it; leaves quietly once pg_stop has removed PG_DIR. Started from a
# subshell that exits at once, so that it is no job of the test script (a
# bare `wait` there would otherwise wait for it forever).
pg_watchdog() {	# pid
	(
		(
			trap '' INT HUP
			while [ -d "$PG_DIR/data" ] && kill -0 "$1" 2>/dev/null
			do
				sleep 1
			done
			[ -d "$PG_DIR/data" ] || exit 0
			pg_as "$PG_BINDIR/pg_ctl" -D "$PG_DIR/data" -m immediate \
			    -w stop
			rm -rf "$PG_DIR"
		) </dev/null >/dev/null 2>&1 &
	)
}

pg_psql_on() {	# dbname [args]
	_psql=$PG_BINDIR/psql
	[ -x "$_psql" ] || _psql=psql
	_db=$1; shift
	pg_as "$_psql" -X -q -v ON_ERROR_STOP=1 -h "$PG_DIR" \
	    -p "$PG_PORT" -U mtchat -d "$_db" "$@"
}

pg_psql() {
	pg_psql_on postgres "$@"
}

pg_url() {	# dbname
	# no TLS or GSSAPI: on loopback there is nothing for them to protect
	_q="sslmode=disable&gssencmode=disable&connect_timeout=10"
	echo "postgresql://mtchat:$PG_PASS@127.0.0.1:$PG_PORT/$1?$_q"
}

pg_createdb() {	# name
	pg_psql -c "CREATE DATABASE \"$1\"" || return 1
	pg_url "$1"
}

pg_dropdb() {	# name
	pg_psql -c "DROP DATABASE IF EXISTS \"$1\" WITH (FORCE)"
}

# Starts the cluster: 0, or 2 when PostgreSQL cannot run here, 1 when it
# failed; PG_WHY then says why. With PG_NO_TRAP=1 the caller stops it.
pg_up() {
	if ! pg_find; then
		PG_WHY="PostgreSQL is not installed (no initdb and pg_ctl"
		[ -n "${MTCHAT_PG_BINDIR+x}" ] &&
			PG_WHY="$PG_WHY in MTCHAT_PG_BINDIR=$MTCHAT_PG_BINDIR"
		PG_WHY="$PG_WHY; tools/deps.sh installs postgresql)"
		return 2
	fi
	if ! pg_pick_user; then
		PG_WHY="running as root without runuser or an unprivileged user"
		PG_WHY="$PG_WHY for PostgreSQL"
		return 2
	fi
	pg_mkdir ||
		{ PG_WHY="no directory the server's user can write"; return 1; }
	if [ "${PG_NO_TRAP:-0}" != 1 ]; then
		trap 'pg_stop' EXIT
		trap 'exit 130' INT TERM HUP
	fi
	pg_initdb || { PG_WHY="initdb failed"; return 1; }
	pg_server || { PG_WHY="the server did not start"; return 1; }
	pg_watchdog $$
}

pg_start() {	# [dbname]
	pg_up
	case $? in
	0) ;;
	2) echo "skip: $PG_WHY"; exit 0 ;;
	*) echo "pg.sh: $PG_WHY"; exit 1 ;;
	esac
	MTCHAT_DATABASE_URL=$(pg_createdb "${1:-mtchat}") ||
		{ echo "pg.sh: createdb failed"; exit 1; }
	export MTCHAT_DATABASE_URL
}

pg_export() {
	MTCHAT_TEST_PG_DIR=$PG_DIR MTCHAT_TEST_PG_PORT=$PG_PORT
	MTCHAT_TEST_PG_BINDIR=$PG_BINDIR MTCHAT_TEST_PG_AS=$PG_AS
	MTCHAT_TEST_PG_PASS=$PG_PASS
	export MTCHAT_TEST_PG_DIR MTCHAT_TEST_PG_PORT MTCHAT_TEST_PG_BINDIR \
	    MTCHAT_TEST_PG_AS MTCHAT_TEST_PG_PASS
}

# The cluster of pg_export, in a script it runs (which must not stop it).
pg_attach() {
	[ -n "${MTCHAT_TEST_PG_DIR:-}" ] && [ -n "${MTCHAT_TEST_PG_PORT:-}" ] ||
		return 1
	PG_DIR=$MTCHAT_TEST_PG_DIR PG_PORT=$MTCHAT_TEST_PG_PORT
	PG_BINDIR=${MTCHAT_TEST_PG_BINDIR:-} PG_AS=${MTCHAT_TEST_PG_AS:-}
	PG_PASS=${MTCHAT_TEST_PG_PASS:-}
}

# Whether the programs of BUILD call libpq, i.e. whether they can use
# MTCHAT_DATABASE_URL at all (issue 22: not until the driver lands).
pg_build_calls_libpq() {	# build
	nm -D "$1/mtchat-admin" 2>/dev/null | grep -q ' U PQconnect'
}

pg_stop() {
	[ -n "$PG_DIR" ] || return 0
	if [ -f "$PG_DIR/data/postmaster.pid" ]; then
		pg_as "$PG_BINDIR/pg_ctl" -D "$PG_DIR/data" -m fast -w stop \
		    >/dev/null 2>&1 ||
			pg_as "$PG_BINDIR/pg_ctl" -D "$PG_DIR/data" -m immediate \
			    -w stop >/dev/null 2>&1
	fi
	rm -rf "$PG_DIR"
	PG_DIR=""
}
