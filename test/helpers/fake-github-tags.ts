import type { FakeActionsApi, FakeJob, FakeRun } from './fake-github-actions';
import type { FakeApi, FakeRequest } from './fake-github';

/** A write to a tag through the git refs API, as recorded (also the refused ones). */
export interface TagWrite {
  method: 'POST' | 'PATCH' | 'DELETE';
  repo: string;
  tag: string;
  sha?: string;
  /** The HTTP status answered. */
  status: number;
  at: number;
}

/** A push GitHub would send for a tag write: the tag created or moved to another commit (not a delete, not a move to where it was). */
export interface TagPush {
  repo: string;
  tag: string;
  sha: string;
  at: number;
}

/** A check run of a suite, as the test moves it along. */
export interface FakeCheck {
  id: number;
  name: string;
  status: 'queued' | 'in_progress' | 'completed';
  conclusion: string | null;
  output: { title: string | null; summary: string | null; text: string | null };
  startedAt: number;
  /** For a GitHub Actions suite: its job in the actions stand-in (same id; its log is served there). */
  job?: FakeJob;
}

/** A check suite GitHub made for a push (of a branch or of a tag) on a commit. */
export interface FakeSuite {
  id: number;
  repo: string;
  sha: string;
  /** The pushed branch, or the pushed tag's name for a tag push (as GitHub sets it). */
  headBranch: string;
  app: { slug: string; name: string };
  createdAt: number;
  status: 'queued' | 'in_progress' | 'completed';
  conclusion: string | null;
  checks: FakeCheck[];
  /** For a GitHub Actions suite: its workflow run in the actions stand-in (cancel is recorded there). */
  run?: FakeRun;
}

/** A commit status (GET commits/{sha}/statuses). */
export interface FakeCommitStatus {
  id: number;
  context: string;
  state: 'pending' | 'success' | 'failure' | 'error';
  description?: string;
  targetUrl?: string;
  createdAt: number;
}

/**
 * GitHub's git refs API for tags (GET git/ref/tags/{name}; PATCH and DELETE git/refs/tags/{name};
 * POST git/refs), with its answers and errors (422 "Reference does not exist", 422 "Reference
 * already exists", 404 for an unknown repository), and the CI a tag's push starts: check suites per
 * commit with their check runs, commit statuses, GitHub Actions runs of a suite (linked to the
 * actions stand-in, where cancels and job logs are served), and GET /repos/{o}/{r} with the
 * token's permissions. `onPush` hooks let a test decide what a tag's push starts.
 */
export class FakeTagsApi implements FakeApi {
  /** "owner/repo" -> tag -> sha. */
  readonly tags = new Map<string, Map<string, string>>();
  /** Repositories GET /repos/{o}/{r} knows, with whether the token may push; the refs endpoints answer 404 for others. */
  readonly repos = new Map<string, { push: boolean }>();
  readonly writes: TagWrite[] = [];
  readonly pushes: TagPush[] = [];
  readonly suites: FakeSuite[] = [];
  /** sha -> statuses, in the order posted. */
  readonly statuses = new Map<string, FakeCommitStatus[]>();
  /** Tags a protection rule keeps Ferry from writing (422, as a ruleset answers). */
  readonly protectedTags = new Set<string>();
  /** The next write answers with this status (once), e.g. 403 or 500; with `applied`, it is done all the same (the answer was lost). */
  failNextWrite: { status: number; message: string; applied?: boolean } | undefined;
  /** Called for each tag push (the test decides what CI it starts). */
  readonly onPush: ((p: TagPush) => void)[] = [];
  private nextId = 7_000_000;

  constructor(private readonly actions: FakeActionsApi) {}

  /** Where a tag points now. */
  tagOf(repo: string, tag: string): string | undefined {
    return this.tags.get(repo)?.get(tag);
  }

  setTag(repo: string, tag: string, sha: string): void {
    const m = this.tags.get(repo) ?? new Map<string, string>();
    m.set(tag, sha);
    this.tags.set(repo, m);
  }

  /** A check suite on `sha` for a push of `headBranch` (a branch, or a tag's name). */
  addSuite(repo: string, sha: string, headBranch: string, o: { app?: string; createdAt?: number } = {}): FakeSuite {
    const slug = o.app ?? 'github-actions';
    const suite: FakeSuite = {
      id: this.nextId++,
      repo,
      sha,
      headBranch,
      app: { slug, name: slug === 'github-actions' ? 'GitHub Actions' : slug },
      createdAt: o.createdAt ?? Date.now(),
      status: 'queued',
      conclusion: null,
      checks: [],
    };
    if (slug === 'github-actions') {
      suite.run = {
        id: this.nextId++,
        repo,
        workflow: 'deploy.yml',
        ref: headBranch,
        inputs: {},
        status: 'queued',
        conclusion: null,
        jobs: [],
        cancels: 0,
        createdAt: suite.createdAt,
      };
      this.actions.runs.push(suite.run);
    }
    this.suites.push(suite);
    return suite;
  }

  /** A check run in a suite (in progress unless said otherwise); in an Actions suite, also its job. */
  addCheck(suite: FakeSuite, name: string, o: { status?: FakeCheck['status']; lines?: string[] } = {}): FakeCheck {
    const job = suite.run ? this.actions.addJob(suite.run, name, { status: o.status ?? 'in_progress', lines: o.lines ?? [] }) : undefined;
    const check: FakeCheck = {
      id: job?.id ?? this.nextId++,
      name,
      status: o.status ?? 'in_progress',
      conclusion: null,
      output: { title: null, summary: null, text: null },
      startedAt: Date.now(),
      ...(job && { job }),
    };
    suite.checks.push(check);
    if (suite.status === 'queued') suite.status = 'in_progress';
    return check;
  }

  /** Ends a check run (its job's log gets `lines`; another app's check run gets them as its output text). */
  endCheck(check: FakeCheck, conclusion: string, lines: string[] = [], summary?: string): void {
    check.status = 'completed';
    check.conclusion = conclusion;
    if (summary) check.output.summary = summary;
    if (check.job) this.actions.endJob(check.job, conclusion, lines);
    else if (lines.length) check.output.text = lines.join('\n');
  }

  /** Ends a suite: its unfinished check runs end the same way; its Actions run too. */
  endSuite(suite: FakeSuite, conclusion: string): void {
    for (const c of suite.checks) if (c.status !== 'completed') this.endCheck(c, conclusion);
    suite.status = 'completed';
    suite.conclusion = conclusion;
    if (suite.run) this.actions.endRun(suite.run, conclusion);
  }

  addStatus(sha: string, context: string, state: FakeCommitStatus['state'], o: { description?: string; targetUrl?: string } = {}): void {
    const list = this.statuses.get(sha) ?? [];
    list.push({ id: this.nextId++, context, state, createdAt: Date.now(), ...o });
    this.statuses.set(sha, list);
  }

  handle(r: FakeRequest): boolean {
    const json = (status: number, body?: unknown) => {
      r.res.writeHead(status, body === undefined ? {} : { 'content-type': 'application/json' });
      r.res.end(body === undefined ? undefined : JSON.stringify(body));
      return true;
    };
    const method = r.req.method ?? 'GET';
    const repoOnly = /^\/repos\/([^/]+)\/([^/]+)\/?$/.exec(r.url.pathname);
    if (repoOnly && method === 'GET') {
      const full = `${decodeURIComponent(repoOnly[1]!)}/${decodeURIComponent(repoOnly[2]!)}`;
      const known = this.repos.get(full);
      // A repository this stand-in doesn't hold: another stand-in's, or GitHub's 404.
      if (!known) return false;
      return json(200, {
        full_name: full,
        html_url: `https://github.com/${full}`,
        permissions: { admin: false, maintain: false, push: known.push, triage: true, pull: true },
      });
    }
    if (!r.repo || r.rest === undefined) return false;
    const rest = decodeURIComponent(r.rest);
    if (rest.startsWith('git/')) return this.refs(r, method, rest, json);
    return this.checks(r, method, rest, json);
  }

  private refs(r: FakeRequest, method: string, rest: string, json: (s: number, b?: unknown) => boolean): boolean {
    const repo = r.repo!;
    if (!this.repos.has(repo)) return json(404, { message: 'Not Found' });
    const read = /^git\/ref\/tags\/(.+)$/.exec(rest);
    if (read && method === 'GET') {
      const sha = this.tagOf(repo, read[1]!);
      if (!sha) return json(404, { message: 'Not Found' });
      return json(200, this.refJson(r, read[1]!, sha));
    }
    const one = /^git\/refs\/tags\/(.+)$/.exec(rest);
    const create = rest === 'git/refs' && method === 'POST';
    if (!create && !(one && (method === 'PATCH' || method === 'DELETE'))) return false;
    const tag = create ? String(r.body.ref ?? '').replace(/^refs\/tags\//, '') : one![1]!;
    const sha = method === 'DELETE' ? undefined : String(r.body.sha ?? '');
    const answer = (status: number, body?: unknown) => {
      this.writes.push({ method: method as TagWrite['method'], repo, tag, ...(sha !== undefined && { sha }), status, at: Date.now() });
      return json(status, body);
    };
    const fail = this.failNextWrite;
    this.failNextWrite = undefined;
    if (fail && !fail.applied) return answer(fail.status, { message: fail.message });
    if (this.protectedTags.has(tag))
      return answer(422, { message: 'Repository rule violations found\n\nCannot update this protected ref.\n\n', status: '422' });
    if (create && !String(r.body.ref ?? '').startsWith('refs/')) return answer(422, { message: 'Reference name must start with refs/' });
    if (sha !== undefined && !/^[0-9a-f]{40}$/.test(sha)) return answer(422, { message: 'Object does not exist' });
    const had = this.tagOf(repo, tag);
    if (create && had) return answer(422, { message: 'Reference already exists' });
    if (!create && !had) return answer(422, { message: 'Reference does not exist' });
    if (method === 'DELETE') {
      this.tags.get(repo)!.delete(tag);
      return fail ? answer(fail.status, { message: fail.message }) : answer(204);
    }
    this.setTag(repo, tag, sha!);
    const res = fail ? answer(fail.status, { message: fail.message }) : answer(create ? 201 : 200, this.refJson(r, tag, sha!));
    if (had !== sha) {
      const push: TagPush = { repo, tag, sha: sha!, at: Date.now() };
      this.pushes.push(push);
      for (const hook of this.onPush) hook(push);
    }
    return res;
  }

  private refJson(r: FakeRequest, tag: string, sha: string) {
    return {
      ref: `refs/tags/${tag}`,
      node_id: `REF_${tag}`,
      url: `${r.base}/repos/${r.repo}/git/refs/tags/${tag}`,
      object: { sha, type: 'commit', url: `${r.base}/repos/${r.repo}/git/commits/${sha}` },
    };
  }

  private checks(r: FakeRequest, method: string, rest: string, json: (s: number, b?: unknown) => boolean): boolean {
    if (method !== 'GET') return false;
    const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');
    const ofCommit = /^commits\/([0-9a-f]{40})\/(check-suites|statuses)$/.exec(rest);
    if (ofCommit && ofCommit[2] === 'check-suites') {
      const list = this.suites.filter((s) => s.repo === r.repo && s.sha === ofCommit[1]);
      return json(200, { total_count: list.length, check_suites: list.map((s) => this.suiteJson(r, s, iso)) });
    }
    if (ofCommit) {
      const page = Number(r.url.searchParams.get('page') ?? 1);
      const perPage = Number(r.url.searchParams.get('per_page') ?? 30);
      const list = [...(this.statuses.get(ofCommit[1]!) ?? [])].reverse();
      return json(
        200,
        list.slice((page - 1) * perPage, page * perPage).map((s) => ({
          id: s.id,
          state: s.state,
          context: s.context,
          description: s.description ?? null,
          target_url: s.targetUrl ?? null,
          created_at: iso(s.createdAt),
          updated_at: iso(s.createdAt),
        })),
      );
    }
    const runs = /^check-suites\/(\d+)\/check-runs$/.exec(rest);
    if (runs) {
      const suite = this.suites.find((s) => s.id === Number(runs[1]) && s.repo === r.repo);
      if (!suite) return json(404, { message: 'Not Found' });
      return json(200, { total_count: suite.checks.length, check_runs: suite.checks.map((c) => this.checkJson(suite, c, iso)) });
    }
    const one = /^check-runs\/(\d+)$/.exec(rest);
    if (one) {
      const suite = this.suites.find((s) => s.repo === r.repo && s.checks.some((c) => c.id === Number(one[1])));
      if (!suite) return json(404, { message: 'Not Found' });
      return json(200, this.checkJson(suite, suite.checks.find((c) => c.id === Number(one[1]))!, iso));
    }
    if (rest === 'actions/runs' && r.url.searchParams.has('check_suite_id')) {
      const suite = this.suites.find((s) => s.id === Number(r.url.searchParams.get('check_suite_id')) && s.repo === r.repo);
      const run = suite?.run;
      return json(200, {
        total_count: run ? 1 : 0,
        workflow_runs: run ? [{ id: run.id, check_suite_id: suite.id, status: run.status, conclusion: run.conclusion }] : [],
      });
    }
    return false;
  }

  private suiteJson(r: FakeRequest, s: FakeSuite, iso: (ms: number) => string) {
    return {
      id: s.id,
      head_branch: s.headBranch,
      head_sha: s.sha,
      status: s.status,
      conclusion: s.conclusion,
      url: `${r.base}/repos/${s.repo}/check-suites/${s.id}`,
      app: { id: 1, slug: s.app.slug, name: s.app.name },
      created_at: iso(s.createdAt),
      updated_at: iso(Date.now()),
      latest_check_runs_count: s.checks.length,
    };
  }

  private checkJson(s: FakeSuite, c: FakeCheck, iso: (ms: number) => string) {
    const html = s.run ? `https://github.com/${s.repo}/actions/runs/${s.run.id}/job/${c.id}` : `https://github.com/${s.repo}/runs/${c.id}`;
    return {
      id: c.id,
      head_sha: s.sha,
      name: c.name,
      status: c.status,
      conclusion: c.conclusion,
      started_at: iso(c.startedAt),
      html_url: html,
      details_url: html,
      output: { ...c.output, annotations_count: 0 },
      check_suite: { id: s.id },
      app: { id: 1, slug: s.app.slug, name: s.app.name },
    };
  }
}
