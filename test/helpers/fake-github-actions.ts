import { waitForNth } from './wait';
import type { FakeApi, FakeRequest } from './fake-github';

/** A workflow file of a repository, as GitHub knows it. */
export interface FakeWorkflow {
  id: number;
  /** .github/workflows/<file> */
  file: string;
  /** The inputs its `on: workflow_dispatch:` declares, and which are required. */
  inputs: Record<string, { required?: boolean }>;
}

/** A workflow run, as the test moves it along. */
export interface FakeRun {
  id: number;
  repo: string;
  workflow: string;
  ref: string;
  inputs: Record<string, unknown>;
  status: 'queued' | 'in_progress' | 'completed';
  conclusion: string | null;
  jobs: FakeJob[];
  /** Cancel requests received (POST .../cancel while not completed). */
  cancels: number;
  createdAt: number;
}

export interface FakeJob {
  id: number;
  name: string;
  status: 'queued' | 'in_progress' | 'completed';
  conclusion: string | null;
  /** Its log as GitHub serves it (each line prefixed with a timestamp). */
  log: string;
}

/**
 * GitHub Actions' REST API as Ferry uses it, played over loopback (plugged into FakeGitHub with use):
 * workflow_dispatch (with return_run_details: 200 and the run's id; without: 204), a workflow by
 * file name, a run, its jobs, a job's log (a 302 to a download address, as GitHub answers), and
 * cancel (202; 409 once completed). Unknown workflows are 404; a dispatch with inputs the workflow
 * does not declare, missing required ones or an unknown ref is 422, with GitHub's messages.
 */
export class FakeActionsApi implements FakeApi {
  /** "owner/repo" -> its workflows by file name. */
  readonly workflows = new Map<string, Map<string, FakeWorkflow>>();
  /** Every run dispatched, in order. */
  readonly runs: FakeRun[] = [];
  /** Every dispatch request (also the refused ones), in order. */
  readonly dispatches: { repo: string; workflow: string; body: Record<string, unknown> }[] = [];
  /** Refs a dispatch may name (besides any 40-hex SHA); empty: any. */
  readonly refs = new Set<string>();
  /** When set, the next dispatches answer with this status (and are not run). */
  dispatchStatus: number | undefined;
  /** The next n dispatches get GitHub's primary rate limit answer (403, remaining 0, reset in 1 s) and start nothing. */
  rateLimitDispatches = 0;
  private nextId = 4_000;
  private readonly listeners = new Set<() => void>();

  /** Declares a workflow file of `repo` (with the inputs its workflow_dispatch takes). */
  addWorkflow(repo: string, file: string, inputs: FakeWorkflow['inputs'] = {}): FakeWorkflow {
    const w: FakeWorkflow = { id: this.nextId++, file, inputs };
    const list = this.workflows.get(repo) ?? new Map<string, FakeWorkflow>();
    list.set(file, w);
    this.workflows.set(repo, list);
    return w;
  }

  /** Resolves with the n-th run (1-based) once it has been dispatched. */
  waitForRun(n = 1): Promise<FakeRun> {
    return waitForNth(this.runs, this.listeners, n);
  }

  /** Adds a job to a run (in progress unless said otherwise). */
  addJob(run: FakeRun, name: string, o: Partial<Pick<FakeJob, 'status' | 'conclusion'>> & { lines?: string[] } = {}): FakeJob {
    const at = new Date().toISOString().replace('Z', '0000Z');
    const job: FakeJob = {
      id: this.nextId++,
      name,
      status: o.status ?? 'in_progress',
      conclusion: o.conclusion ?? null,
      log: (o.lines ?? []).map((l) => `${at} ${l}\n`).join(''),
    };
    run.jobs.push(job);
    if (run.status === 'queued') run.status = 'in_progress';
    return job;
  }

  /** Ends a job (and writes its log lines). */
  endJob(job: FakeJob, conclusion: string, lines: string[] = []): void {
    const at = new Date().toISOString().replace('Z', '0000Z');
    job.log += lines.map((l) => `${at} ${l}\n`).join('');
    job.status = 'completed';
    job.conclusion = conclusion;
  }

  /** Ends a run with a conclusion (its unfinished jobs end the same way). */
  endRun(run: FakeRun, conclusion: string): void {
    for (const j of run.jobs) if (j.status !== 'completed') this.endJob(j, conclusion);
    run.status = 'completed';
    run.conclusion = conclusion;
  }

  handle(r: FakeRequest): boolean {
    const json = (status: number, body?: unknown, headers: Record<string, string> = {}) => {
      r.res.writeHead(status, { ...(body !== undefined && { 'content-type': 'application/json' }), ...headers });
      r.res.end(body === undefined ? undefined : JSON.stringify(body));
      return true;
    };
    const method = r.req.method ?? 'GET';
    // The log's download address the job log endpoint redirects to.
    const download = /^\/_actions-logs\/jobs\/(\d+)$/.exec(r.url.pathname);
    if (download) {
      const job = this.runs.flatMap((x) => x.jobs).find((j) => j.id === Number(download[1]));
      if (!job) return json(404, { message: 'Not Found' });
      r.res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
      r.res.end(job.log);
      return true;
    }
    if (!r.repo || !r.rest?.startsWith('actions/')) return false;
    const rest = r.rest.slice('actions/'.length);
    const workflow = /^workflows\/([^/]+)(\/dispatches)?$/.exec(rest);
    if (workflow) {
      const w = this.workflows.get(r.repo)?.get(decodeURIComponent(workflow[1]!));
      if (!w) return json(404, { message: 'Not Found', documentation_url: 'https://docs.github.com/rest/actions/workflows' });
      if (!workflow[2] && method === 'GET')
        return json(200, { id: w.id, name: w.file, path: `.github/workflows/${w.file}`, state: 'active' });
      if (workflow[2] && method === 'POST') return this.dispatch(r, w, json);
      return json(404, { message: 'Not Found' });
    }
    const runPath = /^runs\/(\d+)(\/jobs|\/cancel)?$/.exec(rest);
    if (runPath) {
      const run = this.runs.find((x) => x.id === Number(runPath[1]) && x.repo === r.repo);
      if (!run) return json(404, { message: 'Not Found' });
      if (runPath[2] === '/cancel' && method === 'POST') {
        if (run.status === 'completed') return json(409, { message: 'Cannot cancel a workflow run that is completed.' });
        run.cancels++;
        return json(202, {});
      }
      if (runPath[2] === '/jobs')
        return json(200, {
          total_count: run.jobs.length,
          jobs: run.jobs.map((j) => ({ id: j.id, run_id: run.id, name: j.name, status: j.status, conclusion: j.conclusion })),
        });
      return json(200, this.runJson(run, r.base));
    }
    const logs = /^jobs\/(\d+)\/logs$/.exec(rest);
    if (logs) {
      const job = this.runs.flatMap((x) => x.jobs).find((j) => j.id === Number(logs[1]));
      if (!job) return json(404, { message: 'Not Found' });
      return json(302, undefined, { location: `${r.base}/_actions-logs/jobs/${job.id}` });
    }
    return false;
  }

  private dispatch(r: FakeRequest, w: FakeWorkflow, json: (s: number, b?: unknown) => boolean): boolean {
    const body = r.body;
    this.dispatches.push({ repo: r.repo!, workflow: w.file, body });
    if (this.rateLimitDispatches > 0) {
      this.rateLimitDispatches--;
      r.res.writeHead(403, {
        'content-type': 'application/json',
        'x-ratelimit-limit': '5000',
        'x-ratelimit-remaining': '0',
        'x-ratelimit-reset': String(Math.ceil(Date.now() / 1000) + 1),
      });
      r.res.end(JSON.stringify({ message: 'API rate limit exceeded for installation ID 123.' }));
      return true;
    }
    if (this.dispatchStatus) return json(this.dispatchStatus, { message: 'Server Error' });
    const ref = String(body.ref ?? '');
    if (!ref || (this.refs.size && !this.refs.has(ref) && !/^[0-9a-f]{40}$/.test(ref)))
      return json(422, { message: `No ref found for: ${ref}`, documentation_url: 'https://docs.github.com/rest/actions/workflows' });
    const inputs = (body.inputs ?? {}) as Record<string, unknown>;
    const unexpected = Object.keys(inputs).filter((k) => !Object.hasOwn(w.inputs, k));
    if (unexpected.length) return json(422, { message: `Unexpected inputs provided: ${JSON.stringify(unexpected)}` });
    const missing = Object.entries(w.inputs).find(([k, v]) => v.required && inputs[k] === undefined);
    if (missing) return json(422, { message: `Required input '${missing[0]}' not provided` });
    const run: FakeRun = {
      id: this.nextId++,
      repo: r.repo!,
      workflow: w.file,
      ref,
      inputs,
      status: 'queued',
      conclusion: null,
      jobs: [],
      cancels: 0,
      createdAt: Date.now(),
    };
    this.runs.push(run);
    for (const l of [...this.listeners]) l();
    if (body.return_run_details !== true) return json(204);
    return json(200, {
      workflow_run_id: run.id,
      run_url: `${r.base}/repos/${r.repo}/actions/runs/${run.id}`,
      html_url: this.htmlUrl(run),
    });
  }

  private htmlUrl(run: FakeRun): string {
    return `https://github.com/${run.repo}/actions/runs/${run.id}`;
  }

  private runJson(run: FakeRun, base: string) {
    return {
      id: run.id,
      name: run.workflow,
      event: 'workflow_dispatch',
      status: run.status,
      conclusion: run.conclusion,
      html_url: this.htmlUrl(run),
      url: `${base}/repos/${run.repo}/actions/runs/${run.id}`,
      created_at: new Date(run.createdAt).toISOString(),
    };
  }
}
