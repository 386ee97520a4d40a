import { envOf, isReviewEnv, REVIEW_ALL } from '../core/review/env';
import { hostname } from 'node:os';
import { isMainThread } from 'node:worker_threads';
import type { WebClient } from '@slack/web-api';
import type { Logger } from 'pino';
import type { FerryEnv } from '../config/env';
import type { FerryConfig } from '../core/config/types';
import type { Redactor } from '../core/redact';
import { DeployEvents } from '../events/deploy-events';
import { feedFollowsDeploys } from '../events/subscribers/feed';
import { followUpsAfterDeploys } from '../events/subscribers/follow-ups';
import { githubMirrorsDeploys } from '../events/subscribers/github-mirror';
import { metricsFollowDeploys } from '../events/subscribers/metrics';
import { FeedPublisher } from '../feed/publisher';
import { ReleaseFeed } from '../feed/release-feed';
import { ReviewFeed } from '../feed/review-feed';
import { githubWebUrl } from '../config/env';
import { createSlackClient } from '../feed/slack-client';
import { CountedOnce } from '../metrics/counted-once';
import { createFerryMetrics, type FerryMetrics } from '../metrics/ferry-metrics';
import { UserNames } from '../services/user-names';
import { Background } from '../util/background';
import { Queues } from '../queue/queues';
import { type ChecksOf, createChecks } from '../services/checks';
import { GitHubDeployments } from '../services/github-deployments';
import type { GitHubClient } from '../source/github';
import type { CommitSource } from '../source/types';
import { AUDIT_KEEP, AuditLog } from '../store/audit';
import { DeliveryHistory } from '../store/delivery-history';
import { CancelStore } from '../store/cancel';
import { DeployStore } from '../store/deploys';
import { FreezeStore } from '../store/freezes';
import { type Keys, keys } from '../store/keys';
import { LockStore } from '../store/locks';
import { LogStore } from '../store/logs';
import { ReleaseStore } from '../store/releases';
import { ReviewAppStore } from '../store/review-apps';
import { commitSources, githubClient } from './commit-sources';
import { type MainConnection, openMainConnection } from './connections';
import { type Links, logLinksOf, makeLinks } from './links';

/** SIGTERM to SIGKILL for a deploy command that is being stopped. */
const KILL_GRACE_MS = 10_000;

/** What a process is started with. */
export interface Setup {
  env: FerryEnv;
  config: FerryConfig;
  log: Logger;
  slackToken: string;
  /** Hides Ferry's own secrets (and anything token-shaped) in logs, deploy logs and Slack. */
  redact: Redactor;
  /**
   * Ferry's clock for deploy policy (freezes, windows, locks, the feed's times). Tests set it to
   * a chosen instant that then runs at real speed; BullMQ's own delays stay in real time, so
   * "in 2 s" on this clock is in 2 s on the wall.
   */
  now: () => number;
}

/** The stores over the main Redis connection. */
export interface Stores {
  deploys: DeployStore;
  locks: LockStore;
  audit: AuditLog;
  freezes: FreezeStore;
  logs: LogStore;
  cancels: CancelStore;
  releases: ReleaseStore;
  reviews: ReviewAppStore;
  /** The delivery figures' history (finished deploys, carried commits, alert freezes). */
  delivery: DeliveryHistory;
}

/**
 * What both roles (the Slack app and the worker) build the same way: Redis and its outage watch,
 * keys, stores, queues, the Slack and GitHub clients, the commit sources and checks, the feeds,
 * and the deploy events with their subscribers (the feed, the GitHub Deployments mirror, the
 * after-deploy job).
 */
export interface Shared extends Omit<Setup, 'slackToken'>, MainConnection {
  /** This process's name (host:pid): the feed-post claim, the env lease. */
  workerName: string;
  /**
   * SIGTERM to SIGKILL for a deploy command being stopped (timeout, shutdown, lost lease, cancel):
   * a stopped command must be gone before its lease could expire (see keepLease).
   */
  killGraceMs: number;
  k: Keys;
  stores: Stores;
  queues: Queues;
  slack: WebClient;
  github?: GitHubClient;
  /** GitHub Deployments mirroring deploys (apps with repo:, when Ferry has a GitHub token or App). */
  deployments?: GitHubDeployments;
  sources: Record<string, CommitSource>;
  /** Ends the local repositories' git processes. */
  closeSources(): void;
  /** A SHA's required checks (`require_checks:`) on GitHub. */
  checks: ChecksOf;
  links: Links;
  feed: FeedPublisher;
  releaseFeed: ReleaseFeed;
  /** Each review app's one feed message. */
  reviewFeed: ReviewFeed;
  events: DeployEvents;
  /**
   * This process's (or worker thread's) metrics, a registry of its own: the deploy events, the
   * Slack and GitHub clients and the HTTP server record into it (see src/metrics/).
   */
  metrics: FerryMetrics;
  /** A Slack member's name (real name, else display name), or undefined within a second: the log page, FERRY_USER_NAME. */
  nameOf: (userId: string) => Promise<string | undefined>;
  /** Work done after an answer was sent (webhooks' deploys and teardowns), for settled() to wait for. */
  background: Background;
}

export async function buildShared({ slackToken, ...s }: Setup): Promise<Shared> {
  const { env, config, log } = s;
  const conn = openMainConnection(env, log);
  const { redis } = conn;
  // On a Redis Cluster every key (BullMQ's too) carries one hash tag, so this instance lives in one slot.
  const k = keys(config.redisPrefix, config.exclusiveGroupOf, { hashTag: env.redis.kind === 'cluster' });
  // A worker thread leaves the process metrics to the main thread, which serves /metrics.
  const envs = config.appNames.flatMap((app) => config.apps[app]!.envNames.map((env) => ({ app, env })));
  const metrics = createFerryMetrics({ envs, processDefaults: isMainThread });
  const queues = new Queues(redis, k.bullPrefix, config, log.child({ component: 'queue' }));
  // A Redis that refuses Ferry's TLS or password stops the start with what to fix (not a retry loop).
  await Promise.race([queues.init(), conn.misconfigured]);
  const stores = openStores(redis, k, config);
  const slack = createSlackClient(slackToken, env.slackApiUrl, log, metrics.slackCall);
  const github = githubClient(env, config, redis, k, log, metrics.githubCall);
  const { sources, close: closeSources } = commitSources(env, config, github);
  const links = makeLinks({ slack, feedChannel: config.feedChannel, sources, logLinks: await logLinksOf(env, config, redis, k) });
  const workerName = `${hostname()}:${process.pid}`;
  const { feed, reviewFeed, releaseFeed } = openFeeds({ ...s, slack, stores, queues, links, workerName });
  const events = new DeployEvents(log.child({ component: 'deploy-events' }));
  feedFollowsDeploys(events, feed);
  followUpsAfterDeploys(events, (id) => queues.afterDeploy(id));
  const counted = new CountedOnce(redis, k);
  metricsFollowDeploys(events, {
    get: (id) => stores.deploys.get(id),
    first: (id, what) => counted.first(id, what),
    metrics: metrics.deploys,
    envLabel: (app, env) => (isReviewEnv(config.apps[app], env) ? REVIEW_ALL : env),
  });
  const deployments =
    github &&
    new GitHubDeployments({
      client: github,
      config,
      redis,
      k,
      logUrl: links.logUrl,
      log: log.child({ component: 'github-deployments' }),
    });
  if (deployments) githubMirrorsDeploys(events, { get: (id) => stores.deploys.get(id), mirror: (dep) => deployments.mirror(dep) });
  return {
    ...s,
    ...conn,
    workerName,
    killGraceMs: Math.min(KILL_GRACE_MS, config.leaseTtlMs / 4),
    k,
    stores,
    queues,
    slack,
    ...(github && { github }),
    ...(deployments && { deployments }),
    sources,
    closeSources,
    checks: createChecks({ client: github, config }),
    links,
    feed,
    reviewFeed,
    releaseFeed,
    events,
    metrics,
    background: new Background(),
    nameOf: new UserNames({ slack, log: log.child({ component: 'user-names' }), deadlineMs: 1_000 }).nameOf,
  };
}

/** The stores over the main Redis connection. */
function openStores(redis: MainConnection['redis'], k: Keys, config: FerryConfig): Stores {
  return {
    deploys: new DeployStore(redis, k, config.deliveryRetentionMs),
    locks: new LockStore(redis, k, config.lockHandoffMs),
    audit: new AuditLog(redis, k, AUDIT_KEEP, config.deliveryRetentionMs),
    freezes: new FreezeStore(redis, k, config.deliveryRetentionMs),
    logs: new LogStore(redis, k, config.logLines),
    cancels: new CancelStore(redis, k, config.deliveryRetentionMs),
    releases: new ReleaseStore(redis, k),
    reviews: new ReviewAppStore(redis, k),
    delivery: new DeliveryHistory(redis, k),
  };
}

/** The feed channel's messages: each deploy's, each review app's and each release's. */
function openFeeds(d: Omit<Setup, 'slackToken'> & Pick<Shared, 'slack' | 'stores' | 'queues' | 'links' | 'workerName'>) {
  const { config, env, log, now, slack, stores, queues, links, workerName } = d;
  const reviewFeed = new ReviewFeed({
    config,
    slack,
    reviews: stores.reviews,
    deploys: stores.deploys,
    logUrl: links.logUrl,
    permalink: links.permalink,
    githubWebUrl: githubWebUrl(env.githubApiUrl),
    log: log.child({ component: 'review-feed' }),
    poster: workerName,
    now,
  });
  const feed = new FeedPublisher({
    reviews: reviewFeed,
    slack,
    deploys: stores.deploys,
    logs: stores.logs,
    queues,
    commitUrl: links.commitUrl,
    logUrl: links.logUrl,
    permalink: links.permalink,
    redact: d.redact,
    log: log.child({ component: 'feed' }),
    poster: workerName,
    now,
    owners: (app, env) => envOf(config.apps[app], env)?.owners ?? [],
  });
  const releaseFeed = new ReleaseFeed({
    config,
    slack,
    store: stores.releases,
    commitUrl: links.commitUrl,
    log: log.child({ component: 'releases' }),
    now,
  });
  return { feed, reviewFeed, releaseFeed };
}
