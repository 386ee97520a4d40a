import { REVIEW_ALL } from '../core/review/env';
import type { Logger } from 'pino';
import type { FerryConfig } from '../core/config/types';
import type { DeployEventSink } from '../events/deploy-events';
import type { Queues } from '../queue/queues';
import { isConnectionError } from '../store/redis-outage';
import type { WorkerPools } from '../store/worker-pools';

/** How often every process looks for queued deploys whose pool has no live worker. */
export const POOL_WATCH_MS = 5_000;

export interface PoolWatchDeps {
  config: Pick<FerryConfig, 'appNames' | 'apps'>;
  queues: Pick<Queues, 'unstarted'>;
  pools: Pick<WorkerPools, 'live' | 'note' | 'noted'>;
  events: DeployEventSink;
  log: Logger;
  intervalMs?: number;
}

export interface PoolWatch {
  /** One look now (the timer's; tests call it too). */
  check(): Promise<void>;
  stop(): void;
}

/**
 * Every Ferry process (app and workers) looks every few seconds at the envs with deploys that a
 * worker would take now: where no worker of the env's pool is live, their feed messages say
 * "waiting for a worker of pool `prod`"; once one is, that note comes off (the worker's start of
 * the deploy clears it too). Idempotent: a note is set or cleared only when it changes, so any
 * number of processes may look at once.
 */
export function startPoolWatch(d: PoolWatchDeps): PoolWatch {
  const byPool = envsByPool(d.config);
  let running: Promise<void> | undefined;
  const check = (): Promise<void> => {
    running ??= lookOnce(d, byPool).finally(() => (running = undefined));
    return running;
  };
  const timer = setInterval(() => {
    check().catch((err: Error) => {
      if (!isConnectionError(err)) d.log.warn({ err: err.message }, 'could not look for deploys whose worker pool has no live worker');
    });
  }, d.intervalMs ?? POOL_WATCH_MS);
  timer.unref();
  return { check, stop: () => clearInterval(timer) };
}

/** Each pool's envs: the config is read once, so this is made once. */
function envsByPool(config: PoolWatchDeps['config']): Map<string, { app: string; env: string }[]> {
  const byPool = new Map<string, { app: string; env: string }[]>();
  const add = (pool: string, app: string, env: string) => byPool.set(pool, [...(byPool.get(pool) ?? []), { app, env }]);
  for (const app of config.appNames) {
    for (const e of Object.values(config.apps[app]!.envs)) add(e.pool, app, e.name);
    // The app's review queue, which all its review apps share.
    const review = config.apps[app]!.reviewApps;
    if (review) add(review.env.pool, app, REVIEW_ALL);
  }
  return byPool;
}

async function lookOnce(d: PoolWatchDeps, byPool: Map<string, { app: string; env: string }[]>): Promise<void> {
  for (const [pool, envs] of byPool) {
    // A pool with a live worker has only its noted deploys to clear (usually none), not its queues to read.
    const live = await d.pools.live(pool);
    const ids = live ? await d.pools.noted(pool) : (await Promise.all(envs.map((e) => d.queues.unstarted(e.app, e.env)))).flat();
    for (const id of ids) {
      if (!(await d.pools.note(id, pool, live ? 'clear' : 'set'))) continue;
      d.events.emit({ type: 'changed', deployId: id });
      if (!live) d.log.warn({ deployId: id, pool }, 'deploy waits: no worker of its pool is running');
    }
  }
}
