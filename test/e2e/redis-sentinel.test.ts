import { readFileSync } from 'node:fs';
import path from 'node:path';
import { connectRedis } from '../../src/store/redis-connect';
import { RECONNECT } from '../../src/store/redis-outage';
import { Harness, writeScript } from '../helpers/harness';
import { type SentinelSet, startSentinelSet } from '../helpers/redis-sentinel';
import { eventually } from '../helpers/wait';
import { RELEASE_ACK, RELEASE_SHIP } from '../../src/core/release/actions';
import { latest } from '../helpers/fake-slack';
import { CARLA, FEED, type Ferry, openRelease, startFerry, summaryWhen } from '../helpers/release-kit';

jest.setTimeout(90_000);

const ANA = 'U0ANA';
const BEN = 'U0BEN';

/**
 * Ferry on a Sentinel-watched primary and replica: deploys and locks work; killing the primary
 * (kill -9) mid-run, with a deploy running and more queued, promotes the replica and Ferry carries
 * on: every accepted deploy succeeds exactly once, acks stay under 3 s, and the cancel subscriber
 * is subscribed again on the new primary; then a release opens and ships on the promoted primary.
 */
describe('Redis Sentinel', () => {
  let set: SentinelSet;
  let h: Harness;
  let runs: string;
  const clients: { disconnect(): void }[] = [];

  beforeAll(async () => {
    set = await startSentinelSet();
  });
  let f: Ferry | undefined;
  afterAll(async () => {
    for (const c of clients) c.disconnect();
    await f?.h.stop();
    await h?.stop();
    await set?.stop();
  });

  test('deploys and locks through a failover: nothing lost, nothing run twice, acks under 3 s', async () => {
    h = await Harness.start({
      env: { REDIS_URL: '', REDIS_SENTINELS: set.sentinels, REDIS_SENTINEL_NAME: set.name },
      config: ({ dir, repo }) => {
        runs = path.join(dir, 'runs');
        // Each run is a line in the marker file; the command takes a second, so deploys queue up behind it.
        const cmd = writeScript(dir, 'deploy.sh', `echo "run $FERRY_DEPLOY_ID" >> ${JSON.stringify(runs)}\nsleep 1`);
        return {
          feed_channel: 'C0FEED',
          // Renewals fail while there is no primary: the lease must outlive a failover.
          lease_ttl: '30s',
          apps: { web: { path: repo, environments: { dev: { deploy: [cmd], lock: true }, staging: { deploy: [cmd] } } } },
        };
      },
    });
    const runsOf = (id: number) =>
      readFileSync(runs, 'utf8')
        .split('\n')
        .filter((l) => l === `run ${id}`).length;

    // Before: a deploy, a lock that refuses another person's deploy, the unlock.
    const first = await h.deploy('dev');
    await h.slack.waitForFeed(first.id, 'succeeded');
    await h.answer((await h.slash('/lock', 'dev 1h testing', ANA)).id);
    expect(await h.answer((await h.slash('/deploy', 'dev', BEN)).id)).toMatch(/is locked by <@U0ANA>/);
    expect(await h.answer((await h.slash('/unlock', 'dev', ANA)).id)).toContain('Released your lock');

    // The cancel subscriber's kind of connection, made the way Ferry makes it: subscribed now.
    const subscriber = connectRedis(sentinelTarget(set), { maxRetriesPerRequest: null, ...RECONNECT });
    const publisher = connectRedis(sentinelTarget(set), { maxRetriesPerRequest: null, ...RECONNECT });
    clients.push(subscriber, publisher);
    const heard: string[] = [];
    subscriber.on('message', (_ch: string, msg: string) => heard.push(msg));
    await subscriber.subscribe(`${h.prefix}:probe`);

    // Mid-run: one deploy running, two queued behind it.
    const accepted = [first.id];
    for (let i = 0; i < 3; i++) accepted.push((await h.deploy('staging')).id);
    await h.slack.waitForFeed(accepted[1]!, 'running');

    await set.killPrimary();
    // During the failover: /deploys keep coming, each acked in time; each either accepted or told Redis is unreachable.
    const acks: number[] = [];
    let failedOver = false;
    void set.switched.then(() => (failedOver = true));
    const answers: string[] = [];
    // Paced by the answers: the next /deploy goes once the last one is answered.
    while (!failedOver || answers.length < 2) {
      const t0 = Date.now();
      const r = await h.slash('/deploy', 'staging', ANA);
      acks.push(Date.now() - t0);
      expect(r.ack.status).toBe(200);
      const text = await h.answer(r.id);
      answers.push(text);
      const m = /deploy #(\d+)/.exec(text);
      if (m) accepted.push(Number(m[1]));
      if (answers.length >= 60) throw new Error(`no failover within 60 /deploys: ${answers.join(' | ')}`);
    }
    expect(await set.switched).toBe(set.replicaPort);
    // Those not accepted were told so, and to try again (nothing half-done left behind: see below).
    for (const text of answers.filter((a) => !/deploy #\d+/.test(a))) expect(text).toMatch(/try again/);
    // Ferry's health check answers again once its connections have found the new primary.
    await eventually('/healthz to answer ok on the new primary', async () => (await fetch(`${h.url}/healthz`)).ok, 30_000);
    // After it: accepted as usual.
    accepted.push((await h.deploy('staging')).id);

    for (const id of accepted) await h.slack.waitForFeed(id, 'succeeded', 60_000);
    for (const id of accepted) expect([id, runsOf(id)]).toEqual([id, 1]);
    expect(Math.max(...acks)).toBeLessThan(3_000);

    // Pub/sub: subscribed again on the new primary.
    await eventually('the subscriber to hear a message on the new primary', async () => {
      await publisher.publish(`${h.prefix}:probe`, 'after');
      return heard.includes('after');
    });
  });

  test('after the failover, a release opens, gets every OK and ships through Sentinel, with its feed messages', async () => {
    f = await startFerry({ env: { REDIS_SENTINELS: set.sentinels, REDIS_SENTINEL_NAME: set.name } });
    const { h: rh } = f;
    const at = { channel: FEED, ts: '' };
    const click = async (action: string, user: string) => rh.answer((await rh.click(action, '1', user, at)).id);
    const o = await openRelease(f);
    expect(o.answer).toContain('Opened *release #1*');
    at.ts = o.summary.ts;
    for (const u of [ANA, BEN, CARLA]) expect(await click(RELEASE_ACK, u)).toContain('your OK for');
    await summaryWhen(rh, o.summary, 'ready', (t) => t.includes('*Ready*'));
    expect(await click(RELEASE_SHIP, BEN)).toMatch(/^:ship: Shipping release #1 .* as deploy #3\./);
    await summaryWhen(rh, o.summary, 'shipped', (t) => t.includes(`*Shipped* as deploy #3 by <@${BEN}>`));
    for (const id of [1, 2, 3]) expect(latest(await rh.slack.waitForFeed(id, 'succeeded')).text).toMatch(/succeeded in \d+s/);
    expect(readFileSync(path.join(rh.deployRoot, 'web/production/REVISION'), 'utf8').trim()).toBe(o.source);
  });
});

function sentinelTarget(set: SentinelSet) {
  return {
    kind: 'sentinel' as const,
    name: set.name,
    sentinels: set.sentinelPorts.map((port) => ({ host: '127.0.0.1', port })),
  };
}
