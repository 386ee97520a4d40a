import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './ports';

/** A redis-server of a test's own (one it may kill), on a free port. */
export interface OwnRedis {
  url: string;
  /** kill -9: the server is gone at once, as in a crash or a lost host. Resolves once it has exited. */
  kill(): Promise<void>;
}

/** Starts redis-server (on `port`, or a free one) and resolves once it says it accepts connections. */
export async function startOwnRedis(port?: number): Promise<OwnRedis> {
  port ??= await freePort();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ferry-own-redis-'));
  const proc = spawn('redis-server', ['--bind', '127.0.0.1', '--port', String(port), '--dir', dir, '--save', '', '--appendonly', 'no'], {
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  await ready(proc, exited);
  return {
    url: `redis://127.0.0.1:${port}`,
    async kill() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Resolves once the redis-server `proc` (its stdout piped) says it accepts connections. */
export function ready(proc: ChildProcess, exited: Promise<void>): Promise<void> {
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`redis-server did not start within 10s: ${out}`)), 10_000);
    const onData = (c: Buffer) => {
      out += c.toString();
      if (!out.includes('Ready to accept connections')) return;
      clearTimeout(timer);
      proc.stdout!.off('data', onData).resume();
      resolve();
    };
    proc.stdout!.on('data', onData);
    void exited.then(() => reject(new Error(`redis-server exited before it was ready: ${out}`)));
  });
}
