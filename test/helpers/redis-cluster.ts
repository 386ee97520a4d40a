import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Cluster, Redis } from 'ioredis';
import { freePort } from './ports';
import { ready } from './redis-server';

/** A Redis Cluster of a test's own: three masters (no replicas) on free ports, in a temp folder. */
export interface OwnCluster {
  /** REDIS_CLUSTER_NODES for Ferry: `127.0.0.1:p1,127.0.0.1:p2,127.0.0.1:p3`. */
  nodes: string;
  ports: number[];
  /** A cluster client (the caller closes it); BullMQ's workers want maxRetriesPerRequest null. */
  client(maxRetriesPerRequest?: number | null): Cluster;
  /** Kills every server (SIGKILL) and removes the folder. */
  stop(): Promise<void>;
}

const STATE_TIMEOUT_MS = 20_000;

/**
 * Starts `masters` redis-servers in cluster mode (no persistence), joins them with
 * `redis-cli --cluster create` (the slots split evenly, no replicas), and resolves once every node
 * says `cluster_state:ok`.
 */
export async function startRedisCluster(masters = 3): Promise<OwnCluster> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ferry-cluster-'));
  const servers: { proc: ChildProcess; exited: Promise<void> }[] = [];
  const stop = async () => {
    for (const s of servers) if (s.proc.exitCode === null && s.proc.signalCode === null) s.proc.kill('SIGKILL');
    await Promise.all(servers.map((s) => s.exited));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const ports = await distinctFreePorts(masters * 2);
    const data = ports.slice(0, masters);
    for (const [i, port] of data.entries()) servers.push(await startNode(dir, port, ports[masters + i]!));
    const nodes = data.map((p) => `127.0.0.1:${p}`);
    await promisify(execFile)('redis-cli', ['--cluster', 'create', ...nodes, '--cluster-replicas', '0', '--cluster-yes'], {
      timeout: STATE_TIMEOUT_MS,
    });
    await Promise.all(data.map((p) => clusterOk(p)));
    return {
      nodes: nodes.join(','),
      ports: data,
      client: (maxRetriesPerRequest = 1) =>
        new Cluster(
          data.map((port) => ({ host: '127.0.0.1', port })),
          { redisOptions: { maxRetriesPerRequest } },
        ),
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** One cluster node on `port`, its cluster bus on `busPort` (the default, port + 10000, may be past 65535). */
async function startNode(dir: string, port: number, busPort: number): Promise<{ proc: ChildProcess; exited: Promise<void> }> {
  const args = ['--bind', '127.0.0.1', '--port', String(port), '--cluster-enabled', 'yes', '--cluster-port', String(busPort)];
  args.push('--cluster-config-file', `nodes-${port}.conf`, '--dir', dir, '--appendonly', 'no', '--save', '');
  args.push('--maxmemory-policy', 'noeviction');
  const proc = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'ignore'] });
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  await ready(proc, exited);
  return { proc, exited };
}

/** Polls the node's CLUSTER INFO until it says cluster_state:ok (the state changes without telling anyone). */
async function clusterOk(port: number): Promise<void> {
  const redis = new Redis(port, '127.0.0.1', { maxRetriesPerRequest: 1 });
  try {
    const until = Date.now() + STATE_TIMEOUT_MS;
    for (;;) {
      const info = String(await redis.cluster('INFO'));
      if (info.includes('cluster_state:ok')) return;
      if (Date.now() > until) throw new Error(`the cluster node on ${port} did not reach cluster_state:ok:\n${info}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  } finally {
    redis.disconnect();
  }
}

async function distinctFreePorts(n: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < n) ports.add(await freePort());
  return [...ports];
}
