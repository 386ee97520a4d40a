/**
 * Worker pools: an env names the pool whose workers may run its deploys (`pool:`, default
 * `default`); a worker started with FERRY_WORKER_POOLS (or `ferry worker --pools`) takes only
 * those pools' deploys, one started without it every pool's. Pure.
 */

/** The pool of an env that names none. */
export const DEFAULT_POOL = 'default';

/** A pool's name: a simple word (it is a Redis key part and shown in Slack as is). */
export const POOL_NAME = /^[a-z0-9][a-z0-9_-]{0,39}$/;

export const POOL_HINT = 'a pool name is a simple word: lower-case letters, digits, - and _ (at most 40), e.g. prod or default';

/** What one process serves: every pool (no FERRY_WORKER_POOLS), or only the pools named. */
export type PoolSet = { kind: 'every' } | { kind: 'only'; pools: readonly string[] };

/**
 * FERRY_WORKER_POOLS (or `--pools`): pool names separated by commas. Unset or blank: every pool.
 * `source` names where the text came from, for the error.
 */
export function parsePoolList(text: string | undefined, source: string): { pools: PoolSet } | { error: string } {
  if (text === undefined || text.trim() === '') return { pools: { kind: 'every' } };
  const names = text.split(',').map((n) => n.trim());
  const bad = names.filter((n) => !POOL_NAME.test(n));
  if (bad.length)
    return {
      error: `${source} has ${bad.map((b) => (b === '' ? 'an empty name' : JSON.stringify(b))).join(', ')}: ${POOL_HINT}. List the pools separated by commas, e.g. ${source.startsWith('--') ? '--pools prod,default' : 'FERRY_WORKER_POOLS=prod,default'}, or leave it unset to take every pool.`,
    };
  return { pools: { kind: 'only', pools: [...new Set(names)] } };
}

/** Whether a process serving `served` takes deploys of an env of `pool`. */
export function servesPool(served: PoolSet, pool: string): boolean {
  return served.kind === 'every' || served.pools.includes(pool);
}

/** The pools `served` names that no env uses (most likely a typo), for a warning at start. */
export function unusedPools(served: PoolSet, used: readonly string[]): string[] {
  return served.kind === 'every' ? [] : served.pools.filter((p) => !used.includes(p));
}

/** The text a queued deploy's feed message shows while no worker of its env's pool is running (mrkdwn). */
export function noWorkerText(pool: string): string {
  return `waiting for a worker of pool \`${pool}\``;
}

/** How a worker describes the pools it serves, in its log. */
export function describePools(served: PoolSet): string {
  return served.kind === 'every' ? 'every pool' : `pools ${served.pools.join(', ')}`;
}
