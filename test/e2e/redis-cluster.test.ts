import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Cluster } from 'ioredis';
import { RELEASE_ACK, RELEASE_SHIP } from '../../src/core/release/actions';
import { latest } from '../helpers/fake-slack';
import { Harness, writeScript } from '../helpers/harness';
import { type OwnCluster, startRedisCluster } from '../helpers/redis-cluster';
import { waitForFile } from '../helpers/wait';
import { ANA, BEN, CARLA, FEED, type Ferry, openRelease, startFerry, summaryWhen } from '../helpers/release-kit';

// Ferry (the Slack app in this process, a worker in its own) on a Redis Cluster of three masters,
// given only REDIS_CLUSTER_NODES: every key of the instance carries one hash tag, so every script,
// MULTI and BullMQ job runs in one slot on one master.

let c: OwnCluster;
let f: Ferry | undefined;
let own: Harness | undefined;
let redis: Cluster;
beforeAll(async () => {
  c = await startRedisCluster();
  redis = c.client();
}, 30_000);
afterAll(async () => {
  redis?.disconnect();
  await c?.stop();
});
afterEach(async () => {
  await f?.h.stop();
  await own?.stop();
  f = own = undefined;
});

/** The deploy ids LOCAL_DEPLOY ran on an env, in order (one line per run). */
const runsOn = (h: Harness, env: string): number[] =>
  readFileSync(path.join(h.deployRoot, 'web', env, 'deploys.log'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => Number(l.split('\t')[1]));

/** Every key on every master. */
async function clusterKeys(): Promise<string[]> {
  const each = await Promise.all(redis.nodes('master').map((n) => n.keys('*')));
  return each.flat();
}

test('deploys, a lock, a release that opens and ships, and their feed messages work on a three-master cluster: each deploy runs once, all of it in one slot', async () => {
  f = await startFerry({ role: 'app', env: { REDIS_CLUSTER_NODES: c.nodes } });
  const { h } = f;
  h.spawnWorker();
  const at = (summaryTs: string) => ({ channel: FEED, ts: summaryTs });
  const click = async (action: string, user: string, where: { channel: string; ts: string }) =>
    h.answer((await h.click(action, '1', user, where)).id);

  // Two deploys (production at the base, staging at main), then /release opens release #1.
  const o = await openRelease(f);
  expect(o.answer).toContain('Opened *release #1*');

  // A lock refuses another's deploy, and its holder's unlock frees the env.
  expect(await h.answer((await h.slash('/lock', 'staging 1h testing', ANA)).id)).toContain('is yours until');
  const refused = await h.slash('/deploy', 'staging main', BEN);
  expect(refused.ack.status).toBe(200);
  expect(await h.answer(refused.id)).toContain('locked by <@U0ANA> (testing)');
  expect(await h.answer((await h.slash('/unlock', 'staging', ANA)).id)).toContain('Released your lock');

  // Every author's OK, then Ship: deploy #3 of the summarised SHA.
  for (const u of [ANA, BEN, CARLA]) expect(await click(RELEASE_ACK, u, at(o.summary.ts))).toContain('your OK for');
  await summaryWhen(h, o.summary, 'ready', (t) => t.includes('*Ready*'));
  expect(await click(RELEASE_SHIP, BEN, at(o.summary.ts))).toMatch(/^:ship: Shipping release #1 .* as deploy #3\./);
  await summaryWhen(h, o.summary, 'shipped', (t) => t.includes(`*Shipped* as deploy #3 by <@${BEN}>`));

  // The feed: one message per deploy, each ended succeeded.
  for (const id of [1, 2, 3]) expect(latest(await h.slack.waitForFeed(id, 'succeeded')).text).toMatch(/succeeded in \d+s/);
  const feedDeploys = h.slack.messages.filter((m) => m.channel === FEED && !m.thread_ts && /^\S+ Deploy #\d+ /.test(m.versions[0]!.text));
  expect(feedDeploys).toHaveLength(3);
  // Nothing lost, nothing run twice: production ran #1 then the ship, staging #2; nothing else was accepted.
  expect(runsOn(h, 'production')).toEqual([1, 3]);
  expect(runsOn(h, 'staging')).toEqual([2]);
  expect(readFileSync(path.join(h.deployRoot, 'web/production/REVISION'), 'utf8').trim()).toBe(o.source);
  expect(await redis.get(`{${h.prefix}}:deploy:seq`)).toBe('3');

  // The whole instance, BullMQ's queues included, is in the slot of its hash tag.
  const all = await clusterKeys();
  expect(all.filter((k) => k.startsWith(`{${h.prefix}}:q:`)).length).toBeGreaterThan(0);
  expect(all.filter((k) => !k.startsWith(`{${h.prefix}}:`))).toEqual([]);
});

test("a cancel reaches the worker process running the deploy through the cluster's pub/sub, long before its lease tick would", async () => {
  // The command marks that it ran, then waits; on SIGTERM it marks that and exits.
  const gate = (dir: string) => `trap 'touch "${dir}/term-$FERRY_DEPLOY_ID"; exit 143' TERM
touch "${dir}/ran-$FERRY_DEPLOY_ID"
while true; do sleep 0.05; done`;
  own = await Harness.start({
    role: 'app',
    env: { REDIS_CLUSTER_NODES: c.nodes },
    // lease_ttl 60s: the worker reads cancel requests on its own only every 10 s (a sixth of it).
    config: ({ dir, repo }) => ({
      feed_channel: FEED,
      lease_ttl: '60s',
      apps: { web: { path: repo, environments: { staging: { deploy: [writeScript(dir, 'gate.sh', gate(dir))] } } } },
    }),
  });
  const h = own;
  h.spawnWorker();
  const { id } = await h.deploy('staging main');
  await waitForFile(path.join(h.dir, `ran-${id}`));
  await h.slack.waitForFeed(id, 'running');
  const asked = Date.now();
  expect(await h.answer((await h.slash('/deploy', `cancel ${id}`, ANA)).id)).toContain(`Cancelling *deploy #${id}*`);
  await waitForFile(path.join(h.dir, `term-${id}`));
  expect(Date.now() - asked).toBeLessThan(5_000);
  expect(latest(await h.slack.waitForFeed(id, 'cancelled')).text).toContain('cancelled by <@U0ANA>');
});
