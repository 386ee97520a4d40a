import type { Redis } from 'ioredis';
import type { Keys } from '../store/keys';

/** Long enough for any re-telling of a deploy's events (a re-run job, a cancel racing its worker). */
const KEEP_S = 7 * 86_400;

/**
 * Which deploy events the metrics have counted, in Redis beside the deploy's record (a HASH:
 * started, finished), so that a deploy is counted once across every process however many times
 * its end is told (a re-run of a finished deploy's job, a cancel while a worker takes it, a
 * `left-line` and a `finished` for one cancel).
 */
export class CountedOnce {
  constructor(
    private readonly redis: Pick<Redis, 'multi'>,
    private readonly k: Pick<Keys, 'deployMetrics'>,
  ) {}

  /** True the first time `what` is claimed for deploy `id`, anywhere. */
  async first(id: number, what: 'started' | 'finished'): Promise<boolean> {
    const key = this.k.deployMetrics(id);
    const r = await this.redis.multi().hsetnx(key, what, '1').expire(key, KEEP_S).exec();
    const [err, set] = r?.[0] ?? [new Error('the Redis transaction was not run'), 0];
    if (err) throw err;
    return set === 1;
  }
}
