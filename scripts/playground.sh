#!/usr/bin/env bash
# npm run playground: try Ferry with no Slack workspace. Sets up what is missing (npm packages,
# redis-server, the build), runs a private Redis with its data in .ferry/playground/redis unless
# REDIS_URL is set, then starts the Slack stand-in, Ferry's app and a worker, and prints the URL.
set -euo pipefail
source "$(dirname "$0")/setup.sh"
ensure_node_modules
build
if [ -z "${REDIS_URL:-}" ]; then
  ensure_redis_server
  start_private_redis "${PLAYGROUND_DIR:-.ferry/playground}/redis"
fi
run_forwarding_signals node dist/src/playground/main.js
