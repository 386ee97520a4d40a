import type { Redis } from 'ioredis';
import type { Deploy } from '../core/deploy';
import { deployFromHash } from './deploy-record';
import type { Keys } from './keys';
import { luaCommand, pairs } from './lua';

const LOG_TTL_S = 30 * 86_400;
/** A log is deleted this long after its last line. */
export const LOG_TTL_MS = LOG_TTL_S * 1_000;

/** Lines numbered from 1 in the order they were printed; `first` is the number of lines[0]. */
export interface LogSlice {
  first: number;
  lines: string[];
  /** Lines printed so far (the number of the last one). */
  total: number;
}

/** A log's lines from a number on, and optionally the deploy's record, in one read (log-since.lua). */
const SINCE = luaCommand<{ k: Keys; id: number; from: number; max: number; withDeploy: boolean }, [number, number, string[], string[]]>(
  'log-since',
  (i) => ({
    keys: { log: i.k.deployLog(i.id), count: i.k.deployLogCount(i.id), deploy: i.k.deploy(i.id) },
    argv: { from: i.from, max: i.max, withDeploy: i.withDeploy ? '1' : '0' },
  }),
);

/** A deploy's output, kept in Redis and bounded to the last `maxLines` lines. */
export class LogStore {
  constructor(
    private readonly redis: Redis,
    private readonly k: Keys,
    private readonly maxLines: number,
  ) {}

  async append(id: number, lines: string[]): Promise<void> {
    if (lines.length === 0) return;
    const key = this.k.deployLog(id);
    const count = this.k.deployLogCount(id);
    await this.redis
      .multi()
      .rpush(key, ...lines)
      .ltrim(key, -this.maxLines, -1)
      .expire(key, LOG_TTL_S)
      .incrby(count, lines.length)
      .expire(count, LOG_TTL_S)
      .exec();
  }

  async tail(id: number, n: number): Promise<string[]> {
    return this.redis.lrange(this.k.deployLog(id), -n, -1);
  }

  /**
   * Lines from number `fromLine` on (at most `max`). When `fromLine` has been trimmed away, the
   * slice starts at the oldest line kept, and `first` says which that is.
   */
  async since(id: number, fromLine: number, max = 0): Promise<LogSlice> {
    return (await this.read(id, fromLine, max, false)).slice;
  }

  /**
   * since() and the deploy's record in one round trip, read at one instant: a record that says
   * the deploy finished comes with every line it printed (the worker writes its log first).
   */
  async sinceWithDeploy(id: number, fromLine: number, max = 0): Promise<{ slice: LogSlice; deploy: Deploy | undefined }> {
    return this.read(id, fromLine, max, true);
  }

  private async read(
    id: number,
    fromLine: number,
    max: number,
    withDeploy: boolean,
  ): Promise<{ slice: LogSlice; deploy: Deploy | undefined }> {
    const from = Math.max(1, Math.floor(fromLine) || 1);
    const r = await SINCE(this.redis, { k: this.k, id, from, max: Math.max(0, Math.floor(max)), withDeploy });
    return {
      slice: { first: Number(r[0]), total: Number(r[1]), lines: r[2] },
      deploy: withDeploy ? deployFromHash(pairs(r[3])) : undefined,
    };
  }
}
