import type { Redis } from 'ioredis';
import type { Keys } from './keys';
import { luaCommand } from './lua';

/**
 * The env lease: held by the one running deploy of an env, expiring unless renewed, and carrying a
 * fencing token (a counter that only grows) so a worker that lost it can't write after the fact
 * (lease-acquire.lua).
 */
const ACQUIRE = luaCommand<{ k: Keys; app: string; env: string; holder: string; ttlMs: number }, [number, string]>(
  'lease-acquire',
  (i) => ({
    keys: { lease: i.k.lease(i.app, i.env), fenceSeq: i.k.fenceSeq },
    argv: { holder: i.holder, ttlMs: i.ttlMs },
  }),
);

/** Renews (or with ttl 0 releases) a lease while it is held with that value (lease-renew.lua). */
const RENEW = luaCommand<{ k: Keys; app: string; env: string; value: string; ttlMs: number }, number>('lease-renew', (i) => ({
  keys: { lease: i.k.lease(i.app, i.env) },
  argv: { value: i.value, ttlMs: i.ttlMs },
}));

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
    const [token, value] = await ACQUIRE(this.redis, { k: this.k, app, env, holder, ttlMs });
    return token === 0 ? { heldBy: value } : { token, value };
  }

  async renew(app: string, env: string, value: string, ttlMs: number): Promise<boolean> {
    return (await RENEW(this.redis, { k: this.k, app, env, value, ttlMs })) === 1;
  }

  async release(app: string, env: string, value: string): Promise<void> {
    await RENEW(this.redis, { k: this.k, app, env, value, ttlMs: 0 });
  }
}
