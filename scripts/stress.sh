#!/usr/bin/env bash
# npm run stress: set up what is missing (npm packages, redis-server), build, start a private Redis
# on a free port in a temp folder, and run bench/kill-stress.ts against it: real worker processes
# killed with SIGKILL mid-deploy (their pid or their whole process group), at least 50 times, then a
# table (also written to .ferry/stress.txt) of orphaned processes, overlapping deploys of one env,
# deploys without exactly one final state and retries started while an earlier attempt ran; the
# exit code is non-zero if any is not 0. Knobs: STRESS_KILLS, STRESS_LANES, STRESS_KINDS,
# STRESS_ORPHAN_SLACK_MS (see bench/kill-stress.ts). Not part of npm test; a run takes minutes.
set -uo pipefail
source "$(dirname "$0")/setup.sh"
ensure_node_modules || exit 1
ensure_redis_server || exit 1
build || exit 1
npx --no-install tsc -p bench/tsconfig.json >&2 || { say "the stress script did not compile (see above)"; exit 1; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/ferry-stress.XXXXXX") || exit 1
port=$(node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")
redis-server --bind 127.0.0.1 --port "$port" --dir "$tmp" --appendonly yes --appendfsync everysec \
  --maxmemory-policy noeviction --save '' --daemonize no --logfile "$tmp/redis.log" &
redis_pid=$!
cleanup() {
  kill "$redis_pid" 2>/dev/null
  wait "$redis_pid" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

up=""
for _ in $(seq 1 50); do
  if node -e "const s=require('net').connect($port,'127.0.0.1',()=>{s.end();process.exit(0)});s.on('error',()=>process.exit(1))"; then up=1; break; fi
  sleep 0.1
done
[ -n "$up" ] || { say "the stress run's Redis did not start:"; cat "$tmp/redis.log" >&2; exit 1; }

mkdir -p .ferry
REDIS_URL="redis://127.0.0.1:$port" node dist/bench/kill-stress.js
