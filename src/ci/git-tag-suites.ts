import type { Logger } from 'pino';
import { actionsLogLines } from './actions-log';
import type { TagCheckRun, TagStatus, TagSuite } from '../core/ci/tag-checks';
import { CiRefused } from '../core/ci/types';
import type { GitHubClient } from '../source/github';
import { isRateLimited, statusOf } from '../source/github-failure';

/** A check run as GET /repos/{o}/{r}/check-runs/{id} answers (its output is the log Ferry can show). */
export interface CheckRunDetail extends TagCheckRun {
  output?: { title?: string | null; summary?: string | null; text?: string | null } | null;
  app?: { slug?: string } | null;
}

/**
 * What `git_tag:` reads of a commit's CI on GitHub: its check suites and their check runs, its
 * commit statuses, a check run's output and (GitHub Actions) job log, and cancelling the workflow
 * run of an Actions suite. A refusal that will not change (404, 401, 403 without a rate limit) is a
 * CiRefused with the permission to give; anything else is thrown as it is (the follower retries).
 */
export class TagSuites {
  private readonly owner: string;
  private readonly repo: string;
  /** Suites whose workflow run was asked to cancel (asked once each). */
  private readonly cancelled = new Set<number>();

  constructor(
    private readonly github: GitHubClient,
    private readonly fullName: string,
    private readonly log: Logger,
  ) {
    [this.owner, this.repo] = fullName.split('/') as [string, string];
  }

  async ofCommit(sha: string): Promise<TagSuite[]> {
    const data = await this.get<{ check_suites?: TagSuite[] }>('GET /repos/{owner}/{repo}/commits/{ref}/check-suites', 'checks: read', {
      ref: sha,
      per_page: 100,
    });
    return data.check_suites ?? [];
  }

  async runsOf(suiteId: number): Promise<TagCheckRun[]> {
    const data = await this.get<{ check_runs?: TagCheckRun[] }>(
      'GET /repos/{owner}/{repo}/check-suites/{check_suite_id}/check-runs',
      'checks: read',
      { check_suite_id: suiteId, per_page: 100, filter: 'latest' },
    );
    return data.check_runs ?? [];
  }

  checkRun(id: number): Promise<CheckRunDetail> {
    return this.get<CheckRunDetail>('GET /repos/{owner}/{repo}/check-runs/{check_run_id}', 'checks: read', { check_run_id: id });
  }

  /** A GitHub Actions job's log (its check run's id is the job's id): GitHub redirects to the download, which the client follows. */
  async jobLog(jobId: number): Promise<string[]> {
    const data = await this.get<unknown>('GET /repos/{owner}/{repo}/actions/jobs/{job_id}/logs', 'actions: read', { job_id: jobId });
    return actionsLogLines(data);
  }

  /** Commit statuses of a SHA, newest first (the first 300). */
  async statusesOf(sha: string): Promise<TagStatus[]> {
    const out: TagStatus[] = [];
    for (let page = 1; page <= 3; page++) {
      const got = await this.get<TagStatus[]>('GET /repos/{owner}/{repo}/commits/{ref}/statuses', 'statuses: read', {
        ref: sha,
        per_page: 100,
        page,
      });
      out.push(...(Array.isArray(got) ? got : []));
      if (!Array.isArray(got) || got.length < 100) break;
    }
    return out;
  }

  /** Cancels the workflow run of a GitHub Actions suite (asked once per suite); true when GitHub was asked (now or before). */
  async cancel(suiteId: number): Promise<boolean> {
    if (this.cancelled.has(suiteId)) return true;
    const data = await this.get<{ workflow_runs?: { id: number; status?: string }[] }>(
      'GET /repos/{owner}/{repo}/actions/runs',
      'actions: read',
      {
        check_suite_id: suiteId,
        per_page: 10,
      },
    );
    const run = data.workflow_runs?.[0];
    if (!run) return false;
    this.cancelled.add(suiteId);
    try {
      await this.github.request('POST /repos/{owner}/{repo}/actions/runs/{run_id}/cancel', {
        owner: this.owner,
        repo: this.repo,
        run_id: run.id,
      });
      this.log.info({ suite: suiteId, run: run.id }, 'asked GitHub Actions to cancel the run');
      return true;
    } catch (err) {
      if (statusOf(err) === 409) return false;
      this.cancelled.delete(suiteId);
      throw this.refused(err, 'actions: write') ?? err;
    }
  }

  private async get<T>(route: string, needs: string, params: Record<string, unknown>): Promise<T> {
    try {
      return (await this.github.request(route, { owner: this.owner, repo: this.repo, ...params })).data as T;
    } catch (err) {
      throw this.refused(err, needs) ?? err;
    }
  }

  private refused(err: unknown, needs: string): CiRefused | undefined {
    const status = statusOf(err);
    if (isRateLimited(err)) return undefined;
    if (status === 404)
      return new CiRefused(`GitHub can't show ${this.fullName}'s checks to Ferry (404): give Ferry's GitHub token or App ${needs} on it`);
    if (status === 401 || status === 403)
      return new CiRefused(
        `GitHub refused to show ${this.fullName}'s checks (HTTP ${status}): give Ferry's GitHub token or App ${needs} on it`,
      );
    return undefined;
  }
}
