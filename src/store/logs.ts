import type { Redis } from 'ioredis';
import type { Deploy } from '../core/deploy';
import { deployFromHash } from './deploy-record';
import type { Keys } from './keys';
import { LuaScript, pairs } from './lua';

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

/**
 * Lines from number ARGV[1] on (at most ARGV[2]; 0 = no limit), and optionally a hash, in one read.
 * The list keeps the newest lines; the counter says how many were ever appended, so the list's
 * head is line total - len + 1. A log written before the counter existed counts from 1.
 * KEYS: 1 log list, 2 log counter, 3 a hash to return with them (e.g. the deploy; may be absent)
 * ARGV: 1 first line wanted, 2 max lines, 3 '1' to return KEYS[3]'s hash
 * Returns {first, total, {lines...}, {hash field, value, ...}}
 */
const SINCE = new LuaScript(
  'log-since',
  `
local len = redis.call('LLEN', KEYS[1])
local total = tonumber(redis.call('GET', KEYS[2]) or '0')
if total < len then total = len end
local head = total - len + 1
local from = math.max(tonumber(ARGV[1]), head)
local lines = {}
if from <= total then
  local stop = -1
  local max = tonumber(ARGV[2])
  if max > 0 and from + max - 1 < total then stop = from - head + max - 1 end
  lines = redis.call('LRANGE', KEYS[1], from - head, stop)
end
local h = {}
if ARGV[3] == '1' then h = redis.call('HGETALL', KEYS[3]) end
return {from, total, lines, h}
`,
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
    const r = (await SINCE.run(
      this.redis,
      [this.k.deployLog(id), this.k.deployLogCount(id), this.k.deploy(id)],
      [from, Math.max(0, Math.floor(max)), withDeploy ? '1' : '0'],
    )) as [number, number, string[], string[]];
    return {
      slice: { first: Number(r[0]), total: Number(r[1]), lines: r[2] },
      deploy: withDeploy ? deployFromHash(pairs(r[3])) : undefined,
    };
  }
}
