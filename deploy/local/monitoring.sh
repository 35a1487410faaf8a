#!/usr/bin/env bash
# Prometheus and Alertmanager (Debian's packages, deploy/local/tools.sh installs them) as
# background processes, for `make run`.
#
#   deploy/local/monitoring.sh up|down|status|urls
#
#   up      write the configs, start what is not running yet, wait until both answer
#   down    stop only the processes this script started (pid files in .local/run)
#   status  pid and readiness of each
#   urls    where to look
#
# The configs are generated into .local/monitoring/ from the shared files, never edited here:
#   prometheus.yml   `sprg ops prometheus-config --local`: deploy/prometheus/prometheus.yml
#                    with the make-run targets (services 8001-8005, console 8000, the broker's
#                    JMX exporter 9404), the shared rules (deploy/prometheus/alerts.yml) and
#                    consoles (deploy/prometheus/consoles), and Alertmanager
#   alertmanager.yml `sprg ops alertmanager-config`: every alert by e-mail to the people with
#                    the operations role in deploy/demo/croydon-sprg.json, through the local
#                    SMTP catcher (deploy/local/stack.sh; mail lands in .local/mail/new/)
#
# Settings (environment): SPRG_PROMETHEUS_PORT (9090), SPRG_ALERTMANAGER_PORT (9093),
# SPRG_SMTP_PORT (1025).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
LOCAL=$REPO/.local
RUN=$LOCAL/run
LOGS=$LOCAL/log
CONF=$LOCAL/monitoring
DATA=$LOCAL/data
SPRG=$REPO/.venv/bin/sprg
PROM_PORT=${SPRG_PROMETHEUS_PORT:-9090}
AM_PORT=${SPRG_ALERTMANAGER_PORT:-9093}
SMTP_PORT=${SPRG_SMTP_PORT:-1025}

say() { echo "monitoring.sh: $*" >&2; }
die() { say "$*"; exit 1; }

pid_of() {  # pid_of NAME MARK: the live pid from run/NAME.pid whose command line has MARK
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

ready() { curl -fs -o /dev/null "http://127.0.0.1:$1/-/ready" 2>/dev/null; }
port_taken() { (exec 3<> "/dev/tcp/127.0.0.1/$1") 2> /dev/null; }

start_one() {  # start_one NAME MARK PORT command...
  local name=$1 mark=$2 port=$3; shift 3
  if pid_of "$name" "$mark" > /dev/null; then return 0; fi
  port_taken "$port" && die "port $port is in use by a process this script did not start"
  mkdir -p "$RUN" "$LOGS"
  setsid "$@" >> "$LOGS/$name.log" 2>&1 < /dev/null &
  echo $! > "$RUN/$name.pid"
}

up() {
  command -v prometheus > /dev/null && command -v prometheus-alertmanager > /dev/null \
    || die "prometheus or prometheus-alertmanager missing: run deploy/local/tools.sh (make tools)"
  [[ -x $SPRG ]] || die "$SPRG missing: run make setup"
  mkdir -p "$CONF" "$DATA/prometheus" "$DATA/alertmanager"
  "$SPRG" ops prometheus-config --local --target "prometheus=127.0.0.1:$PROM_PORT" \
    --alertmanager "127.0.0.1:$AM_PORT" --out "$CONF/prometheus.yml" >&2
  "$SPRG" ops alertmanager-config --smtp "127.0.0.1:$SMTP_PORT" --out "$CONF/alertmanager.yml" >&2
  promtool check config "$CONF/prometheus.yml" > /dev/null || die "the generated prometheus.yml is invalid"
  amtool check-config "$CONF/alertmanager.yml" > /dev/null || die "the generated alertmanager.yml is invalid"
  # A new make run tells the team again of what is still wrong: Alertmanager's notification
  # log (which alerts it already e-mailed) is not kept from the last run; silences are.
  pid_of alertmanager "$CONF/alertmanager.yml" > /dev/null || rm -f "$DATA/alertmanager/nflog"
  # --cluster.listen-address= : one Alertmanager, no gossip (it would take port 9094).
  start_one alertmanager "$CONF/alertmanager.yml" "$AM_PORT" prometheus-alertmanager \
    --config.file="$CONF/alertmanager.yml" --storage.path="$DATA/alertmanager" \
    --web.listen-address="127.0.0.1:$AM_PORT" --cluster.listen-address= \
    --web.external-url="http://127.0.0.1:$AM_PORT"
  start_one prometheus "$CONF/prometheus.yml" "$PROM_PORT" prometheus \
    --config.file="$CONF/prometheus.yml" --storage.tsdb.path="$DATA/prometheus" \
    --storage.tsdb.retention.time=15d --web.listen-address="127.0.0.1:$PROM_PORT" \
    --web.external-url="http://127.0.0.1:$PROM_PORT" \
    --web.console.templates="$REPO/deploy/prometheus/consoles" \
    --web.console.libraries="$REPO/deploy/prometheus/console_libraries"
  local deadline=$((SECONDS + 60)) name port mark
  for entry in "alertmanager $AM_PORT $CONF/alertmanager.yml" "prometheus $PROM_PORT $CONF/prometheus.yml"; do
    read -r name port mark <<< "$entry"
    until ready "$port"; do
      pid_of "$name" "$mark" > /dev/null || die "$name exited; see $LOGS/$name.log"
      (( SECONDS < deadline )) || die "$name not ready within 60s; see $LOGS/$name.log"
      sleep 0.5
    done
  done
  say "Prometheus and Alertmanager ready"
}

down() {
  local name mark pid
  for name in prometheus alertmanager; do
    mark=$CONF/$name.yml
    pid=$(pid_of "$name" "$mark") || continue
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -9 "$pid" 2>/dev/null || true
    rm -f "$RUN/$name.pid"
    say "$name stopped (pid $pid)"
  done
}

status() {
  local name port pid state
  for entry in "prometheus $PROM_PORT" "alertmanager $AM_PORT"; do
    read -r name port <<< "$entry"
    pid=$(pid_of "$name" "$CONF/$name.yml") || pid=-
    if ready "$port"; then state=ready; else state="not ready"; fi
    printf '%-12s pid %-7s %-9s http://127.0.0.1:%s\n' "$name" "$pid" "$state" "$port"
  done
}

urls() {
  cat <<TXT
Operations:
  prometheus   http://127.0.0.1:$PROM_PORT/consoles/sprg.html   (clocks, lag, dead letters, deliveries, HTTP, broker)
               http://127.0.0.1:$PROM_PORT/alerts   and /targets
  alertmanager http://127.0.0.1:$AM_PORT   (alerts e-mailed to the operations role: $LOCAL/mail/new/)
TXT
}

case ${1:-} in
  up) up ;;
  down) down ;;
  status) status ;;
  urls) urls ;;
  *) die "usage: $0 up|down|status|urls" ;;
esac
