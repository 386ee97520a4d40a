import { type JobType, type JobsOptions, Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { FerryConfig } from '../core/config/types';
import { isReviewEnv, REVIEW_ALL } from '../core/review/env';
import { isConnectionError } from '../store/redis-outage';
import { type DeployJobData, deployJobId, deployQueueName, TIMERS_QUEUE, type TimerJobData } from './names';

const KEEP = { age: 7 * 86_400, count: 1_000 };

/**
 * The producer side of Ferry's queues: one BullMQ queue per app+env with a global concurrency of
 * one (at most one deploy of an env is active across all workers), plus a queue of timers.
 */
export class Queues {
  private readonly deployQueues = new Map<string, Queue<DeployJobData>>();
  /** How many jobs of a queue may be active at once, when not one: an app's review queue, its `max`. */
  private readonly concurrency = new Map<string, number>();
  readonly timers: Queue<TimerJobData>;

  constructor(
    private readonly connection: Redis,
    private readonly bullPrefix: string,
    private readonly config: FerryConfig,
    private readonly log: Logger,
  ) {
    this.timers = this.watch(new Queue<TimerJobData>(TIMERS_QUEUE, { connection, prefix: bullPrefix }));
    for (const app of config.appNames) {
      for (const env of config.apps[app]!.envNames) this.deployQueue(app, env);
      const review = config.apps[app]!.reviewApps;
      if (review) this.concurrency.set(this.deployQueue(app, REVIEW_ALL).name, review.max);
    }
  }

  /**
   * Where an env's deploys queue: its own queue, or for a review app (`pr-42`) the app's one review
   * queue (`review`), which every review app shares, with `only` its env to tell its jobs apart.
   */
  private scope(app: string, env: string): { q: Queue<DeployJobData>; only?: string } {
    if (isReviewEnv(this.config.apps[app], env)) return { q: this.deployQueue(app, REVIEW_ALL), only: env };
    return { q: this.deployQueue(app, env) };
  }

  /** Deploy ids of the scope's jobs in these states, in queue order; for a review app only its own (their data is read). */
  private async ids(s: { q: Queue<DeployJobData>; only?: string }, states: JobType[]): Promise<number[]> {
    if (s.only === undefined) return deployIds(await s.q.getRanges(states, 0, -1, true));
    const jobs = await s.q.getJobs(states, 0, -1, true);
    return jobs.filter((j) => j?.data.env === s.only).map((j) => j.data.deployId);
  }

  deployQueue(app: string, env: string): Queue<DeployJobData> {
    const name = deployQueueName(app, env);
    let q = this.deployQueues.get(name);
    if (!q) {
      q = this.watch(new Queue<DeployJobData>(name, { connection: this.connection, prefix: this.bullPrefix }));
      this.deployQueues.set(name, q);
    }
    return q;
  }

  /**
   * Sets every deploy queue's global concurrency: one, or for a review queue its `max` (each review
   * app's env lease keeps its own deploys to one at a time). Idempotent, run once at start.
   */
  async init(): Promise<void> {
    await Promise.all([...this.deployQueues.values()].map((q) => q.setGlobalConcurrency(this.concurrency.get(q.name) ?? 1)));
  }

  /** Adds a deploy; adding the same deploy again is a no-op (the job id is the deploy id). */
  async enqueue(app: string, env: string, deployId: number): Promise<void> {
    // Attempts: a job that fails (Redis error, lost lease) runs again, and the next run either
    // reports the deploy (finished, or lost mid-deploy) or runs it if it never started.
    await this.scope(app, env).q.add(
      'deploy',
      { deployId, app, env },
      {
        jobId: deployJobId(deployId),
        attempts: 3,
        backoff: { type: 'exponential', delay: 2_000 },
        removeOnComplete: KEEP,
        removeOnFail: KEEP,
      },
    );
  }

  /**
   * Takes a cancelled deploy's job out of the queue; false when it wasn't there to take (already
   * active or gone). An active job is harmless: the begin script won't start a cancelled deploy.
   */
  async remove(app: string, env: string, deployId: number): Promise<boolean> {
    return (await this.scope(app, env).q.remove(deployJobId(deployId))) === 1;
  }

  /**
   * Deploy ids waiting for an env, next first (job ids only: no job bodies are read). Deploys held
   * by a freeze or a closed window (delayed jobs) were in line before those still waiting.
   */
  async waiting(app: string, env: string): Promise<number[]> {
    return this.ids(this.scope(app, env), ['delayed', 'wait', 'prioritized']);
  }

  /**
   * Lets the env's held deploys go ahead now, in the order they were held (a freeze lifted early).
   * Returns how many were held.
   */
  async release(app: string, env: string): Promise<number> {
    const { q, only } = this.scope(app, env);
    if (only !== undefined) return this.wake(app, env, async () => true);
    const held = await q.getDelayedCount();
    if (held > 0) await q.promoteJobs();
    return held;
  }

  /**
   * Queues what follows deploy #id's end as a timer job (one per deploy), retried with back-off:
   * a failure (Slack, GitHub, Redis) or a process dying midway doesn't lose a rollback or a promotion.
   */
  async afterDeploy(deployId: number): Promise<void> {
    await this.timers.add(
      'after-deploy',
      { kind: 'after-deploy', deployId },
      {
        jobId: `after-deploy-${deployId}`,
        attempts: 6,
        backoff: { type: 'exponential', delay: 2_000 },
        removeOnComplete: { age: 7 * 86_400 },
        removeOnFail: KEEP,
      },
    );
  }

  /** Deploy ids held (delayed) on an env: by a freeze, a window, or waiting for checks. */
  async delayed(app: string, env: string): Promise<number[]> {
    return this.ids(this.scope(app, env), ['delayed']);
  }

  /** Promotes the env's held (delayed) deploy jobs that `pick` chooses, so their worker looks at them now. Returns how many. */
  async wake(app: string, env: string, pick: (deployId: number) => Promise<boolean>): Promise<number> {
    let woken = 0;
    const { q, only } = this.scope(app, env);
    for (const job of await q.getDelayed()) {
      if ((only !== undefined && job.data.env !== only) || !(await pick(job.data.deployId))) continue;
      await job.promote().then(
        () => woken++,
        () => {}, // started or removed meanwhile
      );
    }
    return woken;
  }

  /**
   * Deploy ids a worker would take now if one served the env: waiting or prioritized, and held
   * (delayed) ones whose hold is over (BullMQ moves those on only when a worker asks for a job).
   * BullMQ scores a delayed job by its due time (ms, wall clock) times 0x1000 plus a counter.
   */
  async unstarted(app: string, env: string, now = Date.now()): Promise<number[]> {
    const { q, only } = this.scope(app, env);
    if (only !== undefined) {
      const jobs = await q.getJobs(['wait', 'prioritized', 'delayed'], 0, -1, true);
      return jobs.filter((j) => j?.data.env === only && j.timestamp + (j.delay ?? 0) <= now).map((j) => j.data.deployId);
    }
    const [ready, held] = await Promise.all([q.getRanges(['wait', 'prioritized'], 0, -1, true), q.getDelayedCount()]);
    const ids = deployIds(ready);
    if (held === 0) return ids;
    const due = await this.connection.zrangebyscore(q.keys.delayed!, 0, (now + 1) * 0x1000 - 1);
    return [...ids, ...deployIds(due)];
  }

  /** Deploy ids active on an env (at most one, except briefly while a lost worker's job is detected). */
  async active(app: string, env: string): Promise<number[]> {
    return this.ids(this.scope(app, env), ['active']);
  }

  /**
   * How many deploys of an env are in its queue, by BullMQ state, in one round trip: `waiting`
   * and `prioritized` wait their turn, `delayed` are held by a freeze or a closed window, `active`
   * is the one running (at most one).
   */
  async counts(app: string, env: string): Promise<{ waiting: number; prioritized: number; delayed: number; active: number }> {
    const s = this.scope(app, env);
    if (s.only !== undefined) {
      const [ready, delayed, active] = await Promise.all([this.ids(s, ['wait']), this.ids(s, ['delayed']), this.ids(s, ['active'])]);
      return { waiting: ready.length, prioritized: 0, delayed: delayed.length, active: active.length };
    }
    const c = await s.q.getJobCounts('waiting', 'prioritized', 'delayed', 'active');
    return { waiting: c.waiting ?? 0, prioritized: c.prioritized ?? 0, delayed: c.delayed ?? 0, active: c.active ?? 0 };
  }

  /** Queues a DM (after `delayMs`); a worker sends it, retrying for about ten minutes if Slack fails. Same key, one DM. */
  async dm(user: string, text: string, key: string, delayMs = 0): Promise<void> {
    await this.timers.add(
      'dm',
      { kind: 'dm', user, text, key },
      {
        jobId: `dm-${key}`,
        delay: Math.max(0, delayMs),
        attempts: 8,
        backoff: { type: 'exponential', delay: 2_000 },
        removeOnComplete: { age: 86_400 },
        removeOnFail: KEEP,
      },
    );
  }

  /** A scheduled freeze's next edge; one job per freeze and instant, however many workers ask. */
  async scheduleEdge(name: string, at: number, now: number): Promise<void> {
    await this.dueAt({ kind: 'schedule-edge', name, at }, `schedule-edge-${Buffer.from(name).toString('hex')}-${at}`, at, now);
  }

  /** An app's nudge at `at`: one job per app and instant (so per local day), however many workers ask. */
  async nudgeTimer(app: string, at: number, now: number): Promise<void> {
    await this.dueAt({ kind: 'nudge', app, at }, `nudge-${Buffer.from(app).toString('hex')}-${at}`, at, now);
  }

  /** A timer job due at `at`, named `jobId` (adding it again is a no-op), retried with back-off (`retry`: tries and the first delay). */
  private async dueAt(data: TimerJobData, jobId: string, at: number, now: number, retry = { attempts: 5, delayMs: 1_000 }): Promise<void> {
    await this.timers.add(data.kind, data, {
      jobId,
      delay: Math.max(0, at - now),
      removeOnComplete: { age: 7 * 86_400 },
      removeOnFail: KEEP,
      attempts: retry.attempts,
      backoff: { type: 'exponential', delay: retry.delayMs },
    });
  }

  /** An app's weekly digest at `at`; one job per app and instant, however many workers ask. */
  async digestTimer(app: string, at: number, now: number): Promise<void> {
    await this.dueAt({ kind: 'digest', app, at }, `digest-${app}-${at}`, at, now, { attempts: 5, delayMs: 5_000 });
  }

  /** A release's reminder round or expiry at `at`; one job per release and round, however often it is asked for. */
  async releaseTimer(
    data: Extract<TimerJobData, { kind: 'release-remind' | 'release-expire' | 'release-settle' }>,
    at: number,
    now: number,
  ): Promise<void> {
    const jobId =
      data.kind === 'release-remind'
        ? `release-remind-${data.id}-${data.round}`
        : data.kind === 'release-settle'
          ? `release-settle-${data.id}-${data.attempt}-${data.at ?? 0}`
          : `release-expire-${data.id}`;
    await this.dueAt(data, jobId, at, now);
  }

  /** A review app's timer at `at`; one job per review app and instant (or per try, or per reconcile), however many processes ask. */
  async reviewTimer(data: Extract<TimerJobData, { kind: `review-${string}` }>, at: number, now: number): Promise<void> {
    const jobId =
      data.kind === 'review-reconcile'
        ? `review-reconcile-${data.at}`
        : `${data.kind}-${data.app}-${data.pr}-${data.kind === 'review-idle' ? data.at : data.tries}`;
    await this.dueAt(data, jobId, at, now, { attempts: 8, delayMs: 5_000 });
  }

  async schedule(
    data: Extract<TimerJobData, { kind: 'lock-expire' | 'lock-remind' | 'freeze-expire' }>,
    at: number,
    now: number,
  ): Promise<void> {
    const opts: JobsOptions = {
      jobId: `${data.kind}-${data.app}-${data.env}-${data.token}`,
      delay: Math.max(0, at - now),
      removeOnComplete: true,
      removeOnFail: KEEP,
      attempts: 5,
      backoff: { type: 'exponential', delay: 1_000 },
    };
    await this.timers.add(data.kind, data, opts);
  }

  /** Logs a queue's errors, but not connection errors: every queue would log each of those again (the process's outage watch logs an outage once). */
  private watch<Q extends Queue>(q: Q): Q {
    q.on('error', (err) => {
      if (!isConnectionError(err)) this.log.warn({ err: err.message, queue: q.name }, 'queue error');
    });
    return q;
  }

  /** The queues' names (for a shutdown's report). */
  names(): string[] {
    return [this.timers.name, ...this.deployQueues.keys()];
  }

  /** Closes the queues (their connection is the process's main one, closed after them); bounded by the caller. */
  async close(): Promise<void> {
    await Promise.all([this.timers.close(), ...[...this.deployQueues.values()].map((q) => q.close())]);
  }
}

const deployIds = (jobIds: string[]): number[] => jobIds.filter((id) => id.startsWith('d')).map((id) => Number(id.slice(1)));
