import { Worker } from 'bullmq';
import type { Cluster, Redis } from 'ioredis';
import pino from 'pino';
import { type DeployJobData, deployQueueName } from '../../src/queue/names';
import { Queues } from '../../src/queue/queues';
import { RedisWritePacer } from '../../src/source/github-writes';
import { CancelStore } from '../../src/store/cancel';
import { DeployStore } from '../../src/store/deploys';
import { keys } from '../../src/store/keys';
import { LuaScript } from '../../src/store/lua';
import { recording, runStoreScripts, type ScriptCall, scriptsBySha } from '../helpers/every-script';
import { type OwnCluster, startRedisCluster } from '../helpers/redis-cluster';
import { oneApp } from './fixtures';

// Ferry's store on a real Redis Cluster of three masters: with the hash-tagged prefix every
// script, MULTI and BullMQ script runs in one slot (a CROSSSLOT error would fail the call), so one
// master holds the whole instance.

const NOW = Date.now();
let c: OwnCluster;
let cluster: Cluster;
const clients: Cluster[] = [];
const client = (maxRetriesPerRequest: number | null = 1) => {
  const cl = c.client(maxRetriesPerRequest);
  clients.push(cl);
  return cl;
};

beforeAll(async () => {
  c = await startRedisCluster();
  cluster = client();
}, 30_000);
afterAll(async () => {
  for (const cl of clients) cl.disconnect();
  await c?.stop();
});

/** How many keys the cluster holds in all (every master's DBSIZE). */
async function keysInCluster(): Promise<number> {
  const sizes = await Promise.all(cluster.nodes('master').map((n) => n.dbsize()));
  return sizes.reduce((a, b) => a + b, 0);
}

const slotOf = async (key: string): Promise<number> => Number(await cluster.cluster('KEYSLOT', key));
/** COUNTKEYSINSLOT answers for the asked node's keys only: summed over the masters (one holds the slot). */
async function keysInSlot(slot: number): Promise<number> {
  const counts = await Promise.all(cluster.nodes('master').map((n) => n.cluster('COUNTKEYSINSLOT', slot)));
  return counts.reduce((a: number, b) => a + Number(b), 0);
}

test('every Lua script runs on the cluster with the hash-tagged prefix: all its keys in one slot, none outside it', async () => {
  const k = keys('ferry-a', {}, { hashTag: true });
  const calls: ScriptCall[] = [];
  const redis = recording(cluster as unknown as Redis, calls);
  await runStoreScripts(redis, k, NOW);
  const pacer = new RedisWritePacer(redis, k.githubWriteSlot, 1);
  await pacer.turn();
  await pacer.holdOff(1);
  expect(await new LuaScript('release-usergroup-fetch').run(redis, [k.usergroupFetch('S1')], ['token'])).toBe(0);

  const byName = scriptsBySha();
  const ran = new Set(calls.map((call) => byName.get(call.sha)));
  expect([...byName.values()].filter((name) => !ran.has(name))).toEqual([]);
  const slot = await slotOf(k.deploySeq);
  const slots = new Set(await Promise.all(calls.flatMap((call) => call.keys).map(slotOf)));
  expect([...slots]).toEqual([slot]);
  // What the scripts wrote (ids appended to prefixes included) is all in that slot.
  expect(await keysInSlot(slot)).toBeGreaterThan(10);
  expect(await keysInCluster()).toBe(await keysInSlot(slot));
});

test('without the hash tag the same scripts fail on a cluster (the test above would catch a key outside the tag)', async () => {
  const plain = new DeployStore(cluster as unknown as Redis, keys('ferry-plain'));
  const accept = { app: 'web', env: 'dev', ref: 'main', sha: 'a'.repeat(40), user: 'U1', feedChannel: 'C1', idempotencyKey: 'x' };
  await expect(plain.accept(accept, NOW)).rejects.toThrow(/CROSSSLOT/);
});

test("BullMQ adds and runs a deploy job under the hash-tagged prefix, in the instance's slot", async () => {
  const k = keys('ferry-b', {}, { hashTag: true });
  const log = pino({ level: 'silent' });
  const queues = new Queues(cluster as unknown as Redis, k.bullPrefix, oneApp(), log);
  await queues.init();
  let worker: Worker<DeployJobData> | undefined;
  const ran = new Promise<DeployJobData>((resolve) => {
    worker = new Worker<DeployJobData>(deployQueueName('web', 'dev'), async (job) => resolve(job.data), {
      connection: client(null),
      prefix: k.bullPrefix,
    });
  });
  try {
    await queues.enqueue('web', 'dev', 41);
    await queues.afterDeploy(41);
    expect(await ran).toEqual({ deployId: 41, app: 'web', env: 'dev' });
    const bull = await cluster
      .nodes('master')
      .reduce(async (all, n) => [...(await all), ...(await n.keys(`${k.bullPrefix}:*`))], Promise.resolve([] as string[]));
    expect(bull.length).toBeGreaterThan(3);
    expect(new Set(await Promise.all(bull.map(slotOf)))).toEqual(new Set([await slotOf(k.deploySeq)]));
  } finally {
    await worker?.close();
    await queues.close();
  }
});

test('a cancel request published on the cluster reaches a subscriber whichever master it lands on', async () => {
  const k = keys('ferry-c', {}, { hashTag: true });
  const subscriber = client(null);
  const heard: string[] = [];
  let all: () => void = () => {};
  const done = new Promise<void>((resolve) => (all = resolve));
  subscriber.on('message', (ch: string, msg: string) => {
    if (ch === k.cancelChannel) heard.push(msg);
    if (heard.length === 4) all();
  });
  await subscriber.subscribe(k.cancelChannel);
  await new CancelStore(cluster as unknown as Redis, k).notify(7);
  for (const [i, node] of cluster.nodes('master').entries()) await node.publish(k.cancelChannel, String(100 + i));
  await done;
  expect(heard.sort()).toEqual(['100', '101', '102', '7']);
});
