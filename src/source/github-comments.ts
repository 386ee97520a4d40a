import type { Logger } from 'pino';
import type { GitHubClient } from './github-client';
import { githubFailure, statusOf } from './github-failure';
import { ownerAndName } from './github-repo';

const NEEDS = 'write access to pull requests (Pull requests: write, or Issues: write)';

/**
 * Ferry's comments on pull requests: one per pull request and marker (an HTML comment the caller
 * puts in the body, e.g. reviewCommentMarker), posted once and then edited in place.
 */
export class PullComments {
  constructor(private readonly d: { client: GitHubClient; log: Logger }) {}

  /**
   * Writes `body` (which holds `marker`) as the pull request's comment with that marker and
   * answers with its id: edits comment `knownId`; when there is none or it was deleted, edits the
   * first of the pull request's comments that holds the marker (a lost id never makes a second
   * comment); else posts a new one.
   */
  async upsert(repo: string, pr: number, marker: string, body: string, knownId?: number): Promise<number> {
    const [owner, name] = ownerAndName(repo);
    const log = this.d.log.child({ repo, pr });
    if (knownId !== undefined) {
      if (await this.edit(owner, name, knownId, body, `edit the comment on pull request #${pr} of ${repo}`)) return knownId;
      log.info({ commentId: knownId }, 'the pull request comment was deleted; looking for another with its marker');
    }
    const found = await this.find(owner, name, pr, marker);
    if (found) {
      if (found.body === body) return found.id;
      if (await this.edit(owner, name, found.id, body, `edit the comment on pull request #${pr} of ${repo}`)) return found.id;
    }
    try {
      // Not retried by the client: a post GitHub made but answered with an error is found by its marker next time.
      const res = await this.d.client.rest.issues.createComment({ owner, repo: name, issue_number: pr, body, request: { retries: 0 } });
      log.info({ commentId: res.data.id }, 'commented on the pull request');
      return res.data.id;
    } catch (err) {
      throw githubFailure(err, `comment on pull request #${pr} of ${repo}`, NEEDS);
    }
  }

  /** Edits comment `id`; false when it is gone (404). */
  private async edit(owner: string, repo: string, id: number, body: string, what: string): Promise<boolean> {
    try {
      await this.d.client.rest.issues.updateComment({ owner, repo, comment_id: id, body });
      return true;
    } catch (err) {
      if (statusOf(err) === 404) return false;
      throw githubFailure(err, what, NEEDS);
    }
  }

  /** The pull request's first comment that holds `marker`, looking through every page. */
  private async find(owner: string, repo: string, pr: number, marker: string): Promise<{ id: number; body: string } | undefined> {
    try {
      for await (const page of this.d.client.paginate.iterator(this.d.client.rest.issues.listComments, {
        owner,
        repo,
        issue_number: pr,
        per_page: 100,
      })) {
        const c = page.data.find((x) => typeof x.body === 'string' && x.body.includes(marker));
        if (c) return { id: c.id, body: c.body ?? '' };
      }
      return undefined;
    } catch (err) {
      throw githubFailure(
        err,
        `read the comments on pull request #${pr} of ${owner}/${repo}`,
        'read access to pull requests (Pull requests: read)',
      );
    }
  }
}
