import type { Redis } from 'ioredis';
import type { Keys } from './keys';

/** An app's last nudge message: what waited (`waiting`: "<production SHA>..<source SHA>"), where it is. */
export interface LastNudge {
  waiting: string;
  channel: string;
  ts: string;
}

/** Nudges' memory: each app's last message (updated while the same commits wait) and who opted out of mentions. */
export class NudgeStore {
  constructor(
    private readonly redis: Redis,
    private readonly k: Pick<Keys, 'nudge' | 'nudgeOptOut'>,
  ) {}

  async last(app: string): Promise<LastNudge | undefined> {
    const h = await this.redis.hgetall(this.k.nudge(app));
    return h.waiting && h.channel && h.ts ? { waiting: h.waiting, channel: h.channel, ts: h.ts } : undefined;
  }

  async setLast(app: string, n: LastNudge): Promise<void> {
    await this.redis.hset(this.k.nudge(app), { waiting: n.waiting, channel: n.channel, ts: n.ts });
  }

  /** `/deploys nudges off|on`; whether it changed anything. */
  async setOptOut(user: string, off: boolean): Promise<boolean> {
    const n = off ? await this.redis.sadd(this.k.nudgeOptOut, user) : await this.redis.srem(this.k.nudgeOptOut, user);
    return n === 1;
  }

  /** Of these users, those who opted out of nudge mentions. */
  async optedOut(users: readonly string[]): Promise<Set<string>> {
    if (users.length === 0) return new Set();
    const flags = await this.redis.smismember(this.k.nudgeOptOut, ...users);
    return new Set(users.filter((_, i) => flags[i] === 1));
  }
}
