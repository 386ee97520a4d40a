import { mkdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { AppConfig } from '../config/types';
import { git, gitOk } from '../source/git';
import { withDirLock } from './dir-lock';

/**
 * Checkouts for deploys: one cached mirror clone per app (fetched when a SHA is missing), and a
 * clean tree per deploy that shares the mirror's objects and is removed afterwards.
 */
export class Workspaces {
  constructor(
    private readonly root: string,
    /** Environment for git: PATH, HOME, and the GitHub token as an HTTP header, never in a URL. */
    private readonly gitEnv: (app: AppConfig) => Record<string, string> | Promise<Record<string, string>>,
  ) {}

  async checkout(app: AppConfig, sha: string, deployId: number): Promise<string> {
    const env = await this.gitEnv(app);
    const cache = path.join(this.root, 'cache', `${app.name}.git`);
    await mkdir(path.dirname(cache), { recursive: true });
    await withDirLock(`${cache}.lock`, async () => {
      if (!(await exists(path.join(cache, 'HEAD')))) {
        await rm(cache, { recursive: true, force: true });
        await gitOk(['clone', '--quiet', '--mirror', '--', app.cloneUrl, cache], { env, timeoutMs: 600_000 });
      }
      if ((await git(['cat-file', '-e', `${sha}^{commit}`], { cwd: cache, env })).code !== 0) {
        await gitOk(['fetch', '--quiet', '--prune', 'origin'], { cwd: cache, env, timeoutMs: 600_000 });
      }
      if ((await git(['cat-file', '-e', `${sha}^{commit}`], { cwd: cache, env })).code !== 0) {
        throw new Error(`commit ${sha} is not in ${app.cloneUrl} (was the branch force-pushed?)`);
      }
    });
    const dir = this.runDir(deployId);
    await rm(dir, { recursive: true, force: true });
    await mkdir(path.dirname(dir), { recursive: true });
    await gitOk(['clone', '--quiet', '--shared', '--no-checkout', '--', cache, dir], { env });
    await gitOk(['checkout', '--quiet', '--detach', sha], { cwd: dir, env });
    return dir;
  }

  async remove(dir: string): Promise<void> {
    await rm(dir, { recursive: true, force: true });
  }

  /** The checkout a lost worker left behind for a deploy (if it ran on this machine). */
  async removeRun(deployId: number): Promise<void> {
    await this.remove(this.runDir(deployId));
  }

  private runDir(deployId: number): string {
    return path.join(this.root, 'runs', String(deployId));
  }
}

const exists = (p: string) => stat(p).then(() => true, () => false);
