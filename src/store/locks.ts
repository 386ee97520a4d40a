import type { Redis } from 'ioredis';
import type { Keys } from './keys';
import { LuaScript, pairs } from './lua';

/** A person's claim on an env. */
export interface LockInfo {
  holder: string;
  reason: string;
  since: number;
  until: number;
  /** New on every claim or extension; timers carry it so a stale timer does nothing. */
  token: number;
  /** Not a claim yet: the env is held for the next person on the wait-list to take. */
  reserved: boolean;
}

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

/**
 * Claims or extends a lock for a person, unless someone else holds it.
 * KEYS: 1 lock, 2 lock seq, 3 wait-list (the claimant leaves it)
 * ARGV: 1 user, 2 now ms, 3 until ms, 4 reason ('' keeps an extended lock's reason)
 * Returns {'locked', ...hash} | {'handing', next waiter} | {'ok', token, 'new'|'extended', ...hash}
 * ('handing': ended, but not yet handed to the first person on the wait-list; see DeployStore.accept)
 */
const CLAIM = new LuaScript(
  'claim-lock',
  `
local now = tonumber(ARGV[2])
local cur = redis.call('HMGET', KEYS[1], 'holder', 'until', 'since', 'reason')
local held = cur[1] and tonumber(cur[2]) > now
if held and cur[1] ~= ARGV[1] then return {'locked', unpack(redis.call('HGETALL', KEYS[1]))} end
if cur[1] and not held then
  local head = redis.call('ZRANGE', KEYS[3], 0, 0)[1]
  if head and head ~= ARGV[1] then return {'handing', head} end
end
local token = redis.call('INCR', KEYS[2])
local since, reason, how = now, ARGV[4], 'new'
if held and redis.call('HGET', KEYS[1], 'reserved') ~= '1' then
  since, how = cur[3], 'extended'
  if reason == '' then reason = cur[4] end
end
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'holder', ARGV[1], 'reason', reason, 'since', since, 'until', ARGV[3], 'token', token)
redis.call('PEXPIREAT', KEYS[1], tonumber(ARGV[3]) + 86400000)
redis.call('ZREM', KEYS[3], ARGV[1])
return {'ok', token, how, unpack(redis.call('HGETALL', KEYS[1]))}
`,
);

/**
 * Releases a lock and hands the env to the first person on its wait-list, atomically, so exactly
 * one release (by its holder, or by its expiry timer) tells the next person. The env is then
 * reserved for that person for ARGV[5] ms: others are refused until they take it or the
 * reservation expires (and passes to the next in line).
 * In 'force' mode (an admin releasing someone else's lock) it releases lock ARGV[4] whoever holds it.
 * KEYS: 1 lock, 2 wait-list, 3 lock seq
 * ARGV: 1 mode ('holder' | 'expire' | 'force'), 2 user, 3 now ms, 4 token (expire and force modes), 5 reservation ms
 * Returns {'none'} | {'stale'} | {'not_due'} | {'not_holder', ...hash}
 *       | {'released', next waiter or '', reservation token or '', reservation until or '', ...hash}
 */
const RELEASE = new LuaScript(
  'release-lock',
  `
local h = redis.call('HGETALL', KEYS[1])
if #h == 0 then return {'none'} end
local cur = redis.call('HMGET', KEYS[1], 'holder', 'until', 'token')
local expired = tonumber(cur[2]) <= tonumber(ARGV[3])
if ARGV[1] == 'expire' then
  if cur[3] ~= ARGV[4] then return {'stale'} end
  if not expired then return {'not_due'} end
elseif ARGV[1] == 'force' then
  if cur[3] ~= ARGV[4] then return {'stale'} end
elseif cur[1] ~= ARGV[2] and not expired then
  return {'not_holder', unpack(h)}
end
redis.call('DEL', KEYS[1])
local nxt = redis.call('ZPOPMIN', KEYS[2])
if not nxt[1] then return {'released', '', '', '', unpack(h)} end
local token = redis.call('INCR', KEYS[3])
local untilMs = tonumber(ARGV[3]) + tonumber(ARGV[5])
redis.call('HSET', KEYS[1], 'holder', nxt[1], 'reason', 'their turn from the wait-list', 'since', ARGV[3], 'until', untilMs, 'token', token, 'reserved', '1')
redis.call('PEXPIREAT', KEYS[1], untilMs + 86400000)
return {'released', nxt[1], token, tostring(untilMs), unpack(h)}
`,
);

/**
 * Adds a person to an env's wait-list (once), unless they hold the lock themselves. A wait-list
 * nobody joins for a week is dropped.
 * KEYS: 1 lock, 2 wait-list   ARGV: 1 user, 2 now ms
 * Returns {'holder'} | {'free'} | {'queued' or 'already' (was on it), position}
 */
const JOIN = new LuaScript(
  'join-waitlist',
  `
local cur = redis.call('HMGET', KEYS[1], 'holder', 'until')
if not cur[1] or tonumber(cur[2]) <= tonumber(ARGV[2]) then return {'free'} end
if cur[1] == ARGV[1] then return {'holder'} end
local added = redis.call('ZADD', KEYS[2], 'NX', ARGV[2], ARGV[1])
redis.call('EXPIRE', KEYS[2], 604800)
return {added == 1 and 'queued' or 'already', redis.call('ZRANK', KEYS[2], ARGV[1]) + 1}
`,
);

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
    const r = (await CLAIM.run(
      this.redis,
      [this.k.lock(app, env), this.k.lockSeq, this.k.waitlist(app, env)],
      [user, now, until, reason],
    )) as string[];
    if (r[0] === 'locked') return { kind: 'locked', lock: lockFromHash(pairs(r.slice(1)))! };
    if (r[0] === 'handing') return { kind: 'handing', next: r[1]! };
    return { kind: 'claimed', how: r[2] as 'new' | 'extended', lock: lockFromHash(pairs(r.slice(3)))! };
  }

  async release(app: string, env: string, user: string, now: number): Promise<ReleaseResult> {
    return this.runRelease(app, env, ['holder', user, now, '', this.reservationMs]);
  }

  /** An admin releases lock `token` (someone else's): only that lock, even before it is due. */
  async forceRelease(app: string, env: string, token: number, now: number): Promise<ReleaseResult> {
    return this.runRelease(app, env, ['force', '', now, token, this.reservationMs]);
  }

  /** Called by the expiry timer of lock `token`: releases only that lock, only once it is due. */
  async expire(app: string, env: string, token: number, now: number): Promise<ReleaseResult> {
    return this.runRelease(app, env, ['expire', '', now, token, this.reservationMs]);
  }

  private async runRelease(app: string, env: string, args: (string | number)[]): Promise<ReleaseResult> {
    const r = (await RELEASE.run(this.redis, [this.k.lock(app, env), this.k.waitlist(app, env), this.k.lockSeq], args)) as string[];
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
    const r = (await JOIN.run(this.redis, [this.k.lock(app, env), this.k.waitlist(app, env)], [user, now])) as (string | number)[];
    if (r[0] === 'queued' || r[0] === 'already') return { kind: r[0], position: Number(r[1]) };
    return r[0] === 'holder' ? { kind: 'holder' } : { kind: 'free' };
  }
}
