/**
 * GitHubSource's commit ranges: GitHub's compare (paged), a head's recent history, and the
 * commit -> pull request lookups for what neither a subject nor a merge commit names.
 */
import { prsFromMerges, type MergedPr } from '../core/release/merge-prs';
import { prFromSubject } from '../core/release/pr-subject';
import type { Commit, CommitRange } from '../core/release/types';
import { FerryError } from '../errors';
import type { GitHubClient } from './github-client';
import type { PullRequest, RangeOptions } from './types';

/** GitHub's largest page (compare, commits). Unpaginated, compare returns at most 250 commits: Ferry always pages. */
const PER_PAGE = 100;
/** Requests in flight at once for one range (compare pages, pull request lookups). */
const CONCURRENCY = 4;
/** Commits with no pull request from their subject or a merge commit whose pull request is looked up, newest first. */
export const PR_LOOKUPS = 30;

/** The parts of a commit Ferry reads from GitHub's compare and list-commits answers. */
interface ApiCommit {
  sha: string;
  commit: { message: string; author?: { name?: string; email?: string; date?: string } | null; committer?: { date?: string } | null };
  author?: { login?: string } | Record<string, never> | null;
  parents: { sha: string }[];
}

/** What the range code needs of its GitHubSource. */
export interface RangeApi {
  client: GitHubClient;
  owner: string;
  repo: string;
  label: string;
  webUrl: string;
  timeoutMs: number;
  resolveRef(ref: string): Promise<string | undefined>;
}

/**
 * GitHub's compare (`GET /repos/{o}/{r}/compare/{base}...{head}`), always paginated: without
 * `per_page`/`page` GitHub lists at most 250 commits. Page 1 gives `total_commits`; the other
 * pages are fetched CONCURRENCY at a time, each handed to `opts.onCommits` as it comes, and a
 * range that comes back short is an error, never a partial list. Pull requests come from the
 * commits' subjects and from the range's merge commits (prsFromMerges); nothing is looked up.
 */
export async function compareRange(api: RangeApi, base: string, head: string, opts: RangeOptions = {}): Promise<CommitRange> {
  const compareUrl = `${api.webUrl}/${api.owner}/${api.repo}/compare/${base}...${head}`;
  const page = async (n: number) => {
    try {
      const res = await api.client.rest.repos.compareCommitsWithBasehead({
        owner: api.owner,
        repo: api.repo,
        basehead: `${base}...${head}`,
        per_page: PER_PAGE,
        page: n,
        request: { signal: AbortSignal.timeout(api.timeoutMs) },
      });
      return res.data;
    } catch (err) {
      if (isNotFound(err)) throw await whichIsUnknown(api, base, head, err);
      throw unavailable(api, err, `compared ${short(base)}...${short(head)}`);
    }
  };
  const pages: { raw: ApiCommit[]; commits: Commit[] }[] = [];
  const took = (n: number, raw: ApiCommit[]) => {
    pages[n - 1] = { raw, commits: toCommits(api, raw) };
    opts.onCommits?.(pages[n - 1]!.commits);
  };
  const first = await page(1);
  if (first.status === 'identical') return { kind: 'identical', compareUrl };
  if (first.status === 'behind') return { kind: 'behind', behind: first.behind_by, compareUrl };
  took(1, first.commits as ApiCommit[]);
  const total = first.total_commits;
  const more = Array.from({ length: Math.max(0, Math.ceil(total / PER_PAGE) - 1) }, (_, i) => i + 2);
  await mapLimit(more, CONCURRENCY, async (n) => took(n, (await page(n)).commits as ApiCommit[]));
  const raw = pages.flatMap((p) => p.raw);
  if (raw.length !== total) {
    throw new FerryError(
      'SOURCE_UNAVAILABLE',
      `GitHub listed ${raw.length} of the ${total} commits between ${short(base)} and ${short(head)} in ${api.label}, so I can't show the whole range. Try again in a minute.`,
    );
  }
  const commits = pages.flatMap((p) => p.commits);
  addMergedPrs(
    api,
    commits,
    prsFromMerges(
      raw.map((c) => ({ sha: c.sha, parents: c.parents.map((p) => p.sha), message: c.commit.message })),
      head,
    ),
  );
  if (first.status === 'ahead') return { kind: 'ahead', commits, compareUrl };
  return { kind: 'diverged', ahead: first.ahead_by, behind: first.behind_by, commits, compareUrl };
}

/**
 * `GET /repos/{o}/{r}/commits?sha=<head>`, newest first, paged until `limit` non-merge commits (or
 * the root). Only subjects give pull requests here: a window of history is not a whole range.
 */
export async function recentHistory(api: RangeApi, head: string, limit: number, opts: RangeOptions = {}): Promise<Commit[]> {
  const perPage = Math.max(1, Math.min(PER_PAGE, limit));
  const found: ApiCommit[] = [];
  // Bounded: a history that is mostly merges still ends, with what it found.
  for (let n = 1; found.length < limit && n <= Math.ceil(limit / perPage) * 4 + 2; n++) {
    let data: ApiCommit[];
    try {
      const res = await api.client.rest.repos.listCommits({
        owner: api.owner,
        repo: api.repo,
        sha: head,
        per_page: perPage,
        page: n,
        request: { signal: AbortSignal.timeout(api.timeoutMs) },
      });
      data = res.data as ApiCommit[];
    } catch (err) {
      if (isNotFound(err)) throw unknownSha(api, head, 'head');
      throw unavailable(api, err, `listed the commits of ${short(head)}`);
    }
    const kept = data.filter((c) => c.parents.length <= 1).slice(0, limit - found.length);
    found.push(...kept);
    opts.onCommits?.(toCommits(api, kept));
    if (data.length < perPage) break;
  }
  return toCommits(api, found.reverse());
}

/**
 * GitHub's commit -> pull requests lookup for the PR_LOOKUPS newest of `commits` that have no
 * pull request yet (true merges' commits when the merge message doesn't say, rebase merges,
 * direct pushes); the first merged one wins. Best effort: a failed lookup leaves the commit
 * without one, and all of them share one deadline. Returns SHA -> pull request.
 */
export async function lookUpPullRequests(api: RangeApi, commits: readonly Commit[]): Promise<Map<string, PullRequest>> {
  const todo = commits.filter((c) => !c.pr).slice(-PR_LOOKUPS);
  const found = new Map<string, PullRequest>();
  const signal = AbortSignal.timeout(api.timeoutMs);
  await mapLimit(todo, CONCURRENCY, async (c) => {
    try {
      const res = await api.client.rest.repos.listPullRequestsAssociatedWithCommit({
        owner: api.owner,
        repo: api.repo,
        commit_sha: c.sha,
        per_page: 10,
        request: { signal, retries: 0 },
      });
      const pr = res.data.find((p) => p.merged_at);
      if (pr) found.set(c.sha, { number: pr.number, title: pr.title, url: pr.html_url });
    } catch {
      // No PR shown for this commit; the range itself is complete.
    }
  });
  return found;
}

function pullUrl(api: RangeApi, n: number): string {
  return `${api.webUrl}/${api.owner}/${api.repo}/pull/${n}`;
}

/** GitHub's commits as Ferry's, without merge commits; a subject's "(#123)" gives the pull request. */
function toCommits(api: RangeApi, raw: ApiCommit[]): Commit[] {
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
      if (pr) out.pr = { ...pr, url: pullUrl(api, pr.number) };
      return out;
    });
}

/** The pull requests merge commits name, for the commits their subjects didn't give one. */
function addMergedPrs(api: RangeApi, commits: Commit[], merged: Map<string, MergedPr>): void {
  for (const c of commits) {
    const pr = c.pr ? undefined : merged.get(c.sha);
    if (pr) c.pr = { ...pr, url: pullUrl(api, pr.number) };
  }
}

/** Compare said 404/422: find which SHA GitHub lacks (head first: it is the one a redeploy fixes). */
async function whichIsUnknown(api: RangeApi, base: string, head: string, err: unknown): Promise<FerryError> {
  if (!(await api.resolveRef(head))) return unknownSha(api, head, 'head');
  if (base !== head && !(await api.resolveRef(base))) return unknownSha(api, base, 'base');
  const status = (err as { status?: number }).status;
  return new FerryError(
    'SOURCE_UNAVAILABLE',
    `GitHub can't compare ${short(base)} with ${short(head)} in ${api.label} (HTTP ${status}), although it has both: do they share any history? Try again in a minute.`,
  );
}

function unknownSha(api: RangeApi, sha: string, side: 'base' | 'head'): FerryError {
  const fix =
    side === 'head'
      ? 'Deploy the source env again, then run /release.'
      : "It is what runs on the target env, so I can't tell what a release would ship. Deploy a commit that exists to the target env, then run /release.";
  return new FerryError('UNKNOWN_SHA', `GitHub can't find commit ${short(sha)} in ${api.label} (was it force-pushed away?). ${fix}`, {
    sha,
    side,
  });
}

/** Timeouts, 401/403, 5xx after retries: as GitHubSource.resolveRef() words them. */
function unavailable(api: RangeApi, err: unknown, doing: string): FerryError {
  if (err instanceof FerryError) return err;
  const status = (err as { status?: number }).status;
  if (status === 401 || status === 403) {
    return new FerryError(
      'SOURCE_UNAVAILABLE',
      `GitHub refused access to ${api.label} (HTTP ${status}); check that GITHUB_TOKEN can read this repository.`,
    );
  }
  const what =
    (err as Error).name === 'TimeoutError' || /abort|timeout/i.test(String((err as Error).message))
      ? `did not answer within ${Math.round(api.timeoutMs / 1000)}s`
      : `failed (${status ?? (err as Error).message})`;
  return new FerryError('SOURCE_UNAVAILABLE', `GitHub ${what} while I ${doing} in ${api.label}. Try again in a minute.`);
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
