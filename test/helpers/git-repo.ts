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
      env: {
        PATH: process.env.PATH!,
        HOME: dir,
        GIT_AUTHOR_NAME: author[0],
        GIT_AUTHOR_EMAIL: author[1],
        GIT_COMMITTER_NAME: author[0],
        GIT_COMMITTER_EMAIL: author[1],
      },
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
  const env = {
    PATH: process.env.PATH!,
    HOME: dir,
    GIT_AUTHOR_NAME: 'Ana Lima',
    GIT_AUTHOR_EMAIL: 'ana@example.com',
    GIT_COMMITTER_NAME: 'Ana Lima',
    GIT_COMMITTER_EMAIL: 'ana@example.com',
  };
  const git = (args: string[], input?: string) =>
    execFileSync('git', args, { cwd: dir, encoding: 'utf8', env, ...(input !== undefined && { input }) }).trim();
  git(['init', '--quiet', '--initial-branch=main']);

  const out: string[] = [];
  const data = (s: string) => `data ${Buffer.byteLength(s)}\n${s}\n`;
  let mark = 0;
  let time = 1_700_000_000;
  /** Writes one commit on `branch`, returns its mark. */
  const commit = (
    branch: string,
    o: { message: string; author: number; from?: number; merge?: number; files: Record<string, string> },
  ): number => {
    const [name, email] = LONG_REPO_AUTHORS[o.author % LONG_REPO_AUTHORS.length]!;
    mark += 1;
    time += 60;
    out.push(
      `commit refs/heads/${branch}\nmark :${mark}\nauthor ${name} <${email}> ${time} +0000\ncommitter ${name} <${email}> ${time} +0000\n${data(o.message)}`,
    );
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
    const message =
      i % 10 === 0
        ? `Feature ${i} (#${100 + i})\n`
        : i === 137
          ? 'Rework billing\n\nThe long story of why,\nover two lines.\n'
          : `Update app ${i}\n`;
    main = commit('main', { message, author: i, from: main, files: { 'app.txt': `v${i}\n` } });
    trail.push(main);
    if (i % 40 === 20) {
      // Forked 2 commits back, so main moved on meanwhile: a real two-sided merge.
      const file = `features/f${i}.txt`;
      let f = trail.at(-3)!;
      for (let k = 1; k <= 3; k++)
        f = commit(`feature-${i}`, {
          message: `Checkout step ${k} of feature ${i}\n`,
          author: i + k,
          from: f,
          files: { [file]: `step ${k}\n` },
        });
      marks.feature = f;
      main = commit('main', {
        message: `Merge pull request #${500 + i} from acme/feature-${i}\n\nCheckout feature ${i}\n`,
        author: 0,
        from: main,
        merge: f,
        files: { [file]: 'step 3\n' },
      });
    }
    if (i === 150) marks.mid = main;
    if (i === 200) marks.fork = main;
  }
  let hotfix = marks.fork;
  for (let k = 1; k <= 3; k++)
    hotfix = commit('hotfix', { message: `Hotfix ${k}\n`, author: k, from: hotfix, files: { 'hotfix.txt': `${k}\n` } });
  out.push(`checkpoint\n`);
  const shaOf = fastImport(dir, out.join(''), git);
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

/** The people of makeTeamRepo's commits: git name and email. */
export const TEAM = {
  ana: ['Ana Lima', 'ana@example.com'],
  ben: ['Ben Okafor', 'ben@example.com'],
  carla: ['Carla Diaz', 'carla@example.com'],
} as const;

export type TeamMember = keyof typeof TEAM;

/** What makeTeamRepo built, and a way to add commits later (a branch moving on). */
export interface TeamRepo {
  path: string;
  /** main's second commit: what a target env runs before a release. */
  base: string;
  /** Branch `hotfix`: one Ben commit on `base` that main never got. */
  hotfix: string;
  sha: (ref: string) => string;
  /** Adds a commit by `who` to `branch` (checked out, then main again); returns its SHA. */
  commit: (branch: string, who: TeamMember, subject: string) => string;
}

/**
 * A repository by three authors, with dates a minute apart so the order is fixed:
 * main: "first commit" (Ana), "add app" (Ben) = base; then "Add checkout page" (Ana),
 * "Fix cart totals (#12)" (Ben), Carla's "Polish checkout copy" on `feature/copy` merged with a
 * merge commit (by Ana), "Add receipt email" (Ana). `hotfix` forks from base with "Hotfix login
 * redirect" (Ben). So base..main is 4 commits (no merges) by Ana (2), Ben (1) and Carla (1).
 */
export function makeTeamRepo(dir: string): TeamRepo {
  mkdirSync(dir, { recursive: true });
  let time = 1_700_000_000;
  const git = (args: string[], who: TeamMember = 'ana') => {
    const [name, email] = TEAM[who];
    time += 60;
    const date = `${time} +0000`;
    return execFileSync('git', args, {
      cwd: dir,
      encoding: 'utf8',
      env: {
        PATH: process.env.PATH!,
        HOME: dir,
        GIT_AUTHOR_NAME: name,
        GIT_AUTHOR_EMAIL: email,
        GIT_COMMITTER_NAME: name,
        GIT_COMMITTER_EMAIL: email,
        GIT_AUTHOR_DATE: date,
        GIT_COMMITTER_DATE: date,
      },
    }).trim();
  };
  let n = 0;
  const commit = (branch: string, who: TeamMember, subject: string): string => {
    if (n > 0) git(['checkout', '--quiet', branch]);
    writeFileSync(path.join(dir, `change-${++n}.txt`), `${subject}\n`);
    git(['add', '.']);
    git(['commit', '--quiet', '-m', subject], who);
    const sha = git(['rev-parse', 'HEAD']);
    git(['checkout', '--quiet', 'main']);
    return sha;
  };
  git(['init', '--quiet', '--initial-branch=main']);
  commit('main', 'ana', 'first commit');
  const base = commit('main', 'ben', 'add app');
  git(['branch', 'hotfix', base]);
  const hotfix = commit('hotfix', 'ben', 'Hotfix login redirect');
  commit('main', 'ana', 'Add checkout page');
  commit('main', 'ben', 'Fix cart totals (#12)');
  git(['branch', 'feature/copy', 'main']);
  commit('feature/copy', 'carla', 'Polish checkout copy');
  git(['merge', '--quiet', '--no-ff', '-m', "Merge branch 'feature/copy'", 'feature/copy'], 'ana');
  commit('main', 'ana', 'Add receipt email');
  return { path: dir, base, hotfix, sha: (ref: string) => git(['rev-parse', `${ref}^{commit}`]), commit };
}

/** One commit of makeLinearRepo: its whole message and its author (name, email). */
export interface LinearCommit {
  message: string;
  author: readonly [string, string];
}

/**
 * A repository whose `main` is exactly `commits`, oldest first (the first is the root), written
 * in one `git fast-import` (a thousand commits in well under a second). Each commit changes
 * `log.txt`; author dates are 1 minute apart. Returns every commit's full SHA, in the same order.
 */
export function makeLinearRepo(dir: string, commits: readonly LinearCommit[]): { path: string; shas: string[] } {
  mkdirSync(dir, { recursive: true });
  const env = { PATH: process.env.PATH!, HOME: dir, GIT_COMMITTER_NAME: 'Ferry Tests', GIT_COMMITTER_EMAIL: 'tests@example.com' };
  const git = (args: string[], input?: string) =>
    execFileSync('git', args, {
      cwd: dir,
      encoding: 'utf8',
      env,
      maxBuffer: 64 * 1024 * 1024,
      ...(input !== undefined && { input }),
    }).trim();
  git(['init', '--quiet', '--initial-branch=main']);
  const data = (s: string) => `data ${Buffer.byteLength(s)}\n${s}\n`;
  const out: string[] = [];
  let time = 1_700_000_000;
  commits.forEach((c, i) => {
    time += 60;
    const [name, email] = c.author;
    out.push(
      `commit refs/heads/main\nmark :${i + 1}\nauthor ${name} <${email}> ${time} +0000\ncommitter Ferry Tests <tests@example.com> ${time} +0000\n${data(c.message)}`,
    );
    if (i > 0) out.push(`from :${i}\n`);
    out.push(`M 100644 inline log.txt\n${data(`${i}\n`)}\n`);
  });
  const byMark = fastImport(dir, out.join(''), git);
  return { path: dir, shas: commits.map((_, i) => byMark.get(i + 1)!) };
}

/** Feeds a fast-import stream to the repository, checks out main, and returns each mark's SHA. */
export function fastImport(dir: string, stream: string, git: (args: string[], input?: string) => string): Map<number, string> {
  const markFile = path.join(dir, '.git', 'ferry-marks');
  git(['fast-import', '--quiet', `--export-marks=${markFile}`], stream);
  git(['reset', '--quiet', '--hard', 'main']);
  return new Map(
    readFileSync(markFile, 'utf8')
      .trim()
      .split('\n')
      .map((l) => {
        const [m, sha] = l.split(' ') as [string, string];
        return [Number(m.slice(1)), sha] as const;
      }),
  );
}

/** A new branch `ref` off main with one empty commit; returns its SHA (main stays checked out). */
export function branchWithCommit(repo: string, ref: string): string {
  const git = (...args: string[]) => execFileSync('git', args, { cwd: repo, encoding: 'utf8' }).trim();
  git('checkout', '--quiet', '-b', ref, 'main');
  git('-c', 'user.name=T', '-c', 'user.email=t@example.com', 'commit', '--quiet', '--allow-empty', '-m', ref);
  const sha = git('rev-parse', 'HEAD');
  git('checkout', '--quiet', 'main');
  return sha;
}
