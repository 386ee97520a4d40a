#!/usr/bin/env bash
# npm start / start:app / start:worker / check: set up what is missing, then run Ferry.
set -euo pipefail
source "$(dirname "$0")/setup.sh"
ensure_node_modules
build
cmd="${1:-start}"; shift || true
if [ "$cmd" != check ] && [ -z "${FERRY_CONFIG:-}" ] && [ ! -f ferry.yml ]; then
  cp ferry.example.yml ferry.yml
  say "no ferry.yml yet: created one from ferry.example.yml (it deploys this repository into ~/.ferry/deployments)."
  say "edit feed_channel and apps in ferry.yml for your team; 'npm run check' validates it."
fi
# A private Redis only when no Redis is set at all (REDIS_URL, Sentinel or Cluster).
if [ "$cmd" != check ] && [ -z "${REDIS_URL:-}${REDIS_SENTINELS:-}${REDIS_CLUSTER_NODES:-}" ]; then
  ensure_redis_server
  start_private_redis
fi
run_forwarding_signals node dist/src/bin/ferry.js "$cmd" "$@"
