import type { Commit, CommitRange } from '../core/release/types';

/** A commit's pull request, as a release shows it. */
export type PullRequest = NonNullable<Commit['pr']>;

export interface RangeOptions {
  /**
   * Called with each part of the range as it arrives (a page of GitHub's, in any order), before
   * the whole range is known: e.g. to start looking its authors up while the rest comes.
   */
  onCommits?: (commits: readonly Commit[]) => void;
}

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
  compare(base: string, head: string, opts?: RangeOptions): Promise<CommitRange>;
  /**
   * The newest `limit` non-merge commits reachable from `head`, oldest first (for a target that has
   * never been deployed). Throws like compare().
   */
  history(head: string, limit: number, opts?: RangeOptions): Promise<Commit[]>;
  /**
   * Pull requests of commits that compare() and history() could not tie to one from the commits
   * themselves (a subject's "(#123)", a merge commit's "Merge pull request #123"): a lookup per
   * commit, so it comes after the summary. SHA -> pull request; best effort, bounded in number
   * and time, never throws. Absent when the source has no pull requests (a local repository).
   */
  pullRequests?(commits: readonly Commit[]): Promise<Map<string, PullRequest>>;
  /** Said in messages: "acme/web" or the local path. */
  readonly label: string;
}
