import { cancelDescription, type DeploymentStatus, deploymentView, statusLogLines } from '../core/ci/deployment-status';
import { fillNames, fillPlaceholders, fillValues } from '../core/ci/placeholders';
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
import { deploymentWakeKey } from '../core/ci/wake';
import type { CiConfig } from '../core/config/normalize-ci';
import { shortSha } from '../core/deploy';
import { isRateLimited, statusOf } from '../source/github-failure';
import type { GitHubDriverDeps } from './github-actions';

type Config = Extract<CiConfig, { driver: 'github_deployment' }>;

/** A deployment as GitHub lists it (the fields Ferry reads). */
interface ApiDeployment {
  id: number;
  payload?: unknown;
  created_at?: string;
}

/** Pages of deployments `recover` reads at most (100 each, newest first) before it says it can't tell. */
const RECOVER_PAGES = 5;
/** A deployment created this long before the dispatch was claimed can't be its (clocks differ a little). */
const CLOCK_SLACK_MS = 5 * 60_000;

/**
 * `github_deployment:`: creates a GitHub Deployment of the deploy's SHA (its payload names the
 * deploy: `ferry_deploy_id`), which an outside CD system (Concourse, Spinnaker, Argo...) listening
 * to `deployment` events runs; the CD system reports back through deployment statuses, which Ferry
 * follows (woken by `deployment_status` webhooks). Cancel posts an `error` status saying Ferry
 * cancelled it. The deployment is the deploy's record on GitHub: the GitHub Deployments mirror
 * makes none of its own for such an env. See docs/ci-github-deployment.md.
 */
export class GitHubDeploymentDriver implements CiDriver {
  readonly what: string;
  private readonly owner: string;
  private readonly name: string;
  /** The statuses `view` read last, by id: what `jobLog` writes into the deploy's log. */
  private readonly seen = new Map<string, DeploymentStatus>();

  constructor(
    private readonly cfg: Config,
    private readonly deps: GitHubDriverDeps,
    /** The app's and env's names: GitHub's environment is the env's when `environment` is not set ({app} and {env} filled in here already). */
    names?: { app: string; env: string },
  ) {
    const environment = names ? fillNames(cfg.environment ?? names.env, names) : cfg.environment;
    this.what = `the CD system's GitHub deployment${environment ? ` to ${environment}` : ''}`;
    [this.owner, this.name] = deps.repo.split('/') as [string, string];
  }

  private environment(d: CiDeploy): string {
    return fillPlaceholders(this.cfg.environment ?? d.env, d);
  }

  async dispatch(d: CiDeploy): Promise<RunRef> {
    const environment = this.environment(d);
    let res: { status: number; data: unknown };
    try {
      res = await this.deps.github.request('POST /repos/{owner}/{repo}/deployments', {
        owner: this.owner,
        repo: this.name,
        ref: d.sha,
        task: fillPlaceholders(this.cfg.task, d),
        environment,
        // Ferry checked what the env requires (required checks) before the deploy started.
        auto_merge: false,
        required_contexts: [],
        payload: { ...fillValues(this.cfg.payload, d), ferry_deploy_id: d.id, ferry_app: d.app, ferry_env: d.env },
        description: `Ferry deploy #${d.id}: ${d.ref} (${shortSha(d.sha)})`.slice(0, 140),
        // A creation that may have arrived is never sent again (recover finds it instead).
        request: { retries: 0 },
      });
    } catch (err) {
      throw this.refused(err, environment) ?? err;
    }
    const id = (res.data as { id?: unknown } | undefined)?.id;
    if (typeof id !== 'number')
      throw new CiRefused(
        `GitHub did not create a deployment of ${shortSha(d.sha)} to ${environment} (HTTP ${res.status}: ${String((res.data as { message?: string } | undefined)?.message ?? 'no id')}): check the deployments of ${this.deps.repo} in GitHub`,
      );
    return { id: String(id), data: { environment } };
  }

  /** Why GitHub refused to create the deployment, in words that say what to fix; undefined for a transient failure. */
  private refused(err: unknown, environment: string): CiRefused | undefined {
    const status = statusOf(err);
    const message = String((err as { response?: { data?: { message?: string } } }).response?.data?.message ?? (err as Error).message);
    if (isRateLimited(err))
      return new CiRefused(
        `GitHub's rate limit stopped Ferry from creating the deployment to ${environment} (nothing was created; Ferry waited twice): deploy again once the limit resets`,
      );
    if (status === 404)
      return new CiRefused(
        `GitHub can't show ${this.deps.repo} to Ferry (404): check the app's repo: in ferry.yml, and give Ferry's token or App deployments: write on it`,
      );
    if (status === 409)
      return new CiRefused(
        `GitHub refused the deployment to ${environment} (409: ${message}): the commit could not be deployed as it is (a merge conflict or failed status checks); look at it in ${this.deps.repo}, then deploy again`,
      );
    if (status === 422 || status === 400)
      return new CiRefused(
        `GitHub refused the deployment to ${environment} (${status}: ${message}): the commit must be pushed to ${this.deps.repo}, and github_deployment.environment, task and payload in ferry.yml must be values GitHub takes`,
      );
    if (status === 401 || status === 403)
      return new CiRefused(
        `GitHub refused to create a deployment (HTTP ${status}: ${message}): give Ferry's GitHub token or App deployments: write on ${this.deps.repo}`,
      );
    return undefined;
  }

  /** The deployment whose payload names this deploy (its SHA, environment and task): found, certainly none, or can't tell. */
  async recover(d: CiDeploy, since: number): Promise<Recovered> {
    const environment = this.environment(d);
    try {
      for (let page = 1; page <= RECOVER_PAGES; page++) {
        const list = await this.get<ApiDeployment[]>('GET /repos/{owner}/{repo}/deployments', {
          sha: d.sha,
          environment,
          task: fillPlaceholders(this.cfg.task, d),
          per_page: 100,
          page,
        });
        const mine = list.find((x) => isFor(x, d));
        if (mine) return { run: { id: String(mine.id), data: { environment } } };
        const oldest = Date.parse(list.at(-1)?.created_at ?? '');
        if (list.length < 100 || oldest < since - CLOCK_SLACK_MS) return { none: true };
      }
      return { unknown: `GitHub lists more than ${RECOVER_PAGES * 100} deployments of ${shortSha(d.sha)} to ${environment} since then` };
    } catch (err) {
      return { unknown: `GitHub did not list the deployments of ${shortSha(d.sha)} to ${environment}: ${(err as Error).message}` };
    }
  }

  async view(d: CiDeploy, run: RunRef): Promise<RunView> {
    const statuses = await this.statuses(run);
    for (const s of statuses) this.seen.set(String(s.id), s);
    return deploymentView(statuses, run.data?.environment ?? this.environment(d));
  }

  /** A status's description and links as log lines: the CD system's own log is at its link (an outside address Ferry does not fetch). */
  async jobLog(_d: CiDeploy, run: RunRef, job: JobView): Promise<string[]> {
    let s = this.seen.get(job.id);
    if (!s) {
      for (const x of await this.statuses(run)) this.seen.set(String(x.id), x);
      s = this.seen.get(job.id);
    }
    return s ? statusLogLines(s) : [];
  }

  /**
   * A CD system can't be stopped through GitHub: Ferry posts an `error` status saying it cancelled
   * the deployment (a CD system watching its deployment's statuses can stop), which ends the run.
   * Not when the CD system already reported an end.
   */
  async cancel(d: CiDeploy, run: RunRef, why?: string): Promise<{ asked: true } | { cannot: string }> {
    try {
      const ended = (await this.statuses(run)).find((s) => ['success', 'failure', 'error', 'inactive'].includes(s.state));
      if (ended) return { cannot: `the CD system had already reported its end (${ended.state})` };
      await this.deps.github.request('POST /repos/{owner}/{repo}/deployments/{deployment_id}/statuses', {
        owner: this.owner,
        repo: this.name,
        deployment_id: Number(run.id),
        state: 'error',
        description: cancelDescription(d.id, why),
      });
      return { asked: true };
    } catch (err) {
      if (err instanceof CiRefused) return { cannot: err.message };
      throw err;
    }
  }

  async check(): Promise<CheckProblem[]> {
    try {
      const res = await this.deps.github.request('GET /repos/{owner}/{repo}', {
        owner: this.owner,
        repo: this.name,
        request: { retries: 0 },
      });
      const perms = (res.data as { permissions?: { push?: boolean } }).permissions;
      if (perms && perms.push === false)
        return [
          {
            key: '',
            warning: true,
            message: `GitHub says Ferry's token can't write to ${this.deps.repo}: creating deployments needs deployments: write (a fine-grained token or App) or write access (a classic token)`,
          },
        ];
      return [];
    } catch (err) {
      const status = statusOf(err);
      if (status === 404)
        return [
          {
            key: '',
            message: `GitHub can't show ${this.deps.repo} to Ferry (404): check the app's repo: in ferry.yml, and give Ferry's token or App deployments: write on it`,
          },
        ];
      if (status === 401 || status === 403)
        return [
          {
            key: '',
            message: `GitHub refused to show ${this.deps.repo} (HTTP ${status}): give Ferry's token or App deployments: write on it`,
          },
        ];
      return [{ key: '', warning: true, message: `could not ask GitHub about ${this.deps.repo}: ${(err as Error).message}` }];
    }
  }

  wakeKeys(_d: CiDeploy, run: RunRef): string[] {
    return [deploymentWakeKey(run.id)];
  }

  /** The deployment's statuses, newest first (GitHub's order). */
  private statuses(run: RunRef): Promise<DeploymentStatus[]> {
    return this.get<DeploymentStatus[]>('GET /repos/{owner}/{repo}/deployments/{deployment_id}/statuses', {
      deployment_id: Number(run.id),
      per_page: 100,
    });
  }

  private async get<T>(route: string, params: Record<string, unknown>): Promise<T> {
    try {
      return (await this.deps.github.request(route, { owner: this.owner, repo: this.name, ...params })).data as T;
    } catch (err) {
      if (statusOf(err) === 404)
        throw new CiRefused(
          params.deployment_id === undefined
            ? `GitHub can't show ${this.deps.repo} to Ferry (404): check the app's repo: and Ferry's token (deployments: read)`
            : `GitHub no longer has deployment ${String(params.deployment_id)} in ${this.deps.repo} (404): was it deleted?`,
        );
      throw err;
    }
  }
}

/** The deployment was created for this deploy: its payload names it (GitHub gives the payload back as an object, or as the JSON string it was sent as). */
function isFor(x: ApiDeployment, d: CiDeploy): boolean {
  let p = x.payload;
  if (typeof p === 'string') {
    try {
      p = JSON.parse(p) as unknown;
    } catch {
      return false;
    }
  }
  if (!p || typeof p !== 'object') return false;
  const o = p as Record<string, unknown>;
  return Number(o.ferry_deploy_id) === d.id && o.ferry_app === d.app && o.ferry_env === d.env;
}
