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

start_scratch_redis stress || exit 1

mkdir -p .ferry
REDIS_URL="$SCRATCH_REDIS_URL" node dist/bench/kill-stress.js
