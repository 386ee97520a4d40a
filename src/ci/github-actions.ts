import type { Logger } from 'pino';
import { fillPlaceholders, fillValues } from '../core/ci/placeholders';
import {
  type CheckProblem,
  type CiDeploy,
  type CiDriver,
  CiRefused,
  type JobView,
  type Recovered,
  type RunRef,
  type RunView,
} from '../core/ci/types';
import { runWakeKey } from '../core/ci/wake';
import type { CiConfig } from '../core/config/normalize-ci';
import type { AppConfig } from '../core/config/types';
import type { GitHubClient } from '../source/github';
import { isRateLimited, statusOf } from '../source/github-failure';
import { jobsText } from '../core/ci/run-text';
import { actionsLogLines } from './actions-log';

/** What the GitHub drivers use: the client, the app's repository (owner/name), a logger. */
export interface GitHubDriverDeps {
  github: GitHubClient;
  repo: string;
  log: Logger;
}

type Config = Extract<CiConfig, { driver: 'github_actions' }>;

interface ApiRun {
  id: number;
  status: string | null;
  conclusion: string | null;
  html_url?: string;
}
interface ApiJob {
  id: number;
  name: string;
  status: string;
  conclusion: string | null;
}

/**
 * `github_actions:`: a workflow_dispatch of the workflow (with `return_run_details`, so GitHub
 * answers with the run it started: that run is the deploy's, for certain), followed through the
 * runs and jobs API; each job's log is fetched once it ends; cancel cancels the run.
 */
export class GitHubActionsDriver implements CiDriver {
  readonly what: string;
  private readonly owner: string;
  private readonly name: string;

  constructor(
    private readonly cfg: Config,
    private readonly app: Pick<AppConfig, 'defaultBranch'>,
    private readonly deps: GitHubDriverDeps,
  ) {
    this.what = `the GitHub Actions workflow ${cfg.workflow}`;
    [this.owner, this.name] = deps.repo.split('/') as [string, string];
  }

  async dispatch(d: CiDeploy): Promise<RunRef> {
    const ref = fillPlaceholders(this.cfg.ref ?? this.app.defaultBranch, d);
    const inputs = fillValues(this.cfg.inputs, d);
    let res: { status: number; data: unknown };
    try {
      res = await this.deps.github.request('POST /repos/{owner}/{repo}/actions/workflows/{workflow_id}/dispatches', {
        owner: this.owner,
        repo: this.name,
        workflow_id: this.cfg.workflow,
        ref,
        inputs,
        return_run_details: true,
        // A dispatch that may have arrived is never sent again (the follower resolves it instead).
        request: { retries: 0 },
      });
    } catch (err) {
      throw this.refused(err, ref) ?? err;
    }
    const data = (res.data ?? {}) as { workflow_run_id?: number; html_url?: string };
    if (typeof data.workflow_run_id !== 'number')
      throw new CiRefused(
        `GitHub started ${this.what} but did not say which run (HTTP ${res.status}, no workflow_run_id; GitHub Enterprise Server before the February 2026 API?): Ferry follows only a run it can tell is its own; check the run in GitHub`,
      );
    return { id: String(data.workflow_run_id), ...(data.html_url && { url: data.html_url }) };
  }

  /** Why GitHub refused the dispatch, in words that say what to fix; undefined for a transient failure. */
  private refused(err: unknown, ref: string): CiRefused | undefined {
    const status = statusOf(err);
    const message = String((err as { response?: { data?: { message?: string } } }).response?.data?.message ?? (err as Error).message);
    // GitHub's rate limit answers before anything is accepted: nothing started (the client waited it out twice already).
    if (isRateLimited(err))
      return new CiRefused(
        `GitHub's rate limit refused the dispatch of ${this.cfg.workflow} (waited out twice already); nothing was started: deploy again once the limit resets`,
      );
    if (status === 404)
      return new CiRefused(
        `GitHub has no workflow ${this.cfg.workflow} in ${this.deps.repo} (404): check github_actions.workflow in ferry.yml (the file name in .github/workflows), and that Ferry's token may use Actions (actions: write)`,
      );
    if (status === 422)
      return new CiRefused(
        `GitHub refused to dispatch ${this.cfg.workflow} on ${ref} (422: ${message}): the workflow needs on: workflow_dispatch with the inputs ferry.yml sends (github_actions.inputs), and ${ref} must exist`,
      );
    if (status === 401 || status === 403)
      return new CiRefused(
        `GitHub refused to dispatch ${this.cfg.workflow} (HTTP ${status}: ${message}): give Ferry's GitHub token or App the actions: write permission on ${this.deps.repo}`,
      );
    return undefined;
  }

  async recover(): Promise<Recovered> {
    // The run's id comes only in the dispatch's answer; GitHub's runs don't say which dispatch started them.
    return { unknown: "GitHub names the run only in the dispatch's answer, which was not recorded" };
  }

  async view(_d: CiDeploy, run: RunRef): Promise<RunView> {
    const r = await this.get<ApiRun>('GET /repos/{owner}/{repo}/actions/runs/{run_id}', { run_id: Number(run.id) });
    const jobs = await this.get<{ jobs: ApiJob[] }>('GET /repos/{owner}/{repo}/actions/runs/{run_id}/jobs', {
      run_id: Number(run.id),
      per_page: 100,
      filter: 'latest',
    });
    const views: JobView[] = (jobs.jobs ?? []).map((j) => ({
      id: String(j.id),
      name: j.name,
      ended: j.status === 'completed',
      ...(j.conclusion && { conclusion: j.conclusion }),
    }));
    const ended = r.status === 'completed';
    const phase = ended ? 'ended' : r.status === 'in_progress' || views.some((j) => j.ended) ? 'running' : 'waiting';
    const words = ended ? (r.conclusion ?? 'completed') : (r.status ?? 'queued').replace(/_/g, ' ');
    return {
      phase,
      ...(ended && {
        conclusion: r.conclusion ?? 'completed',
        outcome: r.conclusion === 'success' ? 'succeeded' : r.conclusion === 'cancelled' ? 'cancelled' : 'failed',
      }),
      text: jobsText(words, views),
      ...(r.html_url && { url: r.html_url }),
      jobs: views,
    };
  }

  async jobLog(_d: CiDeploy, _run: RunRef, job: JobView): Promise<string[]> {
    // GitHub answers with a redirect to the log's download address, which the client follows.
    const res = await this.deps.github.request('GET /repos/{owner}/{repo}/actions/jobs/{job_id}/logs', {
      owner: this.owner,
      repo: this.name,
      job_id: Number(job.id),
    });
    return actionsLogLines(res.data);
  }

  async cancel(_d: CiDeploy, run: RunRef): Promise<{ asked: true } | { cannot: string }> {
    try {
      await this.deps.github.request('POST /repos/{owner}/{repo}/actions/runs/{run_id}/cancel', {
        owner: this.owner,
        repo: this.name,
        run_id: Number(run.id),
      });
      return { asked: true };
    } catch (err) {
      if (statusOf(err) === 409) return { cannot: 'GitHub says the run has already ended (409)' };
      throw err;
    }
  }

  async check(): Promise<CheckProblem[]> {
    try {
      await this.deps.github.request('GET /repos/{owner}/{repo}/actions/workflows/{workflow_id}', {
        owner: this.owner,
        repo: this.name,
        workflow_id: this.cfg.workflow,
        request: { retries: 0 },
      });
      return [];
    } catch (err) {
      const status = statusOf(err);
      if (status === 404)
        return [
          {
            key: 'workflow',
            message: `GitHub has no workflow ${this.cfg.workflow} in ${this.deps.repo}: name a file in .github/workflows (e.g. deploy.yml), and give Ferry's token actions: read there`,
          },
        ];
      if (status === 401 || status === 403)
        return [
          {
            key: 'workflow',
            message: `GitHub refused to show ${this.cfg.workflow} (HTTP ${status}): give Ferry's token or App actions: write on ${this.deps.repo}`,
          },
        ];
      return [{ key: 'workflow', warning: true, message: `could not ask GitHub about ${this.cfg.workflow}: ${(err as Error).message}` }];
    }
  }

  wakeKeys(_d: CiDeploy, run: RunRef): string[] {
    return [runWakeKey(run.id)];
  }

  private async get<T>(route: string, params: Record<string, unknown>): Promise<T> {
    try {
      return (await this.deps.github.request(route, { owner: this.owner, repo: this.name, ...params })).data as T;
    } catch (err) {
      if (statusOf(err) === 404)
        throw new CiRefused(
          `GitHub no longer has run ${String(params.run_id)} of ${this.cfg.workflow} in ${this.deps.repo} (404): was it deleted?`,
        );
      throw err;
    }
  }
}
