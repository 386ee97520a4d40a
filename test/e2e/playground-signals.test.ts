import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { eventually } from '../helpers/wait';

/**
 * `kill -INT` or `kill -TERM` of the `npm run playground` process (what a user or a supervisor
 * started) stops everything below it: the script, the playground, Ferry's app and worker, and the
 * private Redis (in a session of its own), and frees their ports. A real process tree, signalled
 * at the top only.
 */
const ROOT = path.join(__dirname, '../..');

/** Every process below `pid`, read from ps. */
function descendants(pid: number): number[] {
  const rows = execFileSync('ps', ['-e', '-o', 'pid=,ppid='], { encoding: 'utf8' })
    .trim()
    .split('\n')
    .map((l) => l.trim().split(/\s+/).map(Number) as [number, number]);
  const out: number[] = [];
  const walk = (p: number) => {
    for (const [child, parent] of rows)
      if (parent === p) {
        out.push(child);
        walk(child);
      }
  };
  walk(pid);
  return out;
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

const portFree = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });

describe('npm run playground and signals', () => {
  test.each(['SIGINT', 'SIGTERM'] as const)(
    '%s to the npm process stops every process it started and frees the ports',
    async (signal) => {
      const dir = mkdtempSync(path.join(os.tmpdir(), 'ferry-playground-signal-'));
      // Its own process group, as a terminal or supervisor would start it; only npm's pid is signalled.
      const npm = spawn('npm', ['run', 'playground'], {
        cwd: ROOT,
        detached: true,
        env: {
          PATH: process.env.PATH!,
          HOME: process.env.HOME ?? dir,
          PLAYGROUND_PORT: '0',
          PLAYGROUND_DIR: dir,
          LOG_LEVEL: 'warn',
          FERRY_SKIP_BUILD: '1',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      npm.stdout!.on('data', (c: Buffer) => (out += c.toString()));
      npm.stderr!.on('data', (c: Buffer) => (out += c.toString()));
      const exited = new Promise<void>((r) => npm.once('exit', () => r()));
      let started: number[] = [];
      try {
        const ready = await new Promise<RegExpExecArray>((resolve, reject) => {
          npm.stdout!.on('data', () => {
            const m = /open http:\/\/127\.0\.0\.1:(\d+)\/\n\s+Ferry \(app and one worker\) at http:\/\/127\.0\.0\.1:(\d+)/.exec(out);
            if (m) resolve(m);
          });
          void exited.then(() => reject(new Error(`npm run playground exited before it was ready:\n${out}`)));
        });
        const redisPort = Number(/private Redis on redis:\/\/127\.0\.0\.1:(\d+)/.exec(out)![1]);
        const ports = [Number(ready[1]), Number(ready[2]), redisPort];
        started = descendants(npm.pid!);
        // npm, its shell, the script, the playground, Ferry's app and worker, and Redis.
        expect(started.length).toBeGreaterThanOrEqual(5);

        process.kill(npm.pid!, signal);
        await exited;
        await eventually(`every process npm run playground started to stop (${started.join(', ')})`, () => !started.some(alive), 40_000);
        for (const port of ports) expect(await portFree(port)).toBe(true);
      } finally {
        // Whatever is left after a failed run (orphans no longer sit below npm: the list from before).
        for (const pid of [npm.pid!, ...started])
          try {
            process.kill(pid, 'SIGKILL');
          } catch {}
        rmSync(dir, { recursive: true, force: true });
      }
    },
    90_000,
  );
});
