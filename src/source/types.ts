import type { Commit, CommitRange } from '../core/release/types';

/**
 * Where an app's commits come from: GitHub through Octokit, or a local git repository. The rest of
 * Ferry only talks to this interface.
 */
export interface CommitSource {
  /** A full 40-character SHA for a branch, tag or commit, or undefined when the ref does not exist. */
  resolveRef(ref: string): Promise<string | undefined>;
  /** Branch and tag names (a bounded list), to suggest the right one when a ref does not exist. */
  refNames(): Promise<string[]>;
  /** Where people can look at a commit (a web URL for GitHub; undefined for a local repository). */
  commitUrl(sha: string): string | undefined;
  /**
   * What lies between `base` (the target env's SHA) and `head` (the source env's), both full SHAs:
   * always the whole range (never one page of it), commits oldest first and without merge commits.
   * `ahead`/`behind` counts are git's (`git rev-list --count`), so they include merge commits.
   * Throws FerryError UNKNOWN_SHA (details: `{ sha, side: 'base' | 'head' }`) when the source can't
   * find either SHA, SOURCE_UNAVAILABLE when it does not answer or refuses.
   */
  compare(base: string, head: string): Promise<CommitRange>;
  /**
   * The newest `limit` non-merge commits reachable from `head`, oldest first (for a target that has
   * never been deployed). Throws like compare().
   */
  history(head: string, limit: number): Promise<Commit[]>;
  /** Said in messages: "acme/web" or the local path. */
  readonly label: string;
}
