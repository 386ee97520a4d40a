import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AppConfig } from '../../src/core/config/types';
import { Workspaces } from '../../src/worker/workspace';
import { branchWithCommit, makeRepo } from '../helpers/git-repo';

/** Checkouts: envs of one app, and apps sharing a repository, check out at the same time from one mirror. */
describe('Workspaces', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ferry-ws-'));
  const repo = makeRepo(path.join(dir, 'repo'));
  const app = (name: string): AppConfig => ({ name, path: repo.path, cloneUrl: repo.path, defaultBranch: 'main', envs: {}, envNames: [] });
  const gitEnv = () => ({ PATH: process.env.PATH!, HOME: dir });

  test('twenty checkouts of two apps sharing a repository, at once: one mirror, every tree at its SHA; the ones that came while it was being made say they waited', async () => {
    const ws = new Workspaces(path.join(dir, 'work-a'), gitEnv);
    const waits = new Map<number, (string | undefined)[]>();
    const sha = repo.sha('main');
    const dirs = await Promise.all(
      Array.from({ length: 20 }, (_, i) => {
        waits.set(i + 1, []);
        return ws.checkout(app(i % 2 ? 'web' : 'api'), sha, i + 1, (why) => waits.get(i + 1)!.push(why));
      }),
    );
    for (const d of dirs) expect(execFileSync('git', ['rev-parse', 'HEAD'], { cwd: d, encoding: 'utf8' }).trim()).toBe(sha);
    expect(readdirSync(path.join(dir, 'work-a', 'cache'))).toHaveLength(1); // one mirror for both apps
    const waited = [...waits.values()].filter((w) => w.some((x) => x?.startsWith('waiting for a fetch of')));
    expect(waited.length).toBe(19); // all but the one that made the mirror said so
    for (const w of waits.values()) if (w.length) expect(w.at(-1)).toBeUndefined(); // and stopped saying it
    await Promise.all(dirs.map((d) => ws.remove(d)));
  });

  test('a SHA pushed after the mirror was made is fetched; a SHA that is nowhere says so', async () => {
    const ws = new Workspaces(path.join(dir, 'work-b'), gitEnv);
    const first = await ws.checkout(app('web'), repo.sha('main'), 100);
    const fresh = branchWithCommit(repo.path, 'pushed-later');
    const [a, b] = await Promise.all([ws.checkout(app('web'), fresh, 101), ws.checkout(app('api'), fresh, 102)]);
    for (const d of [a, b]) expect(execFileSync('git', ['rev-parse', 'HEAD'], { cwd: d, encoding: 'utf8' }).trim()).toBe(fresh);
    await expect(ws.checkout(app('web'), 'f'.repeat(40), 103)).rejects.toThrow(
      `commit ${'f'.repeat(40)} is not in ${repo.path} (was the branch force-pushed?)`,
    );
    expect(existsSync(path.join(first, 'README.md'))).toBe(true);
    expect(readFileSync(path.join(a, 'README.md'), 'utf8')).toContain('app');
  });
});
