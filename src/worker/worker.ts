import type { ReleaseLife } from '../services/release-life';
import type { WebClient } from '@slack/web-api';
import { WaitingError, Worker, type WorkerOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { FerryConfig } from '../core/config/types';
import { describePools, type PoolSet, servesPool, unusedPools } from '../core/pools';
import { formatDuration } from '../core/duration';
import { REVIEW_ALL } from '../core/review/env';
import { type DeployJobData, deployQueueName, TIMERS_QUEUE, type TimerJobData } from '../queue/names';
import type { LockService } from '../services/locks';
import type { FreezeService } from '../services/freezes';
import type { Nudges } from '../services/nudges';
import type { WeeklyDigest } from '../services/weekly-digest';
import type { ScheduleFeed } from '../services/schedule-feed';
import { ShutdownReport } from '../shutdown';
import { isConnectionError, type RedisOutage } from '../store/redis-outage';
import type { WorkerPools } from '../store/worker-pools';
import { type HoldDeps, holdIfBlocked } from './hold';
import { type PoolHeartbeat, startPoolHeartbeat } from './pool-heartbeat';
import { HandOver } from './follow-run';
import { FrozenAtStart, type RunDeps, runDeploy } from './run-deploy';
import { RunningJobs } from './running-jobs';

/** After the grace: how long stopped deploys get to record their outcome, on top of the kill grace. */
const RECORD_MS = 5_000;
/** Closing the BullMQ workers once no job runs (it needs Redis to answer; a loaded machine may take seconds). */
const CLOSE_MS = 5_000;

export interface WorkerHost {
  /**
   * Stops taking jobs, lets the running deploys finish within the grace period, then stops them;
   * every step bounded, noting in `report` what it could not finish.
   */
  stop(report?: ShutdownReport): Promise<void>;
}

/** What one worker process runs: deploys, and the timers (locks, freezes, releases, what follows a deploy). */
export interface WorkerDeps {
  config: FerryConfig;
  connection: Redis;
  bullPrefix: string;
  /** The worker pools whose deploys this process takes (FERRY_WORKER_POOLS; every pool when unset). */
  served: PoolSet;
  /** Where it announces that it is live in them. */
  pools: Pick<WorkerPools, 'announce' | 'withdraw'>;
  run: Omit<RunDeps, 'shutdown'>;
  lockService: Pick<LockService, 'expire' | 'remind'>;
  freezeService: Pick<FreezeService, 'expire'>;
  /** Posts scheduled freezes' beginnings and ends to the feed. */
  scheduleFeed: Pick<ScheduleFeed, 'edge' | 'start'>;
  /** Posts undeployed-change nudges (config `nudge:`); absent: nudge timers are skipped. */
  nudges?: Pick<Nudges, 'run' | 'start'>;
  /** The apps' weekly digests (config `digest:`). */
  digest?: Pick<WeeklyDigest, 'fire' | 'start'>;
  /** What follows a deploy's end (releases, smoke failure actions, promotion); throws to be retried. */
  afterDeploy: (deployId: number) => Promise<void>;
  /** Review apps' timers: idle teardown, teardown retries, reconciling with GitHub (absent: no app has review_apps). */
  reviews?: ReviewTimers;
  /** Releases' reminders and expiry. */
  releases: Pick<ReleaseLife, 'remind' | 'expire' | 'settleTimer'>;
  /** What decides whether a queued deploy may start now (freezes, the deploy window). */
  hold: HoldDeps;
  slack: Pick<WebClient, 'chat'>;
  log: Logger;
  /** How long a shutdown waits for running deploys before stopping them. */
  shutdownGraceMs: number;
  /** Whether Redis answers (a shutdown does not wait on it when it doesn't). */
  outage: Pick<RedisOutage, 'unreachable' | 'describe'>;
}

/** What the timers queue asks of review apps (services/review-life.ts, review-reconcile.ts). */
export interface ReviewTimers {
  idle(app: string, pr: number): Promise<void>;
  retry(app: string, pr: number, tries: number): Promise<void>;
  /** The reconcile due at `at`; it schedules the next one. */
  reconcile(at: number): Promise<void>;
}

/** BullMQ worker options every queue shares. */
type Common = WorkerOptions;

/**
 * One worker process's share of the queues: a BullMQ worker on the deploy queue of every app+env
 * of the pools it serves (each queue lets one job be active across all workers), and one on the
 * timers queue. Every worker serves the timers, whatever its pools: no timer job runs a deploy
 * command or reads pass_env (they expire locks and freezes, post reminders and DMs, and queue the
 * deploys that follow one, a rollback or a promotion, which then go to their env's pool).
 */
export function startWorkers(opts: WorkerDeps): WorkerHost {
  const { config, log } = opts;
  const shutdown = new AbortController();
  // Deploys following a CI run let it go as soon as the worker stops (the next worker follows it on).
  const leaving = new AbortController();
  const jobs = new RunningJobs();
  const common: Common = {
    connection: opts.connection,
    prefix: opts.bullPrefix,
    concurrency: 1,
    lockDuration: config.leaseTtlMs,
    stalledInterval: config.leaseTtlMs,
    // Ferry decides what a lost worker means for a deploy (fail, or retry with on_worker_lost).
    maxStalledCount: 10,
  };
  const workers: Worker[] = [];
  const poolsUsed = new Set<string>();
  for (const app of config.appNames) {
    for (const e of Object.values(config.apps[app]!.envs)) {
      poolsUsed.add(e.pool);
      if (servesPool(opts.served, e.pool))
        workers.push(deployWorker(app, e.name, opts, jobs, { shutdown: shutdown.signal, leaving: leaving.signal }, common));
    }
    // Every review app of the app shares one queue; up to `max` of them deploy at once (each one's env lease keeps it to one at a time).
    const review = config.apps[app]!.reviewApps;
    if (!review) continue;
    poolsUsed.add(review.env.pool);
    if (servesPool(opts.served, review.env.pool))
      workers.push(
        deployWorker(
          app,
          REVIEW_ALL,
          opts,
          jobs,
          { shutdown: shutdown.signal, leaving: leaving.signal },
          { ...common, concurrency: review.max },
        ),
      );
  }
  workers.push(timersWorker(opts, jobs, common));
  const heartbeat = startPoolHeartbeat({ pools: opts.pools, served: opts.served, worker: opts.run.workerName, log });
  log.info({ queues: workers.length - 1, pools: describePools(opts.served) }, 'worker started');
  const unused = unusedPools(opts.served, [...poolsUsed]);
  if (unused.length)
    log.warn(
      { unused, used: [...poolsUsed] },
      `FERRY_WORKER_POOLS names ${unused.join(', ')}, which no environment in the config uses (pool: in ferry.yml); check the spelling`,
    );
  opts.scheduleFeed.start().catch((err: Error) => log.error({ err: err.message }, "could not schedule the scheduled freezes' feed posts"));
  opts.nudges?.start().catch((err: Error) => log.error({ err: err.message }, 'could not schedule the nudges'));
  opts.digest?.start().catch((err: Error) => log.error({ err: err.message }, 'could not schedule the weekly digests'));
  return {
    stop: (report = new ShutdownReport(log)) => {
      leaving.abort('the worker is stopping');
      return stopWorkers(workers, jobs, shutdown, heartbeat, opts, report);
    },
  };
}

/** The BullMQ worker of one app+env's deploy queue. */
function deployWorker(
  app: string,
  env: string,
  opts: WorkerDeps,
  jobs: RunningJobs,
  signals: { shutdown: AbortSignal; leaving: AbortSignal },
  common: Common,
): Worker {
  const { log } = opts;
  const w = new Worker<DeployJobData>(
    deployQueueName(app, env),
    (job, token) =>
      jobs.track(`deploy #${job.data.deployId} (${app} to ${job.data.env})`, job.data.deployId, async () => {
        // The gate, then the start; a freeze set in between is caught by the begin script, and
        // the gate then holds the job (or, if it has lifted again already, the deploy starts).
        for (let tries = 0; ; tries++) {
          if ((await holdIfBlocked(job, token, opts.hold)) === 'ended') return;
          try {
            return await runDeploy(job.data, { ...opts.run, ...signals });
          } catch (err) {
            // A CI run it stopped following: the job goes back to the front of its queue, for the next worker.
            if (err instanceof HandOver) {
              await job.moveToWait(token);
              throw new WaitingError();
            }
            if (!(err instanceof FrozenAtStart) || tries >= 2) throw err;
          }
        }
      }),
    common,
  );
  w.on('failed', (job, err) => log.error({ deployId: job?.data.deployId, err: err.message }, 'deploy job failed'));
  // Connection errors are the process's outage watch's to log (once per outage, not per queue and retry).
  w.on('error', (err) => {
    if (!isConnectionError(err)) log.error({ err: err.message, queue: w.name }, 'worker error');
  });
  return w;
}

/** The BullMQ worker of the timers queue. */
function timersWorker(opts: WorkerDeps, jobs: RunningJobs, common: Common): Worker {
  const timers = new Worker<TimerJobData>(
    TIMERS_QUEUE,
    (job) => jobs.track(`${job.data.kind} timer job ${job.id}`, undefined, () => runTimer(job.data, opts)),
    { ...common, concurrency: 4, lockDuration: 30_000, stalledInterval: 30_000 },
  );
  timers.on('error', (err) => {
    if (!isConnectionError(err)) opts.log.error({ err: err.message }, 'timer worker error');
  });
  return timers;
}

async function runTimer(t: TimerJobData, opts: WorkerDeps): Promise<void> {
  if (t.kind === 'lock-expire') await opts.lockService.expire(t.app, t.env, t.token);
  else if (t.kind === 'lock-remind') await opts.lockService.remind(t.app, t.env, t.token);
  else if (t.kind === 'freeze-expire') await opts.freezeService.expire(t.app, t.env, t.token);
  else if (t.kind === 'schedule-edge') await opts.scheduleFeed.edge(t.name, t.at);
  else if (t.kind === 'release-remind') await opts.releases.remind(t.id, t.round);
  else if (t.kind === 'release-expire') await opts.releases.expire(t.id);
  else if (t.kind === 'release-settle') await opts.releases.settleTimer(t.id, t.attempt);
  else if (t.kind === 'after-deploy') await opts.afterDeploy(t.deployId);
  else if (t.kind === 'review-idle') await opts.reviews?.idle(t.app, t.pr);
  else if (t.kind === 'review-retry') await opts.reviews?.retry(t.app, t.pr, t.tries);
  else if (t.kind === 'review-reconcile') await opts.reviews?.reconcile(t.at);
  else if (t.kind === 'nudge') await opts.nudges?.run(t.app, t.at);
  else if (t.kind === 'digest') await opts.digest?.fire(t.app, t.at);
  else await opts.slack.chat.postMessage({ channel: t.user, text: t.text });
}

/**
 * Stops taking jobs, lets the running deploys finish within the grace period, then stops them;
 * every step bounded, noting in `report` what it could not finish.
 */
async function stopWorkers(
  workers: Worker[],
  jobs: RunningJobs,
  shutdown: AbortController,
  heartbeat: PoolHeartbeat,
  opts: WorkerDeps,
  report: ShutdownReport,
): Promise<void> {
  const { config, log } = opts;
  const graceMs = opts.shutdownGraceMs;
  log.info({ graceMs, running: jobs.labels() }, 'worker stopping: no new deploys; waiting for running ones');
  jobs.reportTo(report);

  // Stops fetching jobs at once; resolves once the running ones ended and the connections closed.
  const closing = Promise.all(workers.map((w) => w.close()));
  closing.catch(() => {});
  // It takes no more deploys: out of its pools at once, so the feed tells when no other worker serves them.
  const leaving = heartbeat.stop();
  if (!opts.outage.unreachable) await report.bounded('leaving the worker pools', 2_000, () => leaving);
  if (!(await jobs.idle(graceMs))) {
    log.warn({ running: jobs.labels() }, `the shutdown grace (${formatDuration(graceMs)}) ran out; stopping the running deploys`);
    shutdown.abort(`the worker was shut down (its shutdown_grace, ${formatDuration(graceMs)}, ran out)`);
    if (!(await jobs.idle(opts.run.graceMs + RECORD_MS)))
      jobs.giveUp(
        report,
        config.leaseTtlMs,
        `the shutdown grace ran out (it was told to stop ${formatDuration(opts.run.graceMs + RECORD_MS)} earlier)`,
      );
  }
  const why = opts.outage.unreachable ? opts.outage.describe() : `not closed within ${CLOSE_MS / 1000}s`;
  if (opts.outage.unreachable || !(await report.bounded('closing the BullMQ workers', CLOSE_MS, () => closing))) {
    for (const w of workers) void w.disconnect().catch(() => {});
    report.gaveUp(
      `could not close the BullMQ workers of ${workers.length} queues (${workers.map((w) => w.name).join(', ')}): ${why}; disconnected them`,
    );
    // A job fetched just as the stop began, which the close was waiting for.
    jobs.giveUp(report, config.leaseTtlMs, 'the BullMQ workers were disconnected');
  }
  log.info('worker stopped');
}
