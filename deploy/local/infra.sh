#!/usr/bin/env bash
# Real Apache Kafka (KRaft, one node), FerretDB (MongoDB protocol on SQLite) and Keycloak
# (the OpenID Connect provider, realm `sprg` from deploy/keycloak/) on loopback, without Docker.
#
#   deploy/local/infra.sh fetch|start|stop|status|reset|env
#
#   fetch   copy the Kafka jars (Maven) and build FerretDB (Go) if not cached yet
#   start   fetch, start both servers in the background, wait until they answer,
#           then create the project's topics (python -m sprg_shared.topics)
#   stop    stop the servers this script started (TERM, then KILL); keep data
#   status  pid, address and whether each server answers (exit 3 if one does not)
#   reset   stop, then delete the data
#   env     print the export lines for KAFKA_BOOTSTRAP_SERVERS and MONGODB_URL
#
# Settings (environment): SPRG_KAFKA_PORT (9092), SPRG_KAFKA_CONTROLLER_PORT (9093),
# SPRG_MONGO_PORT (27017), SPRG_LOCAL_DIR (data, logs and pid files; default
# <repo>/.local), SPRG_READY_TIMEOUT (seconds, 60), SPRG_PYTHON (<repo>/.venv/bin/python),
# JAVA_HOME. Jars and binaries are always cached in <repo>/.local (git-ignored).
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
CONTROLLER_PORT=${SPRG_KAFKA_CONTROLLER_PORT:-9093}
MONGO_PORT=${SPRG_MONGO_PORT:-27017}
READY_TIMEOUT=${SPRG_READY_TIMEOUT:-60}
PY=${SPRG_PYTHON:-$REPO/.venv/bin/python}
JAVA=${JAVA_HOME:+$JAVA_HOME/bin/}java

KAFKA_LIB=$CACHE/kafka/lib
FERRETDB=$CACHE/bin/ferretdb
KAFKA_ADDR=127.0.0.1:$KAFKA_PORT
MONGO_URL="mongodb://127.0.0.1:$MONGO_PORT/?directConnection=true"
KAFKA_PROPS=$RUN/kafka-server.properties
SQLITE_DIR=$DATA/ferretdb/sqlite/

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

fetch_ferretdb() {
  local src=$HERE/ferretdb-tool want
  want=$(stamp "$src/go.mod" "$src/go.sum" "$src/main.go")
  [[ -x $FERRETDB && -f $FERRETDB.stamp && $(cat "$FERRETDB.stamp") == "$want" ]] && return 0
  need go "install Go (the version in deploy/local/ferretdb-tool/go.mod); it builds FerretDB once"
  say "building FerretDB into $FERRETDB (the first build takes minutes)"
  mkdir -p "$(dirname "$FERRETDB")"
  (cd "$src" && CGO_ENABLED=0 go build -o "$FERRETDB.tmp" .) \
    || die "go build of FerretDB failed (deploy/local/ferretdb-tool), see the output above"
  mv "$FERRETDB.tmp" "$FERRETDB"
  echo "$want" > "$FERRETDB.stamp"
}

cmd_fetch() {
  mkdir -p "$CACHE"
  ( flock 9; fetch_kafka; fetch_ferretdb; fetch_keycloak ) 9> "$CACHE/.fetch.lock"
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

start_ferretdb() {
  local pid
  if pid=$(pid_of ferretdb "$SQLITE_DIR"); then
    say "FerretDB already running (pid $pid)"
    return 0
  fi
  port_taken "$MONGO_PORT" && die "port $MONGO_PORT is in use by a process this script" \
    "did not start (set SPRG_MONGO_PORT)"
  mkdir -p "$SQLITE_DIR" "$LOGS" "$RUN"
  setsid "$FERRETDB" --handler=sqlite --sqlite-url="file:$SQLITE_DIR" \
    --listen-addr="127.0.0.1:$MONGO_PORT" --log-level=error >> "$LOGS/ferretdb.log" 2>&1 < /dev/null &
  echo $! > "$RUN/ferretdb.pid"
  FERRETDB_T0=$(date +%s%N)
}

wait_for() {  # wait_for NAME KIND ADDRESS PIDMARK LOGFILE START_NS
  if ! answers "$2" "$3" "$READY_TIMEOUT"; then
    pid_of "$1" "$4" > /dev/null || die "$1 exited during start-up; see $5"
    die "$1 did not answer at $3 within ${READY_TIMEOUT}s; see $5"
  fi
  say "$1 ready at $3 ($(ms_since "$6") ms, pid $(cat "$RUN/$1.pid"))"
}

cmd_start() {
  cmd_fetch
  need_java
  need_python
  KAFKA_T0=$(date +%s%N) FERRETDB_T0=$(date +%s%N)  # reset by start_* when they start one
  start_keycloak
  start_kafka
  start_ferretdb
  wait_for ferretdb mongo "$MONGO_URL" "$SQLITE_DIR" "$LOGS/ferretdb.log" "$FERRETDB_T0"
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
  stop_one ferretdb "$SQLITE_DIR" 10
  stop_keycloak
}

cmd_status() {
  need_python
  local rc=0 name kind addr mark pid state
  while read -r name kind addr mark; do
    pid=$(pid_of "$name" "$mark") || pid=-
    if answers "$kind" "$addr" 0; then state=answering; else state="NOT answering"; rc=3; fi
    printf '%-9s pid %-8s %-50s %s\n' "$name" "$pid" "$addr" "$state"
  done <<< "kafka kafka $KAFKA_ADDR $KAFKA_PROPS
ferretdb mongo $MONGO_URL $SQLITE_DIR"
  status_keycloak || rc=3
  return "$rc"
}

cmd_reset() {
  cmd_stop
  rm -rf "$DATA"
  say "deleted $DATA"
}

cmd_env() {
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
