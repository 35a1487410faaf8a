#!/usr/bin/env bash
# Command-line tools the tests need beyond Python: installed from Debian's packages when missing.
#   promtool (package prometheus)  - checks the Prometheus config and runs the alert rules' unit tests
# Idempotent and quick when everything is there. Needs root or sudo for apt-get.
set -euo pipefail

need_apt=()
command -v promtool >/dev/null 2>&1 || need_apt+=(prometheus)

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
if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet prometheus 2>/dev/null; then
  "${sudo[@]}" systemctl disable --now prometheus >/dev/null 2>&1 || true
fi
command -v promtool >/dev/null
