#!/usr/bin/env bash
# Headless Chromium for the browser tests (the intake web form, the report pages).
# Debian's chromium package; Playwright (a dev dependency) drives it, so no browser
# download is needed. Prints the browser's path.
#
#   deploy/local/browser.sh        install chromium if missing, print its path
#
# Settings: SPRG_CHROMIUM (a browser already installed elsewhere).
set -euo pipefail

say() { echo "browser.sh: $*" >&2; }

if [[ -n ${SPRG_CHROMIUM:-} ]]; then
  [[ -x $SPRG_CHROMIUM ]] || { say "SPRG_CHROMIUM=$SPRG_CHROMIUM is not executable"; exit 1; }
  echo "$SPRG_CHROMIUM"; exit 0
fi
for candidate in /usr/bin/chromium /usr/bin/chromium-browser; do
  [[ -x $candidate ]] && { echo "$candidate"; exit 0; }
done

command -v apt-get >/dev/null || { say "no chromium and no apt-get: install Chromium and set SPRG_CHROMIUM"; exit 1; }
sudo=()
(( EUID == 0 )) || sudo=(sudo -n)
say "installing Debian's chromium (about a minute)"
export DEBIAN_FRONTEND=noninteractive
if ! "${sudo[@]}" apt-get install -y -q chromium >/dev/null 2>&1; then
  "${sudo[@]}" apt-get update -q >/dev/null
  "${sudo[@]}" apt-get install -y -q chromium >/dev/null
fi
[[ -x /usr/bin/chromium ]] || { say "apt-get ran but /usr/bin/chromium is missing"; exit 1; }
echo /usr/bin/chromium
