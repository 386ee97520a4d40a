import type { Logger } from 'pino';
import { pullInfo } from '../core/review/pull-info';
import type { PullInfo } from '../core/review/review-app';
import { FerryError } from '../errors';
import type { GitHubClient } from './github-client';
import { githubFailure, statusOf } from './github-failure';
import { ownerAndName } from './github-repo';

const NEEDS = 'read access to pull requests (Pull requests: read)';

/** A repository's pull requests on GitHub, as PullInfo (src/core/review/pull-info.ts). */
export class PullRequests {
  constructor(private readonly d: { client: GitHubClient; log: Logger }) {}

  /** Pull request `number` of `repo` (owner/name); undefined when GitHub has none (404). */
  async get(repo: string, number: number): Promise<PullInfo | undefined> {
    const [owner, name] = ownerAndName(repo);
    let raw: unknown;
    try {
      raw = (await this.d.client.rest.pulls.get({ owner, repo: name, pull_number: number })).data;
    } catch (err) {
      if (statusOf(err) === 404) return undefined;
      throw githubFailure(err, `read pull request #${number} of ${repo}`, NEEDS);
    }
    return usable(pullInfo(raw, repo), repo);
  }

  /** Every open pull request of `repo`, all pages. An answer Ferry can't read fails the whole list, never shortens it. */
  async listOpen(repo: string): Promise<PullInfo[]> {
    const [owner, name] = ownerAndName(repo);
    let raw: unknown[];
    try {
      raw = await this.d.client.paginate(this.d.client.rest.pulls.list, { owner, repo: name, state: 'open', per_page: 100 });
    } catch (err) {
      throw githubFailure(err, `list the open pull requests of ${repo}`, NEEDS);
    }
    const pulls = raw.map((p) => usable(pullInfo(p, repo), repo));
    this.d.log.debug({ repo, open: pulls.length }, 'listed the open pull requests');
    return pulls;
  }
}

function usable(p: PullInfo | string, repo: string): PullInfo {
  if (typeof p !== 'string') return p;
  throw new FerryError(
    'SOURCE_UNAVAILABLE',
    `GitHub's answer about a pull request of ${repo} was not one Ferry can read (${p}); try again in a minute.`,
  );
}
