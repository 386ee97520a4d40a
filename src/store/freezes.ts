import type { Redis } from 'ioredis';
import type { FreezeState } from '../core/gate';
import type { Keys } from './keys';
import { LuaScript, pairs } from './lua';

/** A freeze as stored: its state and the token its expiry timer carries. */
export interface StoredFreeze extends FreezeState {
  token: number;
}

/**
 * Freezes envs, all in one script so `/freeze web all` freezes every env or none. A freeze of an
 * env that is frozen already replaces it (new reason and end) unless the existing one comes from
 * another source (an alert's freeze is not replaced by a person's, nor the reverse): those envs
 * are reported as kept.
 * KEYS: the freeze keys; ARGV: 1 freeze seq key, 2 by, 3 reason, 4 since, 5 until ('' for none),
 * 6 source, 7 name, 8 idempotency key ('' for none: a repeated request with the same key changes
 * nothing and returns 'dup'). Returns per key: {token} or {0, existing source}.
 */
const FREEZE = new LuaScript(
  'freeze',
  `
if ARGV[8] ~= '' and not redis.call('SET', ARGV[8], '1', 'NX', 'EX', 86400) then return 'dup' end
local out = {}
for i, key in ipairs(KEYS) do
  local source = redis.call('HGET', key, 'source')
  if source and source ~= ARGV[6] then
    out[i] = {0, source}
  else
    local token = redis.call('INCR', ARGV[1])
    redis.call('DEL', key)
    redis.call('HSET', key, 'by', ARGV[2], 'reason', ARGV[3], 'since', ARGV[4], 'source', ARGV[6], 'token', token)
    if ARGV[5] ~= '' then
      redis.call('HSET', key, 'until', ARGV[5])
      redis.call('PEXPIREAT', key, tonumber(ARGV[5]) + 86400000)
    end
    if ARGV[7] ~= '' then redis.call('HSET', key, 'name', ARGV[7]) end
    out[i] = {token}
  end
end
return out
`,
);

/**
 * Lifts a freeze: only one from `source` (a person's /unfreeze lifts manual and release freezes,
 * an alert's resolution only its own), and in 'expire' mode only the freeze with that token once
 * its end has passed. Returns the lifted freeze's hash, or {} when nothing was lifted.
 * KEYS: 1 freeze key; ARGV: 1 mode ('lift' | 'expire'), 2 sources allowed (comma list), 3 token, 4 now,
 * 5 name ('' for any; else only the freeze of that name is lifted, e.g. release #12's)
 */
const UNFREEZE = new LuaScript(
  'unfreeze',
  `
local f = redis.call('HGETALL', KEYS[1])
if #f == 0 then return {} end
local h = {}
for i = 1, #f, 2 do h[f[i]] = f[i + 1] end
if ARGV[1] == 'expire' then
  if h.token ~= ARGV[3] or not h['until'] or tonumber(h['until']) > tonumber(ARGV[4]) then return {} end
else
  local ok = false
  for s in string.gmatch(ARGV[2], '[^,]+') do if s == h.source then ok = true end end
  if not ok or (ARGV[5] ~= '' and h.name ~= ARGV[5]) then return {'kept', h.source} end
end
redis.call('DEL', KEYS[1])
return f
`,
);

export type FreezeResult = { env: string; kind: 'frozen'; token: number } | { env: string; kind: 'kept'; source: string };
export type UnfreezeResult = { kind: 'lifted'; previous: StoredFreeze } | { kind: 'not-frozen' } | { kind: 'kept'; source: string };

export class FreezeStore {
  constructor(
    private readonly redis: Redis,
    private readonly k: Keys,
  ) {}

  /** Freezes the envs (all or none, see FREEZE); 'duplicate' when `idempotencyKey` was used already. */
  async freeze(app: string, envs: readonly string[], f: FreezeState, idempotencyKey?: string): Promise<FreezeResult[] | 'duplicate'> {
    const r = (await FREEZE.run(
      this.redis,
      envs.map((e) => this.k.freeze(app, e)),
      [this.k.freezeSeq, f.by, f.reason, f.since, f.until ?? '', f.source, f.name ?? '', idempotencyKey ? this.k.idempotency(idempotencyKey) : ''],
    )) as [number, string?][] | 'dup';
    if (r === 'dup') return 'duplicate';
    return envs.map((env, i) => {
      const [token, source] = r[i]!;
      return token ? { env, kind: 'frozen', token: Number(token) } : { env, kind: 'kept', source: String(source) };
    });
  }

  /** Lifts the env's freeze if it comes from one of `sources` (and, with `name`, is the freeze of that name). */
  async lift(app: string, env: string, sources: readonly FreezeState['source'][], name = ''): Promise<UnfreezeResult> {
    return this.unfreeze(app, env, ['lift', sources.join(','), '', 0, name]);
  }

  /** The expiry timer of freeze `token`: lifts it if it still stands and its end has passed. */
  async expire(app: string, env: string, token: number, now: number): Promise<UnfreezeResult> {
    return this.unfreeze(app, env, ['expire', '', token, now, '']);
  }

  async get(app: string, env: string): Promise<StoredFreeze | undefined> {
    return freezeFromHash(await this.redis.hgetall(this.k.freeze(app, env)));
  }

  /** The freezes standing on these envs, in one round trip. */
  async many(targets: readonly { app: string; env: string }[]): Promise<(StoredFreeze | undefined)[]> {
    const m = this.redis.multi();
    for (const t of targets) m.hgetall(this.k.freeze(t.app, t.env));
    const rows = (await m.exec()) ?? [];
    return rows.map(([, h]) => freezeFromHash(h as Record<string, string>));
  }

  /** Asks to be told when the env's freeze lifts; true the first time. */
  async notifyMe(app: string, env: string, user: string): Promise<boolean> {
    return (await this.redis.sadd(this.k.freezeNotify(app, env), user)) === 1;
  }

  /** Who asked to be told, emptied in the same step (each is told once). */
  async takeNotify(app: string, env: string): Promise<string[]> {
    const key = this.k.freezeNotify(app, env);
    const [[, users]] = (await this.redis.multi().smembers(key).del(key).exec()) as [[unknown, string[]], unknown];
    return users;
  }

  private async unfreeze(app: string, env: string, args: (string | number)[]): Promise<UnfreezeResult> {
    const r = (await UNFREEZE.run(this.redis, [this.k.freeze(app, env)], args)) as string[];
    if (r.length === 0) return { kind: 'not-frozen' };
    if (r[0] === 'kept') return { kind: 'kept', source: r[1]! };
    return { kind: 'lifted', previous: freezeFromHash(pairs(r))! };
  }
}

export function freezeFromHash(h: Record<string, string>): StoredFreeze | undefined {
  if (!h.source) return undefined;
  return {
    by: h.by ?? '',
    reason: h.reason ?? '',
    since: Number(h.since ?? 0),
    source: h.source as FreezeState['source'],
    token: Number(h.token ?? 0),
    ...(h.until && { until: Number(h.until) }),
    ...(h.name && { name: h.name }),
  };
}
