import { createHash } from 'node:crypto';
import { mkdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { AppConfig } from '../core/config/types';
import { type Exec, type GitOptions, git, gitOk } from '../source/git';
import { withDirLock } from './dir-lock';

/** Told when a checkout has to wait for the shared cache (a fetch); undefined when it waits no more. */
export type CheckoutWait = (why: string | undefined) => void;

/**
 * Checkouts for deploys: one cached mirror clone per repository (shared by the apps that deploy
 * it, fetched only when a SHA is missing), and a clean tree per deploy that borrows the mirror's
 * objects and is removed afterwards.
 *
 * Checkouts run in parallel: a deploy's own tree needs no lock (git writes new objects into the
 * mirror atomically, so reading it while a fetch runs is safe). Only what changes the mirror is
 * serialised, the clone that creates it and a fetch into it: one at a time per mirror across the
 * worker processes of a machine (a directory lock), and within a process the deploys that need a
 * fetch wait for the same one, in the order they asked.
 */
export class Workspaces {
  /** Per mirror: the fetch this process runs or waits for now, which every deploy missing a commit joins. */
  private readonly fetching = new Map<string, Promise<void>>();

  constructor(
    private readonly root: string,
    /** Environment for git: PATH, HOME, and the GitHub token as an HTTP header, never in a URL. */
    private readonly gitEnv: (app: AppConfig) => Record<string, string> | Promise<Record<string, string>>,
    /** Where git runs (the worker's command supervisor, so the worker never forks); in this process when left out. */
    private readonly exec?: Exec,
  ) {}

  async checkout(app: AppConfig, sha: string, deployId: number, onWait: CheckoutWait = () => {}): Promise<string> {
    const env = await this.gitEnv(app);
    const cache = this.cachePath(app);
    try {
      if (!(await exists(path.join(cache, 'HEAD')))) {
        // Another deploy of this process may be creating it; otherwise this one does.
        if (!(await this.joinRunning(app, cache, onWait)) || !(await exists(path.join(cache, 'HEAD'))))
          await this.startOrJoin(app, cache, env, onWait);
      }
      const dir = this.runDir(deployId);
      await rm(dir, { recursive: true, force: true });
      await mkdir(path.dirname(dir), { recursive: true });
      await gitOk(['clone', '--quiet', '--shared', '--no-checkout', '--template=', '--', cache, dir], this.opts({ env }));
      if (await this.detach(dir, sha, env)) return dir;
      // Not in the mirror: a fetch running now may bring it; if not, one that starts after this ask will.
      if ((await this.joinRunning(app, cache, onWait)) && (await this.detach(dir, sha, env))) return dir;
      await this.startOrJoin(app, cache, env, onWait);
      if (await this.detach(dir, sha, env)) return dir;
      throw new Error(`commit ${sha} is not in ${app.cloneUrl} (was the branch force-pushed?)`);
    } finally {
      onWait(undefined);
    }
  }

  async remove(dir: string): Promise<void> {
    // rm -r of a tree is thousands of system calls: done by the supervisor's child, off this thread.
    if (
      this.exec &&
      (await this.exec(['rm', '-rf', '--', dir], { env: { PATH: '/usr/local/bin:/usr/bin:/bin' }, timeoutMs: 120_000 }).then(
        (r) => r.code === 0,
        () => false,
      ))
    )
      return;
    await rm(dir, { recursive: true, force: true });
  }

  /** Checks the SHA out in `dir`: true when done, false when the commit isn't in the mirror; throws on other failures. */
  private async detach(dir: string, sha: string, env: Record<string, string>): Promise<boolean> {
    const checkout = () => git(['checkout', '--quiet', '--detach', sha], this.opts({ cwd: dir, env }));
    let r = await checkout();
    if (r.code === 0) return true;
    if ((await git(['cat-file', '-e', `${sha}^{commit}`], this.opts({ cwd: dir, env }))).code !== 0) return false;
    // The commit is there now: another deploy's fetch brought it while this checkout ran (a fetch
    // moves its pack in whole, so the commit's tree came with it). Once more, then it is a failure.
    r = await checkout();
    if (r.code === 0) return true;
    throw new Error(`git checkout failed (exit ${r.code}): ${r.stderr.trim().split('\n').slice(-3).join(' ')}`);
  }

  /** Waits for the clone or fetch into the mirror that this process runs now, if any; true if there was one. */
  private async joinRunning(app: AppConfig, cache: string, onWait: CheckoutWait): Promise<boolean> {
    const running = this.fetching.get(cache);
    if (!running) return false;
    onWait(`waiting for a fetch of ${app.repo ?? app.cloneUrl} that another deploy started`);
    await running.catch(() => {});
    return true;
  }

  /**
   * Clones the mirror, or fetches into it; a deploy that asks while one is running joins it. The
   * callers have waited out any fetch that began before they asked, so the one they join began after.
   */
  private startOrJoin(app: AppConfig, cache: string, env: Record<string, string>, onWait: CheckoutWait): Promise<void> {
    let f = this.fetching.get(cache);
    if (!f) {
      const mine = this.fetchOnce(app, cache, env, onWait).finally(() => {
        if (this.fetching.get(cache) === mine) this.fetching.delete(cache);
      });
      f = mine;
      this.fetching.set(cache, f);
    } else {
      onWait(`waiting for a fetch of ${app.repo ?? app.cloneUrl} that another deploy started`);
    }
    return f;
  }

  private async fetchOnce(app: AppConfig, cache: string, env: Record<string, string>, onWait: CheckoutWait): Promise<void> {
    await mkdir(path.dirname(cache), { recursive: true });
    await withDirLock(
      `${cache}.lock`,
      async () => {
        if (!(await exists(path.join(cache, 'HEAD')))) {
          await rm(cache, { recursive: true, force: true });
          await gitOk(['clone', '--quiet', '--mirror', '--', app.cloneUrl, cache], this.opts({ env, timeoutMs: 600_000 }));
        } else {
          // No automatic gc: running deploys' trees borrow the mirror's objects, which gc could prune.
          await gitOk(['-c', 'gc.auto=0', 'fetch', '--quiet', '--prune', 'origin'], this.opts({ cwd: cache, env, timeoutMs: 600_000 }));
        }
      },
      600_000,
      () => onWait(`waiting for another worker process's fetch of ${app.repo ?? app.cloneUrl}`),
    );
  }

  private opts(o: { cwd?: string; env: Record<string, string>; timeoutMs?: number }): GitOptions {
    return { ...o, ...(this.exec && { exec: this.exec }) };
  }

  /** One mirror per repository, whatever the apps that deploy it are called. */
  private cachePath(app: AppConfig): string {
    const key = createHash('sha256').update(app.cloneUrl).digest('hex').slice(0, 16);
    return path.join(this.root, 'cache', `${key}.git`);
  }

  private runDir(deployId: number): string {
    return path.join(this.root, 'runs', String(deployId));
  }
}

const exists = (p: string) =>
  stat(p).then(
    () => true,
    () => false,
  );
