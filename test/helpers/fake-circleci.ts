import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** A project CircleCI knows, with the pipeline parameters its .circleci/config.yml declares. */
export interface FakeProject {
  slug: string;
  parameters: Set<string>;
  pipelines: number;
}

export interface FakePipeline {
  id: string;
  number: number;
  project: string;
  branch: string;
  parameters: Record<string, unknown>;
  state: 'created' | 'errored' | 'setup-pending' | 'setup' | 'pending';
  errors: { type: string; message: string }[];
  workflows: FakeWorkflow[];
  createdAt: string;
}

export interface FakeWorkflow {
  id: string;
  name: string;
  status: string;
  jobs: FakeJob[];
  /** Cancel requests received for it. */
  cancels: number;
}

export interface FakeJob {
  id: string;
  name: string;
  status: string;
  type: 'build' | 'approval';
  /** Build jobs only (an approval job has none). */
  number?: number;
  /** Its steps and their output lines (API v1.1). */
  steps: { name: string; status: string; lines: string[] }[];
}

/**
 * CircleCI's API as Ferry uses it, played over loopback (base `${url}/api/v2`): trigger a pipeline
 * (201; 404 for an unknown project; 400 "Unexpected argument(s): x" for a parameter its config does
 * not declare), a project, a pipeline (404 unknown), its workflows and a workflow's jobs (paged
 * with next_page_token), cancel a workflow (202), and API v1.1's job details with each step's
 * output_url (a download address that wants no token, as CircleCI's signed S3 links). Every API
 * request needs the `Circle-Token` header (401 otherwise). `rateLimitNext` answers the next
 * requests with 429 and `retry-after: 1`.
 */
export class FakeCircleCi {
  readonly projects = new Map<string, FakeProject>();
  readonly pipelines: FakePipeline[] = [];
  /** Every trigger request (also refused ones): the project and its body. */
  readonly triggers: { project: string; body: Record<string, unknown>; status: number }[] = [];
  /** Every request, "METHOD /path". */
  readonly requests: string[] = [];
  /** Requests for step output that carried a Circle-Token (must stay 0: the token goes to CircleCI only). */
  outputWithToken = 0;
  token = 'circle-test-token-0123456789abcdef';
  rateLimitNext = 0;
  /** While set, trigger requests are held unanswered (and start nothing): a worker killed meanwhile never learns the pipeline. */
  holdTriggers = false;
  /** Trigger requests held, in order. */
  readonly heldTriggers: string[] = [];
  /** How many items a page of workflows or jobs holds. */
  pageSize = 20;
  private nextJob = 100;
  private server!: http.Server;
  private port = 0;

  async start(): Promise<this> {
    this.server = http.createServer((req, res) => this.handle(req, res));
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** CIRCLECI_API_URL for Ferry. */
  get apiUrl(): string {
    return `${this.url}/api/v2`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }

  addProject(slug: string, parameters: string[] = []): FakeProject {
    const p = { slug, parameters: new Set(parameters), pipelines: 0 };
    this.projects.set(slug, p);
    return p;
  }

  /** The n-th pipeline (1-based) triggered, once it has been. */
  waitForPipeline(n = 1, timeoutMs = 20_000): Promise<FakePipeline> {
    const deadline = Date.now() + timeoutMs;
    return new Promise((resolve, reject) => {
      const check = () => {
        const p = this.pipelines[n - 1];
        if (p) return resolve(p);
        if (Date.now() > deadline) return reject(new Error(`no pipeline #${n} within ${timeoutMs} ms`));
        setTimeout(check, 20);
      };
      check();
    });
  }

  addWorkflow(p: FakePipeline, name: string, status = 'running'): FakeWorkflow {
    const w: FakeWorkflow = { id: randomUUID(), name, status, jobs: [], cancels: 0 };
    p.workflows.push(w);
    p.state = 'created';
    return w;
  }

  addJob(w: FakeWorkflow, name: string, o: { status?: string; type?: 'build' | 'approval' } = {}): FakeJob {
    const type = o.type ?? 'build';
    const job: FakeJob = {
      id: randomUUID(),
      name,
      status: o.status ?? (type === 'approval' ? 'on_hold' : 'running'),
      type,
      ...(type === 'build' && { number: this.nextJob++ }),
      steps: [],
    };
    w.jobs.push(job);
    return job;
  }

  /** Adds a step (with its output) to a job. */
  addStep(job: FakeJob, name: string, lines: string[], status = 'success'): void {
    job.steps.push({ name, status, lines });
  }

  endJob(job: FakeJob, status: string): void {
    job.status = status;
  }

  /** Ends a workflow: its unfinished jobs end with the same status. */
  endWorkflow(w: FakeWorkflow, status: string): void {
    for (const j of w.jobs) if (!['success', 'failed', 'canceled', 'not_run'].includes(j.status)) j.status = status;
    w.status = status;
  }

  /** The pipeline errors (e.g. a config error): it starts no workflow. */
  errorPipeline(p: FakePipeline, message: string, type = 'config'): void {
    p.state = 'errored';
    p.errors.push({ type, message });
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      this.requests.push(`${req.method} ${url.pathname}`);
      const json = (status: number, body: unknown, headers: Record<string, string> = {}) => {
        res.writeHead(status, { 'content-type': 'application/json', ...headers });
        res.end(JSON.stringify(body));
      };
      const output = /^\/output\/(\d+)\/(\d+)$/.exec(url.pathname);
      if (output) {
        if (req.headers['circle-token']) this.outputWithToken++;
        const job = this.jobs().find((j) => j.number === Number(output[1]));
        const step = job?.steps[Number(output[2])];
        if (!step) return json(404, { message: 'Not Found' });
        const at = new Date().toISOString();
        return json(200, [{ message: step.lines.map((l) => `${l}\r\n`).join(''), time: at, type: 'out', truncated: false }]);
      }
      if (req.headers['circle-token'] !== this.token) return json(401, { message: 'You must log in first.' });
      if (this.rateLimitNext > 0) {
        this.rateLimitNext--;
        return json(429, { message: 'Rate limit exceeded' }, { 'retry-after': '1' });
      }
      let body: Record<string, unknown> = {};
      try {
        const raw = Buffer.concat(chunks).toString('utf8');
        body = raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
      } catch {
        return json(400, { message: 'Invalid JSON body.' });
      }
      if (this.holdTriggers && req.method === 'POST' && url.pathname.endsWith('/pipeline')) {
        this.heldTriggers.push(url.pathname);
        return;
      }
      const [status, answer] = this.route(req.method ?? 'GET', url, body);
      json(status, answer);
    });
  }

  private route(method: string, url: URL, body: Record<string, unknown>): [number, unknown] {
    const path = url.pathname;
    const v1 = /^\/api\/v1\.1\/project\/(github|bitbucket)\/([^/]+)\/([^/]+)\/(\d+)$/.exec(path);
    if (v1 && method === 'GET') return this.jobDetails(Number(v1[4]));
    const project = /^\/api\/v2\/project\/((?:gh|github|bb|bitbucket)\/[^/]+\/[^/]+)(\/pipeline)?$/.exec(path);
    if (project) {
      const slug = project[1]!.replace(/^github\//, 'gh/').replace(/^bitbucket\//, 'bb/');
      const known = this.projects.get(slug);
      if (project[2] && method === 'POST') return this.trigger(slug, known, body);
      if (!known) return [404, { message: 'Project not found' }];
      if (!project[2] && method === 'GET') return [200, { slug, name: slug.split('/')[2], organization_name: slug.split('/')[1] }];
    }
    const pipeline = /^\/api\/v2\/pipeline\/([^/]+)(\/workflow)?$/.exec(path);
    if (pipeline && method === 'GET') {
      const p = this.pipelines.find((x) => x.id === pipeline[1]);
      if (!p) return [404, { message: 'Pipeline not found' }];
      if (pipeline[2])
        return this.page(
          p.workflows.map((w) => ({ id: w.id, name: w.name, status: w.status, pipeline_id: p.id })),
          url,
        );
      return [200, this.pipelineJson(p)];
    }
    const workflow = /^\/api\/v2\/workflow\/([^/]+)\/(job|cancel)$/.exec(path);
    if (workflow) {
      const w = this.pipelines.flatMap((p) => p.workflows).find((x) => x.id === workflow[1]);
      if (!w) return [404, { message: 'Workflow not found' }];
      if (workflow[2] === 'cancel' && method === 'POST') {
        w.cancels++;
        this.endWorkflow(w, 'canceled');
        return [202, { message: 'Accepted.' }];
      }
      if (workflow[2] === 'job' && method === 'GET')
        return this.page(
          w.jobs.map((j) => ({ id: j.id, name: j.name, status: j.status, type: j.type, ...(j.number && { job_number: j.number }) })),
          url,
        );
    }
    return [404, { message: 'Not found' }];
  }

  private trigger(slug: string, known: FakeProject | undefined, body: Record<string, unknown>): [number, unknown] {
    const answer = (status: number, b: unknown): [number, unknown] => {
      this.triggers.push({ project: slug, body, status });
      return [status, b];
    };
    if (!known) return answer(404, { message: 'Project not found' });
    const parameters = (body.parameters ?? {}) as Record<string, unknown>;
    const unexpected = Object.keys(parameters).filter((k) => !known.parameters.has(k));
    if (unexpected.length) return answer(400, { message: `Unexpected argument(s): ${unexpected.join(', ')}` });
    const p: FakePipeline = {
      id: randomUUID(),
      number: ++known.pipelines,
      project: slug,
      branch: String(body.branch ?? ''),
      parameters,
      state: 'pending',
      errors: [],
      workflows: [],
      createdAt: new Date().toISOString(),
    };
    this.pipelines.push(p);
    return answer(201, { id: p.id, number: p.number, state: 'pending', created_at: p.createdAt });
  }

  private page(items: unknown[], url: URL): [number, unknown] {
    const from = Number(url.searchParams.get('page-token') ?? 0);
    const slice = items.slice(from, from + this.pageSize);
    const next = from + this.pageSize < items.length ? String(from + this.pageSize) : null;
    return [200, { items: slice, next_page_token: next }];
  }

  private jobDetails(num: number): [number, unknown] {
    const job = this.jobs().find((j) => j.number === num);
    if (!job) return [404, { message: 'Build not found' }];
    return [
      200,
      {
        build_num: num,
        status: job.status,
        steps: job.steps.map((s, i) => ({
          name: s.name,
          actions: [{ name: s.name, index: 0, status: s.status, has_output: true, output_url: `${this.url}/output/${num}/${i}` }],
        })),
      },
    ];
  }

  private pipelineJson(p: FakePipeline) {
    return {
      id: p.id,
      number: p.number,
      project_slug: p.project,
      state: p.state,
      errors: p.errors,
      created_at: p.createdAt,
      vcs: { branch: p.branch },
    };
  }

  private jobs(): FakeJob[] {
    return this.pipelines.flatMap((p) => p.workflows.flatMap((w) => w.jobs));
  }
}
