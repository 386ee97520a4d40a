import { shortSha } from '../core/deploy';
import { alreadyOpenText, openedText, releaseName, where } from '../core/release/answers';
import { releaseState } from '../core/release/state';
import type { Commit, Release } from '../core/release/types';
import { withDeadline } from '../util/deadline';
import { authorize } from './authorize';
import type { Answer } from './queue-deploy';
import type { ReleaseLife } from './release-life';
import type { ReleaseLifeDeps } from './release-life';
import { type PlanDeps, planRelease, type ReleaseRequest } from './release-open';

/** How long the authors' DMs wait for the pull-request lookups before going without them. */
const DM_WAIT_FOR_PRS_MS = 5_000;

/** What releases are built from (ReleaseService, its opening and its life). */
export interface ReleaseDeps extends ReleaseLifeDeps, PlanDeps {
  deploys: ReleaseLifeDeps['deploys'] & PlanDeps['deploys'];
  permalink: (channel: string, ts: string) => Promise<string | undefined>;
  /** How long an answer waits for the summary to be posted, to link to it. */
  feedWaitMs?: number;
}

/**
 * `/release` (and a refresh, and `auto_release`): the plan, the record, the source's freeze, the
 * summary with its pull requests, the authors' DMs, the timers. Safe to repeat for one request.
 */
export class ReleaseOpening {
  constructor(
    private readonly d: ReleaseDeps,
    private readonly life: ReleaseLife,
  ) {}

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
