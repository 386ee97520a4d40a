import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { FerryConfig } from '../core/config/types';
import type { Deploy } from '../core/deploy';
import { envOf, isReviewEnv } from '../core/review/env';
import type { GitHubClient } from '../source/github';
import { type Claim, GitHubOutbox } from '../store/github-outbox';
import type { Keys } from '../store/keys';
import { createDeployment, deploymentState, describe, forGood, type Job, postStatus, rankOf } from './github-deployment-requests';

const KNOWN_KEPT = 1_000;
/**
 * How long a process alone writes a deploy's deployment: longer than a write can take (its turn,
 * 15 s, a secondary rate limit's retry-after of up to 60 s, and the second try). A process that
 * dies holding it leaves the deploy to the others when it runs out.
 */
const CLAIM_MS = 120_000;
/** Tries of one write before it is given up (backing off 1, 2, 4 ... 60 s): some 2 minutes of failures. */
const MAX_TRIES = 8;

/**
 * GitHub Deployments for deploys of `repo:` apps: a deployment for the SHA and env (auto_merge
 * off, no required contexts: Ferry checks what it needs itself), and its statuses as the deploy
 * goes (queued, in_progress, success, failure, inactive for a cancelled one) with the log page
 * URL, so the repository's environments page shows what Ferry did. A review app's deployments
 * (env `pr-42`) are transient, carry the app's URL, and go inactive when it is torn down (retire).
 *
 * An env that deploys through `github_deployment:` gets no deployment here: the driver's own
 * deployment (src/ci/github-deployment.ts) is the deploy's record there, its statuses the CD system's.
 *
 * A state is not written when asked for: it goes in a Redis outbox (see GitHubOutbox) that each
 * process drains one write at a time, its writes spaced by the client's write pacer. A deploy
 * waits there with only its newest state, so a deploy that moved on while its write waited
 * sends just that (its deployment's creation stands for queued), and creations and outcomes go
 * before intermediate states. One deployment per deploy across replicas (written under a claim),
 * states only ever move forward, and GitHub's errors are retried, logged, never in a deploy's way.
 */
export class GitHubDeployments {
  private readonly outbox: GitHubOutbox<Job>;
  /** The rank this process has asked for per deploy (the newest KNOWN_KEPT): feed refreshes cost nothing. */
  private readonly known = new Map<number, number>();
  private pumping: Promise<void> | undefined;
  private again = false;
  private wake: NodeJS.Timeout | undefined;

  constructor(
    private readonly d: {
      client: GitHubClient;
      config: FerryConfig;
      redis: Redis;
      k: Keys;
      logUrl: (dep: Deploy) => string | undefined;
      log: Logger;
      /** Tests only: CLAIM_MS, and the first backoff after a failed write (1 s). */
      claimMs?: number;
      retryMs?: number;
    },
  ) {
    this.outbox = new GitHubOutbox(d.redis, d.k, { claimMs: d.claimMs ?? CLAIM_MS, retryMs: d.retryMs ?? 1_000, maxTries: MAX_TRIES });
    // Writes that a stopped or dead process left in the outbox go now, not with the next deploy.
    if (Object.values(d.config.apps).some((a) => a.repo)) this.later(0);
  }

  /**
   * Asks for the deploy's state on GitHub (a no-op for local-repository apps and for a review
   * app's teardown); it is written soon after, in the background. A review app's deployment
   * (env `pr-42`) is transient, not production, and each of its statuses carries the app's URL.
   */
  async mirror(dep: Deploy): Promise<void> {
    const app = this.d.config.apps[dep.app];
    if (!app?.repo || dep.review?.action === 'teardown') return;
    // An env deploying through github_deployment: has its deployment already: the driver's, which its CD system reports on.
    if (envOf(app, dep.env)?.ci?.driver === 'github_deployment') return;
    const state = deploymentState(dep);
    if ((this.known.get(dep.id) ?? 0) >= rankOf({ state })) return;
    try {
      const logUrl = this.d.logUrl(dep);
      const url = isReviewEnv(app, dep.env) ? envOf(app, dep.env)?.url : undefined;
      await this.ask(dep.id, {
        deployId: dep.id,
        repo: app.repo,
        sha: dep.sha,
        env: dep.env,
        ref: dep.ref,
        state,
        description: describe(dep, state).slice(0, 140),
        ...(logUrl && { logUrl }),
        ...(url !== undefined && { review: { url } }),
      });
    } catch (err) {
      this.d.log.warn({ deployId: dep.id, err: (err as Error).message }, 'could not mirror the deploy to GitHub Deployments');
    }
  }

  /**
   * A review app torn down: the deployment of deploy `deployId` goes inactive, though it already
   * has its outcome (success or failure), written through the outbox like any state, after it.
   * A no-op when the deploy has no deployment (never mirrored) or it is already inactive.
   */
  async retire(deployId: number): Promise<void> {
    try {
      const { job } = await this.outbox.read(deployId);
      if (!job || job.state === 'inactive') return;
      const description = `Deploy #${deployId}: the review app ${job.env} was torn down`.slice(0, 140);
      await this.ask(deployId, { ...job, state: 'inactive', retired: true, description });
    } catch (err) {
      this.d.log.warn({ deployId, err: (err as Error).message }, "could not mark the review app's GitHub deployment inactive");
    }
  }

  /** Puts the write in the outbox, unless this process already asked for that state or a later one. */
  private async ask(deployId: number, job: Job): Promise<void> {
    const rank = rankOf(job);
    if ((this.known.get(deployId) ?? 0) >= rank) return;
    try {
      await this.outbox.enqueue(deployId, rank, job);
      this.remember(deployId, rank);
      this.kick();
    } catch (err) {
      this.d.log.warn({ deployId, err: (err as Error).message }, 'could not mirror the deploy to GitHub Deployments');
    }
  }

  /** Resolves once this process has no write due (those in a backoff, or held by another process, come later). */
  async settled(): Promise<void> {
    while (this.pumping) await this.pumping;
  }

  private kick(): void {
    this.again = true;
    this.pumping ??= this.pump();
  }

  /** Sends what is due, one write at a time, until nothing is; then wakes when the next is due. */
  private async pump(): Promise<void> {
    try {
      for (;;) {
        this.again = false;
        const next = await this.outbox.claim();
        if ('deployId' in next) await this.send(next);
        else if (!this.again) {
          if (next.wakeInMs !== undefined) this.later(next.wakeInMs);
          return;
        }
      }
    } catch (err) {
      this.d.log.warn(
        { err: (err as Error).message },
        'could not read the GitHub Deployments outbox; it is read again with the next update',
      );
    } finally {
      this.pumping = undefined;
    }
  }

  private later(ms: number): void {
    clearTimeout(this.wake);
    this.wake = setTimeout(() => this.kick(), ms);
    this.wake.unref();
  }

  /** The claimed deploy's next write, with its newest state: the creation, else that state if GitHub lacks it. */
  private async send(c: Claim): Promise<void> {
    const { id, sent, job } = await this.outbox.read(c.deployId);
    let result: { created?: number; posted?: number; failed?: 'retry' | 'for-good' } = {};
    let error: unknown;
    try {
      if (job && id === undefined) result = { created: await createDeployment(this.d.client, job) };
      else if (job && id !== undefined && rankOf(job) > sent) {
        await postStatus(this.d.client, id, job);
        result = { posted: rankOf(job) };
      }
    } catch (err) {
      error = err;
      result = { failed: forGood(err) ? 'for-good' : 'retry' };
    }
    const out = await this.outbox.done(c, result);
    if (!error) return;
    const fields = { deployId: c.deployId, err: (error as Error).message, status: (error as { status?: number }).status };
    if (out !== 'gave-up') return this.d.log.warn(fields, "GitHub did not take an update of the deploy's GitHub deployment; trying again");
    this.known.delete(c.deployId);
    this.d.log.warn(fields, 'could not mirror the deploy to GitHub Deployments');
  }

  /** The rank this process asked for for a deploy (the newest KNOWN_KEPT deploys). */
  private remember(deployId: number, rank: number): void {
    this.known.delete(deployId);
    this.known.set(deployId, rank);
    if (this.known.size > KNOWN_KEPT) this.known.delete(this.known.keys().next().value!);
  }
}
