import type { Logger } from 'pino';
import type { AppConfig } from '../core/config/types';
import type { Deploy } from '../core/deploy';
import type { AutoInfo, ReviewOrder } from '../core/orders/order';
import { isReviewEnv, reviewEnvName, reviewPr } from '../core/review/env';
import type { GoneReason, PullHead } from '../core/review/review-app';
import type { Answer } from './queue-deploy';
import type { ReviewDeps } from './review-deps';

/** After a failed teardown, the next try: 1 min, 5 min, 30 min, 2 h, then every 6 h until it works (it is never forgotten). */
export function teardownRetryMs(tries: number): number {
  return [60_000, 300_000, 1_800_000, 7_200_000][tries - 1] ?? 21_600_000;
}

/** What review-life needs back from ReviewApps: its per-app steps, and deploying a head. */
interface Back {
  serial: <T>(app: string, pr: number, work: () => Promise<T>) => Promise<T>;
  deployHead: (
    app: AppConfig,
    pull: PullHead,
    o: { key: string; push?: AutoInfo; person?: string; sha?: string },
    log: Logger,
  ) => Promise<Answer>;
}

/**
 * A review app's life after it is asked for: its teardown, what a deploy's or teardown's end makes
 * of it (an after-deploy step, so retried until done), its idle timer and teardown retries, and
 * the apps first in line starting when a place frees up.
 */
export class ReviewLife {
  constructor(
    private readonly d: ReviewDeps,
    private readonly back: Back,
  ) {}

  private now(): number {
    return (this.d.now ?? Date.now)();
  }

  async show(app: string, pr: number, log: Logger): Promise<void> {
    await this.d
      .show(app, pr)
      .catch((err: Error) => log.warn({ pr, err: err.message }, 'could not show the review app on GitHub or in Slack'));
  }

  /** Review apps that took a place from the line: each deploys the head it was waiting with. */
  async startAdmitted(app: string, prs: number[], log: Logger): Promise<void> {
    const a = this.d.config.apps[app]!;
    for (const pr of prs) {
      await this.back.serial(app, pr, async () => {
        const r = await this.d.store.get(app, pr);
        if (r?.state !== 'waiting') return;
        log.info({ pr }, 'review app got a place; deploying it');
        const pull = { ...r, number: pr };
        await this.back.deployHead(a, pull, { key: `admitted:${r.openedAt}:${r.headSha}` }, log);
      });
    }
  }

  /**
   * Tears the review app down: stops its deploy still queued or running, and queues its teardown
   * (review_apps.teardown, in the checkout of what it ran). One that only waited in line leaves
   * the line. `by`: the person who asked (their permission was checked).
   */
  async teardown(app: string, pr: number, reason: GoneReason, log: Logger, by?: string): Promise<Answer> {
    const r = await this.d.store.get(app, pr);
    const at = this.now();
    if (!r || r.state === 'gone') return { text: `PR #${pr} has no review app${r ? ' any more' : ''}; nothing to tear down.` };
    const gone = { reason, at, ...(by !== undefined && { by }) };
    if (r.state === 'waiting') {
      const admitted = await this.d.store.free(app, pr, this.d.config.apps[app]!.reviewApps!.max, at);
      await this.d.store.change(app, pr, { from: ['waiting'], set: { state: 'gone', gone }, clear: ['place'] }, at);
      log.info({ pr, reason }, 'review app left the line before it ran');
      await this.show(app, pr, log);
      await this.startAdmitted(app, admitted, log);
      return { text: `PR #${pr} left the line for a review app; nothing of it had run.` };
    }
    if (r.state === 'tearing-down') return { text: `The review app of PR #${pr} is being torn down already.` };
    const running = r.deployId === undefined ? undefined : await this.d.deploys.get(r.deployId);
    if (running && (running.status === 'queued' || running.status === 'running') && running.review?.action === 'deploy')
      await this.d.stop(running.id, by ?? 'the teardown of its review app');
    const order: ReviewOrder = {
      kind: 'review',
      action: 'teardown',
      app,
      env: reviewEnvName(pr),
      ref: r.branch,
      sha: r.deployedSha ?? r.headSha,
      branch: r.branch,
      user: by ?? 'ferry',
      person: by !== undefined,
    };
    const answer = await this.d.requests.request(order, `review-teardown:${app}:${pr}:${r.openedAt}:${r.teardownTries}`);
    if (answer.deployId === undefined) return answer;
    await this.d.store.change(app, pr, { set: { state: 'tearing-down', deployId: answer.deployId, gone }, clear: ['place'] }, at);
    log.info({ pr, reason, deployId: answer.deployId }, 'review app teardown accepted');
    await this.show(app, pr, log);
    return { text: `Tearing down the review app of PR #${pr}: deploy #${answer.deployId} runs its teardown.`, deployId: answer.deployId };
  }

  /** After a review app's deploy or teardown ended (the after-deploy job: retried until it is done). */
  async afterDeploy(dep: Deploy): Promise<void> {
    const a = this.d.config.apps[dep.app];
    if (!isReviewEnv(a, dep.env) || !dep.review) return;
    const pr = reviewPr(dep.env)!;
    const log = this.d.log.child({ deployId: dep.id, app: dep.app, pr });
    await this.back.serial(dep.app, pr, async () => {
      if (dep.review!.action === 'teardown') await this.teardownEnded(a!, pr, dep, log);
      else await this.deployEnded(dep.app, pr, dep);
      await this.show(dep.app, pr, log);
    });
  }

  async deployEnded(app: string, pr: number, dep: Deploy): Promise<void> {
    const at = this.now();
    const r = await this.d.store.get(app, pr);
    if (dep.status === 'succeeded') {
      const set = { state: 'live' as const, deployedSha: dep.sha, deployedId: dep.id };
      const moved = await this.d.store.change(
        app,
        pr,
        { from: ['deploying', 'live', 'failed'], onDeploy: dep.id, set, clear: ['error'] },
        at,
      );
      // GitHub leaves a transient environment's older deployments "success": the one it replaced goes inactive.
      if (moved && r?.deployedId !== undefined && r.deployedId !== dep.id) await this.d.retire(r.deployedId);
      return;
    }
    // Failed, or cancelled (by a person: a newer push's deploy is the newest one now). What ran before, if anything, still runs.
    const state = dep.status === 'cancelled' && r?.deployedSha ? 'live' : 'failed';
    await this.d.store.change(
      app,
      pr,
      { from: ['deploying'], onDeploy: dep.id, set: { state, error: dep.error ?? `it ${dep.status}` } },
      at,
    );
  }

  async teardownEnded(a: AppConfig, pr: number, dep: Deploy, log: Logger): Promise<void> {
    const at = this.now();
    if (dep.status !== 'succeeded') {
      const r = await this.d.store.get(a.name, pr);
      const tries = (r?.teardownTries ?? 0) + 1;
      const error = dep.error ?? `the teardown ${dep.status}`;
      if (
        await this.d.store.change(
          a.name,
          pr,
          { from: ['tearing-down'], onDeploy: dep.id, set: { state: 'teardown-failed', teardownTries: tries, error } },
          at,
        )
      ) {
        log.error({ tries, error }, 'review app teardown failed; trying again later');
        await this.d.timers.reviewTimer({ kind: 'review-retry', app: a.name, pr, tries }, at + teardownRetryMs(tries), at);
      }
      return;
    }
    await this.d.store.change(
      a.name,
      pr,
      { from: ['tearing-down', 'teardown-failed'], onDeploy: dep.id, set: { state: 'gone', teardownTries: 0 }, clear: ['error'] },
      at,
    );
    const r = await this.d.store.get(a.name, pr);
    if (r?.state !== 'gone' || r.deployId !== dep.id) return; // deployed again since (reopened): it keeps its place
    log.info('review app torn down');
    const admitted = await this.d.store.free(a.name, pr, a.reviewApps!.max, at);
    if (r.deployedId !== undefined) await this.d.retire(r.deployedId);
    await this.startAdmitted(a.name, admitted, log);
  }

  /** `review-idle`: torn down if no push came for its ttl (a newer push has its own timer). */
  async idle(app: string, pr: number): Promise<void> {
    const a = this.d.config.apps[app];
    if (!a?.reviewApps) return;
    const log = this.d.log.child({ app, pr });
    await this.back.serial(app, pr, async () => {
      const r = await this.d.store.get(app, pr);
      if (!r || !['deploying', 'live', 'failed'].includes(r.state)) return;
      if (r.lastPushAt + a.reviewApps!.ttlMs > this.now()) return;
      log.info({ lastPushAt: r.lastPushAt }, 'review app idle past its ttl; tearing it down');
      await this.teardown(app, pr, 'idle', log);
    });
  }

  /** `review-retry`: a failed teardown is tried again, unless something else happened to it meanwhile. */
  async retry(app: string, pr: number, tries: number): Promise<void> {
    if (!this.d.config.apps[app]?.reviewApps) return;
    const log = this.d.log.child({ app, pr });
    await this.back.serial(app, pr, async () => {
      const r = await this.d.store.get(app, pr);
      if (r?.state !== 'teardown-failed' || r.teardownTries !== tries) return;
      await this.teardown(app, pr, r.gone?.reason ?? 'closed', log, r.gone?.by);
    });
  }
}
