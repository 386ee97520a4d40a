#!/usr/bin/env bash
# npm start / start:app / start:worker / check: set up what is missing, then run Ferry.
set -euo pipefail
source "$(dirname "$0")/setup.sh"
ensure_node_modules
build
cmd="${1:-start}"; shift || true
if [ "$cmd" != check ] && [ -z "${REDIS_URL:-}" ]; then
  ensure_redis_server
  start_private_redis
fi
node dist/src/bin/ferry.js "$cmd" "$@"
