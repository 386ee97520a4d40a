import type { Redis } from 'ioredis';
import { noWorkerText, type PoolSet } from '../core/pools';
import type { Keys } from './keys';
import { luaCommand } from './lua';

/**
 * Which worker pools have a live worker: each worker process announces the pools it takes (or
 * that it takes every pool) every few seconds, each announcement lapsing on its own after a
 * while, so a killed worker drops out without anyone noticing it died. Times are Redis's clock.
 */

const HEARTBEAT = luaCommand<{ set: string; worker: string; ttlMs: number }, number>('pool-heartbeat', (i) => ({
  keys: { pool: i.set },
  argv: { worker: i.worker, ttlMs: i.ttlMs },
}));

const LIVE = luaCommand<{ k: Keys; pool: string }, number>('pool-live', (i) => ({
  keys: { pool: i.k.workerPool(i.pool), every: i.k.workerPoolEvery },
  argv: {},
}));

const NOTE = luaCommand<{ k: Keys; id: number; pool: string; note: string; how: 'set' | 'clear' }, number>('pool-note', (i) => ({
  keys: { deploy: i.k.deploy(i.id), noted: i.k.workerPoolNoted(i.pool) },
  argv: { note: i.note, how: i.how, id: i.id },
}));

export class WorkerPools {
  constructor(
    private readonly redis: Redis,
    private readonly k: Keys,
  ) {}

  private sets(pools: PoolSet): string[] {
    return pools.kind === 'every' ? [this.k.workerPoolEvery] : pools.pools.map((p) => this.k.workerPool(p));
  }

  /** Announces `worker` as live in `pools` for `ttlMs` (again before it lapses, to stay live). */
  async announce(pools: PoolSet, worker: string, ttlMs: number): Promise<void> {
    await Promise.all(this.sets(pools).map((set) => HEARTBEAT(this.redis, { set, worker, ttlMs })));
  }

  /** Takes `worker` out of `pools` at once (a clean stop). */
  async withdraw(pools: PoolSet, worker: string): Promise<void> {
    await Promise.all(this.sets(pools).map((set) => HEARTBEAT(this.redis, { set, worker, ttlMs: 0 })));
  }

  /** Whether a worker that takes deploys of `pool` is live (one of the pool's, or one that takes every pool). */
  async live(pool: string): Promise<boolean> {
    return (await LIVE(this.redis, { k: this.k, pool })) > 0;
  }

  /**
   * Notes on queued deploy #id that no worker of `pool` runs (`set`), or takes that note off
   * (`clear`, only if it still says so). True when that changed what its feed message shows.
   */
  async note(id: number, pool: string, how: 'set' | 'clear'): Promise<boolean> {
    return (await NOTE(this.redis, { k: this.k, id, pool, note: noWorkerText(pool), how })) === 1;
  }

  /** The deploys noted as waiting for a worker of `pool` (and not cleared since): what to clear once one is live. */
  async noted(pool: string): Promise<number[]> {
    return (await this.redis.smembers(this.k.workerPoolNoted(pool))).map(Number);
  }
}
