#!/usr/bin/env bash
# The console's front-end assets, from the npm registry by version (never a CDN at run time):
#   - GOV.UK Frontend's compiled CSS, JavaScript and images into the console package's
#     static/ folder (git-ignored), served by the console at /assets;
#   - axe-core into .local/axe-core/ for the browser tests' accessibility checks.
#
#   deploy/local/console-assets.sh     fetch when missing or of another version; prints the folder
#
# The console is not a service on GOV.UK: the GDS Transport font (and its @font-face) is
# taken out of the stylesheet, so pages use the Frontend's own fallback stack (arial,
# sans-serif), and neither the fonts nor the crown images are copied.
set -euo pipefail

GOVUK_FRONTEND=6.3.0   # the version govuk-frontend-jinja 4.1.0 renders identically
AXE_CORE=4.14.1
repo=$(cd "$(dirname "$0")/../.." && pwd)
static=${SPRG_CONSOLE_STATIC:-$repo/services/console/src/sprg_console/static}
axe=${SPRG_AXE_DIR:-$repo/.local/axe-core}
stamp="govuk-frontend@$GOVUK_FRONTEND axe-core@$AXE_CORE"

say() { echo "console-assets.sh: $*" >&2; }

if [[ -f $static/.version && $(cat "$static/.version") == "$stamp" && -f $axe/axe.min.js ]]; then
  echo "$static"; exit 0
fi
command -v npm >/dev/null || { say "npm is needed to fetch GOV.UK Frontend (apt-get install npm)"; exit 1; }
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
say "fetching $stamp"
(cd "$work" && npm pack --silent "govuk-frontend@$GOVUK_FRONTEND" "axe-core@$AXE_CORE" >/dev/null)
mkdir -p "$work/govuk" "$work/axe"
tar -xzf "$work/govuk-frontend-$GOVUK_FRONTEND.tgz" -C "$work/govuk"
tar -xzf "$work/axe-core-$AXE_CORE.tgz" -C "$work/axe"
dist=$work/govuk/package/dist/govuk

rm -rf "$static.new"; mkdir -p "$static.new/images"
# Drop the @font-face rules and the GDS Transport family: what remains is arial, sans-serif.
sed -E -e 's/@font-face\{[^}]*\}//g' -e 's/"?GDS Transport"?,?//g' \
  "$dist/govuk-frontend.min.css" > "$static.new/govuk-frontend.min.css"
if grep -q "GDS Transport" "$static.new/govuk-frontend.min.css"; then
  say "GDS Transport is still named in the stylesheet"; exit 1
fi
cp "$dist/govuk-frontend.min.js" "$static.new/"
cp "$dist/assets/images/favicon.ico" "$static.new/images/" 2>/dev/null || true
echo "$stamp" > "$static.new/.version"
rm -rf "$static"; mv "$static.new" "$static"

mkdir -p "$axe"
cp "$work/axe/package/axe.min.js" "$axe/axe.min.js"
echo "$static"
