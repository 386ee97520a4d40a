import type { Server } from 'node:http';
import { isMainThread } from 'node:worker_threads';
import pino, { type Logger } from 'pino';
import { type FerryEnv, githubWebUrl, readEnv, requireSlack } from './config/env';
import { redisSecrets } from './config/redis-env';
import { loadConfig } from './config/load';
import { makeRedactor } from './core/redact';
import { ciTokenVariables } from './core/ci/secrets';
import { isFerryError } from './errors';
import { Inflight } from './http/inflight';
import type { LogPage } from './http/log-page';
import { createHttpServer } from './http/server';
import { createSlackGuard } from './http/slack-guard';
import { createLogger } from './log';
import { guardAppProcess } from './process-guard';
import type { Queues } from './queue/queues';
import { type AppRoot, buildAppRoot } from './roots/app';
import { closeShared } from './roots/close';
import { redisHealthy } from './roots/connections';
import { buildLogPage } from './roots/log-page';
import { buildDeliveryFigures } from './roots/delivery';
import { buildStatsPage } from './roots/stats-page';
import type { StatsPage } from './http/stats-page';
import { buildMetricsEndpoint } from './roots/metrics';
import type { FerryMetrics } from './metrics/ferry-metrics';
import type { MetricsEndpoint, MetricsJson } from './metrics/endpoint';
import { buildServices, type Services } from './roots/services';
import { buildShared, type Setup, type Shared } from './roots/shared';
import { startWorkerRoot } from './roots/worker';
import { WorkerPools } from './store/worker-pools';
import { startPoolWatch } from './worker/pool-watch';
import type { ArrivalOrder } from './services/arrival-order';
import type { DeliveryFiguresSource } from './core/delivery/types';
import type { ReleaseService } from './services/releases';
import { ShutdownReport, shutdownDeadlineMs, stopOnSignals } from './shutdown';
import { createSlackApp, type SlackApp } from './slack/app';
import type { DeployStore } from './store/deploys';
import type { ReleaseStore } from './store/releases';
import { collectGarbageWhenIdle } from './util/idle-gc';
import { startWorkerThread, type WorkerThread } from './worker-thread';

export type Role = 'all' | 'app' | 'worker';

/** What tests look at inside a running Ferry (its stores, queues and services), and how they wait for its feed work. */
export interface RunningParts {
  queues: Queues;
  deploys: DeployStore;
  releaseStore: ReleaseStore;
  releases: ReleaseService;
  arrivals: ArrivalOrder;
  /** The delivery figures (docs/delivery-figures.md) over this process's Redis. */
  delivery: DeliveryFiguresSource;
  /** Resolves once the work in flight (webhooks' work, deploy events, deploy messages, release summaries and DMs) is done. */
  settled(): Promise<void>;
}

export interface Running {
  /** The process's logger (with its role). */
  log: Logger;
  /** How long a stop lets running deploys finish (the config's shutdown_grace). */
  shutdownGraceMs: number;
  /** How long a whole stop may take (see shutdown.ts). */
  deadlineMs: number;
  parts: RunningParts;
  /** This process's (or thread's) metrics; a worker thread sends the main thread its registry's. */
  metrics: FerryMetrics;
  /** Adds another registry's metrics (the worker thread's) to this process's GET /metrics. */
  addMetricsSource(source: () => Promise<MetricsJson>): void;
  server?: Server;
  /** Rejects if the worker thread of `start` ends without being asked to (see worker-thread.ts). */
  lost?: Promise<never>;
  /**
   * Graceful stop: the app stops taking requests; the worker lets its deploy finish within the
   * grace. Every step is bounded; what could not be finished is noted in `report` (and logged).
   */
  stop(report?: ShutdownReport): Promise<void>;
}

/** Open HTTP requests get this long to finish at shutdown; the Socket Mode connection this long to close. */
const HTTP_CLOSE_MS = 5_000;
const SLACK_CLOSE_MS = 3_000;

/**
 * Starts Ferry in one of its roles: app + worker (npm start), only the Slack app, or only a worker.
 * app + worker, built (dist/) and on the wall clock, runs the worker on a thread of its own so
 * that it never holds up the app's acks (see worker-thread.ts); under the tests' own clock it
 * runs on the app's thread. Each role builds only its own parts on the shared ones (src/roots/).
 */
export async function start(role: Role, processEnv?: NodeJS.ProcessEnv, opts: { now?: () => number } = {}): Promise<Running> {
  const env = readEnv(processEnv);
  if (role === 'all' && !opts.now && __filename.endsWith('.js') && env.processEnv.FERRY_WORKER_THREAD?.trim() !== 'off')
    return startWithWorkerThread(env.processEnv);
  const idleGc = collectGarbageWhenIdle();
  const { setup, log } = setupOf(env, role, opts.now);
  const shared = await buildShared(setup);
  const services = buildServices(shared);
  const logPage = buildLogPage(shared, log);
  const delivery = buildDeliveryFigures(shared);
  const statsPage = buildStatsPage(shared, log, delivery);
  const metricSources: (() => Promise<MetricsJson>)[] = [];
  const serves = role !== 'worker' || env.portSet;
  const metrics = serves ? buildMetricsEndpoint(shared, () => Promise.all(metricSources.map((f) => f()))) : undefined;
  let server: Server | undefined;
  let slack: SlackApp | undefined;
  if (role === 'worker' && metrics) {
    server = createHttpServer({
      healthy: () => redisHealthy(shared.redis),
      log,
      metrics,
      ...(logPage && { logPage }),
      ...(statsPage && { statsPage }),
    });
    await listen(server, env.port, env.host);
  }
  if (role !== 'worker' && metrics)
    ({ server, slack } = await startApp(shared, buildAppRoot(shared, services, env, delivery), log, { logPage, statsPage, metrics }));
  const worker = role === 'app' ? undefined : startWorkerRoot(shared, services, delivery);
  // Every process tells, in the feed, of queued deploys whose worker pool has no live worker.
  const poolWatch = startPoolWatch({
    config: shared.config,
    queues: shared.queues,
    pools: new WorkerPools(shared.redis, shared.k),
    events: shared.events,
    log: shared.log.child({ component: 'pools' }),
  });

  return {
    log: shared.log,
    shutdownGraceMs: shared.config.shutdownGraceMs,
    deadlineMs: shutdownDeadlineMs(shared.config.shutdownGraceMs, shared.killGraceMs),
    parts: runningParts(shared, services),
    metrics: shared.metrics,
    addMetricsSource: (source) => void metricSources.push(source),
    ...(server && { server }),
    async stop(report = new ShutdownReport(shared.log)) {
      logPage?.close();
      poolWatch.stop();
      const app = async () => {
        if (server) await closeHttp(server, report);
        if (slack && !(await report.bounded('closing the Slack connection', SLACK_CLOSE_MS, () => slack!.stop()))) {
          report.gaveUp(`the Slack Socket Mode connection did not close within ${SLACK_CLOSE_MS / 1000}s; dropped it`);
        }
      };
      // The worker stops taking jobs at once, while the app finishes its requests.
      await Promise.all([app(), worker?.host.stop(report)]);
      await closeShared(shared, report, worker ? [worker] : []);
      idleGc.stop();
    },
  };
}

/** The environment read into what a process is started with: its config, logger, redactor, Slack token and clock. */
function setupOf(env: FerryEnv, role: Role, now: (() => number) | undefined): { setup: Setup; log: Logger } {
  const config = loadConfig(env.configFile, githubWebUrl(env.githubApiUrl));
  const redact = makeRedactor([
    ...ciTokenVariables(config).map((name) => env.processEnv[name]),
    env.slackBotToken,
    env.slackSigningSecret,
    env.slackAppToken,
    env.githubToken,
    env.linkSecret,
    env.githubWebhookSecret,
    env.githubWebhookSecretPrevious,
    env.alertToken,
    env.metricsToken,
    env.githubApp?.privateKey,
    ...redisSecrets(env.redis),
  ]);
  // On the worker thread, lines are written synchronously: pino flushes pending writes when the
  // process exits only for the main thread, so a stopping thread's last lines would be lost.
  const log = createLogger(env.logLevel, redact, isMainThread ? undefined : pino.destination({ dest: 1, sync: true }));
  const { token } = requireSlack(env, role === 'worker' ? 'worker' : 'app');
  return { setup: { env, config, log: log.child({ role }), slackToken: token, redact, now: now ?? Date.now }, log };
}

/** The Slack app and the HTTP server it is served on (with the log page and the GitHub and alerts endpoints). */
async function startApp(
  s: Shared,
  root: AppRoot,
  log: Logger,
  { logPage, statsPage, metrics }: { logPage: LogPage | undefined; statsPage: StatsPage | undefined; metrics: MetricsEndpoint },
): Promise<{ server: Server; slack: SlackApp }> {
  const { env } = s;
  const inflight = new Inflight();
  const slack = createSlackApp(root.slack, env, log, inflight, s.metrics.slackCall);
  const server = createHttpServer({
    inflight,
    healthy: () => redisHealthy(s.redis),
    log,
    metrics,
    ackTime: s.metrics.ack,
    ...(logPage && { logPage }),
    ...(statsPage && { statsPage }),
    ...(root.githubWebhook && { githubWebhook: root.githubWebhook }),
    ...(root.alerts && { alerts: root.alerts }),
    ...(slack.listener && {
      slack: {
        listener: slack.listener,
        guard: createSlackGuard({ signingSecret: env.slackSigningSecret!, redis: s.redis, keyPrefix: s.k.prefix, log }),
      },
    }),
  });
  await listen(server, env.port, env.host);
  await slack.start();
  const addr = server.address();
  log.info(
    { port: typeof addr === 'object' && addr ? addr.port : env.port, mode: env.slackAppToken ? 'socket' : 'http' },
    'Slack app listening',
  );
  return { server, slack };
}

function runningParts(s: Shared, v: Services): RunningParts {
  return {
    queues: s.queues,
    deploys: s.stores.deploys,
    releaseStore: s.stores.releases,
    releases: v.releases,
    arrivals: v.arrivals,
    delivery: buildDeliveryFigures(s),
    settled: async () => {
      while (s.events.pending + s.feed.pending + s.reviewFeed.pending + s.background.pending > 0)
        await Promise.all([s.events.drain(), s.feed.drain(), s.reviewFeed.drain(), s.background.drain()]);
      await s.releaseFeed.drain();
    },
  };
}

/** Stops taking requests and lets open ones finish for HTTP_CLOSE_MS, then cuts them off. */
async function closeHttp(server: Server, report: ShutdownReport): Promise<void> {
  const closed = new Promise<void>((r) => server.close(() => r()));
  server.closeIdleConnections();
  if (!(await report.bounded('closing the HTTP server', HTTP_CLOSE_MS, () => closed))) {
    server.closeAllConnections();
    report.gaveUp(
      `HTTP requests still open after ${HTTP_CLOSE_MS / 1000}s were cut off (Slack retries its own; a log page reconnects to another process)`,
    );
  }
}

/** The Slack app on this thread, the worker on a thread of its own. */
async function startWithWorkerThread(processEnv: NodeJS.ProcessEnv): Promise<Running> {
  const app = await start('app', processEnv);
  let thread: WorkerThread;
  try {
    thread = await startWorkerThread(processEnv, app.log);
  } catch (err) {
    await app.stop();
    throw err;
  }
  // The thread's counters and histograms (its deploys, Slack and GitHub calls) join this process's /metrics.
  app.addMetricsSource(() => thread.metrics());
  // The thread's own steps are bounded; this is a backstop a second inside the process's deadline.
  const threadBoundMs = app.deadlineMs - 1_000;
  return {
    ...app,
    lost: thread.lost,
    async stop(report = new ShutdownReport(app.log)) {
      await Promise.all([app.stop(report), thread.stop(report, threadBoundMs)]);
    },
  };
}

/**
 * The process entry: start, stop on SIGTERM/SIGINT within the shutdown grace plus the final steps
 * (see shutdown.ts; exit 0 when everything finished, 1 when something was left), exit 1 with a
 * clear message on bad set-up.
 */
export function main(role: Role): void {
  start(role).then(
    (running) => {
      const { log } = running;
      stopOnSignals({
        log,
        ...(role !== 'app' && { graceMs: running.shutdownGraceMs }),
        deadlineMs: running.deadlineMs,
        stop: (report) => running.stop(report),
      });
      if (role !== 'worker') guardAppProcess(log);
      running.lost?.catch((err: Error) => {
        log.fatal({ err: err.message }, 'the worker stopped; exiting so that the process is restarted');
        process.exit(1);
      });
    },
    (err: Error) => {
      process.stderr.write(`${isFerryError(err) ? err.message : `Ferry failed to start: ${err.stack ?? err.message}`}\n`);
      process.exit(1);
    },
  );
}

function listen(server: Server, port: number, host?: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    if (host) server.listen(port, host, resolve);
    else server.listen(port, resolve);
  });
}
