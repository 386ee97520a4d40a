import { App, HTTPReceiver, LogLevel, SocketModeReceiver } from '@slack/bolt';
import type { RequestListener } from 'node:http';
import type { Logger } from 'pino';
import type { FerryEnv } from '../config/env';
import { boltLogger } from '../log';
import type { FerryConfig } from '../core/config/types';
import type { Redactor } from '../core/redact';
import type { ReleaseFeed } from '../feed/release-feed';
import type { Queues } from '../queue/queues';
import type { ArrivalOrder } from '../services/arrival-order';
import type { BoardService } from '../services/board';
import type { CancelService } from '../services/cancel';
import type { DeployLogDeps } from '../services/deploy-log';
import type { DeployRequests } from '../services/queue-deploy';
import type { FreezeService } from '../services/freezes';
import type { LockService } from '../services/locks';
import type { Permissions } from '../services/permissions';
import type { ReleaseService } from '../services/releases';
import type { RollbackService } from '../services/rollback';
import type { AuditLog } from '../store/audit';
import type { LockStore } from '../store/locks';
import { registerAskRelease } from './actions/ask-release';
import { registerCancel } from './actions/cancel';
import { registerReviewActions } from './actions/review';
import type { ReviewCommands } from '../services/review-apps';
import type { ReviewFeed } from '../feed/review-feed';
import { registerNotifyUnfrozen } from './actions/notify-unfrozen';
import { registerWaitlist } from './actions/waitlist';
import { registerNudgeActions } from './actions/nudge';
import { registerReleaseActions } from './actions/release';
import { registerReleaseViews } from './actions/release-views';
import { registerRelease } from './commands/release';
import { registerDeploy } from './commands/deploy';
import { registerDeploys } from './commands/deploys';
import { registerFreeze } from './commands/freeze';
import { registerLock } from './commands/lock';
import { registerRollback } from './commands/rollback';
import { httpReceiverGuards, SocketModeGuard } from './receiver-guards';
import type { Inflight } from '../http/inflight';
import { Limiter } from '../util/limiter';
import type { NudgeStore } from '../store/nudges';
import type { SlackCallCounter } from '../metrics/ferry-metrics';
import { countingSlackFetch } from '../metrics/slack-calls';

const AFTER_ACK_CONCURRENCY = 4;

/** What the Slack listeners use: the services they hand the slow part to, and what they read. */
export interface SlackParts {
  config: FerryConfig;
  now: () => number;
  /** Hides secrets in what a listener's error logs. */
  redact: Redactor;
  /** Requests that may queue a deploy take their place in line when they arrive. */
  arrivals: ArrivalOrder;
  requests: DeployRequests;
  deployLog: DeployLogDeps;
  cancels: CancelService;
  board: BoardService;
  locks: LockStore;
  lockService: LockService;
  permissions: Permissions;
  audit: AuditLog;
  rollbacks: RollbackService;
  queues: Pick<Queues, 'dm'>;
  freezes: FreezeService;
  releases: ReleaseService;
  releaseFeed: ReleaseFeed;
  /** `/deploys nudges off|on`: who nudges mention. */
  nudgeOptOut: Pick<NudgeStore, 'setOptOut'>;
  /** Review apps' redeploys and teardowns (`/deploy pr-42 [ref|teardown]`, the feed message's buttons); absent: they answer that review apps are not set up here. */
  reviews?: ReviewCommands;
  /** Review apps' feed messages, brought up to date after a button click. */
  reviewFeed?: Pick<ReviewFeed, 'refresh' | 'link'>;
}

export interface SlackApp {
  app: App;
  /** The HTTP listener for /slack/events, in HTTP mode. */
  listener?: RequestListener;
  /** Connects the socket, in Socket Mode. */
  start(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The Bolt app: transport only. Listeners parse, ack within Slack's 3 s, and hand the slow part to
 * the services. HTTP mode with the signing secret, or Socket Mode when SLACK_APP_TOKEN is set.
 */
export function createSlackApp(parts: SlackParts, env: FerryEnv, log: Logger, inflight: Inflight, slackCall?: SlackCallCounter): SlackApp {
  const logger = boltLogger(log.child({ component: 'bolt' }));
  logger.setLevel(LogLevel.WARN);
  const slackApiUrl = env.slackApiUrl.endsWith('/') ? env.slackApiUrl : `${env.slackApiUrl}/`;
  // Bolt's clients (the listeners' `client`, the socket's) count their Web API calls too (ferry_slack_api_calls_total).
  const clientOptions = { slackApiUrl, ...(slackCall && { fetch: countingSlackFetch(slackCall, slackApiUrl) }) };
  // Requests reach Bolt screened (request-shape.ts: by the HTTP server, or socketGuard), and its
  // receivers answer a listener's error or missing ack with a 200 and a logged reference.
  const socketGuard = new SocketModeGuard(log, parts.redact);
  const socket = env.slackAppToken
    ? // The socket client opens its connection through SLACK_API_URL too (apps.connections.open).
      new SocketModeReceiver({
        appToken: env.slackAppToken,
        logger,
        logLevel: LogLevel.WARN,
        installerOptions: { clientOptions },
        processEventErrorHandler: socketGuard.processEventErrorHandler,
      })
    : undefined;
  if (socket) socketGuard.install(socket.client);
  const http = socket
    ? undefined
    : new HTTPReceiver({
        signingSecret: env.slackSigningSecret!,
        endpoints: '/slack/events',
        logger,
        logLevel: LogLevel.WARN,
        ...httpReceiverGuards(log, parts.redact),
      });
  const app = new App({
    token: env.slackBotToken!,
    receiver: (socket ?? http)!,
    logger,
    logLevel: LogLevel.WARN,
    clientOptions,
  });
  // A listener's error goes on to the receiver's processEventErrorHandler, which logs it with a reference and acks.
  app.error(async (err) => {
    throw err;
  });

  // After-ack work (GitHub, git, Redis, Slack) runs a few at a time, and gives way to requests
  // still waiting for their ack, so a burst of commands is acked first.
  const limiter = new Limiter(AFTER_ACK_CONCURRENCY, { busy: () => inflight.busy, maxDeferMs: 1_000 });
  inflight.on('idle', () => limiter.wake());
  const deps = { config: parts.config, log, limiter, now: parts.now, arrivals: parts.arrivals };
  const review = { ...(parts.reviews && { reviews: parts.reviews }), ...(parts.reviewFeed && { reviewFeed: parts.reviewFeed }) };
  registerDeploy(app, { ...deps, requests: parts.requests, deployLog: parts.deployLog, cancels: parts.cancels, ...review });
  registerDeploys(app, { ...deps, board: parts.board, nudgeOptOut: parts.nudgeOptOut });
  registerLock(app, { ...deps, locks: parts.locks, lockService: parts.lockService, permissions: parts.permissions, audit: parts.audit });
  registerRollback(app, { ...deps, rollbacks: parts.rollbacks });
  registerWaitlist(app, { ...deps, locks: parts.locks });
  registerAskRelease(app, { ...deps, locks: parts.locks, queues: parts.queues });
  registerCancel(app, { ...deps, cancels: parts.cancels });
  registerReviewActions(app, { ...deps, ...review });
  registerFreeze(app, { ...deps, freezes: parts.freezes });
  registerNotifyUnfrozen(app, { ...deps, freezes: parts.freezes });
  registerRelease(app, { ...deps, releases: parts.releases });
  registerReleaseActions(app, { ...deps, releases: parts.releases, feed: parts.releaseFeed });
  registerReleaseViews(app, { ...deps, releases: parts.releases, feed: parts.releaseFeed });
  registerNudgeActions(app, { ...deps, releases: parts.releases });

  return {
    app,
    ...(http && { listener: http.requestListener }),
    async start() {
      if (socket) await socket.start();
    },
    async stop() {
      if (socket) await socket.stop();
    },
  };
}
