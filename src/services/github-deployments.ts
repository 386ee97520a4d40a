import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { FerryConfig } from '../core/config/types';
import { type Deploy, shortSha } from '../core/deploy';
import type { GitHubClient } from '../source/github';
import { type Claim, GitHubOutbox, OUTCOME_RANK } from '../store/github-outbox';
import type { Keys } from '../store/keys';

/** The deployment states Ferry mirrors, in the order a deploy goes through them. */
export type DeploymentState = 'queued' | 'in_progress' | 'success' | 'failure' | 'inactive';

const RANK: Record<DeploymentState, number> = {
  queued: 1,
  in_progress: 2,
  success: OUTCOME_RANK,
  failure: OUTCOME_RANK,
  inactive: OUTCOME_RANK,
};
const KNOWN_KEPT = 1_000;
/**
 * How long a process alone writes a deploy's deployment: longer than a write can take (its turn,
 * 15 s, a secondary rate limit's retry-after of up to 60 s, and the second try). A process that
 * dies holding it leaves the deploy to the others when it runs out.
 */
const CLAIM_MS = 120_000;
/** Tries of one write before it is given up (backing off 1, 2, 4 ... 60 s): some 2 minutes of failures. */
const MAX_TRIES = 8;

/** The write that shows a deploy's state on GitHub, with what creating its deployment needs. */
interface Job {
  deployId: number;
  repo: string;
  sha: string;
  env: string;
  ref: string;
  state: DeploymentState;
  description: string;
  logUrl?: string;
}

/** What a deploy's state is on GitHub: queued when accepted, in_progress when it starts, then its outcome. */
export function deploymentState(dep: Pick<Deploy, 'status'>): DeploymentState {
  switch (dep.status) {
    case 'queued':
      return 'queued';
    case 'running':
      return 'in_progress';
    case 'succeeded':
      return 'success';
    case 'failed':
      return 'failure';
    default:
      return 'inactive';
  }
}

/**
 * GitHub Deployments for deploys of `repo:` apps: a deployment for the SHA and env (auto_merge
 * off, no required contexts: Ferry checks what it needs itself), and its statuses as the deploy
 * goes (queued, in_progress, success, failure, inactive for a cancelled one) with the log page
 * URL, so the repository's environments page shows what Ferry did.
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

  /** Asks for the deploy's state on GitHub (a no-op for local-repository apps); it is written soon after, in the background. */
  async mirror(dep: Deploy): Promise<void> {
    const repo = this.d.config.apps[dep.app]?.repo;
    if (!repo) return;
    const state = deploymentState(dep);
    const rank = RANK[state];
    if ((this.known.get(dep.id) ?? 0) >= rank) return;
    try {
      const logUrl = this.d.logUrl(dep);
      const job: Job = {
        deployId: dep.id,
        repo,
        sha: dep.sha,
        env: dep.env,
        ref: dep.ref,
        state,
        description: describe(dep, state).slice(0, 140),
        ...(logUrl && { logUrl }),
      };
      await this.outbox.enqueue(dep.id, rank, job);
      this.remember(dep.id, rank);
      this.kick();
    } catch (err) {
      this.d.log.warn({ deployId: dep.id, err: (err as Error).message }, 'could not mirror the deploy to GitHub Deployments');
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
      if (job && id === undefined) result = { created: await this.create(job) };
      else if (job && id !== undefined && RANK[job.state] > sent) {
        await this.post(id, job);
        result = { posted: RANK[job.state] };
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

  // retries: 0 below: a failed write is tried again from the outbox, with the newest state and
  // under the claim, never by Octokit after the claim may have run out.

  private async post(id: number, job: Job): Promise<void> {
    const [owner, name] = job.repo.split('/') as [string, string];
    await this.d.client.rest.repos.createDeploymentStatus({
      owner,
      repo: name,
      deployment_id: id,
      state: job.state,
      description: job.description,
      ...(job.logUrl && { log_url: job.logUrl }),
      auto_inactive: true,
      request: { retries: 0 },
    });
  }

  private async create(job: Job): Promise<number> {
    const [owner, name] = job.repo.split('/') as [string, string];
    const res = await this.d.client.rest.repos.createDeployment({
      owner,
      repo: name,
      ref: job.sha,
      environment: job.env,
      auto_merge: false,
      required_contexts: [],
      description: `Ferry deploy #${job.deployId}: ${job.ref} (${shortSha(job.sha)})`.slice(0, 140),
      payload: { ferry_deploy_id: job.deployId },
      production_environment: job.env === 'production',
      request: { retries: 0 },
    });
    const id = (res.data as { id?: number }).id;
    if (id === undefined) throw new Error(`GitHub did not create the deployment (HTTP ${res.status})`);
    return id;
  }
}

/** GitHub refused for a reason trying again won't change: no access, or no such repository or deployment. */
function forGood(err: unknown): boolean {
  const status = (err as { status?: number }).status;
  if (status === 403) return !/rate limit/i.test(String((err as Error).message));
  return status === 401 || status === 404 || status === 410;
}

function describe(dep: Deploy, state: DeploymentState): string {
  switch (state) {
    case 'queued':
      return `Deploy #${dep.id} queued by Ferry`;
    case 'in_progress':
      return `Deploy #${dep.id} running`;
    case 'success':
      return `Deploy #${dep.id} succeeded`;
    case 'failure':
      return `Deploy #${dep.id} failed${dep.exitCode !== undefined ? ` (exit ${dep.exitCode})` : ''}`;
    default:
      return `Deploy #${dep.id} cancelled`;
  }
}
