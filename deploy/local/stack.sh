#!/usr/bin/env bash
# The six services (and a local SMTP catcher) as background processes, for `make run`.
#
#   deploy/local/stack.sh up|down|status|urls|follow
#
#   up      start what is not running yet (idempotent), wait until each answers /readyz
#   down    stop only the processes this script started (pid files in .local/run)
#   status  pid and readiness of each
#   urls    where to look
#   follow  tail the services' logs until Ctrl-C
#
# Secrets are generated once into .local/secrets.env (mode 600) and never committed.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
LOCAL=$REPO/.local
RUN=$LOCAL/run
LOGS=$LOCAL/log
PY=$REPO/.venv/bin/python
SECRETS=$LOCAL/secrets.env
SERVICES=(intake rules scheduler notifier reporting console)
declare -A PORTS=([intake]=8001 [rules]=8002 [scheduler]=8003 [notifier]=8004 [reporting]=8005 [console]=8000)
SMTP_PORT=${SPRG_SMTP_PORT:-1025}

say() { echo "stack.sh: $*" >&2; }
die() { say "$*"; exit 1; }

secrets() {
  mkdir -p "$LOCAL"
  # infra.sh may have written the file first (Keycloak's and Kafka's secrets): add what is missing.
  local made=0
  (umask 077; touch "$SECRETS")
  if ! grep -q '^SPRG_CONSOLE_SESSION_SECRET=' "$SECRETS"; then
    (umask 077; echo "SPRG_CONSOLE_SESSION_SECRET=$("$PY" -c 'import secrets; print(secrets.token_urlsafe(48))')" >> "$SECRETS")
    made=1
  fi
  # Seals the console's sessions (the people's tokens) in the store, as the PII key does for intake.
  if ! grep -q '^SPRG_CONSOLE_SESSION_KEY=' "$SECRETS"; then
    (umask 077; echo "SPRG_CONSOLE_SESSION_KEY=$("$PY" -c 'import base64, secrets; print(base64.b64encode(secrets.token_bytes(32)).decode())')" >> "$SECRETS")
    made=1
  fi
  if ! grep -q '^SPRG_INTAKE_PII_KEY=' "$SECRETS"; then
    (umask 077; echo "SPRG_INTAKE_PII_KEY=$("$PY" -c 'import base64, secrets; print(base64.b64encode(secrets.token_bytes(32)).decode())')" >> "$SECRETS")
    made=1
  fi
  # `sprg tokens mint` signs development tokens with this key; the services trust it because
  # SPRG_ENV is not production here (production refuses it and trusts only the provider).
  if ! grep -q '^SPRG_AUTH_DEV_KEY_FILE=' "$SECRETS"; then
    (umask 077; "$PY" -c 'import sys; from sprg_shared.auth import new_dev_key; sys.stdout.buffer.write(new_dev_key())' \
      > "$LOCAL/dev-signing-key.pem")
    (umask 077; echo "SPRG_AUTH_DEV_KEY_FILE=$LOCAL/dev-signing-key.pem" >> "$SECRETS")
    made=1
  fi
  # Webhooks are signed with it; without it the notifier sends no webhook at all.
  if ! grep -q '^SPRG_NOTIFIER_WEBHOOK_SECRET=' "$SECRETS"; then
    (umask 077; echo "SPRG_NOTIFIER_WEBHOOK_SECRET=$("$PY" -c 'import secrets; print(secrets.token_urlsafe(48))')" >> "$SECRETS")
    made=1
  fi
  chmod 600 "$SECRETS"
  (( made == 0 )) || say "generated local secrets in $SECRETS"
  set -a; source "$SECRETS"; set +a
  eval "$("$HERE/infra.sh" env)"
  export KAFKA_BOOTSTRAP_SERVERS MONGODB_URL
  # Tokens: Keycloak's (SPRG_AUTH_ISSUER, from infra.sh env) and, in development, the key above;
  # an agency must be one of the demo partnership's.
  export SPRG_AUTH_AGENCIES_FILE=${SPRG_AUTH_AGENCIES_FILE:-$REPO/deploy/demo/croydon-sprg.json}
}

alive() { [[ -f $RUN/$1.pid ]] && kill -0 "$(cat "$RUN/$1.pid")" 2>/dev/null; }

ready() { curl -fs -o /dev/null "http://127.0.0.1:${PORTS[$1]}/readyz" 2>/dev/null; }

start_one() {  # name, command...
  local name=$1; shift
  if alive "$name"; then return 0; fi
  mkdir -p "$RUN" "$LOGS"
  nohup "$@" >> "$LOGS/$name.log" 2>&1 &
  echo $! > "$RUN/$name.pid"
}

up() {
  secrets
  mkdir -p "$LOCAL/mail"/{tmp,new,cur}  # a Maildir: Python creates the subfolders only for a new root
  start_one smtp "$PY" -m aiosmtpd -n -l "127.0.0.1:$SMTP_PORT" -c aiosmtpd.handlers.Mailbox "$LOCAL/mail"
  export SPRG_NOTIFIER_SMTP_PORT=$SMTP_PORT
  # The console signs people in at the realm (infra.sh's Keycloak) as the client sprg-console.
  export SPRG_CONSOLE_OIDC_ISSUER=${SPRG_CONSOLE_OIDC_ISSUER:-http://127.0.0.1:${SPRG_KEYCLOAK_PORT:-8080}/realms/sprg}
  export SPRG_CONSOLE_OIDC_CLIENT_SECRET=${SPRG_CONSOLE_CLIENT_SECRET:-}
  export SPRG_CONSOLE_AGENCIES_FILE=${SPRG_CONSOLE_AGENCIES_FILE:-$REPO/deploy/demo/croydon-sprg.json}
  "$HERE/console-assets.sh" > /dev/null
  for s in "${SERVICES[@]}"; do
    SPRG_LOG_LEVEL=${SPRG_LOG_LEVEL:-INFO} start_one "$s" "$PY" -m "sprg_$s"
  done
  local deadline=$((SECONDS + 90))
  for s in "${SERVICES[@]}"; do
    until ready "$s"; do
      alive "$s" || die "$s exited; see $LOGS/$s.log"
      (( SECONDS < deadline )) || die "$s not ready within 90s; see $LOGS/$s.log"
      sleep 0.5
    done
  done
  say "all six services ready"
}

down() {
  local name pid
  for name in "${SERVICES[@]}" smtp; do
    [[ -f $RUN/$name.pid ]] || continue
    pid=$(cat "$RUN/$name.pid")
    if kill -0 "$pid" 2>/dev/null; then
      kill "$pid" 2>/dev/null || true
      for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
      kill -9 "$pid" 2>/dev/null || true
    fi
    rm -f "$RUN/$name.pid"
  done
  say "services stopped"
}

status() {
  for s in "${SERVICES[@]}"; do
    if alive "$s"; then
      if ready "$s"; then r=ready; else r="not ready"; fi
      printf '%-10s pid %-7s %s  http://127.0.0.1:%s\n' "$s" "$(cat "$RUN/$s.pid")" "$r" "${PORTS[$s]}"
    else
      printf '%-10s stopped\n' "$s"
    fi
  done
}

urls() {
  cat <<TXT

SPRG review tracker is running.
  console    http://127.0.0.1:8000        (sign in as a demo user below)
  intake     http://127.0.0.1:8001/docs   (POST /v1/incidents)
  rules      http://127.0.0.1:8002/docs   (POST /v1/assessments)
  scheduler  http://127.0.0.1:8003/docs   (GET /v1/clocks)
  notifier   http://127.0.0.1:8004/docs   (GET /v1/deliveries)
  reporting  http://127.0.0.1:8005/docs   (GET /v1/summary)
  each also serves /healthz, /readyz and /metrics
  e-mail     every message the notifier sends lands in $LOCAL/mail/new/
  logs       $LOGS/
  a token    set -a; . $SECRETS; set +a; .venv/bin/sprg tokens mint --agency cscp --role business_team
  sign-in    Keycloak http://127.0.0.1:8080/realms/sprg (admin console /admin: user admin,
             password SPRG_KEYCLOAK_ADMIN_PASSWORD in $SECRETS)
             demo users, password SPRG_DEMO_PASSWORD in $SECRETS:
               demo-business-team  business_team     cscp
               demo-chair          chair, sprg_member croydon-csc
               demo-member-police  sprg_member       met-police
               demo-police         agency_submitter  met-police
               demo-school         agency_submitter  st-marys-school
               demo-executive      executive_reader  croydon-csc
               demo-rules-admin    rules_admin       cscp
             agency system (client credentials): client cms-croydon-csc,
             secret SPRG_CMS_CLIENT_SECRET
Stop with Ctrl-C here, or 'make stop' from another shell.
TXT
}

follow() {
  tail -n 0 -F "$LOGS"/{intake,rules,scheduler,notifier,reporting}.log &
  local tailer=$!
  # Once stopping, nothing may interrupt it: a second Ctrl-C, the terminal closing or a
  # reader of our output going away would otherwise leave the broker and store running.
  trap 'trap "" INT TERM HUP PIPE; echo; kill $tailer 2>/dev/null; down; "$HERE/monitoring.sh" down; "$HERE/infra.sh" stop; exit 0' INT TERM HUP
  wait
}

case ${1:-} in
  up) up ;;
  down) down ;;
  status) status ;;
  urls) urls ;;
  follow) follow ;;
  load-demo) secrets; "$REPO/.venv/bin/sprg" demo load ;;
  *) die "usage: $0 up|down|status|urls|follow|load-demo" ;;
esac
