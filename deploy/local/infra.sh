#!/usr/bin/env bash
# Real Apache Kafka (KRaft, one node) and the document store (FerretDB v2: the MongoDB
# protocol on PostgreSQL 15 with DocumentDB) on loopback, without Docker.
#
#   deploy/local/infra.sh fetch|start|stop|status|reset|env
#
#   fetch   copy the Kafka jars (Maven); install Debian's PostgreSQL 15 and build tools if
#           missing (apt), build and install the DocumentDB extensions from the archives in
#           SPRG_VENDOR_DIR (once: a stamp in PostgreSQL's extension folder), build FerretDB
#           (Go); each step is skipped when its result is cached
#   start   fetch, start the servers in the background (PostgreSQL, FerretDB with
#           authentication on, Kafka), wait until they answer, then create the project's
#           topics (python -m sprg_shared.topics)
#   stop    stop the servers this script started (TERM, then KILL); keep data
#   status  pid, address and whether each server answers (exit 3 if one does not)
#   reset   stop, then delete the data
#   env     print the export lines for KAFKA_BOOTSTRAP_SERVERS and MONGODB_URL (the store's
#           URL carries its user and generated password)
#
# Settings (environment): SPRG_KAFKA_PORT (9092), SPRG_KAFKA_CONTROLLER_PORT (9093),
# SPRG_MONGO_PORT (27017), SPRG_PG_PORT (PostgreSQL under the store: 5433 beside 27017,
# else SPRG_MONGO_PORT - 2000), SPRG_LOCAL_DIR (data, logs, pid files and secrets.env;
# default <repo>/.local), SPRG_VENDOR_DIR (the extensions' source archives; default
# <repo>/../shared/vendor; fetched from upstream at the same commits when missing),
# SPRG_PG_BIN (/usr/lib/postgresql/15/bin), SPRG_PG_OS_USER (postgres: who runs PostgreSQL
# when this script runs as root), SPRG_READY_TIMEOUT (seconds, 60), SPRG_PYTHON
# (<repo>/.venv/bin/python), JAVA_HOME. Jars and binaries are cached in <repo>/.local
# (git-ignored); the store's password is generated once into $SPRG_LOCAL_DIR/secrets.env.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
CACHE=$REPO/.local
LOCAL=$(realpath -m "${SPRG_LOCAL_DIR:-$CACHE}")
DATA=$LOCAL/data
LOGS=$LOCAL/log
RUN=$LOCAL/run

KAFKA_PORT=${SPRG_KAFKA_PORT:-9092}
CONTROLLER_PORT=${SPRG_KAFKA_CONTROLLER_PORT:-9093}
MONGO_PORT=${SPRG_MONGO_PORT:-27017}
READY_TIMEOUT=${SPRG_READY_TIMEOUT:-60}
PY=${SPRG_PYTHON:-$REPO/.venv/bin/python}
JAVA=${JAVA_HOME:+$JAVA_HOME/bin/}java

KAFKA_LIB=$CACHE/kafka/lib
FERRETDB=$CACHE/bin/ferretdb
FERRETDB_MODULE=github.com/FerretDB/FerretDB/v2/cmd/ferretdb
FERRETDB_VERSION=v2.7.0
# PostgreSQL under FerretDB: 5433 beside 27017, else the store's port less 2000 (27118 -> 25118).
PG_PORT=${SPRG_PG_PORT:-$([[ $MONGO_PORT == 27017 ]] && echo 5433 || echo $((MONGO_PORT - 2000)))}
PG_BIN=${SPRG_PG_BIN:-/usr/lib/postgresql/15/bin}
PG_CONFIG=$PG_BIN/pg_config
PG_OS_USER=${SPRG_PG_OS_USER:-postgres}
PGDATA=$DATA/postgresql
STORE_STATE=$DATA/ferretdb
STORE_MARK=--state-dir=$STORE_STATE  # in FerretDB v2's command line (v1's had none)
STORE_USER=sprg
SECRETS=$LOCAL/secrets.env
VENDOR=$(realpath -m "${SPRG_VENDOR_DIR:-$REPO/../shared/vendor}")
KAFKA_ADDR=127.0.0.1:$KAFKA_PORT
KAFKA_PROPS=$RUN/kafka-server.properties

say() { echo "infra.sh: $*" >&2; }
die() { say "$*"; exit 1; }
need() { command -v "$1" >/dev/null || die "$1 not found: $2"; }
ms_since() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }
stamp() { cat "$@" | sha256sum | cut -c1-16; }  # changes when the recipe changes

need_java() {
  need "$JAVA" "install a JDK 17+ (apt-get install openjdk-17-jdk-headless) or set JAVA_HOME"
  local v
  v=$("$JAVA" -XshowSettings:properties -version 2>&1 | awk -F' = ' '/java.specification.version/ {print $2}')
  (( ${v%%.*} >= 17 )) || die "java $v found; Kafka 4.1 needs Java 17+ (set JAVA_HOME)"
}

need_python() {
  [[ -x $PY ]] || die "python not found at $PY: run 'uv sync' in $REPO (or set SPRG_PYTHON)"
}

# --- fetch -------------------------------------------------------------------

fetch_kafka() {
  local want
  want=$(stamp "$HERE/kafka/pom.xml")
  [[ -f $KAFKA_LIB/.stamp && $(cat "$KAFKA_LIB/.stamp") == "$want" ]] && return 0
  need_java
  need mvn "install Maven (apt-get install maven); it fetches the Kafka jars"
  say "fetching Kafka jars from Maven Central into $KAFKA_LIB"
  rm -rf "$KAFKA_LIB"
  mvn -B -q -Dstyle.color=never -f "$HERE/kafka/pom.xml" package -Dsprg.localDir="$CACHE" \
    || die "Maven could not fetch Kafka (deploy/local/kafka/pom.xml), see the output above"
  echo "$want" > "$KAFKA_LIB/.stamp"
}

# --- the store: FerretDB v2 on PostgreSQL 15 with DocumentDB ------------------
# Debian's PostgreSQL 15 and build tools (apt, installed only when missing), three
# extensions built from source archives (SPRG_VENDOR_DIR, SHA-256 checked; installed into
# the system PostgreSQL tree once, a stamp there says which), FerretDB built with Go.
# See ../shared/spec/local-infra.md, "FerretDB v2".

STORE_APT=(postgresql-15 postgresql-server-dev-15 postgresql-15-postgis-3 postgresql-15-rum
  libbson-dev libpcre2-dev libintelrdfpmath-dev libicu-dev libkrb5-dev systemtap-sdt-dev
  pkg-config build-essential)
# archive, upstream repository, commit, top folder; SHA-256 of the .tar.gz in SHA256SUMS,
# and of the uncompressed tar (a fresh `git archive` may compress differently).
STORE_SOURCES=(
  "pgvector-0.8.0.tar.gz https://github.com/pgvector/pgvector 2627c5ff pgvector 1b9f4c2beb6f950dc7e7aafa01afd4d232f5bdeb8cb8e9c11cf8c19936d2e234"
  "pg_cron-1.6.3.tar.gz https://github.com/citusdata/pg_cron 9d0576c6 pg_cron b27f2683521daf9760b6aef8a3d82d27883ad0cc223934789fdc4c3dcb3a1b6d"
  "documentdb-ferretdb-3f80da90.tar.gz https://github.com/FerretDB/documentdb 3f80da90a9e0b04f214183aa656c4fb0b4bc31e4 documentdb d2c09c6eeae3de2a18b1f47ae730904dbbe2a6c2d4793b3f8ed7aa247eb4e677"
)
STORE_SHA256SUMS="5298ec3f8c28947aa0f4d9a1dc6ca198a91f59d18ccaf4c45e0dd2df0d20b5d5  documentdb-ferretdb-3f80da90.tar.gz
97cd57223fe960c716cb5ceec40ac75461f810484d960d1af5a8435d55be937d  pg_cron-1.6.3.tar.gz
a85d2cd63383b3a4c0e36e934c3c3b4636279063632e45ae12f524043d04a6de  pgvector-0.8.0.tar.gz"
# Bump when the way the extensions are built changes: the stamp then no longer matches.
STORE_RECIPE=1

as_root() { if [[ $(id -u) == 0 ]]; then "$@"; else need sudo "run as root or install sudo"; sudo "$@"; fi; }

store_packages() {
  local missing=() p
  for p in "${STORE_APT[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2> /dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  ((${#missing[@]} == 0)) && return 0
  need apt-get "the store needs Debian's PostgreSQL 15 and build tools: ${missing[*]}"
  say "installing with apt: ${missing[*]}"
  as_root apt-get -o DPkg::Lock::Timeout=600 update -qq || die "apt-get update failed"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq \
    --no-install-recommends "${missing[@]}" > "$CACHE/apt-store.log" 2>&1 \
    || die "apt-get install failed; see $CACHE/apt-store.log"
}

# store_source ARCHIVE URL COMMIT TOP TAR_SHA DEST: DEST/TOP holds the checked sources.
store_source() {
  local archive=$1 url=$2 commit=$3 top=$4 tar_sha=$5 dest=$6 file want got
  want=$(awk -v f="$archive" '$2 == f {print $1}' <<< "$STORE_SHA256SUMS")
  if [[ -f $VENDOR/$archive ]]; then
    file=$VENDOR/$archive
    if [[ -f $VENDOR/SHA256SUMS ]]; then
      grep -q "^$want  $archive\$" "$VENDOR/SHA256SUMS" \
        || die "$VENDOR/SHA256SUMS does not list $archive with the SHA-256 this script expects"
    fi
  else
    need git "$archive is not in $VENDOR (SPRG_VENDOR_DIR) and git is needed to fetch it"
    say "$archive not in $VENDOR: fetching $url at $commit"
    rm -rf "$dest/git-$top"
    git clone -q --no-checkout "$url" "$dest/git-$top" || die "git clone $url failed"
    file=$dest/$archive
    git -C "$dest/git-$top" archive --format=tar --prefix="$top/" "$commit" | gzip -9n > "$file" \
      || die "git archive of $url at $commit failed"
  fi
  got=$(sha256sum < "$file" | cut -d' ' -f1)
  if [[ $got != "$want" ]]; then
    got=$(gzip -dc < "$file" | sha256sum | cut -d' ' -f1)
    [[ $got == "$tar_sha" ]] || die "SHA-256 mismatch for $file (expected $want): refusing to build it"
  fi
  tar -xzf "$file" -C "$dest" || die "could not unpack $file"
  [[ -d $dest/$top ]] || die "$file has no folder $top/"
}

# Debian's libbson is 1.23; DocumentDB pins 1.28, whose BSON_SUBTYPE_SENSITIVE (0x08) one
# file uses twice: guard the case label, spell the range check's bound.
store_patch_libbson() {
  local f=$1/pg_documentdb/src/operators/bson_expression_type_operators.c
  sed -i -e 's/^\([[:space:]]*\)case BSON_SUBTYPE_SENSITIVE:/#if BSON_CHECK_VERSION(1, 28, 0)\n&\n#endif/' \
    -e 's/toSubtype > BSON_SUBTYPE_SENSITIVE/toSubtype > 0x08/' "$f"
  [[ $(grep -c 'BSON_SUBTYPE_SENSITIVE' "$f") == 1 && $(grep -c 'BSON_CHECK_VERSION(1, 28, 0)' "$f") == 1 ]] \
    || die "the libbson patch did not apply to $f (has DocumentDB changed?)"
}

store_extensions_stamp() {
  { echo "$STORE_RECIPE"; echo "$STORE_SHA256SUMS"; "$PG_CONFIG" --version; } | sha256sum | cut -c1-16
}

store_extensions() {
  local stampfile want ext
  stampfile=$("$PG_CONFIG" --sharedir)/extension/sprg-store.stamp
  want=$(store_extensions_stamp)
  if [[ -f $stampfile && $(cat "$stampfile") == "$want" ]]; then
    for ext in vector pg_cron documentdb_core documentdb documentdb_extended_rum; do
      [[ -f $("$PG_CONFIG" --sharedir)/extension/$ext.control ]] || { want=missing; break; }
    done
    [[ $want != missing ]] && return 0
    want=$(store_extensions_stamp)
  fi
  local t0 build=$CACHE/store-build jobs
  t0=$(date +%s%N)
  jobs=$(nproc 2> /dev/null || echo 2)
  say "building pgvector, pg_cron and DocumentDB for PostgreSQL 15 (about 5 minutes on 2 cores)"
  rm -rf "$build"
  mkdir -p "$build/pkgconfig"
  local src
  for src in "${STORE_SOURCES[@]}"; do
    # shellcheck disable=SC2086 # five words
    store_source $src "$build"
  done
  store_patch_libbson "$build/documentdb"
  # Debian's libintelrdfpmath-dev has the static library but no pkg-config file.
  printf '%s\n' 'Name: intelmathlib' 'Description: Intel decimal floating-point math library' \
    'Version: 2.0' 'Libs: -l:libbidgcc000.a' 'Cflags: -I/usr/include' > "$build/pkgconfig/intelmathlib.pc"
  local dir
  for dir in pgvector pg_cron documentdb/pg_documentdb_core documentdb/pg_documentdb \
    documentdb/internal/pg_documentdb_extended_rum; do
    say "building $dir"
    (cd "$build/$dir" \
      && PKG_CONFIG_PATH=$build/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH} \
        make -j"$jobs" PG_CONFIG="$PG_CONFIG" > "$build/make.log" 2>&1 \
      && as_root make install PG_CONFIG="$PG_CONFIG" >> "$build/make.log" 2>&1) \
      || { cp "$build/make.log" "$CACHE/store-build.log"; die "building $dir failed; see $CACHE/store-build.log"; }
  done
  echo "$want" | as_root tee "$stampfile" > /dev/null
  rm -rf "$build"
  say "extensions built and installed in $(ms_since "$t0") ms"
}

store_ferretdb() {
  local want="$FERRETDB_MODULE@$FERRETDB_VERSION"
  [[ -x $FERRETDB && -f $FERRETDB.stamp && $(cat "$FERRETDB.stamp") == "$want" ]] && return 0
  need go "install Go 1.24+ (it builds FerretDB $FERRETDB_VERSION once)"
  say "building FerretDB $FERRETDB_VERSION into $FERRETDB (about 1-3 minutes)"
  local t0 tmp=$CACHE/bin/.ferretdb-build
  t0=$(date +%s%N)
  rm -rf "$tmp"
  mkdir -p "$tmp"
  GOBIN=$tmp CGO_ENABLED=0 GOFLAGS=-mod=mod go install "$want" \
    || die "go install $want failed, see the output above"
  mv "$tmp/ferretdb" "$FERRETDB"
  rm -rf "$tmp"
  echo "$want" > "$FERRETDB.stamp"
  say "FerretDB built in $(ms_since "$t0") ms"
}

fetch_store() {
  store_packages
  store_extensions
  store_ferretdb
}
cmd_fetch() {
  mkdir -p "$CACHE"
  ( flock 9; fetch_kafka; fetch_store ) 9> "$CACHE/.fetch.lock"
}

# --- processes -----------------------------------------------------------------

# Prints the pid from run/NAME.pid if that process is alive and its command line
# contains MARK (guards against reused pids); removes a stale pid file.
pid_of() {
  local file=$RUN/$1.pid pid
  [[ -f $file ]] || return 1
  pid=$(cat "$file")
  if [[ -r /proc/$pid/cmdline ]] && tr '\0' ' ' < "/proc/$pid/cmdline" | grep -qF -- "$2"; then
    echo "$pid"
  else
    rm -f "$file"
    return 1
  fi
}

port_taken() { (exec 3<> "/dev/tcp/127.0.0.1/$1") 2> /dev/null; }

answers() {  # answers kafka|mongo ADDRESS TIMEOUT_S
  "$PY" "$HERE/wait_ready.py" "$@"
}

start_kafka() {
  local pid
  if pid=$(pid_of kafka "$KAFKA_PROPS"); then
    say "Kafka already running (pid $pid)"
    return 0
  fi
  for p in "$KAFKA_PORT" "$CONTROLLER_PORT"; do
    port_taken "$p" && die "port $p is in use by a process this script did not start" \
      "(set SPRG_KAFKA_PORT / SPRG_KAFKA_CONTROLLER_PORT)"
  done
  mkdir -p "$DATA/kafka" "$LOGS" "$RUN"
  sed -e "s|@KAFKA_PORT@|$KAFKA_PORT|g" -e "s|@CONTROLLER_PORT@|$CONTROLLER_PORT|g" \
    -e "s|@LOG_DIRS@|$DATA/kafka|g" "$HERE/kafka/server.properties" > "$KAFKA_PROPS"

  local jvm=(-Dlog4j2.configurationFile="$HERE/kafka/log4j2.properties" -Dkafka.logs.dir="$LOGS"
             -Djava.awt.headless=true -cp "$KAFKA_LIB/*")
  local ports="$KAFKA_PORT $CONTROLLER_PORT"
  if [[ ! -f $DATA/kafka/meta.properties ]]; then
    # Fresh data dir: format it once, keeping the cluster id if one was made before.
    [[ -s $DATA/kafka-cluster-id ]] ||
      "$JAVA" "${jvm[@]}" kafka.tools.StorageTool random-uuid | tail -n 1 > "$DATA/kafka-cluster-id" \
      || die "kafka.tools.StorageTool random-uuid failed"
    "$JAVA" "${jvm[@]}" kafka.tools.StorageTool format --standalone -g \
      -t "$(cat "$DATA/kafka-cluster-id")" -c "$KAFKA_PROPS" >> "$LOGS/kafka-format.log" 2>&1 \
      || die "formatting Kafka storage failed; see $LOGS/kafka-format.log"
    echo "$ports" > "$DATA/kafka-ports"
  elif [[ -f $DATA/kafka-ports && $(cat "$DATA/kafka-ports") != "$ports" ]]; then
    die "Kafka data in $DATA/kafka was formatted for ports $(cat "$DATA/kafka-ports")," \
      "not $ports: use those ports or run 'infra.sh reset'"
  fi
  setsid "$JAVA" -Xms256m -Xmx512m -XX:+UseG1GC -XX:MaxGCPauseMillis=20 "${jvm[@]}" \
    kafka.Kafka "$KAFKA_PROPS" >> "$LOGS/kafka.out" 2>&1 < /dev/null &
  echo $! > "$RUN/kafka.pid"
  KAFKA_T0=$(date +%s%N)
}

# The project's own PostgreSQL cluster (initdb as the postgres user when run as root: it
# refuses root; data mode 700, its socket inside it), DocumentDB created in it, then FerretDB
# in front with authentication on: the role SPRG_STORE_USER, its password generated once
# into $LOCAL/secrets.env (mode 600).
as_pg() { if [[ $(id -u) == 0 ]]; then runuser -u "$PG_OS_USER" -- "$@"; else "$@"; fi; }

pg_sql() {  # pg_sql [psql args]: SQL on stdin, as the superuser over the socket in PGDATA
  as_pg "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$PGDATA" -p "$PG_PORT" -U postgres -d postgres "$@"
}

store_secret() {  # sets STORE_PASSWORD, generating it into $SECRETS the first time
  STORE_PASSWORD=
  [[ -f $SECRETS ]] && STORE_PASSWORD=$(sed -n 's/^SPRG_STORE_PASSWORD=//p' "$SECRETS" | tail -n 1)
  [[ -n $STORE_PASSWORD ]] && return 0
  mkdir -p "$LOCAL"
  STORE_PASSWORD=$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n')
  (umask 077; echo "SPRG_STORE_PASSWORD=$STORE_PASSWORD" >> "$SECRETS")
  chmod 600 "$SECRETS"
}

store_url() {
  store_secret
  MONGO_URL="mongodb://$STORE_USER:$STORE_PASSWORD@127.0.0.1:$MONGO_PORT/?directConnection=true&authMechanism=SCRAM-SHA-256"
}

pg_running() { [[ -f $PGDATA/postmaster.pid ]] && as_pg "$PG_BIN/pg_ctl" -D "$PGDATA" status > /dev/null 2>&1; }

init_postgresql() {
  [[ -f $PGDATA/PG_VERSION ]] && return 0
  if [[ $(id -u) == 0 ]]; then
    id "$PG_OS_USER" > /dev/null 2>&1 || die "PostgreSQL will not run as root and there is no" \
      "user $PG_OS_USER (set SPRG_PG_OS_USER)"
  fi
  mkdir -p "$PGDATA"
  chmod 700 "$PGDATA"
  [[ $(id -u) == 0 ]] && chown "$PG_OS_USER:" "$PGDATA"
  as_pg "$PG_BIN/initdb" -D "$PGDATA" -U postgres --auth-local=trust --auth-host=scram-sha-256 \
    -E UTF8 --locale=C.UTF-8 > "$LOGS/initdb.log" 2>&1 || die "initdb failed; see $LOGS/initdb.log"
  # Settings DocumentDB needs (local-infra.md); the socket lives in PGDATA (mode 700), so
  # its trust admits only the owner; TCP asks for a password.
  as_pg tee -a "$PGDATA/postgresql.conf" > /dev/null <<CONF

# deploy/local/infra.sh
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = '$PGDATA'
unix_socket_permissions = 0700
password_encryption = scram-sha-256
shared_preload_libraries = 'pg_cron,pg_documentdb_core,pg_documentdb'
cron.database_name = 'postgres'
documentdb.rum_library_load_option = 'require_documentdb_extended_rum'
documentdb.defaultUseCompositeOpClass = on
documentdb.enableIndexOrderbyPushdown = on
# DocumentDB connects back to itself for some commands (unique index builds): through the
# socket, as the server's own user, not over TCP where a password is asked.
documentdb.localhost_connection_string = 'host=$PGDATA'
max_connections = 200
CONF
  echo "$PG_PORT" > "$DATA/postgresql-port"
}

start_postgresql() {
  init_postgresql
  [[ -f $DATA/postgresql-port && $(cat "$DATA/postgresql-port") != "$PG_PORT" ]] \
    && die "the PostgreSQL cluster in $PGDATA was made for port $(cat "$DATA/postgresql-port")," \
      "not $PG_PORT: use that port (SPRG_PG_PORT) or run 'infra.sh reset'"
  if pg_running; then
    say "PostgreSQL already running (port $PG_PORT)"
  else
    port_taken "$PG_PORT" && die "port $PG_PORT is in use by a process this script did not" \
      "start (set SPRG_PG_PORT)"
    touch "$LOGS/postgresql.log"
    chmod 600 "$LOGS/postgresql.log"
    [[ $(id -u) == 0 ]] && chown "$PG_OS_USER:" "$LOGS/postgresql.log"
    local t0
    t0=$(date +%s%N)
    as_pg "$PG_BIN/pg_ctl" -D "$PGDATA" -l "$LOGS/postgresql.log" -w -t "$READY_TIMEOUT" start \
      > /dev/null || die "PostgreSQL did not start; see $LOGS/postgresql.log"
    say "postgresql ready at 127.0.0.1:$PG_PORT ($(ms_since "$t0") ms)"
  fi
  store_secret
  # DocumentDB's objects once; the application's role, its password always the one in secrets.env.
  pg_sql <<SQL || die "setting up DocumentDB in PostgreSQL failed; see the output above"
CREATE EXTENSION IF NOT EXISTS documentdb CASCADE;
SELECT format('CREATE ROLE %I LOGIN', '$STORE_USER')
  WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '$STORE_USER') \gexec
ALTER ROLE "$STORE_USER" LOGIN PASSWORD '$STORE_PASSWORD';
GRANT documentdb_admin_role TO "$STORE_USER";
SQL
}

start_store() {
  start_postgresql
  local pid
  if pid=$(pid_of ferretdb "$STORE_MARK"); then
    say "FerretDB already running (pid $pid)"
    return 0
  fi
  port_taken "$MONGO_PORT" && die "port $MONGO_PORT is in use by a process this script" \
    "did not start (set SPRG_MONGO_PORT)"
  mkdir -p "$STORE_STATE" "$LOGS" "$RUN"
  chmod 700 "$STORE_STATE"
  touch "$LOGS/ferretdb.log"
  chmod 600 "$LOGS/ferretdb.log"
  # FerretDB's own pool reaches PostgreSQL over the socket; clients must authenticate (SCRAM).
  FERRETDB_POSTGRESQL_URL="postgres://postgres@/postgres?host=$PGDATA&port=$PG_PORT" \
    setsid "$FERRETDB" --listen-addr="127.0.0.1:$MONGO_PORT" --state-dir="$STORE_STATE" \
    --telemetry=disable --debug-addr=- --log-level=warn >> "$LOGS/ferretdb.log" 2>&1 < /dev/null &
  echo $! > "$RUN/ferretdb.pid"
  FERRETDB_T0=$(date +%s%N)
}

stop_store() {
  stop_one ferretdb "$STORE_MARK" 10
  if pg_running; then
    as_pg "$PG_BIN/pg_ctl" -D "$PGDATA" -m fast -w -t 60 stop > /dev/null \
      && say "postgresql stopped" || say "postgresql did not stop; see $LOGS/postgresql.log"
  else
    say "postgresql not running"
  fi
}
wait_for() {  # wait_for NAME KIND ADDRESS PIDMARK LOGFILE START_NS
  if ! answers "$2" "$3" "$READY_TIMEOUT"; then
    pid_of "$1" "$4" > /dev/null || die "$1 exited during start-up; see $5"
    die "$1 did not answer at $(sed -E 's#//[^/@]*@#//#' <<< "$3") within ${READY_TIMEOUT}s; see $5"
  fi
  say "$1 ready at $(sed -E 's#//[^/@]*@#//#' <<< "$3") ($(ms_since "$6") ms, pid $(cat "$RUN/$1.pid"))"
}

cmd_start() {
  cmd_fetch
  need_java
  need_python
  KAFKA_T0=$(date +%s%N) FERRETDB_T0=$(date +%s%N)  # reset by start_* when they start one
  start_kafka
  start_store
  store_url
  wait_for ferretdb mongo "$MONGO_URL" "$STORE_MARK" "$LOGS/ferretdb.log" "$FERRETDB_T0"
  wait_for kafka kafka "$KAFKA_ADDR" "$KAFKA_PROPS" "$LOGS/kafka.log (and kafka.out)" "$KAFKA_T0"
  if "$PY" -c 'import sprg_shared.topics' 2> /dev/null; then
    KAFKA_BOOTSTRAP_SERVERS=$KAFKA_ADDR MONGODB_URL=$MONGO_URL "$PY" -m sprg_shared.topics \
      || die "creating the project's topics failed (python -m sprg_shared.topics)"
  else
    say "sprg_shared.topics not importable yet: topics not created"
  fi
}

stop_one() {  # stop_one NAME PIDMARK GRACE_S
  local pid i
  pid=$(pid_of "$1" "$2") || { say "$1 not running"; return 0; }
  kill -TERM "$pid" 2> /dev/null || true
  for ((i = 0; i < $3 * 10; i++)); do
    kill -0 "$pid" 2> /dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2> /dev/null; then
    say "$1 (pid $pid) still running after $3 s: killing it"
    kill -KILL "$pid" 2> /dev/null || true
  fi
  rm -f "$RUN/$1.pid"
  say "$1 stopped (pid $pid)"
}

cmd_stop() {
  stop_one kafka "$KAFKA_PROPS" 30
  stop_store
}

status_postgresql() {
  local state=running
  pg_running || state="NOT running"
  printf '%-9s %-59s %s\n' postgresql "127.0.0.1:$PG_PORT (data $PGDATA)" "$state"
  [[ $state == running ]]
}

cmd_status() {
  need_python
  store_url
  local rc=0 name kind addr mark pid state
  while read -r name kind addr mark; do
    pid=$(pid_of "$name" "$mark") || pid=-
    if answers "$kind" "$addr" 0; then state=answering; else state="NOT answering"; rc=3; fi
    printf '%-9s pid %-8s %-50s %s\n' "$name" "$pid" "$(sed -E 's#//[^/@]*@#//#' <<< "$addr")" "$state"
  done <<< "kafka kafka $KAFKA_ADDR $KAFKA_PROPS
ferretdb mongo $MONGO_URL $STORE_MARK"
  status_postgresql || rc=3
  return "$rc"
}

cmd_reset() {
  cmd_stop
  rm -rf "$DATA"
  say "deleted $DATA"
}

cmd_env() {
  store_url
  echo "export KAFKA_BOOTSTRAP_SERVERS=$KAFKA_ADDR"
  echo "export MONGODB_URL='$MONGO_URL'"
}

case ${1:-} in
  fetch | start | stop | status | reset | env) "cmd_$1" ;;
  *) die "usage: $0 fetch|start|stop|status|reset|env" ;;
esac
