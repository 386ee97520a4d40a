import type { Logger } from 'pino';
import type { FerryConfig } from '../core/config/types';
import type { Deploy } from '../core/deploy';
import { formatDuration } from '../core/duration';
import { notShippedText, releaseName, where } from '../core/release/answers';
import { type ReleaseState, releaseState } from '../core/release/state';
import type { Release, ReleasePolicy } from '../core/release/types';
import { escapeMrkdwn, mrkdwnToPlain } from '../core/slack-format';
import { shortSha } from '../core/deploy';
import type { ReleaseFeed } from '../feed/release-feed';
import type { Queues } from '../queue/queues';
import type { AuditLog } from '../store/audit';
import type { DeployStore } from '../store/deploys';
import type { ReleaseStore } from '../store/releases';
import { authorize } from './authorize';
import type { Place } from './arrival-order';
import { lineOf } from '../core/orders/order';
import type { Answer, DeployRequests } from './queue-deploy';
import type { FreezeService } from './freezes';
import type { Permissions } from './permissions';

export interface ReleaseLifeDeps {
  config: FerryConfig;
  store: ReleaseStore;
  deploys: Pick<DeployStore, 'envState' | 'acceptedAs' | 'get'>;
  requests: Pick<DeployRequests, 'request'>;
  freezes: Pick<FreezeService, 'freezeFor' | 'liftFor'>;
  queues: Pick<Queues, 'releaseTimer' | 'enqueue'>;
  feed: ReleaseFeed;
  permissions: Pick<Permissions, 'check' | 'admins' | 'isAdmin' | 'inList'>;
  audit: AuditLog;
  log: Logger;
  now: () => number;
}

/** A ship attempt that claimed the release but never got as far as a deploy (its process died) is given up after this. */
const ABANDONED_SHIP_MS = 60_000;
/** How often a shipping release is looked at, in case its deploy's end (or the work after it) was lost. */
const SETTLE_EVERY_MS = 10 * 60_000;

/**
 * A release from ready to shipped or ended: Ship (through the target's normal deploy path, with
 * the summarised SHA pinned), what its deploy's end does to it, envs moving under it (stale),
 * reminders, expiry, and the source's freeze. Every step is safe to repeat, and a ship attempt cut
 * short anywhere is settled by the next look at the release.
 */
export class ReleaseLife {
  readonly log: Logger;
  constructor(private readonly d: ReleaseLifeDeps) {
    this.log = d.log.child({ component: 'releases' });
  }

  policy(r: Pick<Release, 'app' | 'to'>): ReleasePolicy {
    return this.d.config.apps[r.app]!.envs[r.to]!.release;
  }

  /** Ships a ready release as `user` (the opener, for `ship: auto`); `place`: the click's place in line (ArrivalOrder). */
  async ship(id: number, user: string, auto = false, place?: Place): Promise<Answer> {
    let r = await this.d.store.get(id);
    if (!r) return { text: `There is no release #${id}.` };
    place?.name(lineOf(r.app, r.to));
    const policy = this.policy(r);
    if (!auto) {
      const refused = await authorize(
        { permissions: this.d.permissions, audit: this.d.audit, log: this.log, now: this.d.now },
        'deploy',
        user,
        r.app,
        r.to,
      );
      if (refused) return { text: `${refused} ${releaseName(r)} did not ship.` };
    }
    if (r.status === 'shipping') r = await this.settle(r);
    if (r.status === 'open' && (await this.noticeMoves(r))) r = (await this.d.store.get(id))!;
    const required = {
      keys: r.authors.filter((a) => a.ackBy !== 'none').map((a) => a.key),
      approval: policy.approvers.length > 0,
      ...(!policy.selfApproval && { notCounting: r.requester }),
    };
    const claim = await this.d.store.ship(id, user, this.d.now(), required);
    if (claim.kind !== 'ok') return { text: notShippedText(r, claim, policy) };
    const attempt = claim.attempt;
    const key = shipKey(id, attempt);
    let answer: Answer;
    try {
      // The target must still run what the release was made from when its deploy starts (the worker checks).
      await this.d.queues.releaseTimer({ kind: 'release-settle', id, attempt }, this.d.now() + ABANDONED_SHIP_MS + 1_000, this.d.now());
      answer = await this.d.requests.request(
        {
          kind: 'ship',
          app: r.app,
          env: r.to,
          // What it ships, as its source env had it: the tag, or the ref staging's deploy was made from.
          ref: r.tag ?? r.sourceRef ?? `release-${id}`,
          sha: r.sourceSha,
          user,
          release: { id, attempt, base: r.targetSha ?? 'none' },
        },
        key,
        place,
      );
    } catch (err) {
      // Reopened only if no deploy was accepted; otherwise the deploy's end settles it.
      if ((await this.d.deploys.acceptedAs(key)) === undefined)
        await this.reopen(r, attempt, 'Ferry hit an error while queueing its deploy; press *Ship* to try again.');
      throw err;
    }
    const deployId = await this.d.deploys.acceptedAs(key);
    if (deployId === undefined) {
      // Refused like any deploy (a freeze, a lock, a permission): open again, with the reason on the summary.
      await this.reopen(r, attempt, answer.text.replace(/ Nothing was queued\.$/, '').slice(0, 600));
      await this.record(r, user, `ship refused: ${mrkdwnToPlain(answer.text).slice(0, 200)}`);
      return { text: `${releaseName(r)} did not ship: ${answer.text}` };
    }
    // (False when the deploy has ended already and its end was recorded first: nothing to add.)
    await this.d.store.shipping(id, attempt, { deployId });
    await this.record(r, user, `shipping as deploy #${deployId}${auto ? ' (ship: auto)' : ''}`);
    // A deploy that ended before it was recorded here is settled now (its own end found it shipping already).
    const dep = await this.d.deploys.get(deployId);
    if (dep && isFinished(dep)) await this.deployFinished(dep);
    else this.refresh(id);
    return {
      text: `:ship: Shipping ${releaseName(r)} (\`${shortSha(r.sourceSha)}\`) to ${where(r.app, r.to)} as deploy #${deployId}.\n${answer.text}`,
    };
  }

  /**
   * A release in `shipping` whose deploy's end (or the work after it) may have been missed: its
   * deploy has ended, was accepted but never queued (re-queued now), or the attempt died before
   * accepting one (given up after a minute). Also finishes a shipped release's last steps (the
   * source's freeze, the product post), which are once-only. Returns the release as it is now.
   */
  async settle(r: Release): Promise<Release> {
    if (r.status === 'shipped' && r.deployId !== undefined) {
      const dep = await this.d.deploys.get(r.deployId);
      if (dep) await this.shipEnded(r, dep, r.shipAttempts);
      return (await this.d.store.get(r.id)) ?? r;
    }
    if (r.status !== 'shipping') return r;
    const deployId = r.deployId ?? (await this.d.deploys.acceptedAs(shipKey(r.id, r.shipAttempts)));
    if (deployId !== undefined) {
      const dep = await this.d.deploys.get(deployId);
      if (dep && isFinished(dep)) await this.shipEnded(r, dep, dep.release?.attempt ?? r.shipAttempts);
      else {
        if (r.deployId === undefined) await this.d.store.shipping(r.id, r.shipAttempts, { deployId });
        // Accepted but its job may never have been queued (the process died in between); queueing is idempotent.
        if (dep?.status === 'queued') await this.d.queues.enqueue(dep.app, dep.env, dep.id);
      }
    } else if (this.d.now() - (r.shippedAt ?? 0) > ABANDONED_SHIP_MS) {
      await this.reopen(r, r.shipAttempts, 'The last ship attempt was cut short before its deploy was queued; press *Ship* to try again.');
    }
    return (await this.d.store.get(r.id)) ?? r;
  }

  /** The timer each ship attempt sets: settles the release, and looks again later while it is still shipping. */
  async settleTimer(id: number, attempt: number): Promise<void> {
    const r = await this.d.store.get(id);
    if (!r || r.shipAttempts !== attempt) return;
    const after = await this.settle(r);
    if (after.status === 'shipping' && after.shipAttempts === attempt) {
      await this.d.queues.releaseTimer(
        { kind: 'release-settle', id, attempt, at: this.d.now() + SETTLE_EVERY_MS },
        this.d.now() + SETTLE_EVERY_MS,
        this.d.now(),
      );
    }
  }

  /** Ship attempt `attempt` didn't get a deploy: open again with why; and ended now if it expired meanwhile. */
  private async reopen(r: Release, attempt: number, note: string): Promise<void> {
    if (await this.d.store.shipping(r.id, attempt, { note })) await this.expireIfDue(r);
    this.refresh(r.id);
  }

  private async expireIfDue(r: Release): Promise<void> {
    if (this.d.now() >= r.createdAt + this.policy(r).expireAfterMs) await this.expire(r.id);
  }

  /** A deploy ended: the release it ships is shipped (or open again); open releases whose source or target it moved are stale. */
  async deployFinished(dep: Deploy): Promise<void> {
    if (dep.release) {
      const r = await this.d.store.get(dep.release.id);
      if (r) await this.shipEnded(r, dep, dep.release.attempt);
    }
    // A deploy whose smoke check failed moved its env too (its SHA is installed there).
    if (dep.status !== 'succeeded' && dep.smoke !== 'failed') return;
    const target = await this.d.store.openId(dep.app, dep.env);
    const affected = [
      ...(await this.d.store.fromSource(dep.app, dep.env)),
      ...(target !== undefined && target !== dep.release?.id ? [target] : []),
    ];
    for (const id of affected) {
      if (!(await this.d.store.markStale(id, dep.env, dep.sha, this.d.now()))) continue;
      this.log.info({ releaseId: id, env: dep.env, sha: dep.sha }, 'release is stale: an env of it moved');
      this.refresh(id);
    }
  }

  private async shipEnded(r: Release, dep: Deploy, attempt: number): Promise<void> {
    const moved = await this.d.store.shipDone(r, attempt, dep.id, dep.status, this.d.now());
    const after = (await this.d.store.get(r.id))!;
    if (after.status === 'shipped' && after.deployId === dep.id) {
      // Each step is once-only, so a repeated end (a re-run job) finishes what a first one left.
      if (moved) await this.record(after, after.shippedBy ?? dep.user, `shipped as deploy #${dep.id}`);
      await this.unfreezeSource(after, `:sunny: ${where(r.app, r.from)} unfrozen: ${releaseName(r)} shipped to ${escapeMrkdwn(r.to)}.`);
      await this.d.feed
        .productPost(after)
        .catch((err: Error) => this.log.warn({ releaseId: r.id, err: err.message }, 'could not post to the product channel'));
    } else if (moved) {
      await this.record(after, dep.user, `ship deploy #${dep.id} ${dep.status}; open again`);
      // The target may have moved while it waited (that is why a ship deploy fails at start), or it expired meanwhile.
      await this.noticeMoves(after);
      await this.expireIfDue(after);
    }
    if (moved) this.refresh(r.id);
  }

  /** The source or target no longer runs what the summary was made from: marks the release stale. True if it did now. */
  private async noticeMoves(r: Release): Promise<boolean> {
    const [source, target] = await Promise.all([this.d.deploys.envState(r.app, r.from), this.d.deploys.envState(r.app, r.to)]);
    const now = this.d.now();
    const stale =
      (source.sha !== undefined && source.sha !== r.sourceSha && (await this.d.store.markStale(r.id, r.from, source.sha, now))) ||
      (target.sha !== undefined && target.sha !== r.targetSha && (await this.d.store.markStale(r.id, r.to, target.sha, now)));
    if (stale) this.refresh(r.id);
    return stale;
  }

  /** Reminder round `round`: DMs the authors still waiting, and schedules the next round. */
  async remind(id: number, round: number): Promise<void> {
    const r = await this.d.store.get(id);
    if (r?.status !== 'open' || r.stale) return;
    const policy = this.policy(r);
    const waiting = releaseState(r, policy).waiting.filter((a) => a.ackBy === 'self' && a.slack);
    if (waiting.length === 0) return;
    if (await this.d.feed.remind(r, waiting, round)) await this.d.store.countReminder(id);
    if (round + 1 < policy.reminders)
      await this.d.queues.releaseTimer({ kind: 'release-remind', id, round: round + 1 }, this.d.now() + policy.remindEveryMs, this.d.now());
  }

  /** The expiry timer: an open release ends; one shipping is settled first (its deploy's end expires it if it failed). */
  async expire(id: number): Promise<void> {
    let r = await this.d.store.get(id);
    if (r) r = await this.settle(r);
    if (r?.status !== 'open') return;
    await this.end(r, 'expired', `expired: not shipped within ${formatDuration(this.policy(r).expireAfterMs)} of being opened`, 'ferry');
  }

  /** Cancels or expires an open release, and unfreezes its source. False when it was not open. */
  async end(r: Release, how: 'cancelled' | 'expired', reason: string, user: string): Promise<boolean> {
    const res = await this.d.store.end(r, how, reason, this.d.now());
    if (!res.ended) return false;
    await this.record(r, user, mrkdwnToPlain(reason));
    await this.unfreezeSource(
      r,
      `:sunny: ${where(r.app, r.from)} unfrozen: ${releaseName(r)} ${how === 'expired' ? 'expired' : 'was cancelled'}.`,
    );
    this.refresh(r.id);
    return true;
  }

  /** Lifts the source's freeze if it is this release's (a freeze set since by someone else stays). */
  async unfreezeSource(r: Release, line: string): Promise<void> {
    if (!this.policy(r).freezeSource) return;
    await this.d.freezes.liftFor(r.app, r.from, 'release', `#${r.id}`, line);
  }

  /** After a change by a person: the summary follows, and a release that became ready ships by itself where `ship: auto`. */
  async changed(r: Release, state: ReleaseState = releaseState(r, this.policy(r))): Promise<void> {
    this.refresh(r.id);
    if (state.ready && this.policy(r).ship === 'auto') {
      const answer = await this.ship(r.id, r.requester, true);
      this.log.info({ releaseId: r.id, answer: answer.text.slice(0, 200) }, 'auto ship');
    }
  }

  refresh(id: number): void {
    this.d.feed.refresh(id).catch((err: Error) => this.log.error({ releaseId: id, err: err.message }, 'release summary update failed'));
  }

  async record(r: Pick<Release, 'id' | 'app' | 'to'>, user: string, detail: string): Promise<void> {
    await this.d.audit
      .record({ at: this.d.now(), user, action: 'release', app: r.app, env: r.to, detail: `#${r.id} ${detail}` })
      .catch((err: Error) => this.log.error({ releaseId: r.id, err: err.message }, 'could not record it in the audit log'));
  }
}

/** The deploy request key of a release's ship attempt: a repeat of the attempt is the same deploy. */
const shipKey = (id: number, attempt: number): string => `release-${id}-ship-${attempt}`;

const isFinished = (d: Deploy): boolean => d.status === 'succeeded' || d.status === 'failed' || d.status === 'cancelled';
