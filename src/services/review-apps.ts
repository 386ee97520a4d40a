import type { Logger } from 'pino';
import type { AppConfig } from '../core/config/types';
import { pushUser } from '../core/github-push';
import type { AutoInfo, ReviewOrder } from '../core/orders/order';
import { ineligible, ineligibleText, pullAction } from '../core/review/eligibility';
import { reviewEnvName, reviewUrl } from '../core/review/env';
import type { PullEvent } from '../core/review/pull-info';
import { isAround, type PullHead } from '../core/review/review-app';
import { typed } from '../core/slack-format';
import type { ReviewAppStore } from '../store/review-apps';
import type { Answer } from './queue-deploy';
import { ReviewLife } from './review-life';
import type { ReviewDeps } from './review-deps';

export type { ReviewDeps };

/** What Slack asks of review apps: `/deploy pr-42 [ref]`, `/deploy pr-42 teardown` and the feed message's buttons. */
export interface ReviewCommands {
  /** Redeploys the review app of PR `pr` (its head, or `ref`), as `user` (review_apps.permissions.deploy). */
  personDeploy(app: string, pr: number, ref: string | undefined, user: string): Promise<Answer>;
  /** Tears the review app of PR `pr` down, as `user`. */
  personTeardown(app: string, pr: number, user: string): Promise<Answer>;
}

/**
 * Review apps (`review_apps:`): a pull request's head deployed to its own env `pr-<n>` through the
 * normal path (queue, lease, checks, freezes, the feed, GitHub Deployments), torn down when it
 * closes, after `ttl` without a push, or when a person asks. At most `max` hold a place at once;
 * the others wait in line, first come first. Work on one review app is done one step at a time in
 * this process (`serial`); across processes the store's scripts and the deploy's idempotency keys
 * keep every step safe to repeat. What follows a deploy's end is in review-life.ts, the comparison
 * with GitHub's open pull requests in review-reconcile.ts.
 */
export class ReviewApps implements ReviewCommands {
  private readonly chains = new Map<string, Promise<unknown>>();
  readonly life: ReviewLife;

  constructor(readonly d: ReviewDeps) {
    this.life = new ReviewLife(d, {
      serial: (app, pr, work) => this.serial(app, pr, work),
      deployHead: (app, pull, o, log) => this.deployHead(app, pull, o, log),
    });
  }

  /** The app with review apps whose repository this is. */
  appFor(repo: string): AppConfig | undefined {
    return Object.values(this.d.config.apps).find((a) => a.reviewApps && a.repo?.toLowerCase() === repo.toLowerCase());
  }

  /** A `pull_request` webhook: deploy the head, tear down, or nothing (a draft, a fork, no label). */
  async onPull(ev: PullEvent, delivery: string, log: Logger): Promise<void> {
    const app = this.appFor(ev.repo);
    const pr = ev.pull.number;
    const what = pullAction(ev.action);
    if (!app || what === 'none') return;
    await this.serial(app.name, pr, async () => {
      if (what === 'teardown') return void (await this.life.teardown(app.name, pr, ev.pull.merged ? 'merged' : 'closed', log));
      const r = await this.d.store.get(app.name, pr);
      const why = ineligible(ev.pull, app.reviewApps!);
      if (why) {
        // Its label removed: the review app goes. Otherwise a draft, a fork or an unlabelled PR gets none.
        if (why === 'label' && r && isAround(r)) await this.life.teardown(app.name, pr, 'label', log);
        else log.info({ pr, why, action: ev.action }, 'pull request gets no review app');
        return;
      }
      if (ev.pull.state !== 'open') return;
      // A label added to a PR whose head is deployed (or on its way): nothing new.
      if (what === 'labels' && r && isAround(r) && r.headSha === ev.pull.headSha) return;
      const push = { by: ev.sender, from: ev.before ?? '', commits: 1 };
      await this.deployHead(app, ev.pull, { key: `github:${delivery}`, ...(what === 'deploy' && { push }) }, log);
    });
  }

  personDeploy(app: string, pr: number, ref: string | undefined, user: string): Promise<Answer> {
    const a = this.d.config.apps[app];
    if (!a?.reviewApps || !a.repo) return Promise.resolve({ text: `\`${app}\` has no review apps.` });
    const log = this.d.log.child({ app, pr, user });
    return this.serial(app, pr, async () => {
      const refused = await this.d.mayDeploy(user, app, reviewEnvName(pr));
      if (refused) return { text: `${refused} Nothing was queued.` };
      const pull = await this.d.pulls.get(a.repo!, pr);
      if (!pull) return { text: `There is no pull request #${pr} in ${a.repo}; check the number.` };
      if (pull.state !== 'open')
        return { text: `PR #${pr} is ${pull.merged ? 'merged' : 'closed'}; review apps are for open pull requests. Nothing was queued.` };
      const why = ineligible(pull, a.reviewApps!, true);
      if (why) return { text: ineligibleText(why, pr, a.reviewApps!) };
      let sha = pull.headSha;
      if (ref !== undefined) {
        const found = await this.d.sources[app]?.resolveRef(ref);
        if (!found) return { text: `There is no branch, tag or commit ${typed(ref)} in ${a.repo}; nothing was queued.` };
        sha = found;
      }
      const key = `slack:${user}:${sha}:${Math.floor(this.now() / 10_000)}`;
      return this.deployHead(a, pull, { key, person: user, sha, ...(ref !== undefined && { ref }) }, log);
    });
  }

  async personTeardown(app: string, pr: number, user: string): Promise<Answer> {
    const a = this.d.config.apps[app];
    if (!a?.reviewApps) return { text: `\`${app}\` has no review apps.` };
    const refused = await this.d.mayDeploy(user, app, reviewEnvName(pr));
    if (refused) return { text: `${refused} Nothing was torn down.` };
    const log = this.d.log.child({ app, pr, user });
    return this.serial(app, pr, () => this.life.teardown(app, pr, 'person', log, user));
  }

  /**
   * Deploys the pull request's head (or the SHA a person named) to its review app: records what
   * GitHub said of it, takes a place (or a place in line, said so) and asks for the deploy.
   */
  private async deployHead(
    app: AppConfig,
    pull: PullHead,
    o: { key: string; push?: AutoInfo; person?: string; sha?: string; ref?: string },
    log: Logger,
  ): Promise<Answer> {
    const rules = app.reviewApps!;
    const pr = pull.number;
    const now = this.now();
    await this.remember(app, pull, now);
    const place = await this.d.store.admit(app.name, pr, rules.max, now);
    await this.life.startAdmitted(app.name, place.admitted, log);
    if (place.kind === 'waiting') {
      await this.d.store.change(app.name, pr, { from: ['waiting', 'gone', 'none'], set: { state: 'waiting', place: place.place } }, now);
      await this.life.show(app.name, pr, log);
      log.info({ pr, place: place.place }, 'review app waits for a place');
      return {
        text: `PR #${pr} is #${place.place} in line for a review app: \`${app.name}\` has ${rules.max} live, its most (\`review_apps.max\`). It deploys when one of them goes away.`,
      };
    }
    const order: ReviewOrder = {
      kind: 'review',
      action: 'deploy',
      app: app.name,
      env: reviewEnvName(pr),
      ref: o.ref ?? pull.branch,
      sha: o.sha ?? pull.headSha,
      branch: pull.branch,
      user: o.person ?? pushUser(this.d.config.people, { login: o.push?.by ?? pull.author }),
      person: o.person !== undefined,
      ...(o.push && { push: o.push }),
    };
    const answer = await this.d.requests.request(order, `review:${o.key}:${app.name}:${pr}`);
    if (answer.deployId !== undefined) {
      await this.d.store.change(
        app.name,
        pr,
        { set: { state: 'deploying', deployId: answer.deployId, teardownTries: 0 }, clear: ['error', 'place', 'gone'] },
        now,
      );
      await this.d.timers.reviewTimer({ kind: 'review-idle', app: app.name, pr, at: now }, now + rules.ttlMs, now);
      log.info({ pr, deployId: answer.deployId, sha: order.sha }, 'review app deploy accepted');
    } else if (!order.person) {
      // Ferry's own deploy refused (its checks failed): the review app says so.
      await this.d.store.change(app.name, pr, { set: { state: 'failed', error: answer.refused ?? answer.text } }, now);
    }
    await this.life.show(app.name, pr, log);
    return answer;
  }

  /** What GitHub says of the pull request, on its record; a new review app (none before, or gone) starts its life here. */
  private async remember(app: AppConfig, pull: PullHead, now: number): Promise<void> {
    const pr = pull.number;
    const fields = {
      title: pull.title,
      author: pull.author,
      branch: pull.branch,
      headSha: pull.headSha,
      fork: pull.fork,
      url: reviewUrl(app.reviewApps!.url, pr),
      lastPushAt: now,
    };
    const store: ReviewAppStore = this.d.store;
    const fresh = await store.change(
      app.name,
      pr,
      {
        from: ['none', 'gone'],
        set: { ...fields, state: 'waiting', openedAt: now, teardownTries: 0 },
        clear: ['gone', 'error', 'deployedSha', 'deployedId', 'place'],
      },
      now,
    );
    if (!fresh) await store.change(app.name, pr, { set: fields }, now);
  }

  /** Work on one review app, one step at a time in this process, in the order it was asked for. */
  private serial<T>(app: string, pr: number, work: () => Promise<T>): Promise<T> {
    const key = `${app}#${pr}`;
    const turn = (this.chains.get(key) ?? Promise.resolve()).then(work, work);
    const tail = turn.then(
      () => {},
      () => {},
    );
    this.chains.set(key, tail);
    void tail.then(() => {
      if (this.chains.get(key) === tail) this.chains.delete(key);
    });
    return turn;
  }

  private now(): number {
    return (this.d.now ?? Date.now)();
  }
}
