import type { Redis } from 'ioredis';
import type { Keys } from './keys';
import { luaCommand } from './lua';

/** How long a delivery ID is remembered: GitHub redelivers on request, for days. */
export const DELIVERY_TTL_S = 7 * 86_400;

/** Keeps the newest push time seen for an env (newest-push.lua). */
const NEWEST_PUSH = luaCommand<{ k: Keys; app: string; env: string; pushedAt: number }, number>('newest-push', (i) => ({
  keys: { pushedAt: i.k.autoPushedAt(i.app, i.env) },
  argv: { pushedAt: i.pushedAt },
}));

/** What Ferry remembers of GitHub's webhook deliveries: which were taken, and the newest push per env. */
export class GitHubDeliveries {
  constructor(
    private readonly redis: Redis,
    private readonly k: Keys,
  ) {}

  /** Records a delivery ID; false when it was recorded before (a redelivery). */
  async first(id: string, now: number): Promise<boolean> {
    return (await this.redis.set(this.k.githubDelivery(id), String(now), 'EX', DELIVERY_TTL_S, 'NX')) === 'OK';
  }

  /** Forgets a delivery whose work failed, so GitHub's "Redeliver" does it again. */
  async forget(id: string): Promise<void> {
    await this.redis.del(this.k.githubDelivery(id));
  }

  /** Records a push (GitHub's pushed_at) as the env's newest; false when a later one was seen. */
  async newestPush(app: string, env: string, pushedAt: number): Promise<boolean> {
    return (await NEWEST_PUSH(this.redis, { k: this.k, app, env, pushedAt })) === 1;
  }
}
