#!/usr/bin/env bash
# Real Apache Kafka (KRaft, one node), the document store (FerretDB v2: the MongoDB
# protocol on PostgreSQL 15 with DocumentDB) and Keycloak (the OpenID Connect provider, realm
# `sprg` from deploy/keycloak/) on loopback, without Docker.
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
# Settings (environment): SPRG_KAFKA_PORT (9092), SPRG_KAFKA_CONTROLLER_PORT (9094: 9093
# is Alertmanager's), SPRG_KAFKA_METRICS_PORT (unset: none; else the broker's own metrics,
# through the Prometheus JMX exporter agent, on http://127.0.0.1:PORT/metrics),
# SPRG_MONGO_PORT (27017), SPRG_PG_PORT (PostgreSQL under the store: 5433 beside 27017,
# else SPRG_MONGO_PORT - 2000), SPRG_LOCAL_DIR (data, logs, pid files and secrets.env;
# default <repo>/.local), SPRG_VENDOR_DIR (the extensions' source archives; default
# <repo>/../shared/vendor; fetched from upstream at the same commits when missing),
# SPRG_PG_BIN (/usr/lib/postgresql/15/bin), SPRG_PG_OS_USER (postgres: who runs PostgreSQL
# when this script runs as root), SPRG_READY_TIMEOUT (seconds, 60), SPRG_PYTHON
# (<repo>/.venv/bin/python), JAVA_HOME. Jars and binaries are cached in <repo>/.local
# (git-ignored); the store's password is generated once into $SPRG_LOCAL_DIR/secrets.env.
# Keycloak: SPRG_KEYCLOAK (1; 0 skips it), SPRG_KEYCLOAK_PORT (8080),
# SPRG_KEYCLOAK_MANAGEMENT_PORT (9001), SPRG_KEYCLOAK_JAVA_HOME (Temurin 25 when present),
# SPRG_CONSOLE_REDIRECT_URIS (comma-separated; http://127.0.0.1:8000/auth/callback).
# Its secrets (demo users' password, client secrets, admin password) are generated once into
# $SPRG_LOCAL_DIR/secrets.env (mode 600).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
CACHE=$REPO/.local
LOCAL=$(realpath -m "${SPRG_LOCAL_DIR:-$CACHE}")
DATA=$LOCAL/data
LOGS=$LOCAL/log
RUN=$LOCAL/run

KAFKA_PORT=${SPRG_KAFKA_PORT:-9092}
CONTROLLER_PORT=${SPRG_KAFKA_CONTROLLER_PORT:-9094}
METRICS_PORT=${SPRG_KAFKA_METRICS_PORT:-}
MONGO_PORT=${SPRG_MONGO_PORT:-27017}
READY_TIMEOUT=${SPRG_READY_TIMEOUT:-60}
PY=${SPRG_PYTHON:-$REPO/.venv/bin/python}
JAVA=${JAVA_HOME:+$JAVA_HOME/bin/}java

KAFKA_SASL=${SPRG_KAFKA_SASL:-1}
KAFKA_SASL_PORT=${SPRG_KAFKA_SASL_PORT:-}
KAFKA_LIB=$CACHE/kafka/lib
JMX_AGENT=$CACHE/kafka/agent/jmx_prometheus_javaagent.jar
JMX_RULES=$REPO/deploy/prometheus/kafka-jmx.yml
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
  [[ -f $KAFKA_LIB/.stamp && $(cat "$KAFKA_LIB/.stamp") == "$want" && -f $JMX_AGENT ]] && return 0
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
  ( flock 9; fetch_kafka; fetch_store; fetch_keycloak ) 9> "$CACHE/.fetch.lock"
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
  for p in "$KAFKA_PORT" "$CONTROLLER_PORT" $METRICS_PORT; do
    port_taken "$p" && die "port $p is in use by a process this script did not start" \
      "(set SPRG_KAFKA_PORT / SPRG_KAFKA_CONTROLLER_PORT / SPRG_KAFKA_METRICS_PORT)"
  done
  mkdir -p "$DATA/kafka" "$LOGS" "$RUN"
  chmod 700 "$DATA/kafka"  # the log segments hold the events; nobody else on the machine reads them
  ensure_secrets SPRG_KAFKA_PASSWORD SPRG_KAFKA_BROKER_PASSWORD
  local listeners="CLIENT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$CONTROLLER_PORT" protocol=PLAINTEXT
  [[ $KAFKA_SASL == 1 ]] && protocol=SASL_PLAINTEXT
  [[ -n $KAFKA_SASL_PORT ]] && listeners+=",SASL://127.0.0.1:$KAFKA_SASL_PORT"
  (umask 077; sed -e "s|@LISTENERS@|$listeners|g" -e "s|@CONTROLLER_PORT@|$CONTROLLER_PORT|g" \
    -e "s|@CLIENT_PROTOCOL@|$protocol|g" -e "s|@BROKER_PASSWORD@|$SPRG_KAFKA_BROKER_PASSWORD|g" \
    -e "s|@LOG_DIRS@|$DATA/kafka|g" "$HERE/kafka/server.properties" > "$KAFKA_PROPS")

  local jvm=(-Dlog4j2.configurationFile="$HERE/kafka/log4j2.properties" -Dkafka.logs.dir="$LOGS"
             -Djava.awt.headless=true -cp "$KAFKA_LIB/*")
  local ports="$KAFKA_PORT $CONTROLLER_PORT sasl=$KAFKA_SASL ${KAFKA_SASL_PORT:+sasl-port=$KAFKA_SASL_PORT}"
  if [[ ! -f $DATA/kafka/meta.properties ]]; then
    # Fresh data dir: format it once, keeping the cluster id if one was made before.
    [[ -s $DATA/kafka-cluster-id ]] ||
      "$JAVA" "${jvm[@]}" kafka.tools.StorageTool random-uuid | tail -n 1 > "$DATA/kafka-cluster-id" \
      || die "kafka.tools.StorageTool random-uuid failed"
    "$JAVA" "${jvm[@]}" kafka.tools.StorageTool format --standalone -g \
      -t "$(cat "$DATA/kafka-cluster-id")" -c "$KAFKA_PROPS" \
      --add-scram "SCRAM-SHA-512=[name=sprg-broker,password=$SPRG_KAFKA_BROKER_PASSWORD]" \
      --add-scram "SCRAM-SHA-512=[name=sprg,password=$SPRG_KAFKA_PASSWORD]" \
      >> "$LOGS/kafka-format.log" 2>&1 \
      || die "formatting Kafka storage failed; see $LOGS/kafka-format.log"
    echo "$ports" > "$DATA/kafka-ports"
  elif [[ -f $DATA/kafka-ports && $(cat "$DATA/kafka-ports") != "$ports" ]]; then
    die "Kafka data in $DATA/kafka was formatted for ports $(cat "$DATA/kafka-ports")," \
      "not $ports: use those ports or run 'infra.sh reset' (make reset). The controller's" \
      "default moved from 9093 to 9094 (Alertmanager's port is 9093): data made before that" \
      "needs a reset, or SPRG_KAFKA_CONTROLLER_PORT=9093 and no Alertmanager"
  fi
  local agent=()
  if [[ -n $METRICS_PORT ]]; then
    agent=(-javaagent:"$JMX_AGENT=127.0.0.1:$METRICS_PORT:$JMX_RULES")
    say "the broker's own metrics: http://127.0.0.1:$METRICS_PORT/metrics"
  fi
  umask 077  # what the broker writes (segments, checkpoints) is for its owner only
  setsid "$JAVA" -Xms256m -Xmx512m -XX:+UseG1GC -XX:MaxGCPauseMillis=20 "${agent[@]}" "${jvm[@]}" \
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
  start_keycloak
  start_kafka
  start_store
  store_url
  kafka_client_env
  wait_for ferretdb mongo "$MONGO_URL" "$STORE_MARK" "$LOGS/ferretdb.log" "$FERRETDB_T0"
  wait_for kafka kafka "$KAFKA_ADDR" "$KAFKA_PROPS" "$LOGS/kafka.log (and kafka.out)" "$KAFKA_T0"
  wait_keycloak
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
  stop_keycloak
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
  kafka_client_env
  local rc=0 name kind addr mark pid state
  while read -r name kind addr mark; do
    pid=$(pid_of "$name" "$mark") || pid=-
    if answers "$kind" "$addr" 0; then state=answering; else state="NOT answering"; rc=3; fi
    printf '%-9s pid %-8s %-50s %s\n' "$name" "$pid" "$(sed -E 's#//[^/@]*@#//#' <<< "$addr")" "$state"
  done <<< "kafka kafka $KAFKA_ADDR $KAFKA_PROPS
ferretdb mongo $MONGO_URL $STORE_MARK"
  status_postgresql || rc=3
  status_keycloak || rc=3
  return "$rc"
}

cmd_reset() {
  cmd_stop
  rm -rf "$DATA"
  say "deleted $DATA"
}

# The broker's client settings (sprg_shared.kafka_security reads them).
kafka_client_env() {
  [[ -f $SECRETS ]] && { set -a; source "$SECRETS"; set +a; }
  if [[ $KAFKA_SASL == 1 ]]; then
    export KAFKA_SECURITY_PROTOCOL=SASL_PLAINTEXT KAFKA_SASL_MECHANISM=SCRAM-SHA-512 \
      KAFKA_SASL_USERNAME=sprg KAFKA_SASL_PASSWORD=${SPRG_KAFKA_PASSWORD:-}
  fi
}

cmd_env() {
  store_url
  kafka_client_env
  if [[ $KAFKA_SASL == 1 ]]; then
    echo "export KAFKA_SECURITY_PROTOCOL=SASL_PLAINTEXT KAFKA_SASL_MECHANISM=SCRAM-SHA-512"
    echo "export KAFKA_SASL_USERNAME=sprg KAFKA_SASL_PASSWORD='$KAFKA_SASL_PASSWORD'"
  fi
  [[ -z $KAFKA_SASL_PORT ]] || echo "export SPRG_KAFKA_SASL_SERVERS=127.0.0.1:$KAFKA_SASL_PORT"
  echo "export KAFKA_BOOTSTRAP_SERVERS=$KAFKA_ADDR"
  echo "export MONGODB_URL='$MONGO_URL'"
  env_keycloak
}

# --- Keycloak: the OpenID Connect provider (realm sprg) -----------------------------
# Fetched once from Maven Central as a zip, built once for the dev-file database with health
# (`kc.sh build`), cached in <repo>/.local/keycloak. Each SPRG_LOCAL_DIR runs its own server
# home: a hard-linked copy of the built one with its own data/ (H2 database, the realm import).
# A copy of the database taken after the first import (keyed by the rendered realm) is reused
# by a fresh data directory: that skips the schema creation and import (~25 s).

KC_VERSION=26.5.6
KC_ENABLED=${SPRG_KEYCLOAK:-1}
KC_PORT=${SPRG_KEYCLOAK_PORT:-8080}
KC_MGMT_PORT=${SPRG_KEYCLOAK_MANAGEMENT_PORT:-9001}
KC_BUILT=$CACHE/keycloak/keycloak-$KC_VERSION
KC_HOME=$DATA/keycloak/server
KC_URL=http://127.0.0.1:$KC_PORT
KC_ISSUER=$KC_URL/realms/sprg
KC_READY_TIMEOUT=${SPRG_KEYCLOAK_READY_TIMEOUT:-180}
SECRETS=$LOCAL/secrets.env

kc_java_home() {
  if [[ -n ${SPRG_KEYCLOAK_JAVA_HOME:-} ]]; then echo "$SPRG_KEYCLOAK_JAVA_HOME"
  elif [[ -x /usr/lib/jvm/temurin-25-jdk-amd64/bin/java ]]; then echo /usr/lib/jvm/temurin-25-jdk-amd64
  elif [[ -n ${JAVA_HOME:-} ]]; then echo "$JAVA_HOME"
  else dirname "$(dirname "$(readlink -f "$(command -v java)")")"
  fi
}

fetch_keycloak() {
  [[ $KC_ENABLED == 1 ]] || return 0
  local want="keycloak $KC_VERSION build --db=dev-file --health-enabled=true"
  [[ -f $KC_BUILT/.sprg-built && $(cat "$KC_BUILT/.sprg-built") == "$want" ]] && return 0
  need mvn "install Maven (apt-get install maven); it fetches Keycloak"
  local dl=$CACHE/keycloak/dl
  say "fetching Keycloak $KC_VERSION (a 157 MiB zip) from Maven Central, then building it (~30 s)"
  rm -rf "$dl" "$KC_BUILT" && mkdir -p "$dl"
  mvn -B -q -Dstyle.color=never dependency:copy \
    -Dartifact="org.keycloak:keycloak-quarkus-dist:$KC_VERSION:zip" -DoutputDirectory="$dl" \
    || die "Maven could not fetch org.keycloak:keycloak-quarkus-dist:$KC_VERSION:zip"
  unzip -q "$dl/keycloak-quarkus-dist-$KC_VERSION.zip" -d "$CACHE/keycloak" || die "unzip of Keycloak failed"
  rm -rf "$dl"
  JAVA_HOME=$(kc_java_home) "$KC_BUILT/bin/kc.sh" build --db=dev-file --health-enabled=true \
    > "$CACHE/keycloak/build.log" 2>&1 || die "kc.sh build failed; see $CACHE/keycloak/build.log"
  echo "$want" > "$KC_BUILT/.sprg-built"
}

# Appends NAME=<random> to secrets.env unless NAME is there; exports every secret.
ensure_secrets() {
  mkdir -p "$LOCAL"
  local name
  for name in "$@"; do
    grep -q "^$name=" "$SECRETS" 2> /dev/null && continue
    (umask 077; echo "$name=$(head -c 24 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')" >> "$SECRETS")
  done
  chmod 600 "$SECRETS"
  set -a; source "$SECRETS"; set +a
}

kc_seed_key() {  # the cached database fits a data dir whose realm file renders the same
  { echo "$KC_VERSION $SPRG_KEYCLOAK_ADMIN_PASSWORD"; cat "$KC_HOME/data/import/sprg-realm.json"; } |
    sha256sum | cut -c1-16
}

start_keycloak() {
  [[ $KC_ENABLED == 1 ]] || return 0
  local pid
  if pid=$(pid_of keycloak "$KC_HOME"); then
    say "Keycloak already running (pid $pid)"
    return 0
  fi
  for p in "$KC_PORT" "$KC_MGMT_PORT"; do
    port_taken "$p" && die "port $p is in use by a process this script did not start" \
      "(set SPRG_KEYCLOAK_PORT / SPRG_KEYCLOAK_MANAGEMENT_PORT)"
  done
  ensure_secrets SPRG_DEMO_PASSWORD SPRG_CONSOLE_CLIENT_SECRET SPRG_CMS_CLIENT_SECRET \
    SPRG_KEYCLOAK_ADMIN_PASSWORD
  mkdir -p "$DATA/keycloak" "$LOGS" "$RUN"
  chmod 700 "$DATA/keycloak"  # the database holds password hashes and signing keys
  if [[ ! -d $KC_HOME ]]; then
    cp -al "$KC_BUILT" "$KC_HOME.tmp" 2> /dev/null || cp -a "$KC_BUILT" "$KC_HOME.tmp"
    rm -rf "$KC_HOME.tmp/data" && mv "$KC_HOME.tmp" "$KC_HOME"
  fi
  mkdir -p "$KC_HOME/data/import"
  chmod 700 "$KC_HOME/data"
  SPRG_CONSOLE_REDIRECT_URIS=${SPRG_CONSOLE_REDIRECT_URIS:-http://127.0.0.1:8000/auth/callback} \
    "$PY" "$REPO/deploy/keycloak/render_realm.py" "$REPO/deploy/keycloak/sprg-realm.json" \
    "$KC_HOME/data/import/sprg-realm.json" || die "rendering the realm failed"
  local key seed
  key=$(kc_seed_key)
  seed=$CACHE/keycloak/seed-$key
  if [[ ! -d $KC_HOME/data/h2 && -d $seed/h2 ]]; then
    cp -a "$seed/h2" "$KC_HOME/data/h2"
  elif [[ ! -d $KC_HOME/data/h2 ]]; then
    echo "$key" > "$DATA/keycloak/seed-wanted"  # taken when this server stops cleanly
  fi
  (
    umask 077
    export JAVA_HOME KC_BOOTSTRAP_ADMIN_USERNAME=admin \
      KC_BOOTSTRAP_ADMIN_PASSWORD=$SPRG_KEYCLOAK_ADMIN_PASSWORD
    JAVA_HOME=$(kc_java_home)
    exec setsid "$KC_HOME/bin/kc.sh" start --optimized --cache=local \
      --http-enabled=true --http-host=127.0.0.1 --http-port="$KC_PORT" \
      --http-management-port="$KC_MGMT_PORT" --hostname="$KC_URL" \
      --import-realm >> "$LOGS/keycloak.log" 2>&1 < /dev/null
  ) &
  echo $! > "$RUN/keycloak.pid"
  KEYCLOAK_T0=$(date +%s%N)
}

wait_keycloak() {
  [[ $KC_ENABLED == 1 ]] || return 0
  local deadline=$((SECONDS + KC_READY_TIMEOUT))
  until curl -fs -o /dev/null "http://127.0.0.1:$KC_MGMT_PORT/health/ready" &&
    curl -fs -o /dev/null "$KC_ISSUER/.well-known/openid-configuration"; do
    pid_of keycloak "$KC_HOME" > /dev/null || die "Keycloak exited during start-up; see $LOGS/keycloak.log"
    (( SECONDS < deadline )) || die "Keycloak did not answer within ${KC_READY_TIMEOUT}s; see $LOGS/keycloak.log"
    sleep 0.5
  done
  say "keycloak ready at $KC_URL, realm sprg ($(ms_since "$KEYCLOAK_T0") ms, pid $(cat "$RUN/keycloak.pid"))"
}

stop_keycloak() {
  local said
  pid_of keycloak "$KC_HOME" > /dev/null || { rm -f "$DATA/keycloak/seed-wanted"; return 0; }
  said=$(stop_one keycloak "$KC_HOME" 30 2>&1)
  echo "$said" >&2
  # A clean stop after the first import: keep its database for the next fresh start.
  if [[ -f $DATA/keycloak/seed-wanted && -d $KC_HOME/data/h2 && $said != *killing* ]]; then
    local seed
    seed=$CACHE/keycloak/seed-$(cat "$DATA/keycloak/seed-wanted")
    if [[ ! -d $seed ]]; then
      { mkdir -p "$seed.tmp" && chmod 700 "$seed.tmp" && cp -a "$KC_HOME/data/h2" "$seed.tmp/h2" &&
        mv "$seed.tmp" "$seed"; } || rm -rf "$seed.tmp"
    fi
  fi
  rm -f "$DATA/keycloak/seed-wanted"
}

status_keycloak() {
  [[ $KC_ENABLED == 1 ]] || return 0
  local pid state
  pid=$(pid_of keycloak "$KC_HOME") || pid=-
  if curl -fs -o /dev/null "http://127.0.0.1:$KC_MGMT_PORT/health/ready"; then state=answering
  else state="NOT answering"; fi
  printf '%-9s pid %-8s %-50s %s\n' keycloak "$pid" "$KC_ISSUER" "$state"
  [[ $state == answering ]]
}

env_keycloak() {
  [[ $KC_ENABLED == 1 ]] || return 0
  echo "export SPRG_AUTH_ISSUER=$KC_ISSUER"
  echo "export KEYCLOAK_URL=$KC_URL"
  echo "export SPRG_SECRETS_FILE=$SECRETS"
}

case ${1:-} in
  fetch | start | stop | status | reset | env) "cmd_$1" ;;
  *) die "usage: $0 fetch|start|stop|status|reset|env" ;;
esac
