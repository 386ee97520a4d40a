import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
import { Octokit } from '@octokit/rest';
import type { Logger } from 'pino';
import { FerryError } from '../errors';
import type { CommitSource } from './types';

const FerryOctokit = Octokit.plugin(throttling, retry);
export type GitHubClient = InstanceType<typeof FerryOctokit>;

/**
 * One Octokit for the process: GitHub's API URL and token, GitHub's recommended throttling, and
 * retries of 5xx and network errors. Rate limits are waited out twice, then reported.
 */
export function createGitHubClient(opts: { baseUrl: string; token?: string; log: Logger }): GitHubClient {
  return new FerryOctokit({
    baseUrl: opts.baseUrl.replace(/\/+$/, ''),
    ...(opts.token && { auth: opts.token }),
    userAgent: 'ferry-deploy-bot',
    log: { debug: () => {}, info: () => {}, warn: (m: string) => opts.log.warn(m), error: (m: string) => opts.log.error(m) },
    throttle: {
      onRateLimit: (retryAfter: number, o: { method: string; url: string }, _k: unknown, retryCount: number) => {
        opts.log.warn({ retryAfter, url: o.url }, 'GitHub rate limit reached');
        return retryCount < 2;
      },
      onSecondaryRateLimit: (retryAfter: number, o: { method: string; url: string }, _k: unknown, retryCount: number) => {
        opts.log.warn({ retryAfter, url: o.url }, 'GitHub secondary rate limit reached');
        return retryCount < 1;
      },
    },
    retry: { doNotRetry: [400, 401, 403, 404, 410, 422, 451] },
  });
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
}
