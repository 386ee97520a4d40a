import type { Redis } from 'ioredis';
import { DEFAULT_DELIVERY_RETENTION_MS } from '../core/delivery/durations';
import type { FreezeState } from '../core/gate';
import type { Keys } from './keys';
import { luaCommand, pairs } from './lua';

/** A freeze as stored: its state and the token its expiry timer carries. */
export interface StoredFreeze extends FreezeState {
  token: number;
}

/**
 * Freezes envs, all or none, in one script (freeze.lua): an env frozen already from another source
 * is kept. With an idempotency key, a repeated request changes nothing and returns 'dup'.
 */
const FREEZE = luaCommand<
  { k: Keys; app: string; envs: readonly string[]; f: FreezeState; idempotencyKey?: string },
  [number, string?][] | 'dup'
>('freeze', (i) => ({
  // Without a key the guard is off; the key stands in only to keep KEYS under Ferry's prefix.
  keys: { freezeSeq: i.k.freezeSeq, idempotency: i.k.idempotency(i.idempotencyKey ?? '') },
  argv: {
    by: i.f.by,
    reason: i.f.reason,
    since: i.f.since,
    until: i.f.until ?? '',
    source: i.f.source,
    name: i.f.name ?? '',
    guard: i.idempotencyKey ? '1' : '0',
  },
  moreKeys: i.envs.map((e) => i.k.freeze(i.app, e)),
}));

/**
 * Lifts a freeze from an allowed source, or (mode 'expire') the freeze with that token once its
 * end has passed; freezes the env again at once while alerts still fire there (unfreeze.lua).
 */
const UNFREEZE = luaCommand<
  { k: Keys; app: string; env: string; mode: 'lift' | 'expire'; sources: string; token: number | ''; now: number; name: string },
  string[]
>('unfreeze', (i) => ({
  keys: { freeze: i.k.freeze(i.app, i.env), alerts: i.k.freezeAlerts(i.app, i.env), freezeSeq: i.k.freezeSeq },
  argv: { mode: i.mode, sources: i.sources, token: i.token, now: i.now, name: i.name },
}));

/** An alert fires on an env: recorded, and the env frozen for it unless a freeze stands (alert-firing.lua). */
const ALERT_FIRING = luaCommand<
  { k: Keys; app: string; env: string; key: string; name: string; summary: string; now: number; retentionMs: number },
  string[]
>('alert-firing', (i) => ({
  keys: {
    freeze: i.k.freeze(i.app, i.env),
    alerts: i.k.freezeAlerts(i.app, i.env),
    freezeSeq: i.k.freezeSeq,
    deliveryAlerts: i.k.deliveryAlerts(i.app, i.env),
  },
  argv: {
    key: i.key,
    alert: JSON.stringify({ name: i.name, summary: i.summary, since: i.now }),
    name: i.name,
    summary: i.summary,
    now: i.now,
    retentionMs: i.retentionMs,
  },
}));

/** An alert is resolved: the env's alert freeze lifts with the last of them (alert-resolved.lua). */
const ALERT_RESOLVED = luaCommand<{ k: Keys; app: string; env: string; key: string }, unknown[]>('alert-resolved', (i) => ({
  keys: { freeze: i.k.freeze(i.app, i.env), alerts: i.k.freezeAlerts(i.app, i.env) },
  argv: { key: i.key },
}));

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
  /** `retentionMs`: delivery_retention (how long the history of alert freezes is kept, for the delivery figures). */
  constructor(
    private readonly redis: Redis,
    private readonly k: Keys,
    private readonly retentionMs: number = DEFAULT_DELIVERY_RETENTION_MS,
  ) {}

  /** Freezes the envs (all or none, see FREEZE); 'duplicate' when `idempotencyKey` was used already. */
  async freeze(app: string, envs: readonly string[], f: FreezeState, idempotencyKey?: string): Promise<FreezeResult[] | 'duplicate'> {
    const r = await FREEZE(this.redis, { k: this.k, app, envs, f, ...(idempotencyKey && { idempotencyKey }) });
    if (r === 'dup') return 'duplicate';
    return envs.map((env, i) => {
      const [token, source] = r[i]!;
      return token ? { env, kind: 'frozen', token: Number(token) } : { env, kind: 'kept', source: String(source) };
    });
  }

  /** Lifts the env's freeze if it comes from one of `sources` (and, with `name`, is the freeze of that name). */
  async lift(app: string, env: string, sources: readonly FreezeState['source'][], name = ''): Promise<UnfreezeResult> {
    return this.unfreeze({ app, env, mode: 'lift', sources: sources.join(','), token: '', now: 0, name });
  }

  /** The expiry timer of freeze `token`: lifts it if it still stands and its end has passed. */
  async expire(app: string, env: string, token: number, now: number): Promise<UnfreezeResult> {
    return this.unfreeze({ app, env, mode: 'expire', sources: '', token, now, name: '' });
  }

  /** An alert fires on the env (see ALERT_FIRING). */
  async alertFiring(app: string, env: string, a: { key: string; name: string; summary: string }, now: number): Promise<AlertFiringResult> {
    const r = await ALERT_FIRING(this.redis, { k: this.k, app, env, ...a, now, retentionMs: this.retentionMs });
    if (r[0] === 'dup') return { kind: 'duplicate' };
    if (r[0] === 'frozen') return { kind: 'frozen', token: Number(r[1]) };
    if (r[0] === 'also') return { kind: 'also', by: String(r[1]) };
    return { kind: 'kept', freeze: keptFreeze(String(r[1]), String(r[2]), String(r[3])) };
  }

  /** An alert on the env is resolved (see ALERT_RESOLVED). */
  async alertResolved(app: string, env: string, key: string): Promise<AlertResolvedResult> {
    const r = await ALERT_RESOLVED(this.redis, { k: this.k, app, env, key });
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

  private async unfreeze(o: {
    app: string;
    env: string;
    mode: 'lift' | 'expire';
    sources: string;
    token: number | '';
    now: number;
    name: string;
  }): Promise<UnfreezeResult> {
    const r = await UNFREEZE(this.redis, { k: this.k, ...o });
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
