#!/usr/bin/env bash
# FerretDB v1.24 on PostgreSQL, for the scheduler burst benchmark only (bench/README.md,
# "FerretDB on PostgreSQL"). Tests and `make run` keep deploy/local/infra.sh (SQLite).
#
#   bench/pg_store.sh start|stop|status|env|psql
#
#   start   initdb on first use (trust auth on loopback, pg_stat_statements loaded),
#           start PostgreSQL and a FerretDB with --handler=postgresql in front of it
#   stop    stop both (FerretDB: TERM then KILL; PostgreSQL: pg_ctl stop -m fast); keep data
#   status  pid and whether each answers
#   env     print the export line for MONGODB_URL (Kafka: deploy/local/infra.sh env)
#   psql    psql on the FerretDB database (extra arguments are passed on)
#
# Settings (environment): SPRG_PG_DIR (<repo>/.local/pg: data, logs, pid files, socket),
# SPRG_PG_PORT (55432), SPRG_PG_MONGO_PORT (27318), SPRG_PG_BIN (the directory of
# initdb/pg_ctl/postgres; default: Debian's /usr/lib/postgresql/15/bin, else PATH),
# SPRG_PG_OS_USER (postgres): PostgreSQL refuses to run as root, so when this script
# runs as root it runs the PostgreSQL programs as that user (runuser) and gives it the
# data directory. The FerretDB binary is deploy/local/infra.sh's (<repo>/.local/bin).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
ROOT=$(realpath -m "${SPRG_PG_DIR:-$REPO/.local/pg}")
DATA=$ROOT/data
LOGS=$ROOT/log
RUN=$ROOT/run
PG_PORT=${SPRG_PG_PORT:-55432}
MONGO_PORT=${SPRG_PG_MONGO_PORT:-27318}
OS_USER=${SPRG_PG_OS_USER:-postgres}
FERRETDB=$REPO/.local/bin/ferretdb
DB=ferretdb
PG_ROLE=sprg
PG_URL="postgres://$PG_ROLE@127.0.0.1:$PG_PORT/$DB"
MONGO_URL="mongodb://127.0.0.1:$MONGO_PORT/?directConnection=true"

if [[ -n ${SPRG_PG_BIN:-} ]]; then BIN=$SPRG_PG_BIN/
elif [[ -x /usr/lib/postgresql/15/bin/pg_ctl ]]; then BIN=/usr/lib/postgresql/15/bin/
else BIN=""
fi

say() { echo "pg_store.sh: $*" >&2; }
die() { say "$*"; exit 1; }

as_pg() {  # run a PostgreSQL program as a user it accepts
  if [[ $(id -u) == 0 ]]; then
    runuser -u "$OS_USER" -- "$@"
  else
    "$@"
  fi
}

pg_answers() { as_pg "${BIN}pg_isready" -q -h "$RUN" -p "$PG_PORT" -d "$DB" -U "$PG_ROLE"; }

ferretdb_pid() {  # the pid in run/ferretdb.pid if it is our FerretDB still running
  local pid
  [[ -f $RUN/ferretdb.pid ]] || return 1
  pid=$(cat "$RUN/ferretdb.pid")
  if [[ -r /proc/$pid/cmdline ]] && tr '\0' ' ' < "/proc/$pid/cmdline" | grep -qF -- "$PG_URL"; then
    echo "$pid"
  else
    rm -f "$RUN/ferretdb.pid"
    return 1
  fi
}

mongo_answers() {
  "$REPO/.venv/bin/python" "$REPO/deploy/local/wait_ready.py" mongo "$MONGO_URL" "$1"
}

cmd_start() {
  [[ -x $FERRETDB ]] || die "no FerretDB at $FERRETDB: run deploy/local/infra.sh fetch"
  command -v "${BIN}pg_ctl" > /dev/null || die "pg_ctl not found: apt-get install postgresql-15"
  mkdir -p "$ROOT" "$LOGS" "$RUN"
  if [[ $(id -u) == 0 ]]; then
    id "$OS_USER" > /dev/null 2>&1 || die "PostgreSQL will not run as root and there is" \
      "no user $OS_USER (set SPRG_PG_OS_USER)"
    mkdir -p "$DATA"
    chown "$OS_USER" "$DATA" "$LOGS" "$RUN"
  fi
  if [[ ! -f $DATA/PG_VERSION ]]; then
    say "initdb in $DATA"
    as_pg "${BIN}initdb" -D "$DATA" -U "$PG_ROLE" --auth=trust -E UTF8 --locale=C.UTF-8 \
      > "$LOGS/initdb.log" 2>&1 || die "initdb failed; see $LOGS/initdb.log"
    cat >> "$DATA/postgresql.conf" <<EOF

# bench/pg_store.sh
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = '$RUN'
shared_preload_libraries = 'pg_stat_statements'
pg_stat_statements.track = all
EOF
  fi
  if pg_answers; then
    say "PostgreSQL already running on $PG_PORT"
  else
    as_pg "${BIN}pg_ctl" -D "$DATA" -l "$LOGS/postgresql.log" -w -t 60 start > /dev/null \
      || die "PostgreSQL did not start; see $LOGS/postgresql.log"
    say "PostgreSQL ready on 127.0.0.1:$PG_PORT"
  fi
  if ! as_pg "${BIN}psql" -h "$RUN" -p "$PG_PORT" -U "$PG_ROLE" -d postgres -tAc \
    "select 1 from pg_database where datname = '$DB'" | grep -q 1; then
    as_pg "${BIN}createdb" -h "$RUN" -p "$PG_PORT" -U "$PG_ROLE" "$DB"
    as_pg "${BIN}psql" -q -h "$RUN" -p "$PG_PORT" -U "$PG_ROLE" -d "$DB" \
      -c "create extension if not exists pg_stat_statements"
  fi
  local pid
  if pid=$(ferretdb_pid); then
    say "FerretDB already running (pid $pid)"
    return 0
  fi
  (exec 3<> "/dev/tcp/127.0.0.1/$MONGO_PORT") 2> /dev/null \
    && die "port $MONGO_PORT is in use by a process this script did not start"
  setsid "$FERRETDB" --handler=postgresql --postgresql-url="$PG_URL" \
    --listen-addr="127.0.0.1:$MONGO_PORT" --log-level="${SPRG_PG_FERRETDB_LOG:-error}" \
    >> "$LOGS/ferretdb.log" 2>&1 < /dev/null &
  echo $! > "$RUN/ferretdb.pid"
  mongo_answers 60 || die "FerretDB did not answer at $MONGO_URL; see $LOGS/ferretdb.log"
  say "FerretDB (postgresql handler) ready at $MONGO_URL (pid $(cat "$RUN/ferretdb.pid"))"
}

cmd_stop() {
  local pid i
  if pid=$(ferretdb_pid); then
    kill -TERM "$pid" 2> /dev/null || true
    for ((i = 0; i < 100; i++)); do kill -0 "$pid" 2> /dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2> /dev/null && kill -KILL "$pid" 2> /dev/null
    rm -f "$RUN/ferretdb.pid"
    say "FerretDB stopped (pid $pid)"
  else
    say "FerretDB not running"
  fi
  if [[ -f $DATA/postmaster.pid ]]; then
    as_pg "${BIN}pg_ctl" -D "$DATA" -m fast -w stop > /dev/null && say "PostgreSQL stopped"
  else
    say "PostgreSQL not running"
  fi
}

cmd_status() {
  local rc=0 pid
  pid=$(ferretdb_pid) || pid=-
  if pg_answers; then say "PostgreSQL 127.0.0.1:$PG_PORT answering"; else say "PostgreSQL NOT answering"; rc=3; fi
  if mongo_answers 0; then say "FerretDB pid $pid $MONGO_URL answering"; else say "FerretDB NOT answering"; rc=3; fi
  return "$rc"
}

cmd_env() { echo "export MONGODB_URL='$MONGO_URL'"; }

cmd_psql() { as_pg "${BIN}psql" -h "$RUN" -p "$PG_PORT" -U "$PG_ROLE" -d "$DB" "$@"; }

case ${1:-} in
  start | stop | status | env) "cmd_$1" ;;
  psql) shift; cmd_psql "$@" ;;
  *) die "usage: $0 start|stop|status|env|psql [args]" ;;
esac
