import type { Redis } from 'ioredis';
import type { Deploy } from '../core/deploy';
import { deployFromHash } from './deploy-record';
import type { Keys } from './keys';
import { DEFAULT_DELIVERY_RETENTION_MS } from '../core/delivery/durations';
import { luaCommand, pairs } from './lua';

/** Cancels a deploy in one step, whatever state it has reached by then (cancel.lua). */
const CANCEL = luaCommand<{ k: Keys; id: number; user: string; now: number; reason: string; retentionMs: number }, string[]>(
  'cancel',
  (i) => ({
    keys: { deploy: i.k.deploy(i.id) },
    argv: { user: i.user, now: i.now, reason: i.reason, retentionMs: i.retentionMs },
  }),
);

export type CancelResult = { kind: 'missing' } | { kind: 'cancelled' | 'requested' | 'already-requested' | 'finished'; deploy: Deploy };

/** A running deploy's cancel request, as its worker reads it. */
export interface CancelAsked {
  by: string;
  at: number;
}

/**
 * Cancel requests: the record (one Lua script) and the nudge to workers (a message on
 * `<prefix>:cancel` carrying the deploy id; the record is what counts, the message only makes the
 * worker running it look now instead of at its next lease renewal).
 */
export class CancelStore {
  /** `retentionMs`: delivery_retention (a deploy cancelled while queued expires this long after, as a finished one does). */
  constructor(
    private readonly redis: Redis,
    private readonly k: Keys,
    private readonly retentionMs: number = DEFAULT_DELIVERY_RETENTION_MS,
  ) {}

  async cancel(id: number, user: string, now: number, reason: string): Promise<CancelResult> {
    const r = await CANCEL(this.redis, { k: this.k, id, user, now, reason, retentionMs: this.retentionMs });
    const what = r[0] as CancelResult['kind'];
    if (what === 'missing') return { kind: 'missing' };
    const deploy = deployFromHash(pairs(r.slice(1)));
    return deploy ? { kind: what, deploy } : { kind: 'missing' };
  }

  /** Tells every worker process that deploy #id was asked to stop. */
  async notify(id: number): Promise<void> {
    await this.redis.publish(this.k.cancelChannel, String(id));
  }

  /** Who asked to cancel running deploy #id, if anyone did. */
  async requested(id: number): Promise<CancelAsked | undefined> {
    const [by, at] = await this.redis.hmget(this.k.deploy(id), 'cancelRequestedBy', 'cancelRequestedAt');
    return by ? { by, at: Number(at ?? 0) } : undefined;
  }
}
