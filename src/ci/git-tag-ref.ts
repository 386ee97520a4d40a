import type { Logger } from 'pino';
import { CiRefused } from '../core/ci/types';
import type { GitHubClient } from '../source/github';
import { isRateLimited, statusOf } from '../source/github-failure';

/** GitHub's answer to a request (status, headers with its Date, data). */
interface Answer {
  status: number;
  headers: Record<string, string | number | undefined>;
  data: unknown;
}

/** What GitHub says of a failed request. */
const messageOf = (err: unknown): string =>
  String((err as { response?: { data?: { message?: string } } }).response?.data?.message ?? (err as Error).message ?? '').trim();

/** The tag where GitHub has it: the SHA it points at (undefined: no such tag), and GitHub's clock (ms) when it said so. */
export interface TagAt {
  sha: string | undefined;
  at: number;
}

/**
 * One tag of one repository, moved through GitHub's git refs API. Writes are sent once
 * (`retries: 0`); a write whose answer was lost is judged by reading the tag back, so a move is
 * never sent twice and never reported failed when it happened.
 */
export class TagRef {
  private readonly owner: string;
  private readonly repo: string;

  constructor(
    private readonly github: GitHubClient,
    private readonly fullName: string,
    readonly tag: string,
    private readonly log: Logger,
  ) {
    [this.owner, this.repo] = fullName.split('/') as [string, string];
  }

  /** Where the tag points now (the commit; an annotated tag's object is not a commit, so it never equals a SHA). */
  async read(): Promise<TagAt> {
    try {
      const res = (await this.github.request('GET /repos/{owner}/{repo}/git/ref/{ref}', {
        owner: this.owner,
        repo: this.repo,
        ref: `tags/${this.tag}`,
      })) as Answer;
      const object = (res.data as { object?: { sha?: string; type?: string } }).object;
      return { sha: object?.type === 'commit' ? object.sha : `${object?.type ?? 'unknown'}:${object?.sha}`, at: clockOf(res) };
    } catch (err) {
      if (statusOf(err) === 404) return { sha: undefined, at: Date.now() };
      throw this.refused(err, 'read') ?? err;
    }
  }

  /**
   * Moves the tag to `sha` so that GitHub sends a push (and the CI starts): created when missing,
   * moved (force) when elsewhere, deleted and created again when it is at `sha` already (moving a
   * ref to where it is pushes nothing). Returns GitHub's clock just before the move (ms).
   */
  async move(sha: string): Promise<number> {
    const now = await this.read();
    if (now.sha === sha) {
      this.log.info(
        { tag: this.tag, sha },
        'the tag is at the SHA already: deleting it and creating it again, so that GitHub sends a push',
      );
      await this.write('DELETE', sha, () =>
        this.github.request('DELETE /repos/{owner}/{repo}/git/refs/{ref}', { ...this.where(), request: { retries: 0 } }),
      );
      await this.create(sha);
    } else if (now.sha === undefined) await this.create(sha);
    else await this.update(sha);
    return now.at;
  }

  private async create(sha: string, hops = 0): Promise<void> {
    try {
      await this.write('POST', sha, () =>
        this.github.request('POST /repos/{owner}/{repo}/git/refs', {
          owner: this.owner,
          repo: this.repo,
          ref: `refs/tags/${this.tag}`,
          sha,
          request: { retries: 0 },
        }),
      );
    } catch (err) {
      // Someone created it meanwhile: move it.
      if (statusOf(err) === 422 && /already exists/i.test(messageOf(err)) && hops < 2) return this.update(sha, hops + 1);
      throw this.refused(err, 'move') ?? err;
    }
  }

  private async update(sha: string, hops = 0): Promise<void> {
    try {
      await this.write('PATCH', sha, () =>
        this.github.request('PATCH /repos/{owner}/{repo}/git/refs/{ref}', { ...this.where(), sha, force: true, request: { retries: 0 } }),
      );
    } catch (err) {
      // Deleted meanwhile: create it.
      if ((statusOf(err) === 422 || statusOf(err) === 404) && /does not exist|not found/i.test(messageOf(err)) && hops < 2)
        return this.create(sha, hops + 1);
      throw this.refused(err, 'move') ?? err;
    }
  }

  /** Sends one write; an error GitHub gave is mapped (CiRefused for what to fix); a lost answer is judged by reading the tag. */
  private async write(method: string, sha: string, send: () => Promise<unknown>): Promise<void> {
    try {
      await send();
    } catch (err) {
      const status = statusOf(err);
      // Gone already: what a delete wanted.
      if (method === 'DELETE' && status === 422 && /does not exist/i.test(messageOf(err))) return;
      if ((status === 422 && /already exists|does not exist/i.test(messageOf(err))) || (status === 404 && method === 'PATCH')) throw err;
      const refused = this.refused(err, method);
      if (refused) throw refused;
      const after = await this.read().catch(() => undefined);
      const arrived = method === 'DELETE' ? after?.sha === undefined : after?.sha === sha;
      this.log.warn({ tag: this.tag, method, err: messageOf(err), arrived }, 'a write of the tag got no answer; read it back');
      if (after && arrived) return;
      throw err;
    }
  }

  /** Why GitHub refused, in words that say what to fix; undefined for a transient failure. */
  refused(err: unknown, what: string): CiRefused | undefined {
    const status = statusOf(err);
    if (isRateLimited(err) || status === undefined || status >= 500) return undefined;
    const said = messageOf(err).replace(/\s+/g, ' ');
    if (status === 404)
      return new CiRefused(
        `GitHub can't show ${this.fullName} to Ferry (404): check the app's repo: in ferry.yml, and give Ferry's GitHub token or App contents: write on it`,
      );
    if (status === 401 || status === 403)
      return new CiRefused(
        `GitHub refused to ${what === 'read' ? 'read' : 'move'} the tag ${this.tag} (HTTP ${status}: ${said}): give Ferry's GitHub token or App contents: write on ${this.fullName}`,
      );
    if (status === 409)
      return new CiRefused(`GitHub refused to move the tag ${this.tag} (409: ${said}): ${this.fullName} must have the deployed commit`);
    return new CiRefused(
      `GitHub refused to move the tag ${this.tag} (HTTP ${status}: ${said}): check git_tag.name in ferry.yml, and that no tag protection rule or ruleset of ${this.fullName} keeps Ferry from moving it (allow Ferry's token or App to bypass it, or choose another tag)`,
    );
  }

  private where() {
    return { owner: this.owner, repo: this.repo, ref: `tags/${this.tag}` };
  }
}

/** GitHub's clock at its answer (the Date header, whole seconds), or this machine's. */
function clockOf(res: Answer): number {
  const date = Date.parse(String(res.headers.date ?? ''));
  return Number.isFinite(date) ? date : Date.now();
}
