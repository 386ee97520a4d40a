import { envOf } from '../core/review/env';
import { type FerryEnv, githubWebUrl } from '../config/env';
import { windowOf } from '../core/window-state';
import { createAlertsEndpoint } from '../http/alerts';
import { signatureCheck, type WebhookSecrets } from '../http/github-signature';
import { createGitHubWebhook } from '../http/github-webhook';
import type { BodyHandler } from '../http/server';
import { AutoDeploys } from '../services/auto-deploy';
import { AutoReleases } from '../services/auto-release';
import { BoardService } from '../services/board';
import { checksWake } from '../services/checks-wake';
import type { SlackParts } from '../slack/app';
import { GitHubDeliveries } from '../store/github-deliveries';
import { NudgeStore } from '../store/nudges';
import type { Services } from './services';
import type { Shared } from './shared';
import type { DeliveryFiguresSource } from '../core/delivery/types';
import { buildDeliveryStats } from './delivery';
import { WorkerPools } from '../store/worker-pools';
import { publishCiWakes } from '../store/ci-runs';
import { usesCi } from '../core/ci/uses';

/** The Slack app role's own parts: what its listeners use, and its endpoints for GitHub and alerts. */
export interface AppRoot {
  slack: SlackParts;
  /** POST /github/webhook, when GITHUB_WEBHOOK_SECRET is set. */
  githubWebhook?: BodyHandler;
  /** POST /alerts/<app>/<env>, when FERRY_ALERT_TOKEN is set. */
  alerts?: BodyHandler;
}

/** `delivery`: the delivery figures' source (`/deploys stats`); without it the command says they are not available yet. */
export function buildAppRoot(s: Shared, v: Services, env: FerryEnv, delivery?: DeliveryFiguresSource): AppRoot {
  return {
    slack: slackParts(s, v, delivery),
    ...(env.githubWebhookSecret && {
      githubWebhook: githubWebhook(s, v, { current: env.githubWebhookSecret, previous: env.githubWebhookSecretPrevious }),
    }),
    ...(env.alertToken && { alerts: alertsEndpoint(s, v, env.alertToken) }),
  };
}

function slackParts(s: Shared, v: Services, delivery: DeliveryFiguresSource | undefined): SlackParts {
  const { config, now, stores, queues } = s;
  const cancels = v.cancels;
  const stats = buildDeliveryStats(s, delivery);
  const board = new BoardService({
    freezeOf: (app, env) => v.freezeService.standing(app, env),
    windowOf: (app, env, now) => windowOf(envOf(config.apps[app], env)?.window, now),
    poolLive: (pool) => new WorkerPools(s.redis, s.k).live(pool),
    config,
    deploys: stores.deploys,
    locks: stores.locks,
    queues,
    audit: stores.audit,
    commitUrl: s.links.commitUrl,
    reviewApps: (app) => stores.reviews.list(app),
    githubWebUrl: githubWebUrl(s.env.githubApiUrl),
    ...(stats && { stats }),
    now,
  });
  return {
    config,
    now,
    redact: s.redact,
    arrivals: v.arrivals,
    requests: v.requests,
    deployLog: { deploys: stores.deploys, logs: stores.logs, links: () => s.links.logLinks, redact: s.redact },
    cancels,
    board,
    locks: stores.locks,
    lockService: v.lockService,
    permissions: v.permissions,
    audit: stores.audit,
    rollbacks: v.rollbacks,
    queues,
    freezes: v.freezeService,
    releases: v.releases,
    releaseFeed: s.releaseFeed,
    nudgeOptOut: new NudgeStore(s.redis, s.k),
    reviewFeed: s.reviewFeed,
    ...(v.reviewApps && { reviews: v.reviewApps }),
  };
}

/** POST /github/webhook's handler (see src/http/github-webhook.ts). */
function githubWebhook(s: Shared, v: Services, secrets: WebhookSecrets): BodyHandler {
  const { config } = s;
  const deliveries = new GitHubDeliveries(s.redis, s.k);
  return createGitHubWebhook({
    signatureValid: signatureCheck(secrets),
    firstDelivery: (id) => deliveries.first(id, s.now()),
    forgetDelivery: (id) => deliveries.forget(id),
    autoDeploys: new AutoDeploys({
      config,
      requests: v.requests,
      arrivals: v.arrivals,
      newest: (app, env, at) => deliveries.newestPush(app, env, at),
      postFeed: s.links.postFeed,
    }),
    // auto_release: a new tag or a published GitHub release opens a release of the tag's commit.
    autoReleases: new AutoReleases({ config, sources: s.sources, releases: v.releases, postFeed: s.links.postFeed }),
    checksChanged: checksWake({ config, queues: s.queues, deploys: s.stores.deploys }),
    ...(usesCi(config) && { ciWake: (keys: string[]) => publishCiWakes(s.redis, s.k, keys) }),
    log: s.log.child({ component: 'github-webhook' }),
    background: (work) => s.background.add(work),
    ...(v.reviewApps && { pullRequests: v.reviewApps.onPull.bind(v.reviewApps) }),
  });
}

/** POST /alerts/<app>/<env>'s handler (see src/http/alerts.ts). */
function alertsEndpoint(s: Shared, v: Services, token: string): BodyHandler {
  return createAlertsEndpoint({
    token,
    config: s.config,
    alerts: (app, env, list) => v.freezeService.alerts(app, env, list),
    log: s.log.child({ component: 'alerts' }),
  });
}
