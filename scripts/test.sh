#!/usr/bin/env bash
# npm test: set up what is missing (npm packages, redis-server, chromium for the browser tests), lint (npm run lint: format,
# lint rules, layers), type-check and build, run the tests against real Redis, then print the plain summary line "N passed, N failed".
set -uo pipefail
source "$(dirname "$0")/setup.sh"
ensure_node_modules || exit 1
npm run --silent lint >&2 ||
  { say "lint failed (see above): npx biome check --write fixes formatting; the rest names the file and the rule (biome.json, .dependency-cruiser.cjs)"; exit 1; }
ensure_redis_server || exit 1
ensure_chromium || exit 1
ensure_openssl || exit 1
build || exit 1
npx --no-install tsc -p tsconfig.json --noEmit >&2 || { say "type errors in tests (see above)"; exit 1; }
mkdir -p .ferry
rm -f .ferry/jest-results.json
npx --no-install jest --json --outputFile=.ferry/jest-results.json "$@"
code=$?
if [ -f .ferry/jest-results.json ]; then
  node -e "const r=require('./.ferry/jest-results.json');console.log(r.numPassedTests+' passed, '+(r.numFailedTests+r.numRuntimeErrorTestSuites)+' failed')"
else
  echo "0 passed, 1 failed"
fi
exit $code
