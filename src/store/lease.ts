import type { Redis } from 'ioredis';
import type { Keys } from './keys';
import { LuaScript } from './lua';

/**
 * Lua that takes a free lease: KEYS[lease] gets "<holder>#<token>" for ttl ms, the token from
 * KEYS[fence]. Leaves the value in `v`. Shared by ACQUIRE and DeployStore's begin script.
 */
export const takeLeaseLua = (lease: string, fence: string, holder: string, ttl: string): string =>
  `local v = ${holder} .. '#' .. redis.call('INCR', ${fence})
redis.call('SET', ${lease}, v, 'PX', ${ttl})`;

/**
 * The env lease: held by the one running deploy of an env, expiring unless renewed, and carrying a
 * fencing token (a counter that only grows) so a worker that lost it can't write after the fact.
 * KEYS: 1 lease, 2 fence counter   ARGV: 1 holder name, 2 ttl ms
 * Returns {token, value} or {0, current value}
 */
const ACQUIRE = new LuaScript(
  'lease-acquire',
  `
local cur = redis.call('GET', KEYS[1])
if cur then return {0, cur} end
${takeLeaseLua('KEYS[1]', 'KEYS[2]', 'ARGV[1]', 'ARGV[2]')}
return {tonumber(string.match(v, '#(%d+)$')), v}
`,
);

/** KEYS: 1 lease   ARGV: 1 value, 2 ttl ms (0 = release).  Returns 1 if still held by value. */
const RENEW = new LuaScript(
  'lease-renew',
  `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
if ARGV[2] == '0' then redis.call('DEL', KEYS[1]) else redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 1
`,
);

/** The lease holder name of deploy #id run by `worker` ("host:pid"); the lease's value adds "#<token>". */
export const deployLeaseHolder = (worker: string, deployId: number): string => `${worker}:deploy-${deployId}`;

/** The deploy holding a lease, read from its value ("host:pid:deploy-12#345"); undefined for any other holder. */
export function leaseDeployId(value: string): number | undefined {
  const m = /:deploy-(\d+)#\d+$/.exec(value);
  return m ? Number(m[1]) : undefined;
}

export interface Lease {
  value: string;
  token: number;
}

export class LeaseStore {
  constructor(
    private readonly redis: Redis,
    private readonly k: Keys,
  ) {}

  async acquire(app: string, env: string, holder: string, ttlMs: number): Promise<Lease | { heldBy: string }> {
    const [token, value] = (await ACQUIRE.run(this.redis, [this.k.lease(app, env), this.k.fenceSeq], [holder, ttlMs])) as [number, string];
    return token === 0 ? { heldBy: value } : { token, value };
  }

  async renew(app: string, env: string, value: string, ttlMs: number): Promise<boolean> {
    return (await RENEW.run(this.redis, [this.k.lease(app, env)], [value, ttlMs])) === 1;
  }

  async release(app: string, env: string, value: string): Promise<void> {
    await RENEW.run(this.redis, [this.k.lease(app, env)], [value, 0]);
  }
}
