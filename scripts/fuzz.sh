#!/usr/bin/env bash
# npm run fuzz: set up what is missing (npm packages, redis-server), build, and run the hostile-input
# property tests (test/e2e/hostile-*.test.ts, test/unit/request-shape.test.ts) with far more runs
# than npm test: FERRY_FUZZ_RUNS per property (default 20000) from a random FERRY_FUZZ_SEED, printed
# first; `FERRY_FUZZ_SEED=<seed> npm run fuzz` replays a run (fast-check also prints the seed and
# the shrunk input of a failure). Extra arguments go to jest. Not part of npm test; a run takes an hour or more.
set -uo pipefail
source "$(dirname "$0")/setup.sh"
ensure_node_modules || exit 1
ensure_redis_server || exit 1
build || exit 1

export FERRY_FUZZ_RUNS="${FERRY_FUZZ_RUNS:-20000}"
export FERRY_FUZZ_SEED="${FERRY_FUZZ_SEED:-$(node -e 'console.log(require("node:crypto").randomInt(2 ** 31))')}"
say "fuzzing: FERRY_FUZZ_RUNS=$FERRY_FUZZ_RUNS FERRY_FUZZ_SEED=$FERRY_FUZZ_SEED (the same seed replays this run)"
npx --no-install jest test/e2e/hostile- test/unit/request-shape.test.ts "$@"
code=$?
say "fuzz run with FERRY_FUZZ_SEED=$FERRY_FUZZ_SEED $([ "$code" -eq 0 ] && echo passed || echo FAILED)"
exit $code
