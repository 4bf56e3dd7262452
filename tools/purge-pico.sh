#!/usr/bin/env bash
# Rebuild static/vendor/pico/pico.purged.min.css: Pico with only the rules the portal uses.
set -euo pipefail
cd "$(dirname "$0")/.."
PURGECSS_VERSION=8.0.0
if [ ! -x .tools/node_modules/.bin/purgecss ]; then
  npm install --prefix .tools --no-audit --no-fund --save-exact "purgecss@$PURGECSS_VERSION" >/dev/null
fi
out=$(mktemp -d)
.tools/node_modules/.bin/purgecss --config tools/purgecss.config.cjs --output "$out/"
mv "$out/pico.min.css" static/vendor/pico/pico.purged.min.css
rmdir "$out"
wc -c static/vendor/pico/pico.min.css static/vendor/pico/pico.purged.min.css
