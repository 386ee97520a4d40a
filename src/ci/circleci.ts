import type { Logger } from 'pino';
import type { FerryEnv } from '../config/env';
import {
  type ApiJob,
  type ApiPipeline,
  type ApiWorkflow,
  circleRunView,
  pipelineUrl,
  stepOutputText,
  vcsName,
  workflowEnded,
} from '../core/ci/circleci-run';
import { fillPlaceholders, fillValues } from '../core/ci/placeholders';
import { logLines } from '../core/ci/run-text';
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
import type { CiConfig } from '../core/config/normalize-ci';
import type { AppConfig } from '../core/config/types';
import { CircleCiClient, CircleCiHttpError } from './circleci-client';

type Config = Extract<CiConfig, { driver: 'circleci' }>;

/** At most this many pages of workflows or jobs are read per look (CircleCI pages by 20 or so). */
const MAX_PAGES = 10;

interface V1Job {
  steps?: { name?: string; actions?: { name?: string; status?: string; index?: number; output_url?: string; has_output?: boolean }[] }[];
}

/**
 * `circleci:`: triggers a pipeline of the project (API v2, `POST /project/{slug}/pipeline`, sent
 * once: the pipeline id in its answer is the deploy's run, for certain), follows its workflows and
 * their jobs by polling, fetches each ended job's step output (API v1.1, the only API that has it),
 * and cancels every workflow still running when asked. The token is read from the worker's
 * variable `token_env` (never passed to commands: the config refuses it in pass_env).
 */
export class CircleCiDriver implements CiDriver {
  readonly what: string;
  private readonly vcsPath: string;
  /** Runs whose cancel was asked before CircleCI had started a workflow: their workflows are cancelled as they appear. */
  private readonly cancelPending = new Set<string>();

  constructor(
    readonly cfg: Config,
    readonly app: Pick<AppConfig, 'defaultBranch'>,
    readonly deps: { env: Pick<FerryEnv, 'circleciApiUrl' | 'processEnv'>; log: Logger },
  ) {
    this.what = `the CircleCI pipeline of ${cfg.project}`;
    const [vcs, org, repo] = cfg.project.split('/') as [string, string, string];
    this.vcsPath = `${vcsName(vcs)}/${org}/${repo}`;
  }

  async dispatch(d: CiDeploy): Promise<RunRef> {
    const branch = fillPlaceholders(this.cfg.branch ?? this.app.defaultBranch, d);
    const parameters = fillValues(this.cfg.parameters, d);
    const client = this.client();
    let res: { status: number; data: ApiPipeline | undefined };
    try {
      // Sent once: a trigger that may have arrived is never sent again (a 429 was not accepted, and is waited out).
      res = await client.post<ApiPipeline | undefined>(`/project/${this.cfg.project}/pipeline`, { branch, parameters });
    } catch (err) {
      throw this.refused(err, branch) ?? err;
    }
    const p = res.data;
    if (!p || typeof p.id !== 'string' || !p.id)
      throw new CiRefused(
        `CircleCI accepted the trigger of ${this.cfg.project} but did not say which pipeline it started (HTTP ${res.status}, no id): Ferry follows only a pipeline it can tell is its own; check the project's pipelines in CircleCI`,
      );
    const num = typeof p.number === 'number' ? p.number : undefined;
    return { id: p.id, url: pipelineUrl(this.cfg.project, num), ...(num !== undefined && { data: { number: String(num) } }) };
  }

  /** Why CircleCI refused the trigger, in words that say what to fix; undefined for a transient failure. */
  private refused(err: unknown, branch: string): CiRefused | undefined {
    if (!(err instanceof CircleCiHttpError)) return undefined;
    const { status, apiMessage } = err;
    const said = apiMessage ? `: ${apiMessage}` : '';
    if (status === 404)
      return new CiRefused(
        `CircleCI has no project ${this.cfg.project}, or the token in ${this.cfg.tokenEnv} can't see it (404${said}): check circleci.project in ferry.yml (vcs/org/repo, as in the project's CircleCI address), and that the token's user can see the project in CircleCI`,
      );
    if (status === 400 || status === 422) {
      const names = Object.keys(this.cfg.parameters);
      const branchHint = /branch/i.test(apiMessage)
        ? `; the branch ${branch} (circleci.branch, or the app's default_branch) must exist in the repository`
        : '';
      return new CiRefused(
        `CircleCI refused to start a pipeline of ${this.cfg.project} on ${branch} (${status}${said}): every pipeline parameter ferry.yml sends (circleci.parameters${names.length ? `: ${names.join(', ')}` : ''}) must be declared under parameters: in .circleci/config.yml on ${branch}, with a matching type; declare it there or remove it from circleci.parameters${branchHint}`,
      );
    }
    if (status === 401 || status === 403)
      return new CiRefused(
        `CircleCI refused the token in ${this.cfg.tokenEnv} (HTTP ${status}${said}): set ${this.cfg.tokenEnv} (circleci.token_env) on the worker to a CircleCI personal API token of a user who may trigger pipelines of ${this.cfg.project}`,
      );
    if (status === 429)
      return new CiRefused(
        `CircleCI kept refusing the trigger of ${this.cfg.project} as rate-limited (429), so no pipeline was started: deploy again in a minute`,
      );
    return undefined;
  }

  async recover(): Promise<Recovered> {
    // The pipeline's id comes only in the trigger's answer; CircleCI's pipeline list does not say
    // which trigger (or which pipeline parameters) started a pipeline, so none can be told for certain.
    return {
      unknown:
        "CircleCI names the pipeline only in the trigger's answer, which was not recorded, and its pipeline list doesn't say which trigger started a pipeline",
    };
  }

  async view(_d: CiDeploy, run: RunRef): Promise<RunView> {
    const client = this.client();
    let p: ApiPipeline;
    try {
      p = await client.get<ApiPipeline>(`/pipeline/${run.id}`);
    } catch (err) {
      if (err instanceof CircleCiHttpError && err.status === 404)
        throw new CiRefused(
          `CircleCI no longer has pipeline ${run.id} of ${this.cfg.project} (404): was the project removed, or the token in ${this.cfg.tokenEnv} changed?`,
        );
      throw err;
    }
    const workflows = await this.pages<ApiWorkflow>(client, `/pipeline/${run.id}/workflow`);
    if (this.cancelPending.has(run.id) && workflows.length) {
      this.cancelPending.delete(run.id);
      await this.cancelWorkflows(client, workflows);
    }
    const jobs = new Map<string, ApiJob[]>();
    for (const w of workflows) jobs.set(w.id, await this.pages<ApiJob>(client, `/workflow/${w.id}/job`));
    const num = typeof p.number === 'number' ? p.number : run.data?.number ? Number(run.data.number) : undefined;
    return circleRunView(p, workflows, jobs, run.url ?? pipelineUrl(this.cfg.project, num));
  }

  async jobLog(_d: CiDeploy, _run: RunRef, job: JobView): Promise<string[]> {
    // Only jobs that ran have a number (an approval or a job never run has none, and no output).
    if (!/^\d+$/.test(job.id)) return [];
    const client = this.client();
    const details = await client.getV1<V1Job>(`/project/${this.vcsPath}/${job.id}`);
    const out: string[] = [];
    for (const step of Array.isArray(details?.steps) ? details.steps : []) {
      const actions = Array.isArray(step.actions) ? step.actions : [];
      for (const a of actions) {
        const status = a.status && a.status !== 'success' ? ` (${a.status})` : '';
        const index = actions.length > 1 ? ` [container ${a.index ?? 0}]` : '';
        out.push(`▸ ${step.name ?? a.name ?? 'step'}${index}${status}`);
        if (!a.output_url || a.has_output === false) continue;
        try {
          const text = stepOutputText(await client.getOutput<unknown>(a.output_url));
          if (text) out.push(text.endsWith('\n') ? text.slice(0, -1) : text);
        } catch (err) {
          out.push(`(couldn't fetch this step's output: ${(err as Error).message})`);
        }
      }
    }
    return logLines(out.join('\n'));
  }

  async cancel(_d: CiDeploy, run: RunRef): Promise<{ asked: true } | { cannot: string }> {
    const client = this.client();
    const workflows = await this.pages<ApiWorkflow>(client, `/pipeline/${run.id}/workflow`);
    if (!workflows.length) {
      // Nothing to cancel yet: the workflows CircleCI starts for this pipeline are cancelled as they appear while Ferry follows it.
      this.cancelPending.add(run.id);
      return { cannot: 'no workflow of the pipeline has started yet (Ferry cancels the ones that start while it follows the pipeline)' };
    }
    const n = await this.cancelWorkflows(client, workflows);
    return n ? { asked: true } : { cannot: 'CircleCI says every workflow of the pipeline has ended already' };
  }

  /** Cancels every workflow not ended yet; how many were asked. */
  private async cancelWorkflows(client: CircleCiClient, workflows: ApiWorkflow[]): Promise<number> {
    let n = 0;
    for (const w of workflows) {
      if (workflowEnded(w.status)) continue;
      await client.post(`/workflow/${w.id}/cancel`, {});
      n++;
    }
    return n;
  }

  async check(): Promise<CheckProblem[]> {
    const token = this.token();
    if (!token)
      return [
        {
          key: 'token_env',
          message: `${this.cfg.tokenEnv} is not set: set it (where Ferry's workers run, and here) to a CircleCI personal API token of a user who may trigger pipelines of ${this.cfg.project}`,
        },
      ];
    try {
      await this.client().get(`/project/${this.cfg.project}`);
      return [];
    } catch (err) {
      const status = err instanceof CircleCiHttpError ? err.status : undefined;
      if (status === 404)
        return [
          {
            key: 'project',
            message: `CircleCI has no project ${this.cfg.project}, or the token in ${this.cfg.tokenEnv} can't see it: use the slug from the project's CircleCI address (vcs/org/repo, e.g. gh/acme/web), and a token of a user who can see it`,
          },
        ];
      if (status === 401 || status === 403)
        return [
          {
            key: 'token_env',
            message: `CircleCI refused the token in ${this.cfg.tokenEnv} (HTTP ${status}): set it to a valid CircleCI personal API token (User Settings → Personal API Tokens) of a user who can see ${this.cfg.project}`,
          },
        ];
      return [{ key: 'project', warning: true, message: `could not ask CircleCI about ${this.cfg.project}: ${(err as Error).message}` }];
    }
  }

  wakeKeys(): string[] {
    // CircleCI's webhooks are not received: its runs are polled (1 s, backing off to 30 s).
    return [];
  }

  /** Every item of a paged list (next_page_token), at most MAX_PAGES pages. */
  private async pages<T>(client: CircleCiClient, path: string): Promise<T[]> {
    const items: T[] = [];
    let token: string | undefined;
    for (let page = 0; page < MAX_PAGES; page++) {
      const r = await client.get<{ items?: T[]; next_page_token?: string | null }>(
        token ? `${path}?page-token=${encodeURIComponent(token)}` : path,
      );
      if (Array.isArray(r?.items)) items.push(...r.items);
      token = r?.next_page_token ?? undefined;
      if (!token) break;
    }
    return items;
  }

  private token(): string | undefined {
    const t = this.deps.env.processEnv[this.cfg.tokenEnv]?.trim();
    return t || undefined;
  }

  /** The API client with the worker's token; CiRefused when the variable is not set. */
  private client(): CircleCiClient {
    const token = this.token();
    if (!token)
      throw new CiRefused(
        `set ${this.cfg.tokenEnv} (circleci.token_env) on the worker: it holds the CircleCI personal API token Ferry triggers and follows pipelines of ${this.cfg.project} with`,
      );
    return new CircleCiClient({ baseUrl: this.deps.env.circleciApiUrl, token, log: this.deps.log });
  }
}
