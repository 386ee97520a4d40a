import { githubWebUrl } from '../config/env';
import { reviewCommentBody, reviewCommentMarker } from '../core/review/pr-comment';
import { RECONCILE_EVERY_MS, reconcileReviewApps } from '../services/review-reconcile';
import { ReviewApps } from '../services/review-apps';
import { authorize } from '../services/authorize';
import type { CancelService } from '../services/cancel';
import type { Permissions } from '../services/permissions';
import type { DeployRequests } from '../services/queue-deploy';
import { PullComments } from '../source/github-comments';
import { PullRequests } from '../source/github-pulls';
import type { ReviewTimers } from '../worker/worker';
import type { Shared } from './shared';

/**
 * Review apps (`review_apps:`), when an app has them and Ferry talks to GitHub: the service, what
 * it shows (the pull request's comment, the review app's feed message), and its timers.
 */
export function buildReviewApps(
  s: Shared,
  v: { requests: DeployRequests; cancels: CancelService; permissions: Permissions },
): ReviewApps | undefined {
  const { config, github, stores, now } = s;
  if (!github || !config.appNames.some((a) => config.apps[a]!.reviewApps)) return undefined;
  const log = s.log.child({ component: 'review-apps' });
  const comments = new PullComments({ client: github, log });
  const web = githubWebUrl(s.env.githubApiUrl);
  /** The pull request's one comment, brought up to date with its review app. */
  const comment = async (app: string, pr: number) => {
    const r = await stores.reviews.get(app, pr);
    const a = config.apps[app]!;
    if (!r || !a.repo) return;
    const dep = r.deployId === undefined ? undefined : await stores.deploys.get(r.deployId);
    const logUrl = dep && s.links.logUrl(dep);
    const rules = a.reviewApps!;
    const body = reviewCommentBody(r, {
      ...(logUrl && { logUrl }),
      repoUrl: `${web}/${a.repo}`,
      ttlMs: rules.ttlMs,
      max: rules.max,
      now: now(),
    });
    const id = await comments.upsert(a.repo, pr, reviewCommentMarker(app), body, r.commentId);
    if (id !== r.commentId) await stores.reviews.change(app, pr, { set: { commentId: id } }, now());
  };
  return new ReviewApps({
    config,
    store: stores.reviews,
    deploys: stores.deploys,
    requests: v.requests,
    stop: (id, by) => v.cancels.stop(id, by),
    pulls: new PullRequests({ client: github, log }),
    sources: s.sources,
    mayDeploy: (user, app, env) => authorize({ permissions: v.permissions, audit: stores.audit, log, now }, 'deploy', user, app, env),
    timers: s.queues,
    show: async (app, pr) => {
      const [c, f] = await Promise.allSettled([comment(app, pr), s.reviewFeed.refresh(app, pr)]);
      for (const r of [c, f]) if (r.status === 'rejected') throw r.reason;
    },
    retire: async (id) => s.deployments?.retire(id),
    log,
    now,
  });
}

/** The timers queue's review app jobs; a reconcile first schedules the next (every RECONCILE_EVERY_MS, on the clock's boundaries, so every process schedules the same one). */
export function reviewTimers(s: Shared, apps: ReviewApps): ReviewTimers {
  const log = s.log.child({ component: 'review-apps' });
  return {
    idle: (app, pr) => apps.life.idle(app, pr),
    retry: (app, pr, tries) => apps.life.retry(app, pr, tries),
    reconcile: async () => {
      const now = s.now();
      const next = Math.floor(now / RECONCILE_EVERY_MS) * RECONCILE_EVERY_MS + RECONCILE_EVERY_MS;
      await s.queues.reviewTimer({ kind: 'review-reconcile', at: next }, next, now);
      await reconcileReviewApps(apps.d, apps, log);
    },
  };
}

/** A reconcile as the worker starts: what happened while it was down (its own job: `at` is now, to the millisecond). */
export async function reconcileAtStart(s: Shared): Promise<void> {
  const now = s.now();
  await s.queues.reviewTimer({ kind: 'review-reconcile', at: now }, now, now);
}
