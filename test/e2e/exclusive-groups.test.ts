import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { latest } from '../helpers/fake-slack';
import { Harness, type HarnessOptions, writeScript } from '../helpers/harness';
import { eventually, waitForFile } from '../helpers/wait';

/**
 * Exclusive groups (config `exclusive_groups:`): shop and payments (group storefront) never deploy
 * to one env at the same time; search, in no group, deploys beside them. Each deploy command
 * records when it starts and ends, touches `started-<id>`, and then waits until the test creates
 * `go-<id>`, so the test decides when each deploy ends.
 */
const GATED = (dir: string, record: string) => `echo "start $FERRY_APP $FERRY_DEPLOY_ID $(date +%s%N)" >> ${record}
touch ${dir}/started-$FERRY_DEPLOY_ID
while [ ! -e ${dir}/go-$FERRY_DEPLOY_ID ]; do sleep 0.02; done
echo "end $FERRY_APP $FERRY_DEPLOY_ID $(date +%s%N)" >> ${record}`;

interface Run {
  id: number;
  app: string;
  start: number;
  end: number;
}

function runs(file: string): Run[] {
  const byId = new Map<number, Run>();
  for (const line of readFileSync(file, 'utf8').trim().split('\n')) {
    const [what, app, id, ns] = line.split(' ');
    const r = byId.get(Number(id)) ?? { id: Number(id), app: app!, start: 0, end: 0 };
    r[what as 'start' | 'end'] = Number(BigInt(ns!) / 1_000_000n);
    byId.set(Number(id), r);
  }
  return [...byId.values()].sort((a, b) => a.start - b.start);
}

const overlap = (a: Run, b: Run): boolean => a.start < b.end && b.start < a.end;

describe('exclusive app groups', () => {
  let h: Harness;
  let dir = '';
  let record = '';
  const started = (id: number) => path.join(dir, `started-${id}`);
  const go = (id: number) => writeFileSync(path.join(dir, `go-${id}`), '');
  const feedBlocks = (id: number) => JSON.stringify(latest(h.slack.feedMessage(id)!).blocks);

  const config: HarnessOptions['config'] = (o) => {
    dir = o.dir;
    record = path.join(o.dir, 'runs.txt');
    const script = writeScript(o.dir, 'gated.sh', GATED(o.dir, record));
    const app = { path: o.repo, environments: { staging: { deploy: [script] } } };
    return {
      feed_channel: 'C0FEED',
      exclusive_groups: [{ name: 'storefront', apps: ['shop', 'payments'] }],
      apps: { shop: app, payments: app, search: app },
    };
  };

  afterEach(async () => {
    // Let any deploy still waiting on its gate end (a failed test), so stopping takes no time.
    for (let id = 1; id <= 10 && dir; id++) go(id);
    await h?.stop();
  });

  test('exclusive app groups never overlap: payments waits for shop on staging and says so, search runs beside them, both succeed', async () => {
    // Two worker processes, so the two apps' deploys may well run on different workers.
    h = await Harness.start({ role: 'app', config });
    h.spawnWorker();
    h.spawnWorker();

    const shop = await h.deploy('shop staging main', 'U0ANA');
    await waitForFile(started(shop.id));
    const payments = await h.deploy('payments staging fix-1', 'U0BEN');
    // payments' worker found the group's lease taken: its feed message says by which deploy.
    await h.slack.waitFor(
      'payments to show what it waits for',
      () => h.slack.feedMessage(payments.id) && feedBlocks(payments.id).includes('queued, waiting: '),
    );
    expect(latest(h.slack.feedMessage(payments.id)!).text).toContain(': queued, waiting');
    expect(feedBlocks(payments.id)).toContain(
      `queued, waiting: \`shop\` deploy #${shop.id} is running on staging (same exclusive group storefront)`,
    );

    // search is in no group: it starts while shop still runs, and finishes.
    const search = await h.deploy('search staging main', 'U0CAT');
    await waitForFile(started(search.id));
    go(search.id);
    await h.slack.waitForFeed(search.id, 'succeeded');
    expect(existsSync(started(payments.id))).toBe(false);
    expect(latest(h.slack.feedMessage(shop.id)!).text).toContain(': running since');

    go(shop.id);
    await h.slack.waitForFeed(shop.id, 'succeeded');
    await waitForFile(started(payments.id));
    const running = await h.slack.waitForFeed(payments.id, 'running since');
    // Once it runs, the message no longer says what it waited for.
    expect(JSON.stringify(latest(running).blocks)).not.toContain('waiting');
    go(payments.id);
    await h.slack.waitForFeed(payments.id, 'succeeded');

    const [s, p, x] = [shop.id, payments.id, search.id].map((id) => runs(record).find((r) => r.id === id)!);
    expect(overlap(s!, p!)).toBe(false);
    expect(p!.start).toBeGreaterThanOrEqual(s!.end);
    expect(overlap(s!, x!)).toBe(true);
  });

  test('the group takes turns in the order deploys were accepted: a second shop deploy does not jump ahead of the waiting payments deploy', async () => {
    // The worker in Ferry's own process this time.
    h = await Harness.start({ role: 'all', config });
    const first = await h.deploy('shop staging main', 'U0ANA');
    await waitForFile(started(first.id));
    const payments = await h.deploy('payments staging main', 'U0BEN');
    await h.slack.waitFor(
      'payments to wait for the first shop deploy',
      () => h.slack.feedMessage(payments.id) && feedBlocks(payments.id).includes(`\`shop\` deploy #${first.id} is running`),
    );
    const second = await h.deploy('shop staging fix-1', 'U0ANA');
    // When the first shop deploy ends, shop's queue goes straight on to the second, but payments
    // was accepted earlier and has been waiting: it goes first, and the second shop deploy says so.
    go(first.id);
    const next = await eventually('the next deploy to start', () => [payments.id, second.id].find((id) => existsSync(started(id))));
    expect(next).toBe(payments.id);
    const waits = new RegExp(`queued, waiting: \`payments\` deploy #${payments.id} (is running|goes first) on staging`);
    await h.slack.waitFor(
      'the second shop deploy to say it waits for payments',
      () => h.slack.feedMessage(second.id) && waits.test(feedBlocks(second.id)),
    );
    go(payments.id);
    go(second.id);
    await h.slack.waitForFeed(second.id, 'succeeded');
    expect(latest(h.slack.feedMessage(payments.id)!).text).toContain(': succeeded');

    const order = runs(record);
    expect(order.map((r) => r.id)).toEqual([first.id, payments.id, second.id]);
    for (let i = 1; i < order.length; i++) expect(order[i]!.start).toBeGreaterThanOrEqual(order[i - 1]!.end);
  });
});
