import type { Redis } from 'ioredis';
import type { LockInfo } from '../core/lock';
import type { Keys } from './keys';
import { luaCommand, pairs } from './lua';

export type { LockInfo };

export function lockFromHash(h: Record<string, string>): LockInfo | undefined {
  if (!h.holder) return undefined;
  return {
    holder: h.holder,
    reason: h.reason ?? '',
    since: Number(h.since),
    until: Number(h.until),
    token: Number(h.token),
    reserved: h.reserved === '1',
  };
}

/** Claims or extends a person's lock (claim-lock.lua). */
const CLAIM = luaCommand<{ k: Keys; app: string; env: string; user: string; now: number; until: number; reason: string }, string[]>(
  'claim-lock',
  (i) => ({
    keys: { lock: i.k.lock(i.app, i.env), lockSeq: i.k.lockSeq, waitlist: i.k.waitlist(i.app, i.env) },
    argv: { user: i.user, now: i.now, until: i.until, reason: i.reason },
  }),
);

/** Releases a lock and hands the env to the first person on its wait-list (release-lock.lua). */
const RELEASE = luaCommand<
  {
    k: Keys;
    app: string;
    env: string;
    mode: 'holder' | 'expire' | 'force';
    user: string;
    now: number;
    token: number | '';
    reservationMs: number;
  },
  string[]
>('release-lock', (i) => ({
  keys: { lock: i.k.lock(i.app, i.env), waitlist: i.k.waitlist(i.app, i.env), lockSeq: i.k.lockSeq },
  argv: { mode: i.mode, user: i.user, now: i.now, token: i.token, reservationMs: i.reservationMs },
}));

/** Adds a person to an env's wait-list (join-waitlist.lua). */
const JOIN = luaCommand<{ k: Keys; app: string; env: string; user: string; now: number }, (string | number)[]>('join-waitlist', (i) => ({
  keys: { lock: i.k.lock(i.app, i.env), waitlist: i.k.waitlist(i.app, i.env) },
  argv: { user: i.user, now: i.now },
}));

export type ClaimResult =
  | { kind: 'claimed'; how: 'new' | 'extended'; lock: LockInfo }
  | { kind: 'locked'; lock: LockInfo }
  | { kind: 'handing'; next: string };
export type ReleaseResult =
  | { kind: 'released'; previous: LockInfo; next?: { user: string; token: number; until: number } }
  | { kind: 'none' | 'stale' | 'not_due' }
  | { kind: 'not_holder'; lock: LockInfo };

export class LockStore {
  constructor(
    private readonly redis: Redis,
    private readonly k: Keys,
    /** How long the next person on a wait-list has to take a released env. */
    private readonly reservationMs = 10 * 60_000,
  ) {}

  async get(app: string, env: string, now: number): Promise<LockInfo | undefined> {
    const lock = lockFromHash(await this.redis.hgetall(this.k.lock(app, env)));
    return lock && lock.until > now ? lock : undefined;
  }

  async claim(app: string, env: string, user: string, now: number, until: number, reason: string): Promise<ClaimResult> {
    const r = await CLAIM(this.redis, { k: this.k, app, env, user, now, until, reason });
    if (r[0] === 'locked') return { kind: 'locked', lock: lockFromHash(pairs(r.slice(1)))! };
    if (r[0] === 'handing') return { kind: 'handing', next: r[1]! };
    return { kind: 'claimed', how: r[2] as 'new' | 'extended', lock: lockFromHash(pairs(r.slice(3)))! };
  }

  async release(app: string, env: string, user: string, now: number): Promise<ReleaseResult> {
    return this.runRelease({ app, env, mode: 'holder', user, now, token: '' });
  }

  /** An admin releases lock `token` (someone else's): only that lock, even before it is due. */
  async forceRelease(app: string, env: string, token: number, now: number): Promise<ReleaseResult> {
    return this.runRelease({ app, env, mode: 'force', user: '', now, token });
  }

  /** Called by the expiry timer of lock `token`: releases only that lock, only once it is due. */
  async expire(app: string, env: string, token: number, now: number): Promise<ReleaseResult> {
    return this.runRelease({ app, env, mode: 'expire', user: '', now, token });
  }

  private async runRelease(o: {
    app: string;
    env: string;
    mode: 'holder' | 'expire' | 'force';
    user: string;
    now: number;
    token: number | '';
  }): Promise<ReleaseResult> {
    const r = await RELEASE(this.redis, { k: this.k, ...o, reservationMs: this.reservationMs });
    if (r[0] === 'released') {
      const next = r[1] ? { user: r[1], token: Number(r[2]), until: Number(r[3]) } : undefined;
      return { kind: 'released', previous: lockFromHash(pairs(r.slice(4)))!, ...(next && { next }) };
    }
    if (r[0] === 'not_holder') return { kind: 'not_holder', lock: lockFromHash(pairs(r.slice(1)))! };
    return { kind: r[0] as 'none' | 'stale' | 'not_due' };
  }

  async joinWaitlist(
    app: string,
    env: string,
    user: string,
    now: number,
  ): Promise<{ kind: 'holder' } | { kind: 'free' } | { kind: 'queued' | 'already'; position: number }> {
    const r = await JOIN(this.redis, { k: this.k, app, env, user, now });
    if (r[0] === 'queued' || r[0] === 'already') return { kind: r[0], position: Number(r[1]) };
    return r[0] === 'holder' ? { kind: 'holder' } : { kind: 'free' };
  }
}
