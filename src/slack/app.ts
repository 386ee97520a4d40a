import { App, HTTPReceiver, LogLevel, SocketModeReceiver } from '@slack/bolt';
import type { RequestListener } from 'node:http';
import type { Logger } from 'pino';
import type { FerryEnv } from '../config/env';
import { boltLogger } from '../log';
import type { Runtime } from '../runtime';
import { registerAskRelease } from './actions/ask-release';
import { registerCancel } from './actions/cancel';
import { registerNotifyUnfrozen } from './actions/notify-unfrozen';
import { registerWaitlist } from './actions/waitlist';
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

const AFTER_ACK_CONCURRENCY = 4;

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
export function createSlackApp(rt: Runtime, env: FerryEnv, log: Logger, inflight: Inflight): SlackApp {
  const logger = boltLogger(log.child({ component: 'bolt' }));
  logger.setLevel(LogLevel.WARN);
  const slackApiUrl = env.slackApiUrl.endsWith('/') ? env.slackApiUrl : `${env.slackApiUrl}/`;
  // Requests reach Bolt screened (request-shape.ts: by the HTTP server, or socketGuard), and its
  // receivers answer a listener's error or missing ack with a 200 and a logged reference.
  const socketGuard = new SocketModeGuard(log, rt.redact);
  const socket = env.slackAppToken
    ? // The socket client opens its connection through SLACK_API_URL too (apps.connections.open).
      new SocketModeReceiver({
        appToken: env.slackAppToken,
        logger,
        logLevel: LogLevel.WARN,
        installerOptions: { clientOptions: { slackApiUrl } },
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
        ...httpReceiverGuards(log, rt.redact),
      });
  const app = new App({
    token: env.slackBotToken!,
    receiver: (socket ?? http)!,
    logger,
    logLevel: LogLevel.WARN,
    clientOptions: { slackApiUrl },
  });
  // A listener's error goes on to the receiver's processEventErrorHandler, which logs it with a reference and acks.
  app.error(async (err) => {
    throw err;
  });

  // After-ack work (GitHub, git, Redis, Slack) runs a few at a time, and gives way to requests
  // still waiting for their ack, so a burst of commands is acked first.
  const limiter = new Limiter(AFTER_ACK_CONCURRENCY, { busy: () => inflight.busy, maxDeferMs: 1_000 });
  inflight.on('idle', () => limiter.wake());
  const deps = { config: rt.config, log, limiter, now: rt.now, arrivals: rt.arrivals };
  registerDeploy(app, { ...deps, requests: rt.requests, deployLog: rt.deployLog, cancels: rt.cancels });
  registerDeploys(app, { ...deps, board: rt.board });
  registerLock(app, { ...deps, locks: rt.locks, lockService: rt.lockService, permissions: rt.permissions, audit: rt.audit });
  registerRollback(app, { ...deps, rollbacks: rt.rollbacks });
  registerWaitlist(app, { ...deps, locks: rt.locks });
  registerAskRelease(app, { ...deps, locks: rt.locks, queues: rt.queues });
  registerCancel(app, { ...deps, cancels: rt.cancels });
  registerFreeze(app, { ...deps, freezes: rt.freezeService });
  registerNotifyUnfrozen(app, { ...deps, freezes: rt.freezeService });
  registerRelease(app, { ...deps, releases: rt.releases });
  registerReleaseActions(app, { ...deps, releases: rt.releases, feed: rt.releaseFeed });
  registerReleaseViews(app, { ...deps, releases: rt.releases, feed: rt.releaseFeed });

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
