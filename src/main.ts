import type { Server } from 'node:http';
import { isMainThread } from 'node:worker_threads';
import pino from 'pino';
import { githubWebUrl, readEnv, requireSlack } from './config/env';
import { loadConfig } from './config/load';
import { makeRedactor } from './core/redact';
import { isFerryError } from './errors';
import { Inflight } from './http/inflight';
import { LogPage } from './http/log-page';
import { UserNames } from './services/user-names';
import { guardAppProcess } from './process-guard';
import { createHttpServer } from './http/server';
import { createSlackGuard } from './http/slack-guard';
import { WebAssets } from './http/web-assets';
import { createLogger } from './log';
import { Runtime } from './runtime';
import { ShutdownReport, shutdownDeadlineMs, stopOnSignals } from './shutdown';
import { createSlackApp } from './slack/app';
import { collectGarbageWhenIdle } from './util/idle-gc';
import { startWorkerThread, type WorkerThread } from './worker-thread';

export type Role = 'all' | 'app' | 'worker';

export interface Running {
  runtime: Runtime;
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
 * runs on the app's thread.
 */
export async function start(role: Role, processEnv?: NodeJS.ProcessEnv, opts: { now?: () => number } = {}): Promise<Running> {
  const env = readEnv(processEnv);
  if (role === 'all' && !opts.now && __filename.endsWith('.js') && env.processEnv.FERRY_WORKER_THREAD?.trim() !== 'off')
    return startWithWorkerThread(env.processEnv);
  const idleGc = collectGarbageWhenIdle();
  const redact = makeRedactor([
    env.slackBotToken,
    env.slackSigningSecret,
    env.slackAppToken,
    env.githubToken,
    env.linkSecret,
    env.githubWebhookSecret,
    env.alertToken,
    env.githubApp?.privateKey,
  ]);
  // On the worker thread, lines are written synchronously: pino flushes pending writes when the
  // process exits only for the main thread, so a stopping thread's last lines would be lost.
  const log = createLogger(env.logLevel, redact, isMainThread ? undefined : pino.destination({ dest: 1, sync: true }));
  const config = loadConfig(env.configFile, githubWebUrl(env.githubApiUrl));
  const { token } = requireSlack(env, role === 'worker' ? 'worker' : 'app');
  const runtime = new Runtime(env, config, log.child({ role }), token, redact, opts.now);
  await runtime.init();

  let server: Server | undefined;
  let slack: ReturnType<typeof createSlackApp> | undefined;
  // The log page needs only Redis, so every process with an HTTP server can serve it.
  const logPage = runtime.logLinks
    ? new LogPage({
        links: runtime.logLinks,
        deploys: runtime.deploys,
        logs: runtime.logs,
        commitUrl: (app, sha) => runtime.sources[app]?.commitUrl(sha),
        redact,
        nameOf: new UserNames({ slack: runtime.slack, log: log.child({ component: 'user-names' }) }).nameOf,
        assets: new WebAssets(),
        log: log.child({ component: 'log-page' }),
      })
    : undefined;
  if (role === 'worker' && env.portSet) {
    server = createHttpServer({ healthy: () => runtime.healthy(), log, ...(logPage && { logPage }) });
    await listen(server, env.port, env.host);
  }
  if (role !== 'worker') {
    const inflight = new Inflight();
    slack = createSlackApp(runtime, env, log, inflight);
    server = createHttpServer({
      inflight,
      healthy: () => runtime.healthy(),
      log,
      ...(logPage && { logPage }),
      ...inbound(runtime, env),
      ...(slack.listener && {
        slack: {
          listener: slack.listener,
          guard: createSlackGuard({ signingSecret: env.slackSigningSecret!, redis: runtime.redis, keyPrefix: config.redisPrefix, log }),
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
  }
  const worker = role === 'app' ? undefined : runtime.startWorker();

  return {
    runtime,
    ...(server && { server }),
    async stop(report = new ShutdownReport(runtime.log)) {
      logPage?.close();
      const app = async () => {
        if (server) await closeHttp(server, report);
        if (slack && !(await report.bounded('closing the Slack connection', SLACK_CLOSE_MS, () => slack!.stop()))) {
          report.gaveUp(`the Slack Socket Mode connection did not close within ${SLACK_CLOSE_MS / 1000}s; dropped it`);
        }
      };
      // The worker stops taking jobs at once, while the app finishes its requests.
      await Promise.all([app(), worker?.stop(report)]);
      await runtime.close(report);
      idleGc.stop();
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
    thread = await startWorkerThread(processEnv, app.runtime.log);
  } catch (err) {
    await app.stop();
    throw err;
  }
  // The thread's own steps are bounded; this is a backstop a second inside the process's deadline.
  const threadBoundMs = shutdownDeadlineMs(app.runtime.config.shutdownGraceMs, app.runtime.killGraceMs) - 1_000;
  return {
    ...app,
    lost: thread.lost,
    async stop(report = new ShutdownReport(app.runtime.log)) {
      await Promise.all([app.stop(report), thread.stop(report, threadBoundMs)]);
    },
  };
}

/** The app's endpoints for GitHub and alerts, each on when its secret is set. */
function inbound(
  runtime: Runtime,
  env: ReturnType<typeof readEnv>,
): Pick<Parameters<typeof createHttpServer>[0], 'githubWebhook' | 'alerts'> {
  return {
    ...(env.githubWebhookSecret && { githubWebhook: runtime.githubWebhook(env.githubWebhookSecret) }),
    ...(env.alertToken && { alerts: runtime.alertsEndpoint(env.alertToken) }),
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
      const { config, killGraceMs, log } = running.runtime;
      const deadlineMs = shutdownDeadlineMs(config.shutdownGraceMs, killGraceMs);
      stopOnSignals({
        log,
        ...(role !== 'app' && { graceMs: config.shutdownGraceMs }),
        deadlineMs,
        stop: (report) => running.stop(report),
      });
      if (role !== 'worker') guardAppProcess(running.runtime.log);
      running.lost?.catch((err: Error) => {
        running.runtime.log.fatal({ err: err.message }, 'the worker stopped; exiting so that the process is restarted');
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
