import { childBaseEnv, githubWebUrl } from '../config/env';
import type { AppConfig } from '../core/config/types';
import { afterDeploy } from '../services/after-deploy';
import { isProductionEnv } from '../core/follow-ups';
import { CarriedCommits } from '../services/carried-commits';
import { Promotions } from '../services/promotion';
import { ScheduleFeed } from '../services/schedule-feed';
import { WeeklyDigest } from '../services/weekly-digest';
import type { DeliveryStats } from '../services/delivery-stats';
import type { DeliveryFiguresSource } from '../core/delivery/types';
import { buildDeliveryStats } from './delivery';
import { SmokeFailures } from '../services/smoke-failure';
import { gitToken } from '../source/github';
import { CancelWatch } from '../worker/cancel-watch';
import { CiWake } from '../worker/ci-wake';
import { driverFor } from '../ci/drivers';
import { CiRuns } from '../store/ci-runs';
import { CommandSupervisor } from '../worker/supervisor';
import { startWorkers, type WorkerHost } from '../worker/worker';
import { Workspaces } from '../worker/workspace';
import { LeaseStore } from '../store/lease';
import { WorkerPools } from '../store/worker-pools';
import type { RoleParts } from './close';
import { openWaitingConnection } from './connections';
import { buildNudges } from './nudges';
import { reconcileAtStart, reviewTimers } from './review-apps';
import type { Services } from './services';
import type { Shared } from './shared';

/** The worker role, running: its BullMQ workers (stopped first), and what it opened (closed with the shared parts). */
export interface WorkerRoot extends RoleParts {
  host: WorkerHost;
}

/**
 * Starts the worker role: BullMQ workers on the deploy queues of its pools' envs (FERRY_WORKER_POOLS;
 * every env's without it) and the timers queue, on a Redis
 * connection of their own; the command supervisor; the cancel watch (a subscriber of its own);
 * the workspaces; the after-deploy job's steps.
 */
export function startWorkerRoot(s: Shared, v: Services, delivery?: DeliveryFiguresSource): WorkerRoot {
  const { config, env, log, now, stores, queues } = s;
  // BullMQ workers block on Redis, so they get a connection that waits out outages.
  const connection = openWaitingConnection(env, s.outage, 'worker');
  // A subscriber connection of this process's own: cancel requests for the deploys it runs.
  const subscriber = openWaitingConnection(env, s.outage, 'cancel subscriber');
  const cancelWatch = new CancelWatch(subscriber, stores.cancels, s.k.cancelChannel, log.child({ component: 'worker' }));
  const ciWake = new CiWake(subscriber, s.k.ciWakeChannel, log.child({ component: 'ci' }));
  const supervisor = new CommandSupervisor(log.child({ component: 'supervisor' }), childBaseEnv(env.processEnv));
  const nudges = buildNudges(s);
  const host = startWorkers({
    config,
    connection,
    bullPrefix: s.k.bullPrefix,
    served: env.workerPools,
    pools: new WorkerPools(s.redis, s.k),
    lockService: v.lockService,
    freezeService: v.freezeService,
    releases: v.releases.life,
    ...(v.reviewApps && { reviews: reviewTimers(s, v.reviewApps) }),
    afterDeploy: afterDeploySteps(s, v),
    scheduleFeed: new ScheduleFeed({ config, queues, slack: s.slack, audit: stores.audit, log: log.child({ component: 'freezes' }), now }),
    ...(nudges && { nudges }),
    digest: weeklyDigest(s, buildDeliveryStats(s, delivery)),
    hold: {
      config,
      deploys: stores.deploys,
      freezes: stores.freezes,
      queues,
      events: s.events,
      log: log.child({ component: 'worker' }),
      now,
      checks: s.checks,
    },
    slack: s.slack,
    log: log.child({ component: 'worker', worker: s.workerName }),
    shutdownGraceMs: config.shutdownGraceMs,
    outage: s.outage,
    run: {
      config,
      env,
      deploys: stores.deploys,
      leases: new LeaseStore(s.redis, s.k),
      logs: stores.logs,
      events: s.events,
      workspaces: new Workspaces(config.workspaceDir, gitEnv(s), (argv, o) => supervisor.exec(argv, o)),
      supervisor,
      redact: s.redact,
      log: log.child({ component: 'worker' }),
      workerName: s.workerName,
      // A stopped command must be gone before its lease could expire (see keepLease).
      graceMs: s.killGraceMs,
      nameOf: s.nameOf,
      cancels: cancelWatch,
      ci: {
        runs: new CiRuns(s.redis, s.k),
        wake: ciWake,
        driverFor: (app, e) => driverFor(app, e, { ...(s.github && { github: s.github }), env, log: log.child({ component: 'ci' }) }),
      },
      now,
    },
  });
  // Review apps are compared with GitHub's open pull requests as a worker starts (then every few hours).
  if (v.reviewApps)
    reconcileAtStart(s).catch((err: Error) => log.error({ err: err.message }, 'could not schedule the review apps reconcile'));
  return {
    host,
    close() {
      cancelWatch.close();
      supervisor.close();
    },
    connections: [connection, subscriber],
  };
}

/** The after-deploy job's steps, in order: releases, smoke failure actions, promotion (see services/after-deploy.ts). */
function afterDeploySteps(s: Shared, v: Services): (deployId: number) => Promise<void> {
  const { config, log, now, stores } = s;
  const smokeFailures = new SmokeFailures({
    config,
    deploys: stores.deploys,
    freezes: v.freezeService,
    rollbacks: v.rollbacks,
    postFeed: s.links.postFeed,
    log: log.child({ component: 'smoke' }),
    now,
  });
  const promotions = new Promotions({
    config,
    deploys: stores.deploys,
    requests: v.requests,
    openRelease: (req, user, key) => v.releases.open(req, user, key),
    postFeed: s.links.postFeed,
    log: log.child({ component: 'promotion' }),
  });
  const carried = new CarriedCommits({
    isProduction: (app, env) => isProductionEnv(config, app, env),
    history: stores.delivery,
    sources: s.sources,
    retentionMs: config.deliveryRetentionMs,
    log: log.child({ component: 'delivery' }),
  });
  return afterDeploy({
    get: (id) => stores.deploys.get(id),
    steps: [
      { what: 'carried commits', run: (dep) => carried.deployFinished(dep) },
      { what: 'releases', run: (dep) => v.releases.life.deployFinished(dep) },
      { what: 'smoke failure', run: (dep) => smokeFailures.deployFinished(dep) },
      { what: 'promotion', run: (dep) => promotions.deployFinished(dep) },
      { what: 'review app', run: async (dep) => v.reviewApps?.life.afterDeploy(dep) },
    ],
    log,
  });
}

/** Clones of GitHub URLs carry the token (or a fresh App installation token) as a header, never in the URL. */
function gitEnv(s: Shared): (app: AppConfig) => Promise<Record<string, string>> {
  const base = childBaseEnv(s.env.processEnv);
  const web = githubWebUrl(s.env.githubApiUrl);
  const github = s.github;
  return async (app) => {
    if (!app.repo || !github || !app.cloneUrl.startsWith(`${web}/`)) return base;
    const token = await gitToken(github, s.env.githubToken);
    if (!token) return base;
    return {
      ...base,
      GIT_CONFIG_COUNT: '1',
      GIT_CONFIG_KEY_0: 'http.extraHeader',
      GIT_CONFIG_VALUE_0: `Authorization: Basic ${Buffer.from(`x-access-token:${token}`).toString('base64')}`,
    };
  };
}

/** The apps' weekly digests: their 7-day figures posted to the feed (or the digest's channel). */
function weeklyDigest(s: Shared, stats: DeliveryStats | undefined): WeeklyDigest {
  return new WeeklyDigest({
    config: s.config,
    schedule: (app, at, now) => s.queues.digestTimer(app, at, now),
    ...(stats && { text: (app: string, heading: string) => stats.text(app, 7, heading) }),
    post: async (channel, text) => {
      await s.slack.chat.postMessage({ channel, text, unfurl_links: false });
    },
    log: s.log.child({ component: 'digest' }),
    now: s.now,
  });
}
