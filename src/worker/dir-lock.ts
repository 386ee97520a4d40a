import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';

/**
 * A lock on a folder shared by worker processes on one machine (e.g. an app's git cache): mkdir is
 * atomic; the owner's pid is written inside, and a lock whose owner has died is taken over.
 */
export async function withDirLock<T>(lockDir: string, fn: () => Promise<T>, waitMs = 600_000): Promise<T> {
  const deadline = Date.now() + waitMs;
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
      await new Promise((r) => setTimeout(r, 100));
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
