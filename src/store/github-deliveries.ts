import type { Redis } from 'ioredis';
import type { Keys } from './keys';
import { LuaScript } from './lua';

/** How long a delivery ID is remembered: GitHub redelivers on request, for days. */
export const DELIVERY_TTL_S = 7 * 86_400;

/** Keeps the newest push time seen for an env; 1 unless a later one was seen. KEYS: 1 the env's key; ARGV: 1 pushed_at (s). */
const NEWEST_PUSH = new LuaScript(
  'newest-push',
  `
local cur = tonumber(redis.call('GET', KEYS[1]) or '0')
if tonumber(ARGV[1]) < cur then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'EX', 30 * 86400)
return 1
`,
);

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
    return (await NEWEST_PUSH.run(this.redis, [this.k.autoPushedAt(app, env)], [pushedAt])) === 1;
  }
}
