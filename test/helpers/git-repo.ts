import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const AUTHORS = [
  ['Ana Lima', 'ana@example.com'],
  ['Ben Okafor', 'ben@example.com'],
] as const;

/** A real git repository made for a test: main with two commits, and branches on top. */
export function makeRepo(dir: string, branches: string[] = ['feature/checkout']): { path: string; sha: (ref: string) => string } {
  mkdirSync(dir, { recursive: true });
  const git = (args: string[], author: readonly [string, string] = AUTHORS[0]) =>
    execFileSync('git', args, {
      cwd: dir,
      encoding: 'utf8',
      env: { PATH: process.env.PATH!, HOME: dir, GIT_AUTHOR_NAME: author[0], GIT_AUTHOR_EMAIL: author[1], GIT_COMMITTER_NAME: author[0], GIT_COMMITTER_EMAIL: author[1] },
    }).trim();
  git(['init', '--quiet', '--initial-branch=main']);
  writeFileSync(path.join(dir, 'README.md'), '# app\n');
  git(['add', '.']);
  git(['commit', '--quiet', '-m', 'first commit']);
  writeFileSync(path.join(dir, 'app.txt'), 'v1\n');
  git(['add', '.']);
  git(['commit', '--quiet', '-m', 'add app'], AUTHORS[1]);
  for (const b of branches) {
    git(['checkout', '--quiet', '-b', b, 'main']);
    writeFileSync(path.join(dir, 'app.txt'), `v1 ${b}\n`);
    git(['commit', '--quiet', '-am', `work on ${b}`]);
  }
  git(['checkout', '--quiet', 'main']);
  return { path: dir, sha: (ref: string) => git(['rev-parse', `${ref}^{commit}`]) };
}

/** What makeLongRepo built: full SHAs of the commits the tests compare. */
export interface LongRepo {
  path: string;
  /** main after three commits: the target's SHA of a long range. */
  base: string;
  /** main's tip: more than 250 non-merge commits (and 8 merge commits) after `base`. */
  head: string;
  /** main halfway between base and head. */
  mid: string;
  /** Branch `hotfix`: 3 commits on main's 200th commit, never merged (diverged from head). */
  hotfix: string;
  /** A commit of the last merged feature branch (no `(#N)` subject), among the newest commits of base..head. */
  featureCommit: string;
  sha: (ref: string) => string;
}

export const LONG_REPO_AUTHORS = [
  ['Ana Lima', 'ana@example.com'],
  ['Ben Okafor', 'ben@example.com'],
  ['Carla Diaz', 'carla@example.com'],
] as const;

/**
 * A repository with a long history by three authors, written in one `git fast-import` (hundreds
 * of commits in well under a second; `git commit` per commit would take seconds): main has 310
 * commits after `base`, every 10th a squash merge's `Feature N (#1N)`, one with a multi-line
 * message, and every 40th (from the 20th) a 3-commit feature branch forked 2 commits back and merged with a
 * merge commit
 * ("Merge pull request #N ..."); `hotfix` forks from main's 200th. Author dates are 1 minute
 * apart, in the order written.
 */
export function makeLongRepo(dir: string): LongRepo {
  mkdirSync(dir, { recursive: true });
  const env = { PATH: process.env.PATH!, HOME: dir, GIT_AUTHOR_NAME: 'Ana Lima', GIT_AUTHOR_EMAIL: 'ana@example.com', GIT_COMMITTER_NAME: 'Ana Lima', GIT_COMMITTER_EMAIL: 'ana@example.com' };
  const git = (args: string[], input?: string) => execFileSync('git', args, { cwd: dir, encoding: 'utf8', env, ...(input !== undefined && { input }) }).trim();
  git(['init', '--quiet', '--initial-branch=main']);

  const out: string[] = [];
  const data = (s: string) => `data ${Buffer.byteLength(s)}\n${s}\n`;
  let mark = 0;
  let time = 1_700_000_000;
  /** Writes one commit on `branch`, returns its mark. */
  const commit = (branch: string, o: { message: string; author: number; from?: number; merge?: number; files: Record<string, string> }): number => {
    const [name, email] = LONG_REPO_AUTHORS[o.author % LONG_REPO_AUTHORS.length]!;
    mark += 1;
    time += 60;
    out.push(`commit refs/heads/${branch}\nmark :${mark}\nauthor ${name} <${email}> ${time} +0000\ncommitter ${name} <${email}> ${time} +0000\n${data(o.message)}`);
    if (o.from) out.push(`from :${o.from}\n`);
    if (o.merge) out.push(`merge :${o.merge}\n`);
    for (const [file, content] of Object.entries(o.files)) out.push(`M 100644 inline ${file}\n${data(content)}`);
    out.push('\n');
    return mark;
  };

  let main = commit('main', { message: 'first commit\n', author: 0, files: { 'README.md': '# app\n' } });
  main = commit('main', { message: 'add app\n', author: 1, from: main, files: { 'app.txt': 'v0\n' } });
  main = commit('main', { message: 'Set up CI (#1)\n', author: 2, from: main, files: { 'ci.yml': 'on: push\n' } });
  const marks = { base: main, mid: 0, fork: 0, feature: 0 };
  const trail = [main];
  for (let i = 1; i <= 310; i++) {
    const message = i % 10 === 0 ? `Feature ${i} (#${100 + i})\n` : i === 137 ? 'Rework billing\n\nThe long story of why,\nover two lines.\n' : `Update app ${i}\n`;
    main = commit('main', { message, author: i, from: main, files: { 'app.txt': `v${i}\n` } });
    trail.push(main);
    if (i % 40 === 20) {
      // Forked 2 commits back, so main moved on meanwhile: a real two-sided merge.
      const file = `features/f${i}.txt`;
      let f = trail.at(-3)!;
      for (let k = 1; k <= 3; k++) f = commit(`feature-${i}`, { message: `Checkout step ${k} of feature ${i}\n`, author: i + k, from: f, files: { [file]: `step ${k}\n` } });
      marks.feature = f;
      main = commit('main', { message: `Merge pull request #${500 + i} from acme/feature-${i}\n\nCheckout feature ${i}\n`, author: 0, from: main, merge: f, files: { [file]: 'step 3\n' } });
    }
    if (i === 150) marks.mid = main;
    if (i === 200) marks.fork = main;
  }
  let hotfix = marks.fork;
  for (let k = 1; k <= 3; k++) hotfix = commit('hotfix', { message: `Hotfix ${k}\n`, author: k, from: hotfix, files: { 'hotfix.txt': `${k}\n` } });
  out.push(`checkpoint\n`);
  const markFile = path.join(dir, '.git', 'ferry-marks');
  git(['fast-import', '--quiet', `--export-marks=${markFile}`], out.join(''));
  git(['reset', '--quiet', '--hard', 'main']);
  const shaOf = new Map(
    readFileSync(markFile, 'utf8')
      .trim()
      .split('\n')
      .map((l) => {
        const [m, sha] = l.split(' ') as [string, string];
        return [Number(m.slice(1)), sha] as const;
      }),
  );
  const at = (m: number) => shaOf.get(m)!;
  return {
    path: dir,
    base: at(marks.base),
    head: at(main),
    mid: at(marks.mid),
    hotfix: at(hotfix),
    featureCommit: at(marks.feature),
    sha: (ref: string) => git(['rev-parse', `${ref}^{commit}`]),
  };
}
