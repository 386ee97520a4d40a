import type { Redis } from 'ioredis';
import type { Deploy, DeployStatus, ReviewRun } from '../core/deploy';
import { DEFAULT_DELIVERY_RETENTION_MS } from '../core/delivery/durations';
import { deployFromHash } from './deploy-record';
import type { Keys } from './keys';
import { ACCEPT, BEGIN, FAIL_QUEUED, FINISH, SET_WAITING, START } from './deploy-scripts';
import { type LockInfo, lockFromHash } from './locks';
import { pairs } from './lua';

export type BeginResult =
  | { kind: 'missing' }
  | { kind: 'finished' }
  | { kind: 'frozen' }
  | { kind: 'busy'; heldBy: string }
  /** The lease is free, but deploy #first (of another app of the exclusive group) is ahead in its line. */
  | { kind: 'behind'; first: number }
  | { kind: 'lost'; lease: string; attempt: number }
  | { kind: 'locked'; lease: string; holder: string }
  /** A release's deploy whose target moved since the release (to `sha`): it must not start. */
  | { kind: 'moved'; lease: string; sha: string }
  /** Started: `deploy` is its record as the begin script left it. */
  | { kind: 'started'; lease: string; deploy: Deploy };

/** How a deploy ended, as FINISH records it. */
export interface DeployOutcome {
  status: Exclude<DeployStatus, 'queued' | 'running'>;
  exitCode?: number;
  error?: string;
  smoke?: 'passed' | 'failed' | 'stopped';
}

export type AcceptResult =
  /** `replaced`: the queued automatic deploy this one (automatic too) cancelled and took the pushes of. */
  | { kind: 'accepted'; id: number; lock?: { token: number; until: number }; replaced?: number }
  | { kind: 'duplicate'; id: number }
  | { kind: 'locked'; lock: LockInfo }
  | { kind: 'handing'; next: string }
  /** The release ship attempt it was for is no longer shipping (given up, or the release ended). */
  | { kind: 'gone' };

export interface NewDeploy {
  app: string;
  env: string;
  ref: string;
  sha: string;
  user: string;
  feedChannel: string;
  /** Claim the env for the requester (env has lock: true). */
  claimLockMs?: number;
  /** The claimed lock's reason (default "deploying <ref>"); replaces an extended lock's reason too. */
  lockReason?: string;
  /** Marks the deploy a rollback (see Deploy.rollbackOf). */
  rollbackOf?: string;
  /** Starts outside the env's deploy window, for this reason, on the requester's authority. */
  override?: string;
  /** The release it ships (see Deploy.release), and what its target must still run when it starts ('none': nothing). */
  release?: { id: number; attempt: number; base: string };
  /** Same key, same deploy: guards against double submits and retried deliveries. */
  idempotencyKey: string;
  /** An automatic deploy (a GitHub push): it replaces the env's queued automatic deploy, if any (see ACCEPT). */
  auto?: { by: string; from: string; commits: number };
  /** A review app's deploy or teardown (see Deploy.review). */
  review?: ReviewRun;
}

const IDEMPOTENCY_TTL_S = 86_400;

/** Deploy ids each env's history keeps. */
export const ENV_HISTORY_KEEP = 1_000;

export class DeployStore {
  /** `retentionMs`: delivery_retention (a finished deploy's record expires this long after its end; see FINISH). */
  constructor(
    private readonly redis: Redis,
    private readonly k: Keys,
    private readonly retentionMs: number = DEFAULT_DELIVERY_RETENTION_MS,
  ) {}

  async accept(d: NewDeploy, now: number): Promise<AcceptResult> {
    const r = await ACCEPT(this.redis, {
      ...d,
      k: this.k,
      now,
      retentionMs: this.retentionMs,
      idempotencyTtlS: IDEMPOTENCY_TTL_S,
      historyKeep: ENV_HISTORY_KEEP,
    });
    if (r[0] === 'dup') return { kind: 'duplicate', id: Number(r[1]) };
    if (r[0] === 'locked') return { kind: 'locked', lock: lockFromHash(pairs(r.slice(1)))! };
    if (r[0] === 'handing') return { kind: 'handing', next: r[1]! };
    if (r[0] === 'gone') return { kind: 'gone' };
    const lock = r[2] ? { token: Number(r[2]), until: Number(r[3]) } : undefined;
    return { kind: 'accepted', id: Number(r[1]), ...(lock && { lock }), ...(r[4] && { replaced: Number(r[4]) }) };
  }

  /** The deploy a request with this idempotency key already created, if any (accept() is what guards; this only reads). */
  async acceptedAs(idempotencyKey: string): Promise<number | undefined> {
    const id = await this.redis.get(this.k.idempotency(idempotencyKey));
    return id ? Number(id) : undefined;
  }

  /** The id of the newest deploy (0 when there is none yet). */
  async latestId(): Promise<number> {
    return Number((await this.redis.get(this.k.deploySeq)) ?? 0);
  }

  /** The record's revision (bumped by every change the feed shows); 0 when there is no record. */
  async rev(id: number): Promise<number> {
    return Number((await this.redis.hget(this.k.deploy(id), 'rev')) ?? 0);
  }

  async get(id: number): Promise<Deploy | undefined> {
    return deployFromHash(await this.redis.hgetall(this.k.deploy(id)));
  }

  /**
   * `lineStaleMs`: a deploy waiting in the lease's line that hasn't asked again for this long is
   * passed over (its worker died); it must be well above the interval at which waiting deploys ask.
   */
  async begin(
    id: number,
    app: string,
    env: string,
    o: { holder: string; leaseTtlMs: number; worker: string; now: number; lineStaleMs?: number },
  ): Promise<BeginResult> {
    const r = await BEGIN(this.redis, { k: this.k, id, app, env, ...o, lineStaleMs: o.lineStaleMs ?? o.leaseTtlMs });
    switch (r[0]) {
      case 'busy':
        return { kind: 'busy', heldBy: r[1]! };
      case 'behind':
        return { kind: 'behind', first: Number(r[1]) };
      case 'lost':
        return { kind: 'lost', lease: r[1]!, attempt: Number(r[2]) };
      case 'locked':
        return { kind: 'locked', lease: r[1]!, holder: r[2]! };
      case 'moved':
        return { kind: 'moved', lease: r[1]!, sha: r[2]! };
      case 'started': {
        const deploy = deployFromHash(pairs(r.slice(2)));
        if (!deploy) throw new Error(`deploy #${id} has no record`);
        return { kind: 'started', lease: r[1]!, deploy };
      }
      case 'finished':
        return { kind: 'finished' };
      case 'frozen':
        return { kind: 'frozen' };
      default:
        return { kind: 'missing' };
    }
  }

  /** Runs a lost deploy again. */
  async start(
    id: number,
    app: string,
    env: string,
    leaseValue: string,
    worker: string,
    now: number,
  ): Promise<{ kind: 'started' | 'lease-lost' } | { kind: 'locked'; holder: string }> {
    const r = await START(this.redis, { k: this.k, id, app, env, leaseValue, now, worker });
    if (r[0] === 2) return { kind: 'locked', holder: r[1]! };
    return { kind: r[0] === 1 ? 'started' : 'lease-lost' };
  }

  /**
   * Records how the deploy ended, fenced by its lease: undefined when the lease was lost (nothing
   * recorded), else whether a release has the env as its target or source (it may need to know).
   */
  async finish(
    d: Pick<Deploy, 'id' | 'app' | 'env'>,
    leaseValue: string,
    outcome: DeployOutcome,
    now: number,
  ): Promise<{ releases: boolean } | undefined> {
    const r = await FINISH(this.redis, {
      k: this.k,
      id: d.id,
      app: d.app,
      env: d.env,
      leaseValue,
      now,
      ...outcome,
      retentionMs: this.retentionMs,
    });
    return r === 0 ? undefined : { releases: r[1] === 1 };
  }

  /**
   * Claims the right to post a deploy's first feed message. False while another process holds the
   * claim; the claim expires, so a process that died mid-post does not leave the deploy unposted.
   */
  async claimFeedPost(id: number, poster: string, ttlMs: number): Promise<boolean> {
    return (await this.redis.set(`${this.k.deploy(id)}:feed-poster`, poster, 'PX', ttlMs, 'NX')) === 'OK';
  }

  /** Records the feed message; false if another process's message was recorded first. */
  async setFeedTs(id: number, channel: string, ts: string): Promise<boolean> {
    const r = await this.redis.multi().hsetnx(this.k.deploy(id), 'feedTs', ts).hget(this.k.deploy(id), 'feedTs').exec();
    const won = r?.[1]?.[1] === ts;
    if (won) await this.redis.hset(this.k.deploy(id), 'feedChannel', channel);
    return won;
  }

  /**
   * A one-off side effect (e.g. the failure thread): claim() is true for one caller at a time and
   * never again once settled as done; a failed attempt is settled as not done and may be retried.
   */
  async claim(id: number, what: string, ttlMs: number): Promise<boolean> {
    return (await this.redis.set(`${this.k.deploy(id)}:once:${what}`, 'claimed', 'PX', ttlMs, 'NX')) === 'OK';
  }

  async settle(id: number, what: string, done: boolean): Promise<void> {
    const key = `${this.k.deploy(id)}:once:${what}`;
    if (done) await this.redis.set(key, 'done', 'EX', 30 * 86_400);
    else await this.redis.del(key);
  }

  async recentDurations(app: string, env: string): Promise<number[]> {
    return (await this.redis.lrange(this.k.envDurations(app, env), 0, -1)).map(Number);
  }

  /**
   * Notes (or, with '', clears) why a deploy waits: a queued one for its turn, a running one (a
   * retry) for its checkout. Only while it has that status; true when that changed the record.
   */
  async setWaiting(id: number, why: string, status: 'queued' | 'running' = 'queued'): Promise<boolean> {
    return (await SET_WAITING(this.redis, { k: this.k, id, why, status })) === 1;
  }

  /** Records which required checks an override went past (shown on the feed message). */
  async setOverrideChecks(id: number, what: string): Promise<void> {
    await this.redis.multi().hset(this.k.deploy(id), 'overrideChecks', what).hincrby(this.k.deploy(id), 'rev', 1).exec();
  }

  /** When the deploy began waiting for its required checks: `now` the first time it is asked. */
  async checksWaitSince(id: number, now: number): Promise<number> {
    const r = await this.redis
      .multi()
      .hsetnx(this.k.deploy(id), 'checksWaitSince', String(now))
      .hget(this.k.deploy(id), 'checksWaitSince')
      .exec();
    return Number(r?.[1]?.[1] ?? now);
  }

  /** Fails a deploy that is still queued (it never started), e.g. its required checks failed; false if it was not queued. */
  async failQueued(id: number, error: string, now: number): Promise<boolean> {
    return (await FAIL_QUEUED(this.redis, { k: this.k, id, now, error, retentionMs: this.retentionMs })) === 1;
  }

  /** The env's deploys, newest first (at most `limit`; the env keeps ENV_HISTORY_KEEP ids). */
  async history(app: string, env: string, limit = 20): Promise<Deploy[]> {
    const ids = await this.redis.lrange(this.k.envDeploys(app, env), 0, Math.max(0, limit - 1));
    if (ids.length === 0) return [];
    const m = this.redis.multi();
    for (const id of ids) m.hgetall(this.k.deploy(Number(id)));
    const rows = (await m.exec()) ?? [];
    return rows.map(([, h]) => deployFromHash(h as Record<string, string>)).filter((d): d is Deploy => d !== undefined);
  }

  async envState(app: string, env: string): Promise<Record<string, string>> {
    return this.redis.hgetall(this.k.envState(app, env));
  }
}
