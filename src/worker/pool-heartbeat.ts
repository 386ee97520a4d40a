import type { Logger } from 'pino';
import type { PoolSet } from '../core/pools';
import { isConnectionError } from '../store/redis-outage';
import type { WorkerPools } from '../store/worker-pools';

/** How often a worker says it is live in its pools, and how long each time holds (three missed beats: gone). */
export const HEARTBEAT_MS = 5_000;
export const HEARTBEAT_TTL_MS = 15_000;

export interface PoolHeartbeat {
  /** Stops the beats and takes the worker out of its pools at once (a clean stop). */
  stop(): Promise<void>;
}

/**
 * A worker process's announcement that it takes deploys of its pools (or of every pool): now,
 * then every HEARTBEAT_MS. A worker killed outright drops out when its last beat lapses.
 */
export function startPoolHeartbeat(d: {
  pools: Pick<WorkerPools, 'announce' | 'withdraw'>;
  served: PoolSet;
  worker: string;
  log: Logger;
  everyMs?: number;
  ttlMs?: number;
}): PoolHeartbeat {
  const ttl = d.ttlMs ?? HEARTBEAT_TTL_MS;
  const beat = () =>
    d.pools.announce(d.served, d.worker, ttl).catch((err: Error) => {
      if (!isConnectionError(err)) d.log.warn({ err: err.message }, "could not announce the worker's pools");
    });
  let last = beat();
  const timer = setInterval(() => {
    last = beat();
  }, d.everyMs ?? HEARTBEAT_MS);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await last;
      await d.pools.withdraw(d.served, d.worker).catch((err: Error) => {
        d.log.warn({ err: err.message }, 'could not take the worker out of its pools (its announcement lapses on its own)');
      });
    },
  };
}
