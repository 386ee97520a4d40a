import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { prOfMerge, prsFromMerges, type RangeCommit } from '../../src/core/release/merge-prs';
import { makePrHistory, type PrHistory } from '../helpers/pr-history';

/** Pull requests from a range's own merge commits: which commits each "Merge pull request #N" brought in. */

/** A range written as `sha: parents | message`, newest last (the order doesn't matter to prsFromMerges). */
const range = (lines: string[]): RangeCommit[] =>
  lines.map((l) => {
    const [head, message] = l.split(' | ') as [string, string];
    const [sha, parents = ''] = head.split(':') as [string, string?];
    return { sha: sha.trim(), parents: parents.trim() ? parents.trim().split(/\s+/) : [], message: message.replace(/\\n/g, '\n') };
  });

const asObject = (m: Map<string, { number: number; title: string }>) =>
  Object.fromEntries([...m].map(([sha, pr]) => [sha, `#${pr.number} ${pr.title}`]));

test('prOfMerge: GitHub merge messages (title on the third line, else the branch), "Title (#N)" merges, and other merges', () => {
  expect(prOfMerge('Merge pull request #123 from octo/fix-login\n\nFix the login redirect\n\nLonger text')).toEqual({
    number: 123,
    title: 'Fix the login redirect',
  });
  expect(prOfMerge('Merge pull request #7 from octo/fix-login')).toEqual({ number: 7, title: 'octo/fix-login' });
  expect(prOfMerge('Fix the login redirect (#124)\n\n* a\n* b')).toEqual({ number: 124, title: 'Fix the login redirect' });
  expect(prOfMerge("Merge branch 'main' into octo/fix-login")).toBeUndefined();
  expect(prOfMerge('Merge remote-tracking branch origin/main')).toBeUndefined();
  expect(prOfMerge('Merge pull request #0 from x/y')).toBeUndefined();
});

test('each PR merge owns what its second parent brought in; main merged into a branch, a PR merged into a PR branch and direct pushes are told apart', () => {
  // base b0 is outside the range. main: m1 (direct), M1 merges PR #10 (a1, a2 forked from b0, with
  // main merged into it at a3 and a4 after), m2 (squash "(#11)"), M2 merges PR #12 (c1, and PR #13's d1 merged into it at c2).
  const r = range([
    'm1: b0 | Bump version',
    'a1: b0 | Start the checkout',
    'a2: a1 | Checkout, second step',
    "a3: a2 m1 | Merge branch 'main' into ana/checkout",
    'a4: a3 | Address review comments',
    'M1: m1 a4 | Merge pull request #10 from ana/checkout\\n\\nNew checkout',
    'm2: M1 | Faster search (#11)',
    'c1: M1 | Receipts by email',
    'd1: c1 | Receipt template',
    'c2: c1 d1 | Merge pull request #13 from ben/template\\n\\nReceipt template',
    'M2: m2 c2 | Merge pull request #12 from carla/receipts\\n\\nReceipts',
  ]);
  expect(asObject(prsFromMerges(r, 'M2'))).toEqual({
    a1: '#10 New checkout',
    a2: '#10 New checkout',
    a4: '#10 New checkout',
    c1: '#12 Receipts',
    d1: '#13 Receipt template',
  });
  // m1 (a direct push, merged into the branch too) and m2 (a squash merge: its subject says) are not a merge's.
  // Only what lies below head counts: from M1, PR #12's commits are not in the range yet.
  expect(asObject(prsFromMerges(r, 'M1'))).toEqual({ a1: '#10 New checkout', a2: '#10 New checkout', a4: '#10 New checkout' });
  // A head outside the range, or an empty range: nothing.
  expect(prsFromMerges(r, 'zz').size).toBe(0);
  expect(prsFromMerges([], 'M2').size).toBe(0);
});

test('an octopus merge and a PR branch that forked below the range', () => {
  const r = range([
    'x1: b0 | One',
    'y1: b0 | Two',
    'z1: x1 | Three',
    'O: z1 y1 w9 | Merge pull request #5 from a/b\\n\\nBoth',
    'w1: O | After',
  ]);
  // y1 came in through the merge; w9 (below the range) is ignored; z1, x1 are on the first-parent line.
  expect(asObject(prsFromMerges(r, 'w1'))).toEqual({ y1: '#5 Both' });
});

describe('a realistic history (test/helpers/pr-history.ts)', () => {
  let dir: string;
  let h: PrHistory;
  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'ferry-merge-prs-'));
    h = makePrHistory(path.join(dir, 'repo'), { events: 300, seed: 7 });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('every commit a PR merge brought in gets that PR (the innermost), and nothing else gets one', () => {
    const log = execFileSync('git', ['log', '--format=%H%x1f%P%x1f%B%x1e', `${h.base}..${h.head}`], {
      cwd: h.path,
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    });
    const commits: RangeCommit[] = log
      .split('\x1e')
      .map((r) => r.replace(/^\n/, ''))
      .filter(Boolean)
      .map((r) => {
        const [sha, parents, message] = r.split('\x1f') as [string, string, string];
        return { sha, parents: parents ? parents.split(' ') : [], message };
      });
    // The premise: merges, PRs merged into PR branches, and main merged into branches.
    expect(h.counts.merges).toBeGreaterThan(200);
    expect(h.counts.nested).toBeGreaterThan(2);
    expect(commits.some((c) => c.message.startsWith("Merge branch 'main' into"))).toBe(true);
    const expected = new Map(
      [...h.prOf].filter(([, pr]) => pr.how === 'merge').map(([sha, pr]) => [sha, { number: pr.number, title: pr.title }]),
    );
    expect(asObject(prsFromMerges(commits, h.head))).toEqual(asObject(expected));
  });
});
