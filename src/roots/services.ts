import { authorize } from '../services/authorize';
import { CancelService } from '../services/cancel';
import { ArrivalOrder } from '../services/arrival-order';
import { DeployRequests } from '../services/queue-deploy';
import { FreezeService } from '../services/freezes';
import { LockService } from '../services/locks';
import { People } from '../services/people';
import { Permissions } from '../services/permissions';
import { ReleaseService } from '../services/releases';
import { RollbackService } from '../services/rollback';
import { buildReviewApps } from './review-apps';
import type { Shared } from './shared';
import type { ReviewApps } from '../services/review-apps';

/** How long a requester's answer waits for the deploy's feed message, to link to it. */
const FEED_LINK_WAIT_MS = 5_000;

/** The services both roles use: the app's commands call them, and so do the worker's timers and after-deploy steps. */
export interface Services {
  lockService: LockService;
  /** Who may deploy, lock, freeze and override where; `check(action, user, app, env)` and `isAdmin(user)`. */
  permissions: Permissions;
  freezeService: FreezeService;
  /** Requests that may queue a deploy join each env's queue in the order they arrived. */
  arrivals: ArrivalOrder;
  requests: DeployRequests;
  rollbacks: RollbackService;
  /** `/release`: release records, their summaries and DMs, acks, holds and shipping. */
  releases: ReleaseService;
  /** `/deploy cancel` and the Cancel button; and Ferry's own cancels (a review app torn down stops its deploy). */
  cancels: CancelService;
  /** Review apps (`review_apps:`), when an app has them and Ferry talks to GitHub. */
  reviewApps?: ReviewApps;
}

export function buildServices(s: Shared): Services {
  const { config, log, now, stores, queues, slack, redis, k } = s;
  const lockService = new LockService(stores.locks, queues, config, log.child({ component: 'locks' }), now);
  const permissions = new Permissions(slack, redis, k, config, log.child({ component: 'permissions' }));
  const freezeService = new FreezeService({
    store: stores.freezes,
    queues,
    slack,
    audit: stores.audit,
    config,
    log: log.child({ component: 'freezes' }),
    now,
    allow: (action, user, app, env) => authorize({ permissions, audit: stores.audit, log, now }, action, user, app, env),
  });
  const arrivals = new ArrivalOrder(log.child({ component: 'arrivals' }));
  const requests = new DeployRequests({
    config,
    sources: s.sources,
    deploys: stores.deploys,
    queues,
    lockService,
    events: s.events,
    feedLink: (id) => s.feed.link(id, FEED_LINK_WAIT_MS),
    log,
    audit: stores.audit,
    permissions,
    freezes: stores.freezes,
    checks: s.checks,
    arrivals,
    now,
  });
  const rollbacks = new RollbackService({
    config,
    sources: s.sources,
    deploys: stores.deploys,
    requests,
    permissions,
    audit: stores.audit,
    log: log.child({ component: 'rollback' }),
    now,
  });
  const releases = new ReleaseService({
    config,
    sources: s.sources,
    deploys: stores.deploys,
    people: new People({ people: config.people, slack, redis, k, log: log.child({ component: 'people' }) }),
    store: stores.releases,
    requests,
    freezes: freezeService,
    queues,
    feed: s.releaseFeed,
    permissions,
    audit: stores.audit,
    permalink: s.links.permalink,
    log,
    now,
  });
  const cancels = new CancelService({
    config,
    deploys: stores.deploys,
    cancels: stores.cancels,
    locks: stores.locks,
    queues,
    events: s.events,
    isAdmin: (user) => permissions.isAdmin(user),
    mayDeploy: async (user, app, env) => (await permissions.check('deploy', user, app, env)).ok,
    admins: () => permissions.admins,
    audit: stores.audit,
    killGraceMs: s.killGraceMs,
    log: log.child({ component: 'cancel' }),
    now,
  });
  const reviewApps = buildReviewApps(s, { requests, cancels, permissions });
  return { lockService, permissions, freezeService, arrivals, requests, rollbacks, releases, cancels, ...(reviewApps && { reviewApps }) };
}
