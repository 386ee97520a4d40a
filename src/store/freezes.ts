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
 * When alerts are still firing on the env (a person's or a release's freeze stood when they fired),
 * the env is frozen again at once for the oldest of them, in the same step: {'alerting', name, ...hash}.
 * KEYS: 1 freeze key, 2 the env's firing alerts, 3 freeze seq; ARGV: 1 mode ('lift' | 'expire'),
 * 2 sources allowed (comma list), 3 token, 4 now, 5 name ('' for any; else only the freeze of that
 * name is lifted, e.g. release #12's)
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
if h.source ~= 'alert' then
  local oldest
  for _, v in ipairs(redis.call('HVALS', KEYS[2])) do
    local a = cjson.decode(v)
    if not oldest or tonumber(a.since) < tonumber(oldest.since) then oldest = a end
  end
  if oldest then
    local token = redis.call('INCR', KEYS[3])
    redis.call('HSET', KEYS[1], 'by', 'alert', 'reason', oldest.summary or '', 'since', ARGV[4], 'source', 'alert', 'token', token, 'name', oldest.name)
    local out = {'alerting', oldest.name}
    for _, x in ipairs(f) do out[#out + 1] = x end
    return out
  end
end
return f
`,
);

/**
 * An alert fires on an env: records it among the env's firing alerts and, unless a freeze stands
 * already, freezes the env with a freeze of source 'alert' named after it. The same alert again
 * (a repeated delivery) changes nothing: 'dup'. A freeze whose end has passed (its timer is due)
 * counts as none.
 * KEYS: 1 freeze key, 2 the env's alerts hash, 3 freeze seq key; ARGV: 1 alert key, 2 its JSON
 * ({name, summary, since}), 3 name, 4 summary, 5 now. Returns {'dup'} | {'frozen', token} |
 * {'also', name of the alert whose freeze stands} | {'kept', source, by, name}.
 */
const ALERT_FIRING = new LuaScript(
  'alert-firing',
  `
if redis.call('HSETNX', KEYS[2], ARGV[1], ARGV[2]) == 0 then return {'dup'} end
local f = redis.call('HGETALL', KEYS[1])
local h = {}
for i = 1, #f, 2 do h[f[i]] = f[i + 1] end
if h.source and h['until'] and tonumber(h['until']) <= tonumber(ARGV[5]) then h = {} end
if h.source == 'alert' then return {'also', h.name or ''} end
if h.source then return {'kept', h.source, h.by or '', h.name or ''} end
local token = redis.call('INCR', KEYS[3])
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'by', 'alert', 'reason', ARGV[4], 'since', ARGV[5], 'source', 'alert', 'token', token, 'name', ARGV[3])
return {'frozen', token}
`,
);

/**
 * An alert is resolved: drops it from the env's firing alerts; when it was the last, lifts the
 * env's freeze if it is an alert's (never a person's or a release's). While others still fire, an
 * alert freeze stays and takes the name and summary of the oldest of them. An alert not recorded
 * (a repeated delivery, or one never seen firing) changes nothing: 'unknown'.
 * KEYS: 1 freeze key, 2 the env's alerts hash; ARGV: 1 alert key. Returns {'unknown'} |
 * {'still', names...} | {'lifted', hash} | {'kept', source, by, name} | {'not-frozen'}.
 */
const ALERT_RESOLVED = new LuaScript(
  'alert-resolved',
  `
if redis.call('HDEL', KEYS[2], ARGV[1]) == 0 then return {'unknown'} end
local source = redis.call('HGET', KEYS[1], 'source')
local rest = redis.call('HVALS', KEYS[2])
if #rest > 0 and source == 'alert' then
  local out = {'still'}
  local oldest
  for _, v in ipairs(rest) do
    local a = cjson.decode(v)
    out[#out + 1] = a.name
    if not oldest or tonumber(a.since) < tonumber(oldest.since) then oldest = a end
  end
  redis.call('HSET', KEYS[1], 'name', oldest.name, 'reason', oldest.summary)
  return out
end
if not source then return {'not-frozen'} end
if source ~= 'alert' then
  return {'kept', source, redis.call('HGET', KEYS[1], 'by') or '', redis.call('HGET', KEYS[1], 'name') or ''}
end
local f = redis.call('HGETALL', KEYS[1])
redis.call('DEL', KEYS[1])
return {'lifted', f}
`,
);

export type AlertFiringResult =
  | { kind: 'duplicate' }
  | { kind: 'frozen'; token: number }
  | { kind: 'also'; by: string }
  | { kind: 'kept'; freeze: Pick<FreezeState, 'source' | 'by' | 'name'> };
export type AlertResolvedResult =
  | { kind: 'unknown' }
  | { kind: 'still'; firing: string[] }
  | { kind: 'lifted'; previous: StoredFreeze }
  | { kind: 'kept'; freeze: Pick<FreezeState, 'source' | 'by' | 'name'> }
  | { kind: 'not-frozen' };

const keptFreeze = (source: string, by: string, name: string): Pick<FreezeState, 'source' | 'by' | 'name'> => ({
  source: source as FreezeState['source'],
  by,
  ...(name && { name }),
});

export type FreezeResult = { env: string; kind: 'frozen'; token: number } | { env: string; kind: 'kept'; source: string };
export type UnfreezeResult =
  | { kind: 'lifted'; previous: StoredFreeze }
  | { kind: 'not-frozen' }
  | { kind: 'kept'; source: string }
  /** Lifted, but alerts still fire there: the env was frozen again for `alert` in the same step. */
  | { kind: 'alerting'; alert: string; previous: StoredFreeze };

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
      [
        this.k.freezeSeq,
        f.by,
        f.reason,
        f.since,
        f.until ?? '',
        f.source,
        f.name ?? '',
        idempotencyKey ? this.k.idempotency(idempotencyKey) : '',
      ],
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

  /** An alert fires on the env (see ALERT_FIRING). */
  async alertFiring(app: string, env: string, a: { key: string; name: string; summary: string }, now: number): Promise<AlertFiringResult> {
    const r = (await ALERT_FIRING.run(
      this.redis,
      [this.k.freeze(app, env), this.k.freezeAlerts(app, env), this.k.freezeSeq],
      [a.key, JSON.stringify({ name: a.name, summary: a.summary, since: now }), a.name, a.summary, now],
    )) as string[];
    if (r[0] === 'dup') return { kind: 'duplicate' };
    if (r[0] === 'frozen') return { kind: 'frozen', token: Number(r[1]) };
    if (r[0] === 'also') return { kind: 'also', by: String(r[1]) };
    return { kind: 'kept', freeze: keptFreeze(String(r[1]), String(r[2]), String(r[3])) };
  }

  /** An alert on the env is resolved (see ALERT_RESOLVED). */
  async alertResolved(app: string, env: string, key: string): Promise<AlertResolvedResult> {
    const r = (await ALERT_RESOLVED.run(this.redis, [this.k.freeze(app, env), this.k.freezeAlerts(app, env)], [key])) as unknown[];
    if (r[0] === 'unknown') return { kind: 'unknown' };
    if (r[0] === 'not-frozen') return { kind: 'not-frozen' };
    if (r[0] === 'still') return { kind: 'still', firing: r.slice(1).map(String) };
    if (r[0] === 'lifted') return { kind: 'lifted', previous: freezeFromHash(pairs(r[1]))! };
    return { kind: 'kept', freeze: keptFreeze(String(r[1]), String(r[2]), String(r[3])) };
  }

  /** The names of the alerts firing on the env now. */
  async firingAlerts(app: string, env: string): Promise<string[]> {
    const vals = await this.redis.hvals(this.k.freezeAlerts(app, env));
    return vals.map((v) => String((JSON.parse(v) as { name?: unknown }).name ?? 'alert'));
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
    const r = (await UNFREEZE.run(
      this.redis,
      [this.k.freeze(app, env), this.k.freezeAlerts(app, env), this.k.freezeSeq],
      args,
    )) as string[];
    if (r.length === 0) return { kind: 'not-frozen' };
    if (r[0] === 'kept') return { kind: 'kept', source: r[1]! };
    if (r[0] === 'alerting') return { kind: 'alerting', alert: r[1]!, previous: freezeFromHash(pairs(r.slice(2)))! };
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
