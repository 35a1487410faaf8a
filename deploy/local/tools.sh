#!/usr/bin/env bash
# What the tests need beyond Python, fetched by name from the registries when missing:
#   promtool (Debian package prometheus) - checks the Prometheus config, runs the alert rules' tests;
#     prometheus itself (make run, the e2e alert test)
#   prometheus-alertmanager (Debian package) - routes alerts by e-mail (make run, the e2e alert test)
#   operator CRDs (Go modules, with the Go toolchain) - the schemas deploy/k8s's custom resources
#     are validated against: Prometheus Operator (ServiceMonitor, PrometheusRule) and the MongoDB
#     Community Operator (MongoDBCommunity). Strimzi publishes its CRDs in no registry reached here.
# Idempotent and quick when everything is there. Needs root or sudo for apt-get.
set -euo pipefail
cd "$(dirname "$0")/../.."

# Versions here and in tests/k8s_render.py (CRD_MODULES) go together.
CRD_MODULES=(
  github.com/prometheus-operator/prometheus-operator@v0.85.0
  github.com/mongodb/mongodb-kubernetes-operator@v0.13.0
)
export GOMODCACHE="$PWD/.local/crds" GOFLAGS="-mod=mod -modcacherw"
for module in "${CRD_MODULES[@]}"; do
  if [[ ! -d "$GOMODCACHE/$module" ]]; then
    echo "tools.sh: fetching $module (its CRDs) from the Go module proxy" >&2
    (cd "$(mktemp -d)" && go mod download "$module")
  fi
done

need_apt=()
command -v promtool >/dev/null 2>&1 || need_apt+=(prometheus)
command -v prometheus-alertmanager >/dev/null 2>&1 || need_apt+=(prometheus-alertmanager)

if ((${#need_apt[@]} == 0)); then
  exit 0
fi

sudo=()
if [[ $(id -u) -ne 0 ]]; then
  if command -v sudo >/dev/null 2>&1; then sudo=(sudo); else
    echo "tools.sh: need root (or sudo) to apt-get install ${need_apt[*]}" >&2
    exit 1
  fi
fi
echo "tools.sh: installing ${need_apt[*]} from Debian's packages" >&2
export DEBIAN_FRONTEND=noninteractive
# Several checkouts may share the machine: wait for another apt-get rather than fail.
"${sudo[@]}" apt-get -o DPkg::Lock::Timeout=600 update -qq
"${sudo[@]}" apt-get -o DPkg::Lock::Timeout=600 install -y -q --no-install-recommends "${need_apt[@]}"
# The package's service would listen on :9090 (docker-compose.yml's Prometheus port): we only
# want the tool. Stop it where an init system started it.
# The same for Alertmanager (:9093). make run starts both itself (deploy/local/monitoring.sh).
for unit in prometheus prometheus-alertmanager; do
  if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet "$unit" 2>/dev/null; then
    "${sudo[@]}" systemctl disable --now "$unit" >/dev/null 2>&1 || true
  fi
done
command -v promtool >/dev/null && command -v prometheus-alertmanager >/dev/null
