import { hostname } from 'node:os';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { childBaseEnv, type FerryEnv, githubWebUrl } from './config/env';
import type { AppConfig, FerryConfig } from './config/types';
import { deployLogUrl, type LogLinks } from './core/log-link';
import type { Redactor } from './core/redact';
import { FeedPublisher } from './feed/publisher';
import { createSlackClient } from './feed/slack-client';
import { permalinks } from './feed/permalink';
import { Queues } from './queue/queues';
import { BoardService } from './services/board';
import { CancelService } from './services/cancel';
import type { DeployLogDeps } from './services/deploy-log';
import { ArrivalOrder } from './services/arrival-order';
import { DeployRequests } from './services/deploy-requests';
import { LockService } from './services/locks';
import { Permissions } from './services/permissions';
import { RollbackService } from './services/rollback';
import { SmokeFailures } from './services/smoke-failure';
import { Promotions } from './services/promotion';
import { type ChecksOf, createChecks } from './services/checks';
import { createGitHubClient, type GitHubClient, GitHubSource, gitToken } from './source/github';
import { RedisWritePacer } from './source/github-writes';
import { GitHubDeployments } from './services/github-deployments';
import type { Deploy } from './core/deploy';
import { LocalGitSource } from './source/local-git';
import { RevisionResolver } from './source/revision-resolver';
import type { CommitSource } from './source/types';
import { CancelStore } from './store/cancel';
import { DeployStore } from './store/deploys';
import { keys } from './store/keys';
import { sharedLinkSecret } from './store/link-secret';
import { LeaseStore } from './store/lease';
import { AuditLog } from './store/audit';
import { FreezeStore } from './store/freezes';
import { FreezeService } from './services/freezes';
import { ScheduleFeed } from './services/schedule-feed';
import { LockStore } from './store/locks';
import { LogStore } from './store/logs';
import { CancelWatch } from './worker/cancel-watch';
import { startWorkers, type WorkerHost } from './worker/worker';
import { withDeadline } from './util/deadline';
import { RECONNECT, RedisOutage } from './util/redis-outage';
import { ShutdownReport } from './shutdown';
import { authorize } from './services/authorize';
import { windowOf } from './core/window-state';
import { Workspaces } from './worker/workspace';
import { CommandSupervisor } from './worker/supervisor';
import { UserNames } from './services/user-names';
import { ReleaseFeed } from './feed/release-feed';
import type { BodyHandler } from './http/server';
import { createGitHubWebhook } from './http/github-webhook';
import { GitHubDeliveries } from './store/github-deliveries';
import { checksWake } from './services/checks-wake';
import { AutoDeploys } from './services/auto-deploy';
import { AutoReleases } from './services/auto-release';
import { createAlertsEndpoint } from './http/alerts';
import { People } from './services/people';
import { ReleaseService } from './services/releases';
import { ReleaseStore } from './store/releases';

/** SIGTERM to SIGKILL for a deploy command that is being stopped. */
const KILL_GRACE_MS = 10_000;
/** At shutdown: the last feed updates, closing the BullMQ queues, quitting Redis (see shutdown.ts). */
const CLOSE_MS = { feed: 4_000, queues: 2_000, redis: 1_000 };

/**
 * Everything one Ferry process uses, built once from the environment and the config and passed
 * down: Redis connections, stores, queues, Slack and GitHub clients, the feed.
 */
export class Runtime {
  readonly redis: Redis;
  readonly k: ReturnType<typeof keys>;
  readonly deploys: DeployStore;
  readonly locks: LockStore;
  readonly audit: AuditLog;
  readonly freezes: FreezeStore;
  readonly freezeService: FreezeService;
  readonly leases: LeaseStore;
  readonly logs: LogStore;
  readonly queues: Queues;
  readonly slack;
  readonly sources: Record<string, CommitSource>;
  /** A SHA's required checks (`require_checks:`) on GitHub. */
  readonly checks: ChecksOf;
  readonly feed: FeedPublisher;
  readonly lockService: LockService;
  readonly requests: DeployRequests;
  /** Requests that may queue a deploy join each env's queue in the order they arrived. */
  readonly arrivals: ArrivalOrder;
  /** Who may deploy, lock, freeze and override where; `check(action, user, app, env)` and `isAdmin(user)`. */
  readonly permissions: Permissions;
  readonly rollbacks: RollbackService;
  readonly deployLog: DeployLogDeps;
  /** `/deploys`: the status board, an env's history, the audit log. */
  readonly board: BoardService;
  readonly cancelStore: CancelStore;
  readonly cancels: CancelService;
  /** `/release`: release records, their summaries and DMs, acks, holds and shipping. */
  readonly releaseStore: ReleaseStore;
  readonly releaseFeed: ReleaseFeed;
  readonly releases: ReleaseService;
  readonly smokeFailures: SmokeFailures;
  readonly promotions: Promotions;
  readonly workerName: string;
  /** The GitHub client (token or App), when an app comes from GitHub. */
  readonly github?: GitHubClient;
  /**
   * SIGTERM to SIGKILL for a deploy command being stopped (timeout, shutdown, lost lease, cancel):
   * a stopped command must be gone before its lease could expire (see keepLease).
   */
  readonly killGraceMs: number;
  /** How to make and check log page links; set by init() when FERRY_PUBLIC_URL is set. */
  logLinks?: LogLinks;
  /** Whether Redis answers, across this process's connections; logs an outage once, not per connection and retry. */
  readonly outage: RedisOutage;
  private workerRedis?: Redis;
  private subscriber?: Redis;
  private cancelWatch?: CancelWatch;
  private supervisor?: CommandSupervisor;
  /** Local repositories' ref lookups, one per repository path (see source/revision-resolver.ts). */
  private readonly revisions = new Map<string, RevisionResolver>();

  constructor(
    readonly env: FerryEnv,
    readonly config: FerryConfig,
    readonly log: Logger,
    slackToken: string,
    /** Hides Ferry's own secrets (and anything token-shaped) in logs, deploy logs and Slack. */
    readonly redact: Redactor,
    /**
     * Ferry's clock for deploy policy (freezes, windows, locks, the feed's times). Tests set it to
     * a chosen instant that then runs at real speed; BullMQ's own delays stay in real time, so
     * "in 2 s" on this clock is in 2 s on the wall.
     */
    readonly now: () => number = Date.now,
  ) {
    this.workerName = `${hostname()}:${process.pid}`;
    // Commands fail fast while Redis is down (the person is told), instead of queueing forever.
    // commandTimeout: a call on a half-open connection fails instead of hanging.
    this.outage = new RedisOutage(log);
    this.redis = this.outage.watch(new Redis(env.redisUrl, { maxRetriesPerRequest: 2, commandTimeout: 5_000, ...RECONNECT }), 'main');
    this.k = keys(config.redisPrefix, config.exclusiveGroupOf);
    this.deploys = new DeployStore(this.redis, this.k);
    this.locks = new LockStore(this.redis, this.k, config.lockHandoffMs);
    this.audit = new AuditLog(this.redis, this.k);
    this.freezes = new FreezeStore(this.redis, this.k);
    this.leases = new LeaseStore(this.redis, this.k);
    this.logs = new LogStore(this.redis, this.k, config.logLines);
    this.queues = new Queues(this.redis, this.k.bullPrefix, config, log.child({ component: 'queue' }));
    this.slack = createSlackClient(slackToken, env.slackApiUrl, log);
    const permalink = permalinks(this.slack);
    const github = config.appNames.some((a) => config.apps[a]!.repo)
      ? createGitHubClient({
          baseUrl: env.githubApiUrl,
          log: log.child({ component: 'github' }),
          // Writes a second apart across every process (GitHub counts the token's, not a process's).
          writes: new RedisWritePacer(this.redis, this.k.githubWriteSlot),
          ...(env.githubToken && { token: env.githubToken }),
          ...(env.githubApp && { app: env.githubApp }),
        })
      : undefined;
    this.github = github;
    this.sources = this.createSources(github);
    this.checks = createChecks({ client: github, config });
    const deployments = github
      ? new GitHubDeployments({
          client: github,
          config,
          redis: this.redis,
          k: this.k,
          logUrl: (dep) => (this.logLinks ? deployLogUrl(this.logLinks, dep) : undefined),
          log: log.child({ component: 'github-deployments' }),
        })
      : undefined;
    this.feed = new FeedPublisher({
      slack: this.slack,
      deploys: this.deploys,
      logs: this.logs,
      queues: this.queues,
      commitUrl: (app, sha) => this.sources[app]?.commitUrl(sha),
      logUrl: (dep) => (this.logLinks ? deployLogUrl(this.logLinks, dep) : undefined),
      redact: this.redact,
      log: log.child({ component: 'feed' }),
      poster: this.workerName,
      now,
      ...(deployments && { mirror: (dep: Deploy) => deployments.mirror(dep) }),
      owners: (app, env) => config.apps[app]?.envs[env]?.owners ?? [],
    });
    this.lockService = new LockService(this.locks, this.queues, config, log.child({ component: 'locks' }), now);
    this.permissions = new Permissions(this.slack, this.redis, this.k, config, log.child({ component: 'permissions' }));
    this.freezeService = new FreezeService({
      store: this.freezes,
      queues: this.queues,
      slack: this.slack,
      audit: this.audit,
      config,
      log: log.child({ component: 'freezes' }),
      now,
      allow: (action, user, app, env) => authorize({ permissions: this.permissions, audit: this.audit, log, now }, action, user, app, env),
    });
    this.arrivals = new ArrivalOrder(log.child({ component: 'arrivals' }));
    this.requests = new DeployRequests({
      config,
      sources: this.sources,
      deploys: this.deploys,
      queues: this.queues,
      lockService: this.lockService,
      feed: this.feed,
      permalink,
      log,
      audit: this.audit,
      permissions: this.permissions,
      freezes: this.freezes,
      checks: this.checks,
      arrivals: this.arrivals,
      now,
    });
    this.rollbacks = new RollbackService({
      config,
      sources: this.sources,
      deploys: this.deploys,
      requests: this.requests,
      permissions: this.permissions,
      audit: this.audit,
      log: log.child({ component: 'rollback' }),
      now,
    });
    this.deployLog = { deploys: this.deploys, logs: this.logs, links: () => this.logLinks, redact: this.redact };
    this.board = new BoardService({
      freezeOf: (app, env) => this.freezeService.standing(app, env),
      windowOf: (app, env, now) => windowOf(config.apps[app]?.envs[env]?.window, now),
      config,
      deploys: this.deploys,
      locks: this.locks,
      queues: this.queues,
      audit: this.audit,
      commitUrl: (app, sha) => this.sources[app]?.commitUrl(sha),
      now,
    });
    this.killGraceMs = Math.min(KILL_GRACE_MS, config.leaseTtlMs / 4);
    this.cancelStore = new CancelStore(this.redis, this.k);
    this.cancels = new CancelService({
      config,
      deploys: this.deploys,
      cancels: this.cancelStore,
      locks: this.locks,
      queues: this.queues,
      feed: this.feed,
      isAdmin: (user) => this.permissions.isAdmin(user),
      mayDeploy: async (user, app, env) => (await this.permissions.check('deploy', user, app, env)).ok,
      admins: () => this.permissions.admins,
      audit: this.audit,
      killGraceMs: this.killGraceMs,
      log: log.child({ component: 'cancel' }),
      now,
      onFinished: (id) => this.queues.afterDeploy(id),
    });
    this.releaseStore = new ReleaseStore(this.redis, this.k);
    this.releaseFeed = new ReleaseFeed({
      config,
      slack: this.slack,
      store: this.releaseStore,
      commitUrl: (app, sha) => this.sources[app]?.commitUrl(sha),
      log: log.child({ component: 'releases' }),
      now,
    });
    this.releases = new ReleaseService({
      config,
      sources: this.sources,
      deploys: this.deploys,
      people: new People({
        people: config.people,
        slack: this.slack,
        redis: this.redis,
        k: this.k,
        log: log.child({ component: 'people' }),
      }),
      store: this.releaseStore,
      requests: this.requests,
      freezes: this.freezeService,
      queues: this.queues,
      feed: this.releaseFeed,
      permissions: this.permissions,
      audit: this.audit,
      permalink,
      log,
      now,
    });
    const postFeed = async (text: string) => {
      await this.slack.chat.postMessage({ channel: config.feedChannel, text, unfurl_links: false });
    };
    this.smokeFailures = new SmokeFailures({
      config,
      deploys: this.deploys,
      freezes: this.freezeService,
      rollbacks: this.rollbacks,
      postFeed,
      log: log.child({ component: 'smoke' }),
      now,
    });
    this.promotions = new Promotions({
      config,
      deploys: this.deploys,
      requests: this.requests,
      openRelease: (req, user, key) => this.releases.open(req, user, key),
      postFeed,
      log: log.child({ component: 'promotion' }),
    });
  }

  /** POST /github/webhook's handler (see src/http/github-webhook.ts). */
  githubWebhook(secret: string): BodyHandler {
    const deliveries = new GitHubDeliveries(this.redis, this.k);
    const postFeed = async (text: string) => {
      await this.slack.chat.postMessage({ channel: this.config.feedChannel, text, unfurl_links: false });
    };
    return createGitHubWebhook({
      secret,
      firstDelivery: (id) => deliveries.first(id, this.now()),
      forgetDelivery: (id) => deliveries.forget(id),
      autoDeploys: new AutoDeploys({
        config: this.config,
        requests: this.requests,
        arrivals: this.arrivals,
        newest: (app, env, at) => deliveries.newestPush(app, env, at),
        postFeed,
      }),
      // auto_release: a new tag or a published GitHub release opens a release of the tag's commit.
      autoReleases: new AutoReleases({ config: this.config, sources: this.sources, releases: this.releases, postFeed }),
      checksChanged: checksWake({ config: this.config, queues: this.queues, deploys: this.deploys }),
      log: this.log.child({ component: 'github-webhook' }),
    });
  }

  /** POST /alerts/<app>/<env>'s handler (see src/http/alerts.ts). */
  alertsEndpoint(token: string): BodyHandler {
    return createAlertsEndpoint({
      token,
      config: this.config,
      alerts: (app, env, list) => this.freezeService.alerts(app, env, list),
      log: this.log.child({ component: 'alerts' }),
    });
  }

  /**
   * What follows a deploy's end beyond its own message: the release it ships, releases whose source
   * it moved, what a failed smoke check sets off, the promotion of a green deploy. Each is once-only.
   */
  private async deployFinished(id: number): Promise<void> {
    const dep = await this.deploys.get(id);
    if (!dep) return;
    const steps: [string, () => Promise<void>][] = [
      ['releases', () => this.releases.life.deployFinished(dep)],
      ['smoke failure', () => this.smokeFailures.deployFinished(dep)],
      ['promotion', () => this.promotions.deployFinished(dep)],
    ];
    let failed: Error | undefined;
    for (const [what, step] of steps) {
      await step().catch((err: Error) => {
        this.log.error({ deployId: id, err: err.message }, `after the deploy: ${what} failed`);
        failed ??= err;
      });
    }
    if (failed) throw failed;
  }

  async init(): Promise<void> {
    await this.queues.init();
    if (this.env.publicUrl) {
      const secret = this.env.linkSecret ?? (await sharedLinkSecret(this.redis, this.k));
      // Links are bound to this instance (redis_prefix) as well as to a deploy record: another Ferry
      // sharing the secret cannot open them.
      this.logLinks = { publicUrl: this.env.publicUrl, secret, redisPrefix: this.config.redisPrefix, ttlMs: this.config.logLinkTtlMs };
    }
  }

  async healthy(): Promise<boolean> {
    return withDeadline(
      this.redis.ping().then(
        (r) => r === 'PONG',
        () => false,
      ),
      1_000,
      false,
    );
  }

  startWorker(): WorkerHost {
    // BullMQ workers block on Redis, so they get a connection that waits out outages.
    // (BullMQ's blocking connections are copies of it, with the same back-off.)
    this.workerRedis = this.outage.watch(new Redis(this.env.redisUrl, { maxRetriesPerRequest: null, ...RECONNECT }), 'worker');
    // A subscriber connection of this process's own: cancel requests for the deploys it runs.
    const subscriber = this.outage.watch(new Redis(this.env.redisUrl, { maxRetriesPerRequest: null, ...RECONNECT }), 'cancel subscriber');
    this.subscriber = subscriber;
    this.cancelWatch = new CancelWatch(subscriber, this.cancelStore, this.k.cancelChannel, this.log.child({ component: 'worker' }));
    const base = childBaseEnv(this.env.processEnv);
    this.supervisor = new CommandSupervisor(this.log.child({ component: 'supervisor' }), base);
    const web = githubWebUrl(this.env.githubApiUrl);
    const github = this.github;
    // Clones of GitHub URLs carry the token (or a fresh App installation token) as a header, never in the URL.
    const gitEnv = async (app: AppConfig): Promise<Record<string, string>> => {
      if (!app.repo || !github || !app.cloneUrl.startsWith(`${web}/`)) return base;
      const token = await gitToken(github, this.env.githubToken);
      if (!token) return base;
      return {
        ...base,
        GIT_CONFIG_COUNT: '1',
        GIT_CONFIG_KEY_0: 'http.extraHeader',
        GIT_CONFIG_VALUE_0: `Authorization: Basic ${Buffer.from(`x-access-token:${token}`).toString('base64')}`,
      };
    };
    return startWorkers({
      config: this.config,
      connection: this.workerRedis,
      bullPrefix: this.k.bullPrefix,
      lockService: this.lockService,
      freezeService: this.freezeService,
      releases: this.releases.life,
      afterDeploy: (id) => this.deployFinished(id),
      scheduleFeed: new ScheduleFeed({
        config: this.config,
        queues: this.queues,
        slack: this.slack,
        audit: this.audit,
        log: this.log.child({ component: 'freezes' }),
        now: this.now,
      }),
      hold: {
        config: this.config,
        deploys: this.deploys,
        freezes: this.freezes,
        queues: this.queues,
        feed: this.feed,
        log: this.log.child({ component: 'worker' }),
        now: this.now,
        checks: this.checks,
        onFinished: (id) => this.queues.afterDeploy(id),
      },
      slack: this.slack,
      log: this.log.child({ component: 'worker', worker: this.workerName }),
      shutdownGraceMs: this.config.shutdownGraceMs,
      outage: this.outage,
      run: {
        config: this.config,
        env: this.env,
        deploys: this.deploys,
        leases: this.leases,
        logs: this.logs,
        feed: this.feed,
        workspaces: new Workspaces(this.config.workspaceDir, gitEnv, (argv, o) => this.supervisor!.exec(argv, o)),
        supervisor: this.supervisor,
        nameOf: new UserNames({ slack: this.slack, log: this.log.child({ component: 'user-names' }) }).nameOf,
        redact: this.redact,
        log: this.log.child({ component: 'worker' }),
        workerName: this.workerName,
        // A stopped command must be gone before its lease could expire (see keepLease).
        graceMs: this.killGraceMs,
        cancels: this.cancelWatch,
        now: this.now,
        onFinished: (id) => this.queues.afterDeploy(id),
      },
    });
  }

  /**
   * Closes connections, each step bounded (CLOSE_MS), noting in `report` what it could not finish:
   * the last feed updates, then the BullMQ queues and Redis. With Redis unreachable nothing waits
   * on it: its connections are dropped (not quit) and BullMQ's reconnect loops end with them.
   */
  async close(report = new ShutdownReport(this.log)): Promise<void> {
    // Feed updates read the deploy's record first: with Redis unreachable they can't be sent.
    const drained =
      !this.outage.unreachable &&
      (await report.bounded('sending the last feed updates', CLOSE_MS.feed, () =>
        Promise.all([this.feed.drain(), this.releaseFeed.drain()]),
      ));
    const pending = this.feed.pending;
    if (!drained && (pending > 0 || !this.outage.unreachable)) {
      const why = this.outage.unreachable ? this.outage.describe() : `Slack didn't answer within ${CLOSE_MS.feed / 1000}s`;
      report.gaveUp(
        `${pending > 0 ? `${pending} deploy feed updates` : 'release message updates'} not sent (${why}); those messages show an older state until the next change`,
      );
    }
    this.cancelWatch?.close();
    this.supervisor?.close();
    for (const r of this.revisions.values()) r.close();
    const queues = this.queues.names().join(', ');
    if (this.outage.unreachable) {
      report.gaveUp(
        `could not close the BullMQ queues (${queues}) or quit Redis cleanly: ${this.outage.describe()}; disconnected instead. Nothing is lost: jobs and deploys are in Redis`,
      );
    } else {
      if (!(await report.bounded('closing the BullMQ queues', CLOSE_MS.queues, () => this.queues.close()))) {
        report.gaveUp(
          `could not close the BullMQ queues (${queues}) within ${CLOSE_MS.queues / 1000}s (Redis slow or unreachable); disconnected instead`,
        );
      }
      if (!(await report.bounded('quitting Redis', CLOSE_MS.redis, () => this.redis.quit())))
        report.gaveUp(`Redis did not answer QUIT within ${CLOSE_MS.redis / 1000}s (slow or unreachable); disconnected instead`);
    }
    // disconnect() also ends a connection's reconnect loop (a quit Redis never answers would not).
    for (const c of [this.workerRedis, this.subscriber, this.redis]) c?.disconnect();
  }

  private createSources(gh: GitHubClient | undefined): Record<string, CommitSource> {
    const out: Record<string, CommitSource> = {};
    const web = githubWebUrl(this.env.githubApiUrl);
    const gitEnv = childBaseEnv(this.env.processEnv);
    for (const name of this.config.appNames) {
      const app = this.config.apps[name]!;
      if (app.repo) {
        out[name] = new GitHubSource(gh!, app.repo, web);
        continue;
      }
      // One long-lived git per repository, however many apps deploy it.
      let revisions = this.revisions.get(app.path!);
      if (!revisions) {
        revisions = new RevisionResolver(app.path!, gitEnv);
        this.revisions.set(app.path!, revisions);
      }
      out[name] = new LocalGitSource(app.path!, gitEnv, revisions);
    }
    return out;
  }
}
