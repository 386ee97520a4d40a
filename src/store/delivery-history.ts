import type { Redis } from 'ioredis';
import type { CarriedCommit, DeployFact } from '../core/delivery/figures';
import type { Keys } from './keys';

/** A carried commit as stored: [sha, author time (ms), subject (shortened)]. */
type StoredCommit = [string, number, string];

const SUBJECT_MAX = 72;

/**
 * The delivery history the figures are computed from: the env's index of finished deploys (written
 * by finish.lua), the commits each successful deploy first carried (written once by the after-deploy
 * job), and the env's alert freezes (written by alert-firing.lua). Reads are bounded by `max`.
 */
export class DeliveryHistory {
  constructor(
    private readonly redis: Redis,
    private readonly k: Keys,
  ) {}

  /** Ids of the env's deploys that ended succeeded or failed in [from, to), oldest first, at most `max` (the newest). */
  async finishedIn(app: string, env: string, from: number, to: number, max: number): Promise<number[]> {
    const ids = await this.redis.zrevrangebyscore(this.k.deliveryFinished(app, env), `(${to}`, from, 'LIMIT', 0, max);
    return ids.map(Number).reverse();
  }

  /** The facts the figures need of each deploy (deploys whose record expired are left out). */
  async facts(ids: readonly number[]): Promise<(DeployFact & { sha: string })[]> {
    if (ids.length === 0) return [];
    const m = this.redis.multi();
    for (const id of ids) m.hmget(this.k.deploy(id), 'status', 'startedAt', 'finishedAt', 'rollbackOf', 'smoke', 'error', 'sha');
    const rows = (await m.exec()) ?? [];
    const out: (DeployFact & { sha: string })[] = [];
    rows.forEach(([, r], i) => {
      const [status, startedAt, finishedAt, rollbackOf, smoke, error, sha] = r as (string | null)[];
      if ((status !== 'succeeded' && status !== 'failed' && status !== 'cancelled') || !finishedAt) return;
      out.push({
        id: ids[i]!,
        status,
        ...(startedAt && { startedAt: Number(startedAt) }),
        finishedAt: Number(finishedAt),
        rollback: Boolean(rollbackOf),
        smokeFailed: smoke === 'failed',
        ...(error && { error }),
        sha: sha ?? '',
      });
    });
    return out;
  }

  /** The commits these deploys carried (deploys with none recorded add nothing). */
  async carried(ids: readonly number[]): Promise<CarriedCommit[]> {
    if (ids.length === 0) return [];
    const raw = await this.redis.mget(ids.map((id) => this.k.deployCarried(id)));
    return raw.flatMap((json, i) =>
      json ? (JSON.parse(json) as StoredCommit[]).map(([sha, time, subject]) => ({ deployId: ids[i]!, sha, time, subject })) : [],
    );
  }

  /** Whether the deploy's carried commits are recorded (an empty list counts). */
  async hasCarried(id: number): Promise<boolean> {
    return (await this.redis.exists(this.k.deployCarried(id))) === 1;
  }

  /** Records the commits a deploy carried, once (a second call changes nothing); kept `ttlMs`. */
  async setCarried(id: number, commits: readonly { sha: string; date: number; subject: string }[], ttlMs: number): Promise<boolean> {
    const stored: StoredCommit[] = commits.map((c) => [c.sha, c.date, c.subject.slice(0, SUBJECT_MAX)]);
    return (await this.redis.set(this.k.deployCarried(id), JSON.stringify(stored), 'PX', ttlMs, 'NX')) === 'OK';
  }

  /** When alerts froze the env in [from, to). */
  async alertFreezes(app: string, env: string, from: number, to: number, max: number): Promise<number[]> {
    const r = await this.redis.zrangebyscore(this.k.deliveryAlerts(app, env), from, `(${to}`, 'WITHSCORES', 'LIMIT', 0, max);
    const out: number[] = [];
    for (let i = 1; i < r.length; i += 2) out.push(Number(r[i]));
    return out;
  }

  /** The SHA of the env's newest successful deploy that ended before `before` (within the index), if any. */
  async previousSuccessSha(app: string, env: string, before: number, notId: number): Promise<string | undefined> {
    const ids = (await this.redis.zrevrangebyscore(this.k.deliveryFinished(app, env), before, '-inf', 'LIMIT', 0, 50)).map(Number);
    const facts = await this.facts(ids.filter((id) => id !== notId));
    return facts.find((f) => f.status === 'succeeded' && f.sha)?.sha;
  }
}
