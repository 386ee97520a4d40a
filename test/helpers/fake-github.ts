import { execFileSync } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { createVerify } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { type FakeComment, FakePullsApi } from './fake-github-pulls';
import { FakeActionsApi } from './fake-github-actions';
import { type FakeDeployment, FakeDeploymentsApi } from './fake-github-deployments';
import { FakeTagsApi } from './fake-github-tags';

export type { FakeComment, FakeDeployment };
export { fakePull, pullRequestPayload } from './fake-pull';

/** A pull request as `GET /repos/{o}/{r}/commits/{sha}/pulls` lists it (the fields Ferry reads). */
export interface FakePull {
  number: number;
  title: string;
  html_url: string;
  /** ISO time; null for a PR that is open or was closed unmerged. */
  merged_at: string | null;
}

/** A commit status as `GET .../commits/{ref}/status` lists it. */
export interface FakeStatus {
  context: string;
  state: 'success' | 'pending' | 'failure' | 'error';
  target_url?: string;
}

/** A check run as `GET .../commits/{ref}/check-runs` lists it. */
export interface FakeCheckRun {
  name: string;
  status: 'queued' | 'in_progress' | 'completed';
  conclusion?: string | null;
  html_url?: string;
}

/** One request as a stand-in API plugged into FakeGitHub sees it (`repo`/`rest` set for /repos/{owner}/{repo}/{rest}). */
export interface FakeRequest {
  req: http.IncomingMessage;
  res: http.ServerResponse;
  url: URL;
  body: Record<string, unknown>;
  /** "owner/repo", for a /repos/... path. */
  repo?: string;
  /** The path after /repos/{owner}/{repo}/. */
  rest?: string;
  /** Where this fake GitHub listens (for URLs it hands out). */
  base: string;
}

/** A part of GitHub's API played by a module of its own (test/helpers/fake-github-*.ts): answers a request it knows, and says so. */
export interface FakeApi {
  handle(r: FakeRequest): boolean;
}

/** Commits listed per page without `per_page` (GitHub's default), and at most (GitHub's cap). */
const DEFAULT_PER_PAGE = 30;
const MAX_PER_PAGE = 100;
/** Compare without `page`/`per_page` lists only this many commits: the newest, oldest first (GitHub's documented behaviour). */
const UNPAGED_COMPARE_LIMIT = 250;

/**
 * GitHub's REST API played over loopback, as much of it as Ferry calls: commit lookup by ref,
 * branches, and, for repositories in `repos` (computed with git from a local repository), compare,
 * list commits and a commit's pull requests, in GitHub's JSON shapes and paging; deployments and
 * their statuses; pull requests and their comments (test/helpers/fake-github-pulls.ts).
 * `hang` makes it accept requests and never answer, like a GitHub outage.
 */
export class FakeGitHub {
  /** "owner/repo@ref" -> sha */
  readonly refs = new Map<string, string>();
  /** "owner/repo" -> path of a local git repository that plays it (refs not in `refs` resolve there too). */
  readonly repos = new Map<string, string>();
  /** sha -> the pull requests GitHub associates with that commit (none when absent). */
  readonly pulls = new Map<string, FakePull | FakePull[]>();
  /** Author email -> GitHub login (a commit's top-level `author`; null when absent, as for an email GitHub doesn't know). */
  readonly logins = new Map<string, string>();
  /** When set, every commit -> pull requests lookup answers with this HTTP status. */
  pullsStatus: number | undefined;
  /** While set, commit -> pull requests lookups are held unanswered (GitHub slow on them alone); releasePulls() answers them. */
  holdPulls = false;
  private heldPulls: (() => void)[] = [];
  readonly requests: string[] = [];
  /** The Authorization header of every request, in order. */
  readonly auths: string[] = [];
  /** A GitHub App's public key (PEM): POST /app/installations/{id}/access_tokens checks the JWT with it and hands out `installationToken`. */
  appPublicKey: string | undefined;
  installationToken = 'ghs_installationtoken000000000000000000';
  /** The next n API requests get GitHub's primary rate limit answer (403, remaining 0, reset in 1 s). */
  rateLimitNext = 0;
  /**
   * GitHub asks for writes (POST, PATCH, PUT, DELETE) a second apart per token. When set, a write
   * that arrives sooner than this after the token's previous one is refused as GitHub's secondary
   * rate limit does (403, `retry-after`), and listed in `spacingRefusals`.
   */
  writeSpacingMs = 0;
  readonly spacingRefusals: string[] = [];
  private readonly lastWrite = new Map<string, number>();
  hang = false;
  // Required checks (test/e2e/required-checks.test.ts): sha -> commit statuses and check runs.
  readonly statuses = new Map<string, FakeStatus[]>();
  readonly checkRuns = new Map<string, FakeCheckRun[]>();
  /** When set, the status and check-runs endpoints answer with this HTTP status. */
  checksStatus: number | undefined;
  private held: (() => void)[] = [];
  /** Pull requests (`GET .../pulls/{n}`, `GET .../pulls?state=open`) and their comments. */
  private readonly pullsApi = new FakePullsApi(() => this.url);
  /**
   * Per repository ("acme/web"), its pull requests as raw GitHub objects (fakePull): the list
   * (`state=open`, paged with a Link header) gives the open ones; `GET .../pulls/{n}` any of them.
   * Comments can only be posted on a pull request that is here.
   */
  readonly openPulls = this.pullsApi.openPulls;
  /** Every comment on a pull request (id, repo, issue number, body, edits), in the order posted. */
  readonly comments = this.pullsApi.comments;
  private readonly events = new EventEmitter();
  /** Stand-in APIs plugged in with use(), asked first, in order. */
  private readonly apis: FakeApi[] = [];
  /** GitHub Actions: workflows, dispatches, runs, jobs, logs, cancel (test/helpers/fake-github-actions.ts). */
  readonly actions = this.use(new FakeActionsApi());
  /** GitHub Deployments: create, list, statuses, the CD system's reports (test/helpers/fake-github-deployments.ts). */
  readonly deploymentsApi = this.use(new FakeDeploymentsApi());
  /** Deployments created with POST /repos/{o}/{r}/deployments, and the statuses posted to each, in order. */
  readonly deployments: FakeDeployment[] = this.deploymentsApi.deployments;
  /** Tags moved through the git refs API, and the check suites and statuses a tag's push starts (test/helpers/fake-github-tags.ts). */
  readonly tags = this.use(new FakeTagsApi(this.actions));
  private server!: http.Server;
  private port = 0;

  /** The next n deployment status posts are refused (422). */
  get deploymentStatusFailures(): number {
    return this.deploymentsApi.statusFailures;
  }
  set deploymentStatusFailures(n: number) {
    this.deploymentsApi.statusFailures = n;
  }

  /** When set, the pull request endpoints answer with this HTTP status. */
  get pullRequestsStatus(): number | undefined {
    return this.pullsApi.pullRequestsStatus;
  }
  set pullRequestsStatus(v: number | undefined) {
    this.pullsApi.pullRequestsStatus = v;
  }

  /** When set, comment writes (POST, PATCH) are refused with this status, or 'rate-limit' (GitHub's 403 with x-ratelimit-remaining 0). */
  get commentsStatus(): number | 'rate-limit' | undefined {
    return this.pullsApi.commentsStatus;
  }
  set commentsStatus(v: number | 'rate-limit' | undefined) {
    this.pullsApi.commentsStatus = v;
  }

  /** Plugs a stand-in API in (asked before the built-in routes); returns it. */
  use<T extends FakeApi>(api: T): T {
    this.apis.push(api);
    return api;
  }

  /** A comment already on a pull request (someone's, or one Ferry posted earlier). */
  addComment(repo: string, issue: number, body: string, login?: string): FakeComment {
    return this.pullsApi.addComment(repo, issue, body, login);
  }

  async start(): Promise<this> {
    this.server = http.createServer((req, res) => this.handle(req, res));
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Ends the outage: held requests are answered now. */
  release(): void {
    this.hang = false;
    for (const h of this.held.splice(0)) h();
  }

  /** Answers the held pull-request lookups, and the ones after them at once. */
  releasePulls(): void {
    this.holdPulls = false;
    for (const h of this.heldPulls.splice(0)) h();
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const body = parseJson(raw);
      if (body === undefined) {
        // Not JSON (e.g. another process's request to a port this stand-in reused): GitHub's 400, not a throw.
        res.writeHead(400, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ message: 'Problems parsing JSON' }));
        return;
      }
      this.requests.push(`${req.method} ${req.url}`);
      this.auths.push(String(req.headers.authorization ?? ''));
      if (this.hang) {
        this.held.push(() => this.answer(req, res, body));
        this.events.emit('request');
        return;
      }
      this.answer(req, res, body);
      this.events.emit('request');
    });
  }

  /** Resolves once a request (`METHOD /path`) that `match` accepts has come in, at index `from` or later. */
  waitForRequest(match: (request: string) => boolean, from = 0): Promise<string> {
    return new Promise((resolve) => {
      const check = () => {
        const found = this.requests.slice(from).find(match);
        if (found === undefined) return;
        this.events.off('request', check);
        resolve(found);
      };
      this.events.on('request', check);
      check();
    });
  }

  /** Resolves once GitHub has received `n` requests. */
  waitForRequests(n: number): Promise<void> {
    return new Promise((resolve) => {
      const check = () => {
        if (this.requests.length < n) return;
        this.events.off('request', check);
        resolve();
      };
      this.events.on('request', check);
      check();
    });
  }

  private answer(req: http.IncomingMessage, res: http.ServerResponse, body: Record<string, unknown> = {}): void {
    const json = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(body));
    };
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (this.rateLimitNext > 0) {
      this.rateLimitNext--;
      res.writeHead(403, {
        'content-type': 'application/json',
        'x-ratelimit-limit': '5000',
        'x-ratelimit-remaining': '0',
        'x-ratelimit-reset': String(Math.ceil(Date.now() / 1000) + 1),
      });
      res.end(JSON.stringify({ message: 'API rate limit exceeded for installation ID 123.' }));
      return;
    }
    const install = /^\/app\/installations\/(\d+)\/access_tokens$/.exec(url.pathname);
    if (install && req.method === 'POST') return json(...this.accessToken(String(req.headers.authorization ?? '')));
    if (this.tooSoon(req)) {
      this.spacingRefusals.push(`${req.method} ${req.url}`);
      res.writeHead(403, { 'content-type': 'application/json', 'retry-after': String(Math.max(1, Math.ceil(this.writeSpacingMs / 1000))) });
      res.end(
        JSON.stringify({
          message:
            'You have exceeded a secondary rate limit and have been temporarily blocked from content creation. Please retry your request again later.',
          documentation_url: 'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits',
        }),
      );
      return;
    }
    const route = /^\/repos\/([^/]+)\/([^/]+)\/(.*)$/.exec(url.pathname);
    const plugged: FakeRequest = { req, res, url, body, base: this.url };
    if (route) Object.assign(plugged, { repo: `${decodeURIComponent(route[1]!)}/${decodeURIComponent(route[2]!)}`, rest: route[3]! });
    if (this.apis.some((api) => api.handle(plugged))) return;
    if (!route) return json(404, { message: 'Not Found' });
    const [owner, name, rest] = [decodeURIComponent(route[1]!), decodeURIComponent(route[2]!), route[3]!];
    const full = `${owner}/${name}`;
    const repo = this.repos.get(full);
    const pullsAnswer = this.pullsApi.answer(req.method ?? 'GET', full, rest, url, body);
    if (pullsAnswer) return json(...pullsAnswer);

    if (rest.startsWith('branches')) {
      const prefix = `${full}@`;
      return json(
        200,
        [...this.refs.keys()].filter((k) => k.startsWith(prefix)).map((k) => ({ name: k.slice(prefix.length) })),
      );
    }
    const compare = /^compare\/(.+)$/.exec(rest);
    if (compare) return json(...this.compare(full, repo, decodeURIComponent(compare[1]!), url.searchParams));
    if (rest === 'commits') return json(...this.listCommits(repo, url.searchParams));
    // Required checks: the combined status and the check runs of a commit (by SHA), paged like GitHub.
    const checks = /^commits\/([^/]+)\/(status|check-runs)$/.exec(rest);
    if (checks && req.method === 'GET') {
      if (this.checksStatus) return json(this.checksStatus, { message: 'Server Error' });
      const sha = decodeURIComponent(checks[1]!);
      const { page, perPage } = paging(url.searchParams);
      if (checks[2] === 'status') {
        const all = this.statuses.get(sha) ?? [];
        const states = all.map((x) => x.state);
        const state = states.some((x) => x === 'failure' || x === 'error')
          ? 'failure'
          : states.length === 0 || states.some((x) => x === 'pending')
            ? 'pending'
            : 'success';
        return json(200, {
          sha,
          state,
          total_count: all.length,
          statuses: all.slice((page - 1) * perPage, page * perPage).map((x) => ({ ...x, target_url: x.target_url ?? null })),
        });
      }
      const all = this.checkRuns.get(sha) ?? [];
      return json(200, {
        total_count: all.length,
        check_runs: all
          .slice((page - 1) * perPage, page * perPage)
          .map((x, i) => ({ id: i + 1, head_sha: sha, ...x, conclusion: x.conclusion ?? null })),
      });
    }
    const pulls = /^commits\/([^/]+)\/pulls$/.exec(rest);
    if (pulls) {
      if (this.holdPulls) return void this.heldPulls.push(() => this.answer(req, res, body));
      if (this.pullsStatus) return json(this.pullsStatus, { message: 'Server Error' });
      const p = this.pulls.get(decodeURIComponent(pulls[1]!));
      return json(200, p === undefined ? [] : Array.isArray(p) ? p : [p]);
    }
    const one = /^commits\/([^/]+)$/.exec(rest);
    if (!one) return json(404, { message: 'Not Found' });
    const ref = decodeURIComponent(one[1]!);
    const sha = this.refs.get(`${full}@${ref}`);
    if (sha)
      return json(200, { sha, commit: { message: 'x', author: { name: 'A', email: 'a@example.com', date: new Date().toISOString() } } });
    const found = repo && resolve(repo, ref);
    if (!found) return json(422, { message: `No commit found for SHA: ${ref}` });
    json(200, this.commitsOf(repo, ['--max-count=1', found])[0]);
  }

  /** Forgets when each token last wrote: a new test's client (and its pacer) starts afresh, as after a quiet while. */
  forgetWrites(): void {
    this.lastWrite.clear();
  }

  /** A write sooner than `writeSpacingMs` after the previous write with the same token (refused ones count: GitHub's clock does not wait). */
  private tooSoon(req: http.IncomingMessage): boolean {
    if (!this.writeSpacingMs || req.method === 'GET' || req.method === 'HEAD') return false;
    const token = String(req.headers.authorization ?? '');
    const [now, last] = [performance.now(), this.lastWrite.get(token)];
    this.lastWrite.set(token, now);
    return last !== undefined && now - last < this.writeSpacingMs;
  }

  /** A GitHub App's installation token, for a JWT signed (RS256) with the App's key. */
  private accessToken(auth: string): [number, unknown] {
    const jwt = /^bearer (.+)$/i.exec(auth)?.[1];
    const [h, p, sig] = jwt?.split('.') ?? [];
    if (!this.appPublicKey || !h || !p || !sig) return [401, { message: 'A JSON web token could not be decoded' }];
    const ok = createVerify('RSA-SHA256').update(`${h}.${p}`).verify(this.appPublicKey, Buffer.from(sig, 'base64url'));
    if (!ok) return [401, { message: "'Issuer' claim ('iss') must be an Integer" }];
    return [
      201,
      {
        token: this.installationToken,
        expires_at: new Date(Date.now() + 3_600_000).toISOString(),
        permissions: { contents: 'read', deployments: 'write' },
      },
    ];
  }

  /** `GET /repos/{o}/{r}/compare/{base}...{head}`: git's base..head with GitHub's status, counts and paging. */
  private compare(full: string, repo: string | undefined, basehead: string, q: URLSearchParams): [number, unknown] {
    const [b, h] = basehead.split('...');
    const base = repo && b && resolve(repo, b);
    const head = repo && h && resolve(repo, h);
    if (!repo || !base || !head) return [404, { message: 'Not Found' }];
    if (!run(repo, ['merge-base', base, head])) return [404, { message: 'Not Found' }];
    const count = (range: string) => Number(run(repo, ['rev-list', '--count', range]));
    const [ahead, behind] = [count(`${base}..${head}`), count(`${head}..${base}`)];
    const status = !ahead && !behind ? 'identical' : !behind ? 'ahead' : !ahead ? 'behind' : 'diverged';
    const all = ahead ? this.commitsOf(repo, ['--reverse', `${base}..${head}`]) : [];
    let commits: unknown[];
    if (q.has('page') || q.has('per_page')) {
      const { page, perPage } = paging(q);
      commits = all.slice((page - 1) * perPage, page * perPage);
    } else {
      commits = all.slice(-UNPAGED_COMPARE_LIMIT);
    }
    return [
      200,
      {
        url: `${this.url}/repos/${full}/compare/${basehead}`,
        html_url: `${this.url}/${full}/compare/${basehead}`,
        status,
        ahead_by: ahead,
        behind_by: behind,
        total_commits: all.length,
        commits,
      },
    ];
  }

  /** `GET /repos/{o}/{r}/commits?sha=&per_page=&page=`: newest first, merges included, like GitHub. */
  private listCommits(repo: string | undefined, q: URLSearchParams): [number, unknown] {
    const sha = repo && resolve(repo, q.get('sha') || 'HEAD');
    if (!repo || !sha) return [404, { message: 'Not Found' }];
    const { page, perPage } = paging(q);
    return [200, this.commitsOf(repo, [`--skip=${(page - 1) * perPage}`, `--max-count=${perPage}`, sha])];
  }

  /** `git log <args>` as GitHub's commit objects. */
  private commitsOf(repo: string, args: string[]): unknown[] {
    const out = run(repo, ['log', '--format=%H%x1f%P%x1f%an%x1f%ae%x1f%at%x1f%cn%x1f%ce%x1f%ct%x1f%B%x1e', ...args]) ?? '';
    return out
      .split('\x1e')
      .map((r) => r.replace(/^\n/, ''))
      .filter(Boolean)
      .map((r) => {
        const [sha, parents, an, ae, at, cn, ce, ct, ...message] = r.split('\x1f') as string[];
        const iso = (s: string | undefined) => new Date(Number(s) * 1000).toISOString().replace('.000Z', 'Z');
        const login = this.logins.get(ae!);
        return {
          sha,
          html_url: `${this.url}/commit/${sha}`,
          commit: {
            message: message.join('\x1f').replace(/\n$/, ''),
            author: { name: an, email: ae, date: iso(at) },
            committer: { name: cn, email: ce, date: iso(ct) },
          },
          author: login ? { login } : null,
          parents: parents ? parents.split(' ').map((p) => ({ sha: p })) : [],
        };
      });
  }
}

function paging(q: URLSearchParams): { page: number; perPage: number } {
  const page = Math.max(1, Math.floor(Number(q.get('page') ?? 1)) || 1);
  const perPage = Math.min(MAX_PER_PAGE, Math.max(1, Math.floor(Number(q.get('per_page') ?? DEFAULT_PER_PAGE)) || DEFAULT_PER_PAGE));
  return { page, perPage };
}

/** git's stdout, or undefined when it fails. */
function run(repo: string, args: string[]): string | undefined {
  try {
    return execFileSync('git', args, {
      cwd: repo,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      maxBuffer: 64 * 1024 * 1024,
    }).trim();
  } catch {
    return undefined;
  }
}

function resolve(repo: string, ref: string): string | undefined {
  return run(repo, ['rev-parse', '--verify', '--quiet', '--end-of-options', `${ref}^{commit}`]) || undefined;
}

/** A request's JSON body ({} when empty), or undefined when it is not JSON. */
function parseJson(raw: string): Record<string, unknown> | undefined {
  if (!raw) return {};
  try {
    return JSON.parse(raw) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}
