import { assignDefined, type MaybeFields } from '../util/defined';
import type { Redis } from 'ioredis';
import type { ShipRefusal } from '../core/release/answers';
import type { Author, Commit, NewRelease, Release, ReleaseFields } from '../core/release/types';
import type { Keys } from './keys';
import { ACK, CREATE, END, FIELDS, HOLD, LIFT, PULLS, SHIP, SHIP_DONE, SHIPPING, STALE } from './release-scripts';

const IDEMPOTENCY_TTL_S = 86_400;
/** A finished release (and its commits) is kept this long for the record. */
const KEEP_S = 90 * 86_400;

export type CreateResult =
  | { kind: 'created'; id: number; replaced?: number }
  | { kind: 'duplicate'; id: number }
  | { kind: 'open'; id: number };
export type AckResult =
  | { kind: 'ok'; newAcks: number; approved: boolean }
  | { kind: 'closed'; status: string }
  | { kind: 'stale' }
  | { kind: 'missing' };
export type ShipResult = { kind: 'ok'; attempt: number } | ShipRefusal;

/** Releases in Redis: one hash per release, its acks, approvals and holds beside it; every change is a script. */
export class ReleaseStore {
  constructor(
    private readonly redis: Redis,
    private readonly k: Keys,
  ) {}

  async create(r: NewRelease, commits: Commit[], idempotencyKey: string): Promise<CreateResult> {
    const res = await CREATE(this.redis, {
      k: this.k,
      release: r,
      commitsJson: JSON.stringify(commits),
      idempotencyKey,
      idempotencyTtlS: IDEMPOTENCY_TTL_S,
    });
    const id = Number(res[1]);
    if (res[0] === 'dup') return { kind: 'duplicate', id };
    if (res[0] === 'open') return { kind: 'open', id };
    if (res[2]) await this.expireLater(Number(res[2]));
    return { kind: 'created', id, ...(res[2] ? { replaced: Number(res[2]) } : {}) };
  }

  async get(id: number): Promise<Release | undefined> {
    const r = await this.redis
      .multi()
      .hgetall(this.k.release(id))
      .hgetall(this.k.releaseAcks(id))
      .hgetall(this.k.releaseApprovals(id))
      .hgetall(this.k.releaseHolds(id))
      .exec();
    const [h, acks, approvals, holds] = (r ?? []).map(([, v]) => v as Record<string, string>);
    return releaseFromHashes(h ?? {}, acks ?? {}, approvals ?? {}, holds ?? {});
  }

  async commits(id: number): Promise<Commit[]> {
    const raw = await this.redis.get(this.k.releaseCommits(id));
    return raw ? (JSON.parse(raw) as Commit[]) : [];
  }

  /** Adds pull requests (SHA -> PR, found after it was opened) to the release's commits that have none; returns how many were added. */
  async addPullRequests(id: number, prs: ReadonlyMap<string, NonNullable<Commit['pr']>>): Promise<number> {
    if (prs.size === 0) return 0;
    return Number(await PULLS(this.redis, { k: this.k, id, prsJson: JSON.stringify(Object.fromEntries(prs)) }));
  }

  /** The open (or shipping) release to this app's env, if any. */
  async openId(app: string, env: string): Promise<number | undefined> {
    const id = await this.redis.get(this.k.releaseOpen(app, env));
    return id ? Number(id) : undefined;
  }

  /** The release a request with this idempotency key opened, if any (a retried `/release`). */
  async openedBy(idempotencyKey: string): Promise<number | undefined> {
    const id = await this.redis.get(this.k.idempotency(`release:${idempotencyKey}`));
    return id ? Number(id) : undefined;
  }

  /** Open releases whose source is this env. */
  async fromSource(app: string, env: string): Promise<number[]> {
    return (await this.redis.smembers(this.k.releaseBySource(app, env))).map(Number);
  }

  /** `keys`: the author keys `who` acks; `approve`: `who` approves as a required approver too. */
  async ack(id: number, who: string, keys: readonly string[], approve: boolean, now: number): Promise<AckResult> {
    const r = await ACK(this.redis, { k: this.k, id, who, now, approve, keys });
    if (r[0] === 'ok') return { kind: 'ok', newAcks: Number(r[1]), approved: Number(r[2]) === 1 };
    if (r[0] === 'closed') return { kind: 'closed', status: String(r[1]) };
    return { kind: r[0] === 'stale' ? 'stale' : 'missing' };
  }

  async hold(
    id: number,
    who: string,
    reason: string,
    now: number,
  ): Promise<{ kind: 'ok'; isNew: boolean } | { kind: 'closed'; status: string } | { kind: 'missing' }> {
    const r = await HOLD(this.redis, { k: this.k, id, who, holdJson: JSON.stringify({ reason, at: now }) });
    if (r[0] === 'ok') return { kind: 'ok', isNew: Number(r[1]) === 1 };
    if (r[0] === 'closed') return { kind: 'closed', status: String(r[1]) };
    return { kind: 'missing' };
  }

  async lift(id: number, holder: string): Promise<boolean> {
    return (await LIFT(this.redis, { k: this.k, id, who: holder })) === 1;
  }

  async ship(
    id: number,
    shipper: string,
    now: number,
    required: { keys: readonly string[]; approval: boolean; notCounting?: string },
  ): Promise<ShipResult> {
    const r = await SHIP(this.redis, {
      k: this.k,
      id,
      shipper,
      now,
      approval: required.approval,
      keys: required.keys,
      notCounting: required.notCounting ?? '',
    });
    switch (r[0]) {
      case 'ok':
        return { kind: 'ok', attempt: Number(r[1]) };
      case 'already':
        return { kind: 'already', status: String(r[1]), ...(r[2] ? { deployId: Number(r[2]) } : {}) };
      case 'closed':
        return { kind: 'closed', status: String(r[1]) };
      case 'waiting':
        return { kind: 'waiting', key: String(r[1]) };
      case 'stale':
      case 'held':
      case 'approver':
        return { kind: r[0] };
      default:
        return { kind: 'missing' };
    }
  }

  /** Ship attempt `attempt`'s deploy was accepted, or refused (`note` says why; the release is open again). */
  async shipping(id: number, attempt: number, outcome: { deployId: number } | { note: string }): Promise<boolean> {
    const result = 'deployId' in outcome ? { deployId: outcome.deployId, note: '' } : { deployId: '' as const, note: outcome.note };
    return (await SHIPPING(this.redis, { k: this.k, id, attempt, ...result })) === 1;
  }

  /** Ship attempt `attempt`'s deploy finished (a deploy of an earlier attempt changes nothing). */
  async shipDone(
    r: Pick<Release, 'id' | 'app' | 'from' | 'to'>,
    attempt: number,
    deployId: number,
    status: string,
    now: number,
  ): Promise<boolean> {
    const ok =
      (await SHIP_DONE(this.redis, { k: this.k, id: r.id, app: r.app, from: r.from, to: r.to, deployId, status, now, attempt })) === 1;
    if (ok && status === 'succeeded') await this.expireLater(r.id);
    return ok;
  }

  /** Cancels or expires an open release; false (with its status) when it was not open. */
  async end(
    r: Pick<Release, 'id' | 'app' | 'from' | 'to'>,
    how: 'cancelled' | 'expired',
    reason: string,
    now: number,
  ): Promise<{ ended: true } | { ended: false; status: string }> {
    const res = await END(this.redis, { k: this.k, id: r.id, app: r.app, from: r.from, to: r.to, how, reason, now });
    if (Number(res[0]) !== 1) return { ended: false, status: String(res[1]) };
    await this.expireLater(r.id);
    return { ended: true };
  }

  /** `env` (the release's source or target) now runs `sha`: the release is stale unless that is what it was made from. */
  async markStale(id: number, env: string, sha: string, now: number): Promise<boolean> {
    return (await STALE(this.redis, { k: this.k, id, sha, now, env })) === 1;
  }

  async setFields(id: number, fields: ReleaseFields): Promise<boolean> {
    return (await FIELDS(this.redis, { k: this.k, id, fieldsJson: JSON.stringify(fields) })) === 1;
  }

  /** Counts a reminder round; returns how many were sent before this one. */
  async countReminder(id: number): Promise<number> {
    return (await this.redis.hincrby(this.k.release(id), 'reminders', 1)) - 1;
  }

  /** Records the summary message; false if another process's was recorded first. */
  async setFeedTs(id: number, channel: string, ts: string): Promise<boolean> {
    const r = await this.redis.multi().hsetnx(this.k.release(id), 'feedTs', ts).hget(this.k.release(id), 'feedTs').exec();
    const won = r?.[1]?.[1] === ts;
    if (won) await this.redis.hset(this.k.release(id), 'feedChannel', channel);
    return won;
  }

  /** True for the one caller that gets to do `what` (a DM, the product post) for this release. */
  async once(id: number, what: string): Promise<boolean> {
    return (await this.redis.set(`${this.k.release(id)}:once:${what}`, '1', 'EX', KEEP_S, 'NX')) === 'OK';
  }

  /** Remembers the DM sent to an author, to update it when the release ends. */
  async rememberDm(id: number, user: string, channel: string, ts: string): Promise<void> {
    await this.redis.multi().hset(this.k.releaseDms(id), user, `${channel} ${ts}`).expire(this.k.releaseDms(id), KEEP_S).exec();
  }

  async dms(id: number): Promise<{ user: string; channel: string; ts: string }[]> {
    return Object.entries(await this.redis.hgetall(this.k.releaseDms(id))).map(([user, v]) => {
      const [channel = '', ts = ''] = v.split(' ');
      return { user, channel, ts };
    });
  }

  /** Forgets a one-off claim whose side effect failed, so it can be tried again. */
  async forget(id: number, what: string): Promise<void> {
    await this.redis.del(`${this.k.release(id)}:once:${what}`);
  }

  private async expireLater(id: number): Promise<void> {
    const m = this.redis.multi();
    for (const key of [
      this.k.release(id),
      this.k.releaseAcks(id),
      this.k.releaseApprovals(id),
      this.k.releaseHolds(id),
      this.k.releaseCommits(id),
    ])
      m.expire(key, KEEP_S);
    await m.exec();
  }
}

function releaseFromHashes(
  h: Record<string, string>,
  acks: Record<string, string>,
  approvals: Record<string, string>,
  holds: Record<string, string>,
): Release | undefined {
  if (!h.id) return undefined;
  const num = (v: string | undefined) => (v === undefined || v === '' ? undefined : Number(v));
  const r: Release = {
    id: Number(h.id),
    app: h.app ?? '',
    from: h.from ?? '',
    to: h.to ?? '',
    sourceSha: h.sourceSha ?? '',
    requester: h.requester ?? '',
    createdAt: Number(h.createdAt ?? 0),
    status: (h.status ?? 'open') as Release['status'],
    commitCount: Number(h.commitCount ?? 0),
    authors: JSON.parse(h.authors ?? '[]') as Author[],
    acks: Object.fromEntries(Object.entries(acks).map(([k, v]) => [k, JSON.parse(v) as { by: string; at: number }])),
    approvals: Object.fromEntries(Object.entries(approvals).map(([k, v]) => [k, Number(v)])),
    holds: Object.fromEntries(Object.entries(holds).map(([k, v]) => [k, JSON.parse(v) as { reason: string; at: number }])),
    fields: JSON.parse(h.fields ?? '{}') as ReleaseFields,
    reminders: Number(h.reminders ?? 0),
    shipAttempts: Number(h.shipAttempts ?? 0),
    rev: Number(h.rev ?? 0),
  };
  const optional: MaybeFields<Release> = {
    targetSha: h.targetSha || undefined,
    sourceRef: h.sourceRef || undefined,
    tag: h.tag || undefined,
    diverged: h.divergedAhead ? { ahead: Number(h.divergedAhead), behind: Number(h.divergedBehind ?? 0) } : undefined,
    noBase: h.noBase ? true : undefined,
    compareUrl: h.compareUrl || undefined,
    stale: h.staleSha ? { sha: h.staleSha, at: Number(h.staleAt ?? 0), env: h.staleEnv || (h.from ?? '') } : undefined,
    deployId: num(h.deployId),
    shippedBy: h.shippedBy || undefined,
    shippedAt: num(h.shippedAt),
    endReason: h.endReason || undefined,
    shipNote: h.shipNote || undefined,
    lastShip: h.lastShipDeploy ? { deployId: Number(h.lastShipDeploy), status: h.lastShipStatus as 'failed' | 'cancelled' } : undefined,
    feedChannel: h.feedChannel || undefined,
    feedTs: h.feedTs || undefined,
  };
  assignDefined(r, optional);
  return r;
}
