import { type Deploy, shortSha } from '../core/deploy';
import type { GitHubClient } from '../source/github-client';
import { OUTCOME_RANK } from '../store/github-outbox';

/**
 * What GitHubDeployments (github-deployments.ts) writes to GitHub: the write that shows a deploy's
 * state, its rank (states only move forward), and the two requests, a deployment's creation and a
 * status on it.
 */

/** The deployment states Ferry mirrors, in the order a deploy goes through them. */
export type DeploymentState = 'queued' | 'in_progress' | 'success' | 'failure' | 'inactive';

const RANK: Record<DeploymentState, number> = {
  queued: 1,
  in_progress: 2,
  success: OUTCOME_RANK,
  failure: OUTCOME_RANK,
  inactive: OUTCOME_RANK,
};
/** A review app's deployment made inactive after its outcome, when the review app is torn down: after everything else. */
export const RETIRED_RANK = OUTCOME_RANK + 1;

/** The write that shows a deploy's state on GitHub, with what creating its deployment needs. */
export interface Job {
  deployId: number;
  repo: string;
  sha: string;
  env: string;
  ref: string;
  state: DeploymentState;
  description: string;
  logUrl?: string;
  /** A review app's (env `pr-<n>`): its deployment is transient, and each status carries the app's URL. */
  review?: { url: string };
  /** The inactive status that retires a review app's deployment after its outcome (RETIRED_RANK). */
  retired?: true;
}

export const rankOf = (job: Pick<Job, 'state' | 'retired'>): number => (job.retired ? RETIRED_RANK : RANK[job.state]);

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

export function describe(dep: Deploy, state: DeploymentState): string {
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

/** GitHub refused for a reason trying again won't change: no access, or no such repository or deployment. */
export function forGood(err: unknown): boolean {
  const status = (err as { status?: number }).status;
  if (status === 403) return !/rate limit/i.test(String((err as Error).message));
  return status === 401 || status === 404 || status === 410;
}

// retries: 0 below: a failed write is tried again from the outbox, with the newest state and
// under the claim, never by Octokit after the claim may have run out.

export async function postStatus(client: GitHubClient, id: number, job: Job): Promise<void> {
  const [owner, name] = job.repo.split('/') as [string, string];
  await client.rest.repos.createDeploymentStatus({
    owner,
    repo: name,
    deployment_id: id,
    state: job.state,
    description: job.description,
    ...(job.logUrl && { log_url: job.logUrl }),
    ...(job.review && { environment_url: job.review.url }),
    auto_inactive: true,
    request: { retries: 0 },
  });
}

export async function createDeployment(client: GitHubClient, job: Job): Promise<number> {
  const [owner, name] = job.repo.split('/') as [string, string];
  const res = await client.rest.repos.createDeployment({
    owner,
    repo: name,
    ref: job.sha,
    environment: job.env,
    auto_merge: false,
    required_contexts: [],
    description: `Ferry deploy #${job.deployId}: ${job.ref} (${shortSha(job.sha)})`.slice(0, 140),
    payload: { ferry_deploy_id: job.deployId },
    // A review app is not production, and goes away with its pull request.
    ...(job.review ? { production_environment: false, transient_environment: true } : { production_environment: job.env === 'production' }),
    request: { retries: 0 },
  });
  const id = (res.data as { id?: number }).id;
  if (id === undefined) throw new Error(`GitHub did not create the deployment (HTTP ${res.status})`);
  return id;
}
