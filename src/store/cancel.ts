import type { Redis } from 'ioredis';
import type { Deploy } from '../core/deploy';
import { deployFromHash } from './deploy-record';
import type { Keys } from './keys';
import { LuaScript, pairs } from './lua';

/**
 * Cancels a deploy in one step, whatever state it has reached by then:
 * - queued: it becomes cancelled at once (finishedAt, the reason in `error`, rev bumped). The
 *   begin script never starts a deploy that is not queued, so this holds even if a worker has
 *   already picked up its job;
 * - running: records who asked and when (`cancelRequestedBy`, `cancelRequestedAt`, rev bumped),
 *   once; the worker running it notices and stops the command, then records the outcome itself;
 * - anything else is left alone.
 * KEYS: 1 deploy
 * ARGV: 1 user, 2 now ms, 3 reason (mrkdwn; recorded when a queued deploy is cancelled)
 * Returns {what, ...the deploy's hash after}, what being 'missing' | 'cancelled' (was queued) |
 * 'requested' (was running) | 'already-requested' (running, someone asked before) | 'finished'.
 */
const CANCEL = new LuaScript(
  'cancel',
  `
local d = redis.call('HMGET', KEYS[1], 'status', 'cancelRequestedBy')
if not d[1] then return {'missing'} end
local what = 'finished'
if d[1] == 'queued' then
  redis.call('HSET', KEYS[1], 'status', 'cancelled', 'finishedAt', ARGV[2], 'error', ARGV[3])
  redis.call('HINCRBY', KEYS[1], 'rev', 1)
  what = 'cancelled'
elseif d[1] == 'running' then
  if d[2] then
    what = 'already-requested'
  else
    redis.call('HSET', KEYS[1], 'cancelRequestedBy', ARGV[1], 'cancelRequestedAt', ARGV[2])
    redis.call('HINCRBY', KEYS[1], 'rev', 1)
    what = 'requested'
  end
end
return {what, unpack(redis.call('HGETALL', KEYS[1]))}
`,
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
  constructor(
    private readonly redis: Redis,
    private readonly k: Keys,
  ) {}

  async cancel(id: number, user: string, now: number, reason: string): Promise<CancelResult> {
    const r = (await CANCEL.run(this.redis, [this.k.deploy(id)], [user, now, reason])) as string[];
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
