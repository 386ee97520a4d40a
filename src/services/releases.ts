import { shortSha } from '../core/deploy';
import { alreadyOpenText, notYoursText, openedText, releaseName, staleText, stateLine, where } from '../core/release/answers';
import { releaseState } from '../core/release/state';
import type { Commit, Release, ReleaseFields } from '../core/release/types';
import { mention } from '../core/slack-format';
import { who } from '../core/release/budget';
import { withDeadline } from '../util/deadline';
import { authorize } from './authorize';
import type { Place } from './arrival-order';
import type { Answer } from './deploy-requests';
import { ReleaseLife, type ReleaseLifeDeps } from './release-life';
import { planRelease, type PlanDeps, type ReleaseRequest } from './release-open';

/** How long the authors' DMs wait for the pull-request lookups before going without them. */
const DM_WAIT_FOR_PRS_MS = 5_000;

export interface ReleaseDeps extends ReleaseLifeDeps, PlanDeps {
  deploys: ReleaseLifeDeps['deploys'] & PlanDeps['deploys'];
  permalink: (channel: string, ts: string) => Promise<string | undefined>;
  /** How long an answer waits for the summary to be posted, to link to it. */
  feedWaitMs?: number;
}

/** A hold's outcome: whether it now stands, and what to tell the person. */
export type HoldAnswer = Answer & { held: boolean };

/**
 * Releases, as people drive them: `/release` (the plan, the record, the source's freeze, the
 * summary and the authors' DMs, its timers), OK to ship, holds, cancel, refresh and details.
 * Shipping and what deploys and timers do to a release live in ReleaseLife.
 */
export class ReleaseService {
  readonly life: ReleaseLife;
  constructor(private readonly d: ReleaseDeps) {
    this.life = new ReleaseLife(d);
  }

  /** Opens a release (`req.tag` pins its source to a tag's commit); `releaseId` is the release it opened, or had opened for this key. */
  async open(req: ReleaseRequest, user: string, idempotencyKey: string): Promise<Answer & { releaseId?: number }> {
    const openId = await this.d.store.openId(req.app, req.to);
    // A retried delivery of the request that opened it is answered as that request (create() says "duplicate").
    if (openId !== undefined && (await this.d.store.openedBy(idempotencyKey)) !== openId) {
      let cur = await this.d.store.get(openId);
      if (cur?.status === 'shipping') cur = await this.life.settle(cur);
      // A stale one is replaced by the new release, in the same step that opens it.
      if (cur && (cur.status === 'open' || cur.status === 'shipping') && !cur.stale)
        return { text: alreadyOpenText(cur, await this.permalinkOf(cur)) };
    }
    // `ship: auto` ships as whoever opened the release: someone who may not deploy the target can't open one.
    if (this.life.policy(req).ship === 'auto') {
      const refused = await authorize(
        { permissions: this.d.permissions, audit: this.d.audit, log: this.life.log, now: this.d.now },
        'deploy',
        user,
        req.app,
        req.to,
        'release',
      );
      if (refused)
        return {
          text: `${refused} Releases to ${where(req.app, req.to)} ship by themselves as whoever opened them (\`ship: auto\`), so no release was opened.`,
        };
    }
    const plan = await planRelease(this.d, req, user, this.d.now());
    if (plan.kind === 'refused') return { text: plan.text };
    const created = await this.d.store.create(plan.release, plan.commits, idempotencyKey);
    if (created.kind === 'open') {
      const cur = await this.d.store.get(created.id);
      return {
        text: cur
          ? alreadyOpenText(cur, await this.permalinkOf(cur))
          : `Another release to ${where(req.app, req.to)} was opened a moment ago.`,
      };
    }
    const r = (await this.d.store.get(created.id))!;
    // The summary first: the rest of opening a release happens while it is posted.
    const known = created.kind === 'created' ? { release: r, commits: plan.commits } : undefined;
    const summary = this.d.feed
      .refresh(r.id, known)
      .catch((err: Error) => this.life.log.error({ releaseId: r.id, err: err.message }, 'could not post the release summary'));
    if (created.kind === 'created') {
      await this.life.record(
        r,
        user,
        `opened: ${r.from} ${shortSha(r.sourceSha)} to ${r.to}${r.targetSha ? ` ${shortSha(r.targetSha)}` : ''}, ${r.commitCount} commits`,
      );
      if (created.replaced !== undefined) await this.replaced(created.replaced, r, user);
    }
    // Repeated for a retried request too: every step is once-only, so one cut short is finished.
    await this.opened(r);
    if (created.kind === 'created' && created.replaced !== undefined) {
      // Its source's freeze, unless the new release took it over (same source: renamed to the new one).
      const old = await this.d.store.get(created.replaced);
      if (old)
        await this.life.unfreezeSource(
          old,
          `:sunny: ${where(old.app, old.from)} unfrozen: ${releaseName(old)} was replaced by ${releaseName(r)}.`,
        );
    }
    this.afterSummary(r, summary, created.kind === 'created' ? plan.commits : undefined);
    const link = await this.summaryLink(r.id, summary);
    const waiting = releaseState(r, this.life.policy(r)).waiting.filter((a) => a.ackBy === 'self').length;
    return {
      text: openedText(r, created.kind === 'duplicate' ? 'Already opened' : 'Opened', waiting, this.life.policy(r).freezeSource, link),
      releaseId: r.id,
    };
  }

  /** What follows a new release: the source's freeze, the timers, and shipping if nothing is needed. Safe to repeat. */
  private async opened(r: Release): Promise<void> {
    const policy = this.life.policy(r);
    if (policy.freezeSource) {
      const line = `:snowflake: ${where(r.app, r.from)} frozen for ${releaseName(r)}, so the \`${shortSha(r.sourceSha)}\` being checked doesn't move. Deploys there wait until the release ships or is cancelled.`;
      const frozen = await this.d.freezes.freezeFor(
        r.app,
        r.from,
        {
          by: r.requester,
          reason: `frozen for ${releaseName(r)} while it is checked`,
          since: r.createdAt,
          source: 'release',
          name: `#${r.id}`,
        },
        `release-${r.id}-freeze`,
        line,
      );
      if (!frozen)
        this.life.log.warn(
          { releaseId: r.id, env: r.from },
          'the source env is frozen by something else already; that freeze holds it still',
        );
    }
    if (policy.reminders > 0)
      await this.d.queues.releaseTimer({ kind: 'release-remind', id: r.id, round: 0 }, r.createdAt + policy.remindAfterMs, this.d.now());
    await this.d.queues.releaseTimer({ kind: 'release-expire', id: r.id }, r.createdAt + policy.expireAfterMs, this.d.now());
    if (releaseState(r, policy).ready && policy.ship === 'auto') {
      this.life
        .ship(r.id, r.requester, true)
        .catch((err: Error) => this.life.log.error({ releaseId: r.id, err: err.message }, 'auto ship failed'));
    }
  }

  /**
   * After the summary is posted, in the background: the pull requests only GitHub's lookups can
   * tell (`commits`: a release just created), shown in the same summary once they come; then the
   * authors' DMs (with them, unless the lookups take over DM_WAIT_FOR_PRS_MS). Safe to repeat.
   */
  private afterSummary(r: Release, summary: Promise<void>, commits: Commit[] | undefined): void {
    const work = summary
      .then(() => commits && withDeadline(this.fillPullRequests(r, commits), DM_WAIT_FOR_PRS_MS, undefined))
      .then(() => this.d.feed.dmAuthors(r.id))
      .catch((err: Error) => this.life.log.error({ releaseId: r.id, err: err.message }, 'release DMs failed'));
    this.d.feed.track(work);
  }

  /** Looks up the pull requests of the commits that don't name theirs, stores them, and updates the summary in place. */
  private async fillPullRequests(r: Release, commits: Commit[]): Promise<void> {
    const source = this.d.sources[r.app];
    if (!source?.pullRequests || commits.every((c) => c.pr)) return;
    try {
      const added = await this.d.store.addPullRequests(r.id, await source.pullRequests(commits));
      if (added > 0) await this.d.feed.refresh(r.id);
    } catch (err) {
      this.life.log.warn({ releaseId: r.id, err: (err as Error).message }, "could not add the release's pull requests");
    }
  }

  /** The stale release a new one replaced (in the create script): audited, its summary says so. */
  private async replaced(oldId: number, r: Release, user: string): Promise<void> {
    await this.life.record({ id: oldId, app: r.app, to: r.to }, user, `replaced by release #${r.id}`);
    this.life.refresh(oldId);
  }

  /** "OK to ship" from `user`: their own commits, and as an approver where they are one. */
  async ack(id: number, user: string): Promise<Answer> {
    const r = await this.d.store.get(id);
    if (!r) return { text: `There is no release #${id}.` };
    const policy = this.life.policy(r);
    const own = r.authors.filter((a) => a.ackBy === 'self' && a.slack === user);
    const unmapped = r.authors.filter((a) => a.ackBy === 'approver');
    const approver =
      policy.approvers.length > 0
        ? await this.d.permissions.inList(policy.approvers, user)
        : unmapped.length > 0 && (await this.d.permissions.isAdmin(user));
    const keys = [...own, ...(approver ? unmapped : [])].map((a) => a.key);
    const approve = approver && policy.approvers.length > 0;
    if (keys.length === 0 && !approve) return { text: notYoursText(r, policy) };
    const res = await this.d.store.ack(id, user, keys, approve, this.d.now());
    if (res.kind === 'missing') return { text: `There is no release #${id}.` };
    if (res.kind === 'stale')
      return {
        text: `${releaseName(r)} is stale: ${staleText(r)} It can't ship; press *Refresh* on it (or run \`/release\` again) for a fresh summary.`,
      };
    if (res.kind === 'closed') return { text: `${releaseName(r)} is ${res.status} already; nothing to OK.` };
    const after = (await this.d.store.get(id))!;
    const state = releaseState(after, policy);
    if (res.newAcks || res.approved) {
      await this.life.record(r, user, `ok to ship${approve ? ' (as approver)' : ''}`);
      await this.life.changed(after, state);
    }
    const commits = own.reduce((n, a) => n + a.commits, 0);
    const what = [
      own.length ? `your ${commits} commit${commits === 1 ? '' : 's'}` : '',
      approve ? 'your approval' : '',
      approver && unmapped.length ? `the ${unmapped.length} author${unmapped.length === 1 ? '' : 's'} with no Slack user` : '',
    ]
      .filter(Boolean)
      .join(' and ');
    const head =
      res.newAcks || res.approved
        ? `:white_check_mark: Thanks, your OK for ${what} in ${releaseName(r)} is in.`
        : `You already said OK to ${releaseName(r)}; it counts once.`;
    const selfNote =
      approve && !policy.selfApproval && user === r.requester
        ? " You opened this release, so your approval does not count as the approver's; another approver must approve."
        : '';
    return { text: `${head}${selfNote} ${stateLine(after, state, policy)}` };
  }

  async hold(id: number, user: string, reason: string): Promise<HoldAnswer> {
    const r = await this.d.store.get(id);
    const res = r ? await this.d.store.hold(id, user, reason, this.d.now()) : ({ kind: 'missing' } as const);
    if (!r || res.kind === 'missing') return { held: false, text: `There is no release #${id}.` };
    if (res.kind === 'closed') return { held: false, text: `${releaseName(r)} is ${res.status} already; there is nothing to hold.` };
    await this.life.record(r, user, `hold: ${reason}`);
    await this.life.changed((await this.d.store.get(id))!);
    return {
      held: true,
      text: `:octagonal_sign: ${releaseName(r)} is on hold until you (or an admin) lift it with *Lift hold* on its message.`,
    };
  }

  async lift(id: number, user: string, holder: string): Promise<Answer> {
    const r = await this.d.store.get(id);
    if (!r) return { text: `There is no release #${id}.` };
    if (!r.holds[holder]) return { text: `${mention(holder)} has no hold on ${releaseName(r)} (any more).` };
    if (holder !== user && !(await this.d.permissions.isAdmin(user))) {
      const admins = this.d.permissions.admins;
      return {
        text: `Only ${mention(holder)}, who raised this hold, or an admin${admins.length ? ` (${admins.map(who).join(', ')})` : ''} can lift it. Ask them in the release's thread.`,
      };
    }
    if (!(await this.d.store.lift(id, holder))) return { text: `That hold on ${releaseName(r)} was lifted already.` };
    await this.life.record(r, user, holder === user ? 'lifted their hold' : `lifted the hold of ${holder}`);
    const after = (await this.d.store.get(id))!;
    const state = releaseState(after, this.life.policy(after));
    await this.life.changed(after, state);
    return { text: `Lifted the hold on ${releaseName(r)}. ${stateLine(after, state, this.life.policy(after))}` };
  }

  ship(id: number, user: string, place?: Place): Promise<Answer> {
    return this.life.ship(id, user, false, place);
  }

  async cancel(id: number, user: string): Promise<Answer> {
    let r = await this.d.store.get(id);
    if (!r) return { text: `There is no release #${id}.` };
    if (user !== r.requester && !(await this.d.permissions.isAdmin(user)))
      return {
        text: `Only ${mention(r.requester)}, who opened ${releaseName(r)}, or an admin can cancel it. To stop it shipping, use *Hold…* on it and say why.`,
      };
    if (r.status === 'shipping') r = await this.life.settle(r);
    const ended = await this.life.end(r, 'cancelled', `cancelled by ${mention(user)}`, user);
    if (ended)
      return { text: `Cancelled ${releaseName(r)}.${this.life.policy(r).freezeSource ? ` ${where(r.app, r.from)} is unfrozen.` : ''}` };
    const now = (await this.d.store.get(id))?.status ?? 'gone';
    const how =
      now === 'shipping'
        ? ` Its deploy${r.deployId ? ` #${r.deployId}` : ''} is under way; \`/deploy cancel ${r.deployId ?? '<id>'}\` stops it, and the release opens again.`
        : '';
    return { text: `${releaseName(r)} is ${now}; it can't be cancelled now.${how}` };
  }

  /** A stale release is replaced by a fresh one of what the envs run now. */
  async refresh(id: number, user: string, idempotencyKey: string): Promise<Answer> {
    const r = await this.d.store.get(id);
    if (!r) return { text: `There is no release #${id}.` };
    if (!r.stale)
      return {
        text: `${releaseName(r)} is up to date with ${r.tag ? `tag \`${r.tag}\` and ${where(r.app, r.to)}` : where(r.app, r.from)}; nothing to refresh.`,
      };
    // One opened from a tag stays the tag's: only its target can have moved.
    const tag = r.tag ? { tag: { name: r.tag, sha: r.sourceSha } } : {};
    return this.open({ app: r.app, from: r.from, to: r.to, force: r.diverged !== undefined, ...tag }, user, idempotencyKey);
  }

  /** The details modal: for the opener, admins, approvers and whoever may deploy the target. Returns the problem, if any. */
  async setFields(id: number, user: string, fields: ReleaseFields): Promise<string | undefined> {
    const r = await this.d.store.get(id);
    if (!r) return `There is no release #${id}.`;
    const policy = this.life.policy(r);
    const may =
      user === r.requester ||
      (await this.d.permissions.isAdmin(user)) ||
      (policy.approvers.length > 0 && (await this.d.permissions.inList(policy.approvers, user))) ||
      (await this.d.permissions.check('deploy', user, r.app, r.to)).ok;
    if (!may)
      return `Only ${mention(r.requester)}, who opened ${releaseName(r)}, its approvers, admins, and people who may deploy to ${r.to} can change its details.`;
    if (!(await this.d.store.setFields(id, fields))) return `${releaseName(r)} is ${r.status}; its details can't change now.`;
    await this.life.record(r, user, 'edited the release details');
    this.life.refresh(id);
    return undefined;
  }

  async get(id: number): Promise<Release | undefined> {
    return this.d.store.get(id);
  }

  private async permalinkOf(r: Release): Promise<string | undefined> {
    return r.feedChannel && r.feedTs ? this.d.permalink(r.feedChannel, r.feedTs).catch(() => undefined) : undefined;
  }

  /** The summary's permalink, once `summary` (its posting) is done or feedWaitMs passed. */
  private async summaryLink(id: number, summary: Promise<void>): Promise<string | undefined> {
    await withDeadline(summary, this.d.feedWaitMs ?? 5_000, undefined);
    const r = await this.d.store.get(id);
    return r ? this.permalinkOf(r) : undefined;
  }
}
