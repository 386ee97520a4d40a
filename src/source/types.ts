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
  /** Said in messages: "acme/web" or the local path. */
  readonly label: string;
}
