import type { Redis } from 'ioredis';
import type { Keys } from './keys';

const LOG_TTL_S = 30 * 86_400;

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
    await this.redis.multi().rpush(key, ...lines).ltrim(key, -this.maxLines, -1).expire(key, LOG_TTL_S).exec();
  }

  async tail(id: number, n: number): Promise<string[]> {
    return this.redis.lrange(this.k.deployLog(id), -n, -1);
  }
}
