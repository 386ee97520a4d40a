import { createAppAuth } from '@octokit/auth-app';
import type { Logger } from 'pino';
import type { Commit, CommitRange } from '../core/release/types';
import { FerryError } from '../errors';
import { compareRange, lookUpPullRequests, type RangeApi, recentHistory } from './github-compare';
import { FerryOctokit, type GitHubClient } from './github-client';
import type { GitHubLimitsOptions } from './github-limits';
import { LocalWritePacer, type WritePacer } from './github-writes';
import type { CommitSource, PullRequest, RangeOptions } from './types';

export type { GitHubClient };

/**
 * One Octokit for the process: GitHub's API URL, a token or a GitHub App installation (whose
 * short-lived tokens @octokit/auth-app makes and renews), and GitHub's limits (github-limits.ts):
 * writes spaced, at most 10 requests at once, retries of 5xx and network errors, rate limits
 * waited out twice, then reported. `writes` spaces writes across processes (one process alone
 * without it); a secondary rate limit holds them all off for its retry-after. Every request times out `timeoutMs` after
 * it is sent, however long it waited for its turn.
 */
export function createGitHubClient(opts: {
  baseUrl: string;
  token?: string;
  app?: { appId: string; privateKey: string; installationId: string };
  log: Logger;
  writes?: WritePacer;
  timeoutMs?: number;
  /** Told each request's result (ferry_github_api_calls_total). */
  count?: GitHubLimitsOptions['count'];
}): GitHubClient {
  const writes = opts.writes ?? new LocalWritePacer();
  return new FerryOctokit({
    baseUrl: opts.baseUrl.replace(/\/+$/, ''),
    ...(opts.app
      ? {
          authStrategy: createAppAuth,
          auth: { appId: opts.app.appId, privateKey: opts.app.privateKey, installationId: opts.app.installationId },
        }
      : opts.token && { auth: opts.token }),
    userAgent: 'ferry-deploy-bot',
    log: { debug: () => {}, info: () => {}, warn: (m: string) => opts.log.warn(m), error: (m: string) => opts.log.error(m) },
    limits: {
      writes,
      onRateLimit: (retryAfter, o, retryCount) => {
        const again = retryCount < 2 && retryAfter <= 120;
        opts.log.warn(
          { retryAfter, url: o.url, again },
          again ? 'GitHub rate limit reached; waiting it out' : 'GitHub rate limit reached; giving up on this request',
        );
        return again;
      },
      onSecondaryRateLimit: async (retryAfter, o, retryCount) => {
        opts.log.warn({ retryAfter, url: o.url }, 'GitHub secondary rate limit reached');
        await writes.holdOff(retryAfter * 1000).catch(() => {});
        return retryCount < 1 && retryAfter <= 60;
      },
      doNotRetry: [400, 401, 403, 404, 410, 422, 451],
      ...(opts.count && { count: opts.count }),
    },
    request: { fetch: fetchTimeoutsAsAborts(opts.timeoutMs ?? 15_000) },
  });
}

/**
 * fetch with a timeout that starts when the request is sent (a write may first wait its turn
 * behind others), and a request a signal aborted (that timeout or the caller's) fails as an
 * AbortError. Octokit passes an AbortError through as it is (githubLimits does not retry it);
 * anything else it wraps as an HTTP 500, which would be retried after 1, 4 and 9 s (each failing
 * at once, the signal being aborted), so a timeout would be reported some 14 s late.
 */
function fetchTimeoutsAsAborts(timeoutMs: number) {
  return async (url: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const signal = init?.signal ? AbortSignal.any([init.signal, AbortSignal.timeout(timeoutMs)]) : AbortSignal.timeout(timeoutMs);
    try {
      return await fetch(url, { ...init, signal });
    } catch (err) {
      if (!signal.aborted) throw err;
      const abort = new Error(`The request was aborted (${String((signal.reason as Error | undefined)?.message ?? 'timeout')})`);
      abort.name = 'AbortError';
      throw abort;
    }
  };
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
        throw new FerryError(
          'SOURCE_UNAVAILABLE',
          `GitHub refused access to ${this.label} (HTTP ${status}); check that GITHUB_TOKEN can read this repository.`,
        );
      }
      const what =
        (err as Error).name === 'TimeoutError' || /abort|timeout/i.test(String((err as Error).message))
          ? `did not answer within ${Math.round(this.timeoutMs / 1000)}s`
          : `failed (${status ?? (err as Error).message})`;
      throw new FerryError(
        'SOURCE_UNAVAILABLE',
        `GitHub ${what} while I looked up the ref in ${this.label}; nothing was queued. Try again in a minute.`,
      );
    }
  }

  async refNames(): Promise<string[]> {
    const res = await this.client.rest.repos.listBranches({
      owner: this.owner,
      repo: this.repo,
      per_page: 100,
      request: { signal: AbortSignal.timeout(this.timeoutMs) },
    });
    return res.data.map((b) => b.name);
  }

  commitUrl(sha: string): string {
    return `${this.webUrl}/${this.owner}/${this.repo}/commit/${sha}`;
  }

  /** The commit-range code (./github-compare.ts) works on this repository through this. */
  private get range(): RangeApi {
    return {
      client: this.client,
      owner: this.owner,
      repo: this.repo,
      label: this.label,
      webUrl: this.webUrl,
      timeoutMs: this.timeoutMs,
      resolveRef: (ref) => this.resolveRef(ref),
    };
  }

  /** GitHub's compare, every page; pull requests from subjects and merge commits (compareRange). */
  compare(base: string, head: string, opts?: RangeOptions): Promise<CommitRange> {
    return compareRange(this.range, base, head, opts);
  }

  history(head: string, limit: number, opts?: RangeOptions): Promise<Commit[]> {
    return recentHistory(this.range, head, limit, opts);
  }

  pullRequests(commits: readonly Commit[]): Promise<Map<string, PullRequest>> {
    return lookUpPullRequests(this.range, commits);
  }
}
