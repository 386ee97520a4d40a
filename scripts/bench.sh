#!/usr/bin/env bash
# npm run bench: set up what is missing (npm packages, redis-server), build, start a private Redis
# on a free port in a temp folder, and run bench/bench.ts against it. Prints a table (also written
# to .ferry/bench.txt): Ferry's ack latency vs bare Bolt, its accepted->running latency vs bare
# BullMQ, the engine load (1,000 no-op deploys over 50 envs vs a bare BullMQ worker; RSS; acks
# under a backlog), and /release of a 1,000-commit range vs a bare paginated GitHub compare.
# BENCH_ONLY=engine|classic|release runs one part; other knobs in bench/README.md.
set -uo pipefail
source "$(dirname "$0")/setup.sh"
ensure_node_modules || exit 1
ensure_redis_server || exit 1
build || exit 1
npx --no-install tsc -p bench/tsconfig.json >&2 || { say "the bench did not compile (see above)"; exit 1; }

start_scratch_redis bench || exit 1

mkdir -p .ferry
BENCH_REDIS_URL="$SCRATCH_REDIS_URL" BENCH_TMP="$SCRATCH_DIR" node dist/bench/bench.js
