#!/usr/bin/env bash
# Real Apache Kafka (KRaft, one node) and FerretDB (MongoDB protocol on SQLite) on
# loopback, without Docker.
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
# Settings (environment): SPRG_KAFKA_PORT (9092), SPRG_KAFKA_CONTROLLER_PORT (9094: 9093
# is Alertmanager's), SPRG_KAFKA_METRICS_PORT (unset: none; else the broker's own metrics,
# through the Prometheus JMX exporter agent, on http://127.0.0.1:PORT/metrics), SPRG_MONGO_PORT (27017), SPRG_LOCAL_DIR (data, logs and pid files; default
# <repo>/.local), SPRG_READY_TIMEOUT (seconds, 60), SPRG_PYTHON (<repo>/.venv/bin/python),
# JAVA_HOME. Jars and binaries are always cached in <repo>/.local (git-ignored).
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

KAFKA_LIB=$CACHE/kafka/lib
JMX_AGENT=$CACHE/kafka/agent/jmx_prometheus_javaagent.jar
JMX_RULES=$REPO/deploy/prometheus/kafka-jmx.yml
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
  [[ -f $KAFKA_LIB/.stamp && $(cat "$KAFKA_LIB/.stamp") == "$want" && -f $JMX_AGENT ]] && return 0
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
  ( flock 9; fetch_kafka; fetch_ferretdb ) 9> "$CACHE/.fetch.lock"
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
      "not $ports: use those ports or run 'infra.sh reset' (make reset). The controller's" \
      "default moved from 9093 to 9094 (Alertmanager's port is 9093): data made before that" \
      "needs a reset, or SPRG_KAFKA_CONTROLLER_PORT=9093 and no Alertmanager"
  fi
  local agent=()
  if [[ -n $METRICS_PORT ]]; then
    agent=(-javaagent:"$JMX_AGENT=127.0.0.1:$METRICS_PORT:$JMX_RULES")
    say "the broker's own metrics: http://127.0.0.1:$METRICS_PORT/metrics"
  fi
  setsid "$JAVA" -Xms256m -Xmx512m -XX:+UseG1GC -XX:MaxGCPauseMillis=20 "${agent[@]}" "${jvm[@]}" \
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
  start_kafka
  start_ferretdb
  wait_for ferretdb mongo "$MONGO_URL" "$SQLITE_DIR" "$LOGS/ferretdb.log" "$FERRETDB_T0"
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
  stop_one ferretdb "$SQLITE_DIR" 10
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
}

case ${1:-} in
  fetch | start | stop | status | reset | env) "cmd_$1" ;;
  *) die "usage: $0 fetch|start|stop|status|reset|env" ;;
esac
