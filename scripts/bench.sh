#!/usr/bin/env bash
# npm run bench: set up what is missing (npm packages, redis-server), build, start a private Redis
# on a free port in a temp folder, and run bench/bench.ts against it. Prints a table (also written
# to .ferry/bench.txt): Ferry's ack latency vs bare Bolt, its accepted->running latency vs bare
# BullMQ, and the engine load (1,000 no-op deploys over 50 envs vs a bare BullMQ worker; RSS; acks
# under a backlog). BENCH_ONLY=engine|classic runs one part; other knobs in bench/README.md.
set -uo pipefail
source "$(dirname "$0")/setup.sh"
ensure_node_modules || exit 1
ensure_redis_server || exit 1
build || exit 1
npx --no-install tsc -p bench/tsconfig.json >&2 || { say "the bench did not compile (see above)"; exit 1; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/ferry-bench.XXXXXX") || exit 1
port=$(node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")
# Configured as Ferry's design says production Redis runs: AOF with fsync every second, no eviction.
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
[ -n "$up" ] || { say "the bench's Redis did not start:"; cat "$tmp/redis.log" >&2; exit 1; }

mkdir -p .ferry
BENCH_REDIS_URL="redis://127.0.0.1:$port" BENCH_TMP="$tmp" node dist/bench/bench.js
