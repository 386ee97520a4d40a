import { waitForNth } from './wait';
import type { FakeApi, FakeRequest } from './fake-github';

/** A status posted to a deployment, as Ferry (or the CD system) sent it. */
export interface FakeDeploymentStatus {
  state: string;
  log_url?: string;
  target_url?: string;
  description?: string;
  environment_url?: string;
}

/** A deployment created with POST /repos/{o}/{r}/deployments, as the fake GitHub holds it. */
export interface FakeDeployment {
  id: number;
  repo: string;
  ref: string;
  environment: string;
  body: Record<string, unknown>;
  /** Each status posted: its state and the fields sent with it, oldest first. */
  statuses: FakeDeploymentStatus[];
}

/** What GitHub adds to a status: its id, time and creator. */
interface StatusMeta {
  id: number;
  at: string;
  creator: string;
}

const STATES = new Set(['error', 'failure', 'inactive', 'in_progress', 'queued', 'pending', 'success']);

/**
 * GitHub's Deployments REST API played over loopback (plugged into FakeGitHub with use()): create a
 * deployment (201, GitHub's object; `createStatus` refuses the next creations with 404, 409 or 422
 * and GitHub's messages; `holdCreates` creates and never answers, as a connection lost after
 * GitHub took the request), list them (filters sha, ref, environment, task; newest first, paged),
 * one by id, and their statuses (post; list newest first, with id, created_at, creator, log_url,
 * target_url, environment_url, description). `report` plays the outside CD system posting a status
 * and returns the `deployment_status` webhook GitHub would send about it.
 */
export class FakeDeploymentsApi implements FakeApi {
  /** Every deployment created, in order (ids 1, 2, ...); a test may remove one (GitHub deleted it). */
  readonly deployments: FakeDeployment[] = [];
  /** Every creation asked for (also the refused ones), in order. */
  readonly creations: { repo: string; body: Record<string, unknown> }[] = [];
  /** The next n deployment status posts are refused (422). */
  statusFailures = 0;
  /** When set, creations are refused with this status (404: repo not visible; 409: merge conflict; 422: validation). */
  createStatus: 404 | 409 | 422 | undefined;
  /** The next n creations get GitHub's primary rate limit answer (403, remaining 0, reset in 1 s) and create nothing. */
  rateLimitCreates = 0;
  /** While set, a creation is made but not answered (released by releaseCreates()). */
  holdCreates = false;
  /** Repositories `GET /repos/{o}/{r}` shows, with the permissions GitHub tells the token (others: 404). */
  readonly repoInfo = new Map<string, { permissions?: Record<string, boolean> }>();
  /** Every read of a deployment's statuses (what a follower polls), with when it came (performance.now()). */
  readonly statusReads: { deployment: number; at: number }[] = [];
  /** Repositories the token can't see: every deployments request about them is 404, as GitHub answers. */
  readonly hidden = new Set<string>();
  /** The login Ferry's token posts as. */
  ferryLogin = 'ferry-bot';
  private readonly meta = new WeakMap<FakeDeploymentStatus, StatusMeta>();
  private readonly created = new Map<number, string>();
  private readonly held: (() => void)[] = [];
  private readonly listeners = new Set<() => void>();
  private statusIds = 9_000;

  /** Resolves with the n-th deployment (1-based) once it has been created. */
  waitForDeployment(n = 1): Promise<FakeDeployment> {
    return waitForNth(this.deployments, this.listeners, n);
  }

  /** Resolves once deployment `id`'s statuses have been read `n` times; with the n-th read. */
  waitForStatusReads(id: number, n: number): Promise<{ deployment: number; at: number }> {
    return new Promise((resolve) => {
      const check = () => {
        const read = this.statusReads.filter((r) => r.deployment === id)[n - 1];
        if (!read) return;
        this.listeners.delete(check);
        resolve(read);
      };
      this.listeners.add(check);
      check();
    });
  }

  /** Answers the held creations. */
  releaseCreates(): void {
    this.holdCreates = false;
    for (const h of this.held.splice(0)) h();
  }

  /**
   * The CD system posts a status on a deployment (as `concourse[bot]`); returns the
   * `deployment_status` webhook payload GitHub then sends (test/helpers/webhooks.ts `deliver`).
   */
  report(d: FakeDeployment, state: string, o: Omit<FakeDeploymentStatus, 'state'> = {}): Record<string, unknown> {
    const s = this.addStatus(d, { state, ...o, ...(o.log_url && !o.target_url && { target_url: o.log_url }) }, 'concourse[bot]');
    return this.statusPayload(d, s);
  }

  /** The `deployment_status` webhook about a status, in GitHub's shape. */
  statusPayload(d: FakeDeployment, s: FakeDeploymentStatus): Record<string, unknown> {
    return {
      action: 'created',
      deployment_status: this.statusJson(s),
      deployment: this.deploymentJson(d),
      repository: { full_name: d.repo, name: d.repo.split('/')[1] },
      sender: { login: this.meta.get(s)?.creator ?? 'concourse[bot]', type: 'Bot' },
    };
  }

  /** The `deployment` webhook GitHub sends when a deployment is created. */
  deploymentPayload(d: FakeDeployment): Record<string, unknown> {
    return {
      action: 'created',
      deployment: this.deploymentJson(d),
      repository: { full_name: d.repo, name: d.repo.split('/')[1] },
      sender: { login: this.ferryLogin, type: 'Bot' },
    };
  }

  handle(r: FakeRequest): boolean {
    const json = (status: number, body: unknown) => {
      r.res.writeHead(status, { 'content-type': 'application/json' });
      r.res.end(JSON.stringify(body));
      return true;
    };
    const method = r.req.method ?? 'GET';
    const repoOnly = /^\/repos\/([^/]+)\/([^/]+)\/?$/.exec(r.url.pathname);
    if (repoOnly && method === 'GET') {
      const full = `${decodeURIComponent(repoOnly[1]!)}/${decodeURIComponent(repoOnly[2]!)}`;
      const info = this.repoInfo.get(full);
      // A repository this stand-in doesn't hold: another stand-in's, or GitHub's 404.
      if (!info) return false;
      return json(200, { id: 1, full_name: full, name: full.split('/')[1], private: true, ...info });
    }
    if (!r.repo || !r.rest?.startsWith('deployments')) return false;
    if (this.hidden.has(r.repo))
      return json(404, { message: 'Not Found', documentation_url: 'https://docs.github.com/rest/deployments/deployments' });
    if (r.rest === 'deployments' && method === 'POST') return this.create(r, json);
    if (r.rest === 'deployments' && method === 'GET') return json(200, this.list(r.repo, r.url.searchParams));
    const one = /^deployments\/(\d+)(\/statuses)?$/.exec(r.rest);
    if (!one) return false;
    const d = this.deployments.find((x) => x.id === Number(one[1]) && x.repo === r.repo);
    if (!d) return json(404, { message: 'Not Found', documentation_url: 'https://docs.github.com/rest/deployments/deployments' });
    if (!one[2]) return method === 'GET' ? json(200, this.deploymentJson(d)) : false;
    if (method === 'GET') {
      this.statusReads.push({ deployment: d.id, at: performance.now() });
      for (const l of [...this.listeners]) l();
      const { page, perPage } = paging(r.url.searchParams);
      const newestFirst = [...d.statuses].reverse().slice((page - 1) * perPage, page * perPage);
      return json(
        200,
        newestFirst.map((s) => this.statusJson(s)),
      );
    }
    if (method !== 'POST') return false;
    if (this.statusFailures > 0) {
      this.statusFailures--;
      return json(422, { message: 'Validation Failed' });
    }
    const state = String(r.body.state);
    if (!STATES.has(state))
      return json(422, { message: 'Validation Failed', errors: [{ resource: 'DeploymentStatus', field: 'state', code: 'invalid' }] });
    const body = r.body;
    const s = this.addStatus(
      d,
      {
        state,
        ...(body.log_url ? { log_url: String(body.log_url) } : {}),
        ...(body.target_url ? { target_url: String(body.target_url) } : {}),
        ...(body.description ? { description: String(body.description) } : {}),
        ...(body.environment_url ? { environment_url: String(body.environment_url) } : {}),
      },
      this.ferryLogin,
    );
    return json(201, { ...this.statusJson(s), state: body.state });
  }

  private create(r: FakeRequest, json: (status: number, body: unknown) => boolean): boolean {
    const body = r.body;
    this.creations.push({ repo: r.repo!, body });
    if (this.rateLimitCreates > 0) {
      this.rateLimitCreates--;
      r.res.writeHead(403, {
        'content-type': 'application/json',
        'x-ratelimit-limit': '5000',
        'x-ratelimit-remaining': '0',
        'x-ratelimit-reset': String(Math.ceil(Date.now() / 1000) + 1),
      });
      r.res.end(JSON.stringify({ message: 'API rate limit exceeded for installation ID 123.' }));
      return true;
    }
    if (this.createStatus === 404)
      return json(404, {
        message: 'Not Found',
        documentation_url: 'https://docs.github.com/rest/deployments/deployments#create-a-deployment',
      });
    if (this.createStatus === 409) return json(409, { message: 'Conflict merging main into 1f2e3d4.' });
    if (this.createStatus === 422)
      return json(422, {
        message: `No ref found for: ${String(body.ref)}`,
        documentation_url: 'https://docs.github.com/rest/deployments/deployments#create-a-deployment',
      });
    const d: FakeDeployment = {
      // One more than the newest (1 after the list is emptied, as tests do between cases).
      id: (this.deployments.at(-1)?.id ?? 0) + 1,
      repo: r.repo!,
      ref: String(body.ref),
      environment: String(body.environment ?? 'production'),
      body,
      statuses: [],
    };
    this.deployments.push(d);
    this.created.set(d.id, new Date().toISOString());
    for (const l of [...this.listeners]) l();
    const answer = () => json(201, this.deploymentJson(d));
    if (this.holdCreates) this.held.push(answer);
    else answer();
    return true;
  }

  /** GET /repos/{o}/{r}/deployments: filtered by sha, ref, environment and task, newest first, paged. */
  private list(repo: string, q: URLSearchParams): unknown[] {
    const want = (k: string, v: string) => !q.has(k) || q.get(k) === v;
    const all = this.deployments
      .filter((d) => d.repo === repo && want('sha', d.ref) && want('ref', d.ref) && want('environment', d.environment))
      .filter((d) => want('task', String(d.body.task ?? 'deploy')))
      .reverse();
    const { page, perPage } = paging(q);
    return all.slice((page - 1) * perPage, page * perPage).map((d) => this.deploymentJson(d));
  }

  private addStatus(d: FakeDeployment, s: FakeDeploymentStatus, creator: string): FakeDeploymentStatus {
    d.statuses.push(s);
    this.meta.set(s, { id: ++this.statusIds, at: new Date().toISOString(), creator });
    return s;
  }

  private deploymentJson(d: FakeDeployment) {
    const at = this.created.get(d.id) ?? new Date().toISOString();
    return {
      id: d.id,
      node_id: `DE_${d.id}`,
      sha: d.ref,
      ref: d.ref,
      task: d.body.task ?? 'deploy',
      // GitHub gives the payload back as it was sent (an object; a string stays a string).
      payload: d.body.payload ?? {},
      original_environment: d.environment,
      environment: d.environment,
      description: d.body.description ?? null,
      creator: { login: this.ferryLogin, type: 'Bot' },
      created_at: at,
      updated_at: at,
      transient_environment: d.body.transient_environment === true,
      production_environment: d.body.production_environment ?? d.environment === 'production',
    };
  }

  private statusJson(s: FakeDeploymentStatus) {
    const m = this.meta.get(s);
    return {
      id: m?.id ?? 0,
      state: s.state,
      description: s.description ?? '',
      creator: { login: m?.creator ?? this.ferryLogin },
      created_at: m?.at ?? new Date().toISOString(),
      // GitHub answers with both: target_url is log_url's older name.
      target_url: s.target_url ?? s.log_url ?? '',
      log_url: s.log_url ?? s.target_url ?? '',
      environment_url: s.environment_url ?? '',
    };
  }
}

function paging(q: URLSearchParams): { page: number; perPage: number } {
  const page = Math.max(1, Math.floor(Number(q.get('page') ?? 1)) || 1);
  const perPage = Math.min(100, Math.max(1, Math.floor(Number(q.get('per_page') ?? 30)) || 30));
  return { page, perPage };
}
