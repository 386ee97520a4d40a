/**
 * Property runs: a few hundred per property by default, so npm test stays fast; `npm run fuzz`
 * sets FERRY_FUZZ_RUNS (runs per property) and a random FERRY_FUZZ_SEED. The seed is fixed unless
 * set, so a failure reproduces; fast-check prints the seed and the shrunk counterexample.
 */
export function fuzz(defaultRuns: number): { seed: number; numRuns: number } {
  const runs = Number(process.env.FERRY_FUZZ_RUNS);
  const seed = Number(process.env.FERRY_FUZZ_SEED);
  return { seed: Number.isSafeInteger(seed) ? seed : 1303, numRuns: Number.isSafeInteger(runs) && runs > 0 ? runs : defaultRuns };
}

/** A test's time limit for `defaultRuns` runs of about `msPerRun` each, scaled up under `npm run fuzz`. */
export const fuzzTimeout = (defaultRuns: number, msPerRun: number): number => 30_000 + fuzz(defaultRuns).numRuns * msPerRun;
