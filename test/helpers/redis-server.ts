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
  /** kill -9, then the server started again on the same port and data folder (with `aof`, it comes back with its data). */
  restart(): Promise<void>;
}

/**
 * Starts redis-server (on `port`, or a free one) and resolves once it says it accepts connections.
 * `aof`: every write is in its append-only file before it is answered (appendfsync always), as
 * Ferry asks of a production Redis, so a restart keeps everything acknowledged.
 */
export async function startOwnRedis(port?: number, o: { aof?: boolean } = {}): Promise<OwnRedis> {
  const at = port ?? (await freePort());
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ferry-own-redis-'));
  const persistence = o.aof ? ['--appendonly', 'yes', '--appendfsync', 'always'] : ['--appendonly', 'no'];
  const launch = async () => {
    const proc = spawn('redis-server', ['--bind', '127.0.0.1', '--port', String(at), '--dir', dir, '--save', '', ...persistence], {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    await ready(proc, exited);
    return { proc, exited };
  };
  let server = await launch();
  const stop = async () => {
    if (server.proc.exitCode === null && server.proc.signalCode === null) server.proc.kill('SIGKILL');
    await server.exited;
  };
  return {
    url: `redis://127.0.0.1:${at}`,
    async kill() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
    async restart() {
      await stop();
      server = await launch();
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
