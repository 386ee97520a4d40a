#!/usr/bin/env bash
# npm run playground: try Ferry with no Slack workspace. Sets up what is missing (npm packages,
# redis-server, the build when src/ is newer than dist/), runs a private Redis with its data in
# .ferry/playground/redis unless REDIS_URL is set, then starts the Slack stand-in, Ferry's app and
# a worker, and prints the URL. INT, TERM or HUP to this script, or to the `npm run playground`
# above it, stops all of it.
set -euo pipefail
source "$(dirname "$0")/setup.sh"
ensure_node_modules
# A build that is up to date is kept (a rebuild empties dist/ first, under anything else using it);
# FERRY_SKIP_BUILD=1 uses dist/ as it is (the tests, which run against the build npm test made).
if [ "${FERRY_SKIP_BUILD:-}" != 1 ] && { [ ! -f dist/src/playground/main.js ] || [ ! -f dist/web/playground.js ] ||
  [ -n "$(find src scripts/build.sh tsconfig.build.json tsconfig.web.json -newer dist/src/playground/main.js -print -quit)" ]; }; then
  build
fi
if [ -z "${REDIS_URL:-}" ]; then
  ensure_redis_server
  start_private_redis "${PLAYGROUND_DIR:-.ferry/playground}/redis"
fi
run_forwarding_signals node dist/src/playground/main.js
