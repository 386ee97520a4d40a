import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { prFromSubject } from '../../src/core/release/pr-subject';
import type { Commit, CommitRange } from '../../src/core/release/types';
import { FerryError } from '../../src/errors';
import { createGitHubClient, GitHubSource } from '../../src/source/github';
import { LocalGitSource } from '../../src/source/local-git';
import type { CommitSource } from '../../src/source/types';
import { FakeGitHub } from '../helpers/fake-github';
import { type LongRepo, makeLongRepo } from '../helpers/git-repo';

/** A SHA no repository here has. */
const GHOST = '0123456789abcdef0123456789abcdef01234567';

let dir = '';
let repo: LongRepo;
let github: FakeGitHub;
let buildMs = 0;

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'ferry-range-'));
  const t0 = performance.now();
  repo = makeLongRepo(path.join(dir, 'repo'));
  buildMs = performance.now() - t0;
  github = await new FakeGitHub().start();
  github.repos.set('acme/web', repo.path);
  github.logins.set('ana@example.com', 'ana-lima');
  github.logins.set('ben@example.com', 'benok');
});

afterAll(async () => {
  await github?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** What git itself says: `git <args>` in the repository. */
const git = (args: string[]) => execFileSync('git', args, { cwd: repo.path, encoding: 'utf8' }).trim();
const count = (range: string) => Number(git(['rev-list', '--count', range]));
/** `git log --no-merges --reverse <args>`: the commits a range must hold, oldest first. */
const gitLog = (args: string[]) =>
  git(['log', '--no-merges', '--reverse', '--format=%H%x1f%s%x1f%an%x1f%ae', ...args])
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const [sha, subject, authorName, authorEmail] = l.split('\x1f');
      return { sha, subject, authorName, authorEmail };
    });
const picked = (commits: Commit[]) =>
  commits.map(({ sha, subject, authorName, authorEmail }) => ({ sha, subject, authorName, authorEmail }));
const commitsOf = (r: CommitRange): Commit[] => ('commits' in r ? r.commits : []);

async function failure(p: Promise<unknown>): Promise<FerryError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(FerryError);
  return err as FerryError;
}

const newGitHubSource = (timeoutMs?: number) =>
  new GitHubSource(createGitHubClient({ baseUrl: github.url, log: pino({ level: 'silent' }) }), 'acme/web', github.url, timeoutMs);

const SOURCES: [string, () => CommitSource][] = [
  ['GitHub', () => newGitHubSource()],
  ['local git', () => new LocalGitSource(repo.path, { PATH: process.env.PATH!, HOME: dir })],
];

test('the long repository builds quickly with three authors, merge commits and squash subjects', () => {
  expect(buildMs).toBeLessThan(2_000);
  expect(new Set(gitLog([repo.head]).map((c) => c.authorEmail))).toEqual(
    new Set(['ana@example.com', 'ben@example.com', 'carla@example.com']),
  );
  expect(count(`${repo.base}..${repo.head}`) - gitLog([`${repo.base}..${repo.head}`]).length).toBe(8);
  expect(gitLog([`${repo.base}..${repo.head}`]).length).toBeGreaterThan(300);
});

describe.each(SOURCES)('%s source', (kind, make) => {
  const isGitHub = kind === 'GitHub';
  const compareUrl = (base: string, head: string) => (isGitHub ? `${github.url}/acme/web/compare/${base}...${head}` : undefined);
  let source: CommitSource;
  beforeAll(() => {
    source = make();
  });

  test('a range of more than 250 non-merge commits comes whole: exactly git log --no-merges --reverse base..head', async () => {
    const before = github.requests.length;
    const range = await source.compare(repo.base, repo.head);
    const expected = gitLog([`${repo.base}..${repo.head}`]);
    expect(expected.length).toBeGreaterThan(250);
    expect(range.kind).toBe('ahead');
    expect(range.compareUrl).toBe(compareUrl(repo.base, repo.head));
    const commits = commitsOf(range);
    expect(picked(commits)).toEqual(expected);
    // Author dates in ms, in the order written (one minute apart).
    for (let i = 1; i < commits.length; i++) expect(commits[i]!.date).toBeGreaterThan(commits[i - 1]!.date);
    expect(commits[0]!.date).toBe(Number(git(['log', '-1', '--format=%at', expected[0]!.sha!])) * 1000);
    // The subject is the first line of a multi-line message.
    expect(commits.find((c) => c.subject.startsWith('Rework'))?.subject).toBe('Rework billing');
    const ana = commits.find((c) => c.authorEmail === 'ana@example.com')!;
    const carla = commits.find((c) => c.authorEmail === 'carla@example.com')!;
    if (isGitHub) {
      expect(ana.authorLogin).toBe('ana-lima');
      expect(carla.authorLogin).toBeUndefined();
      // Proof of paging: GitHub lists at most 250 commits without it, so one request can't be enough.
      const pages = github.requests.slice(before).filter((r) => r.startsWith(`GET /repos/acme/web/compare/${repo.base}...${repo.head}?`));
      expect(pages.length).toBe(Math.ceil(count(`${repo.base}..${repo.head}`) / 100));
      expect(pages.length).toBeGreaterThan(1);
      for (const p of pages) expect(p).toContain('per_page=100');
    } else {
      expect(commits.every((c) => c.authorLogin === undefined)).toBe(true);
    }
  });

  test('a squash merge subject "Title (#N)" gives the PR (with its GitHub URL on GitHub)', async () => {
    const range = await source.compare(repo.base, repo.head);
    const squash = commitsOf(range).find((c) => c.subject === 'Feature 310 (#410)')!;
    expect(squash.pr).toEqual({ number: 410, title: 'Feature 310', ...(isGitHub && { url: `${github.url}/acme/web/pull/410` }) });
    const plain = commitsOf(range).find((c) => c.subject === 'Update app 309')!;
    expect(plain.pr).toBeUndefined();
  });

  test('the same SHA is identical', async () => {
    expect(await source.compare(repo.head, repo.head)).toEqual({ kind: 'identical', compareUrl: compareUrl(repo.head, repo.head) });
  });

  test('a source behind its target is behind, with the count', async () => {
    const range = await source.compare(repo.head, repo.mid);
    expect(range).toEqual({ kind: 'behind', behind: count(`${repo.mid}..${repo.head}`), compareUrl: compareUrl(repo.head, repo.mid) });
    expect(count(`${repo.mid}..${repo.head}`)).toBeGreaterThan(150);
  });

  test('a short range ahead', async () => {
    const range = await source.compare(repo.sha(`${repo.head}~3`), repo.head);
    expect(range.kind).toBe('ahead');
    expect(commitsOf(range).map((c) => c.subject)).toEqual(['Update app 308', 'Update app 309', 'Feature 310 (#410)']);
  });

  test('diverged, both ways: ahead/behind counts and the head side commits (git log --no-merges base..head)', async () => {
    // The target runs the hotfix; the source (main) went on without it.
    const range = await source.compare(repo.hotfix, repo.head);
    expect(range).toMatchObject({ kind: 'diverged', ahead: count(`${repo.hotfix}..${repo.head}`), behind: 3 });
    expect(range.compareUrl).toBe(compareUrl(repo.hotfix, repo.head));
    expect(picked(commitsOf(range))).toEqual(gitLog([`${repo.hotfix}..${repo.head}`]));
    // The other way round: the hotfix's 3 commits are what it would ship.
    const back = await source.compare(repo.head, repo.hotfix);
    expect(back).toMatchObject({ kind: 'diverged', ahead: 3, behind: count(`${repo.hotfix}..${repo.head}`) });
    expect(commitsOf(back).map((c) => c.subject)).toEqual(['Hotfix 1', 'Hotfix 2', 'Hotfix 3']);
  });

  test('a SHA it cannot find throws UNKNOWN_SHA naming the short SHA, the repo and the fix', async () => {
    const label = isGitHub ? 'acme/web' : repo.path;
    const head = await failure(source.compare(repo.base, GHOST));
    expect(head.code).toBe('UNKNOWN_SHA');
    expect(head.message).toContain(`${GHOST.slice(0, 7)} in ${label}`);
    expect(head.message).not.toContain(GHOST.slice(0, 8));
    expect(head.message).toContain('Deploy the source env again, then run /release.');
    expect(head.details).toEqual({ sha: GHOST, side: 'head' });
    if (isGitHub)
      expect(head.message).toBe(
        `GitHub can't find commit 0123456 in acme/web (was it force-pushed away?). Deploy the source env again, then run /release.`,
      );

    const base = await failure(source.compare(GHOST, repo.head));
    expect(base.code).toBe('UNKNOWN_SHA');
    expect(base.message).toContain(`${GHOST.slice(0, 7)} in ${label}`);
    expect(base.details).toEqual({ sha: GHOST, side: 'base' });

    const history = await failure(source.history(GHOST, 10));
    expect(history.code).toBe('UNKNOWN_SHA');
    expect(history.message).toContain(GHOST.slice(0, 7));
  });

  test('history(head, 50) is the newest 50 non-merge commits, oldest first', async () => {
    const commits = await source.history(repo.head, 50);
    expect(picked(commits)).toEqual(gitLog(['--max-count=50', repo.head]));
    expect(commits).toHaveLength(50);
    expect(commits.at(-1)!.sha).toBe(repo.head);
    expect(commits.at(-1)!.pr).toEqual({ number: 410, title: 'Feature 310', ...(isGitHub && { url: `${github.url}/acme/web/pull/410` }) });
    // More than one page of GitHub's 100, and a history shorter than asked for.
    expect(picked(await source.history(repo.head, 130))).toEqual(gitLog(['--max-count=130', repo.head]));
    expect((await source.history(repo.base, 50)).map((c) => c.subject)).toEqual(['first commit', 'add app', 'Set up CI (#1)']);
  });
});

describe('GitHub source only', () => {
  afterEach(() => {
    github.pulls.clear();
    github.pullsStatus = undefined;
  });

  test('the fake plays GitHub: without page/per_page, compare lists only 250 commits (so code that does not page fails above)', async () => {
    const res = await fetch(`${github.url}/repos/acme/web/compare/${repo.base}...${repo.head}`);
    const body = (await res.json()) as { total_commits: number; commits: { sha: string }[]; status: string };
    expect(body.status).toBe('ahead');
    expect(body.total_commits).toBe(count(`${repo.base}..${repo.head}`));
    expect(body.total_commits).toBeGreaterThan(250);
    expect(body.commits).toHaveLength(250);
    // The newest 250, oldest first: the last one is the head.
    expect(body.commits.at(-1)!.sha).toBe(repo.head);
    const capped = (await (await fetch(`${github.url}/repos/acme/web/compare/${repo.base}...${repo.head}?per_page=500`)).json()) as {
      commits: unknown[];
    };
    expect(capped.commits).toHaveLength(100);
    expect((await fetch(`${github.url}/repos/acme/web/compare/${repo.base}...${GHOST}`)).status).toBe(404);
  });

  const isLookup = (r: string) => /\/commits\/[0-9a-f]{40}\/pulls/.test(r);
  const pull = (number: number, title: string, merged = true) => ({
    number,
    title,
    html_url: `${github.url}/acme/web/pull/${number}`,
    merged_at: merged ? '2024-01-02T03:04:05Z' : null,
  });

  test('compare looks nothing up: squash subjects and "Merge pull request #N" merge commits name the PRs of their commits', async () => {
    const source = newGitHubSource();
    const before = github.requests.length;
    const commits = commitsOf(await source.compare(repo.base, repo.head));
    expect(github.requests.slice(before).filter(isLookup)).toEqual([]);
    // Feature 300's three commits came in with "Merge pull request #800 from acme/feature-300", titled on its third line.
    const feature = commits.filter((c) => c.subject.endsWith('of feature 300'));
    expect(feature.map((c) => c.sha)).toContain(repo.featureCommit);
    expect(feature).toHaveLength(3);
    for (const c of feature) expect(c.pr).toEqual({ number: 800, title: 'Checkout feature 300', url: `${github.url}/acme/web/pull/800` });
    // Every feature branch's commits: 8 merges of 3 commits each; squash merges from their subject; the rest (pushed to main) none.
    expect(commits.filter((c) => c.pr && !prFromSubject(c.subject))).toHaveLength(24);
    expect(commits.filter((c) => c.subject.startsWith('Update app')).every((c) => !c.pr)).toBe(true);
  });

  test('pullRequests() looks up the 30 newest commits that name no PR, first merged PR wins, and never those that do', async () => {
    const source = newGitHubSource();
    const commits = commitsOf(await source.compare(repo.base, repo.head));
    const plain = commits.filter((c) => !c.pr);
    const [oldest, newest] = [plain[0]!, plain.at(-1)!];
    expect(newest.subject).toBe('Update app 309');
    github.pulls.set(newest.sha, [pull(799, 'Draft of the billing', false), pull(901, 'Billing, rebased onto main')]);
    github.pulls.set(oldest.sha, pull(5, 'Too old to be looked up'));
    const before = github.requests.length;
    const prs = await source.pullRequests(commits);
    expect([...prs]).toEqual([[newest.sha, { number: 901, title: 'Billing, rebased onto main', url: `${github.url}/acme/web/pull/901` }]]);
    const lookups = github.requests.slice(before).filter(isLookup);
    expect(lookups).toHaveLength(30);
    expect(lookups.filter((r) => commits.some((c) => c.pr && r.includes(c.sha)))).toEqual([]);
    // history() names PRs from subjects only (a window of history is not a whole range); pullRequests() works on it too.
    const recent = await source.history(repo.head, 20);
    expect(recent.filter((c) => c.pr).every((c) => prFromSubject(c.subject))).toBe(true);
    expect((await source.pullRequests(recent)).get(newest.sha)?.number).toBe(901);
  });

  test('failed PR lookups are ignored: pullRequests() finds none, and the range is complete either way', async () => {
    github.pullsStatus = 500;
    const source = newGitHubSource();
    const commits = commitsOf(await source.compare(repo.base, repo.head));
    expect(picked(commits)).toEqual(gitLog([`${repo.base}..${repo.head}`]));
    expect((await source.pullRequests(commits)).size).toBe(0);
  });

  test('compare hands over each page as it comes (onCommits), all of the range in all', async () => {
    const pages: number[] = [];
    const seen = new Set<string>();
    const commits = commitsOf(
      await newGitHubSource().compare(repo.base, repo.head, {
        onCommits: (cs) => {
          pages.push(cs.length);
          for (const c of cs) seen.add(c.sha);
        },
      }),
    );
    expect(pages.length).toBe(Math.ceil(count(`${repo.base}..${repo.head}`) / 100));
    expect(seen).toEqual(new Set(commits.map((c) => c.sha)));
  });

  test('GitHub not answering is SOURCE_UNAVAILABLE, said at the timeout (not after Octokit retried the aborted request)', async () => {
    github.hang = true;
    try {
      const source = newGitHubSource(1_000);
      const t0 = performance.now();
      const err = await failure(source.compare(repo.base, repo.head));
      expect(performance.now() - t0).toBeLessThan(3_000);
      expect(err.code).toBe('SOURCE_UNAVAILABLE');
      expect(err.message).toBe(
        `GitHub did not answer within 1s while I compared ${repo.base.slice(0, 7)}...${repo.head.slice(0, 7)} in acme/web. Try again in a minute.`,
      );
      const history = await failure(source.history(repo.head, 10));
      expect(history.message).toBe(
        `GitHub did not answer within 1s while I listed the commits of ${repo.head.slice(0, 7)} in acme/web. Try again in a minute.`,
      );
      const ref = await failure(source.resolveRef('main'));
      expect(ref.message).toBe(
        'GitHub did not answer within 1s while I looked up the ref in acme/web; nothing was queued. Try again in a minute.',
      );
    } finally {
      github.release();
    }
  });

  test('the single-commit lookup (resolveRef) still works, from `refs` or from the repository', async () => {
    github.refs.set('acme/web@release-1', repo.mid);
    const source = newGitHubSource();
    expect(await source.resolveRef('release-1')).toBe(repo.mid);
    expect(await source.resolveRef('hotfix')).toBe(repo.hotfix);
    expect(await source.resolveRef('no-such-branch')).toBeUndefined();
  });
});

describe('prFromSubject', () => {
  test.each([
    ['Add checkout (#123)', { number: 123, title: 'Add checkout' }],
    ['Fix (x) in y (#7)  ', { number: 7, title: 'Fix (x) in y' }],
    ['Revert "Add checkout (#123)" (#130)', { number: 130, title: 'Revert "Add checkout (#123)"' }],
    ['Add checkout (#123) later', undefined],
    ['Add checkout #123', undefined],
    ['(#12)', undefined],
    ['Merge pull request #800 from acme/feature-300', undefined],
  ])('%s', (subject, expected) => {
    expect(prFromSubject(subject)).toEqual(expected);
  });
});
