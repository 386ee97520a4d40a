import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { freePort } from './ports';

/**
 * A Redis primary, a replica of it and `sentinels` Sentinels watching them (quorum 1), each a real
 * redis-server on a free port with its files in a temp dir. The sentinels call the primary down
 * after 1 s without an answer and fail over at once, so a killed primary is replaced within a few
 * seconds. stop() kills every process.
 */
export interface SentinelSet {
  name: string;
  primaryPort: number;
  replicaPort: number;
  sentinelPorts: number[];
  /** REDIS_SENTINELS for Ferry. */
  sentinels: string;
  /** kill -9 of the primary: resolves once it has exited. */
  killPrimary(): Promise<void>;
  /** Resolves with the new primary's port once a sentinel announces the failover (+switch-master). */
  switched: Promise<number>;
  stop(): Promise<void>;
}

interface Proc {
  proc: ChildProcess;
  exited: Promise<void>;
}

export async function startSentinelSet(opts: { sentinels?: number; name?: string } = {}): Promise<SentinelSet> {
  const name = opts.name ?? 'ferry';
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ferry-sentinel-'));
  const procs: Proc[] = [];
  const clients: Redis[] = [];
  const stop = async () => {
    for (const c of clients) c.disconnect();
    for (const p of procs) if (p.proc.exitCode === null && p.proc.signalCode === null) p.proc.kill('SIGKILL');
    await Promise.all(procs.map((p) => p.exited));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const [primaryPort, replicaPort] = [await freePort(), await freePort()];
    const server = (port: number, extra: string[]) => {
      const d = path.join(dir, String(port));
      mkdirSync(d);
      return start('redis-server', [
        '--bind',
        '127.0.0.1',
        '--port',
        String(port),
        '--dir',
        d,
        '--save',
        '',
        '--appendonly',
        'no',
        ...extra,
      ]);
    };
    const primary = await server(primaryPort, []);
    procs.push(primary);
    procs.push(await server(replicaPort, ['--replicaof', '127.0.0.1', String(primaryPort)]));
    const sentinelPorts: number[] = [];
    for (let i = 0; i < (opts.sentinels ?? 1); i++) {
      const port = await freePort();
      const conf = path.join(dir, `sentinel-${port}.conf`);
      writeFileSync(
        conf,
        [
          `port ${port}`,
          'bind 127.0.0.1',
          `dir ${dir}`,
          `sentinel monitor ${name} 127.0.0.1 ${primaryPort} 1`,
          `sentinel down-after-milliseconds ${name} 1000`,
          `sentinel failover-timeout ${name} 3000`,
          `sentinel parallel-syncs ${name} 1`,
        ].join('\n'),
      );
      procs.push(await start('redis-server', [conf, '--sentinel']));
      sentinelPorts.push(port);
    }
    // Ready for a failover: the replica has synced, and every sentinel knows it.
    const replica = new Redis(replicaPort, '127.0.0.1');
    clients.push(replica);
    await until(async () => /master_link_status:up/.test(await replica.info('replication')));
    for (const port of sentinelPorts) {
      const s = new Redis(port, '127.0.0.1');
      clients.push(s);
      await until(async () => {
        const replicas = (await s.call('SENTINEL', 'REPLICAS', name)) as string[][];
        return replicas.some((r) => r[r.indexOf('port') + 1] === String(replicaPort) && !r[r.indexOf('flags') + 1]!.includes('down'));
      });
    }
    const watcher = new Redis(sentinelPorts[0]!, '127.0.0.1');
    clients.push(watcher);
    await watcher.subscribe('+switch-master');
    const switched = new Promise<number>((resolve) =>
      // "<name> <old ip> <old port> <new ip> <new port>"
      watcher.on('message', (_ch: string, msg: string) => resolve(Number(msg.split(' ')[4]))),
    );
    return {
      name,
      primaryPort,
      replicaPort,
      sentinelPorts,
      sentinels: sentinelPorts.map((p) => `127.0.0.1:${p}`).join(','),
      switched,
      async killPrimary() {
        primary.proc.kill('SIGKILL');
        await primary.exited;
      },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** Starts a redis-server (or sentinel) and resolves once it accepts connections. */
function start(cmd: string, args: string[]): Promise<Proc> {
  const proc = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'ignore'] });
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`${cmd} ${args.join(' ')} did not start within 10s: ${out}`)), 10_000);
    const onData = (c: Buffer) => {
      out += c.toString();
      if (!/Ready to accept connections|Sentinel ID is/.test(out)) return;
      clearTimeout(timer);
      proc.stdout!.off('data', onData).resume();
      resolve({ proc, exited });
    };
    proc.stdout!.on('data', onData);
    void exited.then(() => reject(new Error(`${cmd} exited before it was ready: ${out}`)));
  });
}

/** Polls a condition on the servers (a sync, a sentinel's view), which announce it nowhere we can listen. */
async function until(check: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error('the Sentinel set-up did not become ready within 15 s');
    await new Promise((r) => setTimeout(r, 50));
  }
}
