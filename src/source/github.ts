import { createAppAuth } from '@octokit/auth-app';
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
import { Octokit } from '@octokit/rest';
import type { Logger } from 'pino';
import { prFromSubject } from '../core/release/pr-subject';
import type { Commit, CommitRange } from '../core/release/types';
import { FerryError } from '../errors';
import type { CommitSource } from './types';

/** GitHub's largest page (compare, commits). Unpaginated, compare returns at most 250 commits: Ferry always pages. */
const PER_PAGE = 100;
/** Requests in flight at once for one range (compare pages, pull request lookups). */
const CONCURRENCY = 4;
/** Commits without `(#123)` in their subject whose pull request is looked up, newest first. */
const PR_LOOKUPS = 30;

/** The parts of a commit Ferry reads from GitHub's compare and list-commits answers. */
interface ApiCommit {
  sha: string;
  commit: { message: string; author?: { name?: string; email?: string; date?: string } | null; committer?: { date?: string } | null };
  author?: { login?: string } | Record<string, never> | null;
  parents: unknown[];
}

const FerryOctokit = Octokit.plugin(throttling, retry);
export type GitHubClient = InstanceType<typeof FerryOctokit>;

/**
 * One Octokit for the process: GitHub's API URL, a token or a GitHub App installation (whose
 * short-lived tokens @octokit/auth-app makes and renews), GitHub's recommended throttling, and
 * retries of 5xx and network errors. Rate limits are waited out twice, then reported.
 */
export function createGitHubClient(opts: { baseUrl: string; token?: string; app?: { appId: string; privateKey: string; installationId: string }; log: Logger }): GitHubClient {
  return new FerryOctokit({
    baseUrl: opts.baseUrl.replace(/\/+$/, ''),
    ...(opts.app
      ? { authStrategy: createAppAuth, auth: { appId: opts.app.appId, privateKey: opts.app.privateKey, installationId: opts.app.installationId } }
      : opts.token && { auth: opts.token }),
    userAgent: 'ferry-deploy-bot',
    log: { debug: () => {}, info: () => {}, warn: (m: string) => opts.log.warn(m), error: (m: string) => opts.log.error(m) },
    throttle: {
      onRateLimit: (retryAfter: number, o: { method: string; url: string }, _k: unknown, retryCount: number) => {
        const again = retryCount < 2 && retryAfter <= 120;
        opts.log.warn({ retryAfter, url: o.url, again }, again ? 'GitHub rate limit reached; waiting it out' : 'GitHub rate limit reached; giving up on this request');
        return again;
      },
      onSecondaryRateLimit: (retryAfter: number, o: { method: string; url: string }, _k: unknown, retryCount: number) => {
        opts.log.warn({ retryAfter, url: o.url }, 'GitHub secondary rate limit reached');
        return retryCount < 1;
      },
    },
    retry: { doNotRetry: [400, 401, 403, 404, 410, 422, 451] },
    request: { fetch: fetchTimeoutsAsAborts },
  });
}

/**
 * fetch, but a request its signal aborted (the per-call timeout) fails as an AbortError. Octokit
 * passes an AbortError through as it is; anything else it wraps as an HTTP 500, which the retry
 * plugin retries after 1, 4 and 9 s (each failing at once, the signal being aborted), so a
 * timeout would be reported some 14 s late, as "failed (500)".
 */
async function fetchTimeoutsAsAborts(url: string | URL | Request, init?: RequestInit): Promise<Response> {
  try {
    return await fetch(url, init);
  } catch (err) {
    if (!init?.signal?.aborted) throw err;
    const abort = new Error(`The request was aborted (${String((init.signal.reason as Error | undefined)?.message ?? 'timeout')})`);
    abort.name = 'AbortError';
    throw abort;
  }
}

/** A token for git over https: the GitHub token, or a fresh installation token of the GitHub App. */
export async function gitToken(client: GitHubClient, token: string | undefined): Promise<string | undefined> {
  if (token) return token;
  const auth = (await client.auth({ type: 'installation' })) as { token?: string };
  return auth.token;
}

/** Commits from a GitHub repository. */
export class GitHubSource implements CommitSource {
  readonly label: string;
  private readonly owner: string;
  private readonly repo: string;

  constructor(
    private readonly client: GitHubClient,
    fullName: string,
    private readonly webUrl: string,
    private readonly timeoutMs = 15_000,
  ) {
    [this.owner, this.repo] = fullName.split('/') as [string, string];
    this.label = fullName;
  }

  async resolveRef(ref: string): Promise<string | undefined> {
    try {
      const res = await this.client.rest.repos.getCommit({
        owner: this.owner,
        repo: this.repo,
        ref,
        per_page: 1,
        request: { signal: AbortSignal.timeout(this.timeoutMs) },
      });
      return res.data.sha;
    } catch (err) {
      const status = (err as { status?: number }).status;
      if (status === 404 || status === 422) return undefined;
      if (status === 401 || status === 403) {
        throw new FerryError('SOURCE_UNAVAILABLE', `GitHub refused access to ${this.label} (HTTP ${status}); check that GITHUB_TOKEN can read this repository.`);
      }
      const what = (err as Error).name === 'TimeoutError' || /abort|timeout/i.test(String((err as Error).message)) ? `did not answer within ${Math.round(this.timeoutMs / 1000)}s` : `failed (${status ?? (err as Error).message})`;
      throw new FerryError('SOURCE_UNAVAILABLE', `GitHub ${what} while I looked up the ref in ${this.label}; nothing was queued. Try again in a minute.`);
    }
  }

  async refNames(): Promise<string[]> {
    const res = await this.client.rest.repos.listBranches({ owner: this.owner, repo: this.repo, per_page: 100, request: { signal: AbortSignal.timeout(this.timeoutMs) } });
    return res.data.map((b) => b.name);
  }

  commitUrl(sha: string): string {
    return `${this.webUrl}/${this.owner}/${this.repo}/commit/${sha}`;
  }

  /**
   * GitHub's compare (`GET /repos/{o}/{r}/compare/{base}...{head}`), always paginated: without
   * `per_page`/`page` GitHub lists at most 250 commits. Page 1 gives `total_commits`; the other
   * pages are fetched CONCURRENCY at a time, and a range that comes back short is an error, never
   * a partial list.
   */
  async compare(base: string, head: string): Promise<CommitRange> {
    const compareUrl = `${this.webUrl}/${this.owner}/${this.repo}/compare/${base}...${head}`;
    const page = async (n: number) => {
      try {
        const res = await this.client.rest.repos.compareCommitsWithBasehead({
          owner: this.owner,
          repo: this.repo,
          basehead: `${base}...${head}`,
          per_page: PER_PAGE,
          page: n,
          request: { signal: AbortSignal.timeout(this.timeoutMs) },
        });
        return res.data;
      } catch (err) {
        if (isNotFound(err)) throw await this.whichIsUnknown(base, head, err);
        throw this.unavailable(err, `compared ${short(base)}...${short(head)}`);
      }
    };
    const first = await page(1);
    if (first.status === 'identical') return { kind: 'identical', compareUrl };
    if (first.status === 'behind') return { kind: 'behind', behind: first.behind_by, compareUrl };
    const total = first.total_commits;
    const pages = Math.ceil(total / PER_PAGE);
    const rest = await mapLimit(
      Array.from({ length: Math.max(0, pages - 1) }, (_, i) => i + 2),
      CONCURRENCY,
      async (n) => (await page(n)).commits,
    );
    const all = [first.commits, ...rest].flat() as ApiCommit[];
    if (all.length !== total) {
      throw new FerryError(
        'SOURCE_UNAVAILABLE',
        `GitHub listed ${all.length} of the ${total} commits between ${short(base)} and ${short(head)} in ${this.label}, so I can't show the whole range. Try again in a minute.`,
      );
    }
    const commits = this.toCommits(all);
    await this.addPullRequests(commits);
    if (first.status === 'ahead') return { kind: 'ahead', commits, compareUrl };
    return { kind: 'diverged', ahead: first.ahead_by, behind: first.behind_by, commits, compareUrl };
  }

  /** `GET /repos/{o}/{r}/commits?sha=<head>`, newest first, paged until `limit` non-merge commits (or the root). */
  async history(head: string, limit: number): Promise<Commit[]> {
    const perPage = Math.max(1, Math.min(PER_PAGE, limit));
    const found: ApiCommit[] = [];
    // Bounded: a history that is mostly merges still ends, with what it found.
    for (let n = 1; found.length < limit && n <= Math.ceil(limit / perPage) * 4 + 2; n++) {
      let data: ApiCommit[];
      try {
        const res = await this.client.rest.repos.listCommits({
          owner: this.owner,
          repo: this.repo,
          sha: head,
          per_page: perPage,
          page: n,
          request: { signal: AbortSignal.timeout(this.timeoutMs) },
        });
        data = res.data as ApiCommit[];
      } catch (err) {
        if (isNotFound(err)) throw this.unknownSha(head, 'head');
        throw this.unavailable(err, `listed the commits of ${short(head)}`);
      }
      found.push(...data.filter((c) => c.parents.length <= 1));
      if (data.length < perPage) break;
    }
    const commits = this.toCommits(found.slice(0, limit).reverse());
    await this.addPullRequests(commits);
    return commits;
  }

  private toCommits(raw: ApiCommit[]): Commit[] {
    return raw
      .filter((c) => c.parents.length <= 1)
      .map((c) => {
        const subject = firstLine(c.commit.message);
        const login = c.author && 'login' in c.author ? c.author.login : undefined;
        const date = Date.parse(c.commit.author?.date ?? c.commit.committer?.date ?? '');
        const out: Commit = {
          sha: c.sha,
          subject,
          authorName: c.commit.author?.name ?? '',
          authorEmail: c.commit.author?.email ?? '',
          date: Number.isNaN(date) ? 0 : date,
        };
        if (login) out.authorLogin = login;
        const pr = prFromSubject(subject);
        if (pr) out.pr = { ...pr, url: this.pullUrl(pr.number) };
        return out;
      });
  }

  /**
   * Commits with no `(#123)` subject (true merges, rebase merges, direct pushes): GitHub's
   * commit -> pull requests lookup for the PR_LOOKUPS newest, first merged PR wins. Best effort:
   * a failed lookup leaves the commit without a PR, and all of them share one deadline.
   */
  private async addPullRequests(commits: Commit[]): Promise<void> {
    const todo = commits.filter((c) => !c.pr).slice(-PR_LOOKUPS);
    if (!todo.length) return;
    const signal = AbortSignal.timeout(this.timeoutMs);
    await mapLimit(todo, CONCURRENCY, async (c) => {
      try {
        const res = await this.client.rest.repos.listPullRequestsAssociatedWithCommit({
          owner: this.owner,
          repo: this.repo,
          commit_sha: c.sha,
          per_page: 10,
          request: { signal, retries: 0 },
        });
        const pr = res.data.find((p) => p.merged_at);
        if (pr) c.pr = { number: pr.number, title: pr.title, url: pr.html_url };
      } catch {
        // No PR shown for this commit; the range itself is complete.
      }
    });
  }

  private pullUrl(n: number): string {
    return `${this.webUrl}/${this.owner}/${this.repo}/pull/${n}`;
  }

  /** Compare said 404/422: find which SHA GitHub lacks (head first: it is the one a redeploy fixes). */
  private async whichIsUnknown(base: string, head: string, err: unknown): Promise<FerryError> {
    if (!(await this.resolveRef(head))) return this.unknownSha(head, 'head');
    if (base !== head && !(await this.resolveRef(base))) return this.unknownSha(base, 'base');
    const status = (err as { status?: number }).status;
    return new FerryError(
      'SOURCE_UNAVAILABLE',
      `GitHub can't compare ${short(base)} with ${short(head)} in ${this.label} (HTTP ${status}), although it has both: do they share any history? Try again in a minute.`,
    );
  }

  private unknownSha(sha: string, side: 'base' | 'head'): FerryError {
    const fix =
      side === 'head'
        ? 'Deploy the source env again, then run /release.'
        : "It is what runs on the target env, so I can't tell what a release would ship. Deploy a commit that exists to the target env, then run /release.";
    return new FerryError('UNKNOWN_SHA', `GitHub can't find commit ${short(sha)} in ${this.label} (was it force-pushed away?). ${fix}`, { sha, side });
  }

  /** Timeouts, 401/403, 5xx after retries: as resolveRef() words them. */
  private unavailable(err: unknown, doing: string): FerryError {
    if (err instanceof FerryError) return err;
    const status = (err as { status?: number }).status;
    if (status === 401 || status === 403) {
      return new FerryError('SOURCE_UNAVAILABLE', `GitHub refused access to ${this.label} (HTTP ${status}); check that GITHUB_TOKEN can read this repository.`);
    }
    const what = (err as Error).name === 'TimeoutError' || /abort|timeout/i.test(String((err as Error).message)) ? `did not answer within ${Math.round(this.timeoutMs / 1000)}s` : `failed (${status ?? (err as Error).message})`;
    return new FerryError('SOURCE_UNAVAILABLE', `GitHub ${what} while I ${doing} in ${this.label}. Try again in a minute.`);
  }
}

function isNotFound(err: unknown): boolean {
  const status = (err as { status?: number }).status;
  return status === 404 || status === 422;
}

function short(sha: string): string {
  return sha.slice(0, 7);
}

function firstLine(message: string): string {
  return (message.split(/\r?\n/, 1)[0] ?? '').trim();
}

/** `fn` over `items`, at most `limit` at a time; results in the items' order. */
async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
