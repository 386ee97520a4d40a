#!/usr/bin/env bash
# npm run build: the server (src/ -> dist/src/), the browser scripts of the log page and the
# playground (src/web/*.ts -> dist/web/, plain ES modules) and their stylesheets.
# The Lua scripts are not copied: every run reads them from src/store/lua (see src/store/lua.ts),
# so a plain `tsc -p tsconfig.build.json` build runs too; the Dockerfile copies them beside dist/.
set -euo pipefail
cd "$(dirname "$0")/.."
rm -rf dist/src dist/web  # no stale modules (a file removed from src/ must not linger in dist/)
npx --no-install tsc -p tsconfig.build.json
npx --no-install tsc -p tsconfig.web.json
mkdir -p dist/web
cp src/web/*.css dist/web/
