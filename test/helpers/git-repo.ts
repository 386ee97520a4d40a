import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
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
