import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';

/** How often a process waiting for a lock held by another process looks again. */
const POLL_MS = 20;

/**
 * A lock on a folder shared by worker processes on one machine (e.g. a repository's git mirror):
 * mkdir is atomic; the owner's pid is written inside, and a lock whose owner has died is taken
 * over. `onWaiting` is told once, when the lock is found held by another process.
 */
export async function withDirLock<T>(lockDir: string, fn: () => Promise<T>, waitMs = 600_000, onWaiting?: () => void): Promise<T> {
  const deadline = Date.now() + waitMs;
  let told = false;
  for (;;) {
    try {
      await mkdir(lockDir);
      await writeFile(`${lockDir}/pid`, String(process.pid));
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const owner = Number(await readFile(`${lockDir}/pid`, 'utf8').catch(() => ''));
      if (owner && !alive(owner)) {
        await rm(lockDir, { recursive: true, force: true });
        continue;
      }
      if (Date.now() > deadline) throw new Error(`${lockDir} stayed locked by process ${owner || '?'} for ${waitMs / 1000}s`);
      if (!told) {
        told = true;
        onWaiting?.();
      }
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  }
  try {
    return await fn();
  } finally {
    await rm(lockDir, { recursive: true, force: true });
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
