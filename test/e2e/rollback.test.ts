import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { AuditEntry } from '../../src/store/audit';
import { latest } from '../helpers/fake-slack';
import { Harness, LOCAL_DEPLOY, SIGNING_SECRET } from '../helpers/harness';
import { post, sign, slashBody } from '../helpers/slack-requests';

const ANA = 'U0ANA';
const BEN = 'U0BEN';

describe('/rollback end to end', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await Harness.start();
  });
  afterEach(async () => {
    await h?.stop();
  });

  const revision = () => readFileSync(path.join(h.deployRoot, 'web/staging/REVISION'), 'utf8').trim();
  const lastLogLine = () =>
    readFileSync(path.join(h.deployRoot, 'web/staging/deploys.log'), 'utf8').trim().split('\n').pop()!.split('\t').slice(1);
  const audit = async () =>
    (await h.redis.lrange(`${h.prefix}:audit:env:web:staging`, 0, -1))
      .map((e) => JSON.parse(e) as AuditEntry)
      .filter((e) => e.action === 'rollback');

  /** Deploys A (feature/checkout) then B (fix-1) to staging, both succeeded. */
  async function deployAThenB(): Promise<{ a: string; b: string }> {
    const first = await h.deploy('staging feature/checkout', ANA);
    await h.slack.waitForFeed(first.id, 'succeeded');
    const second = await h.deploy('staging fix-1', ANA);
    await h.slack.waitForFeed(second.id, 'succeeded');
    return { a: h.repo.sha('feature/checkout'), b: h.repo.sha('fix-1') };
  }

  async function rollback(text: string, user: string): Promise<string> {
    const r = await h.slash('/rollback', text, user);
    expect(r.ack.status).toBe(200);
    return h.answer(r.id);
  }

  test('puts back the previous good SHA through the queue, marks it in the feed, locks the env for the requester, and a deploy #N or SHA picks that one', async () => {
    const { a, b } = await deployAThenB();
    expect(revision()).toBe(b);

    const answer = await rollback('staging', BEN);
    expect(answer).toContain(
      `Accepted as *deploy #3*: rollback to \`${a.slice(0, 7)}\` (from #1) (\`feature/checkout\`) on \`web\` *staging*`,
    );
    expect(answer).toMatch(
      /:lock: `web` \*staging\* is locked for you \(rolled back by u0ben\) until you `\/unlock web staging` \(at the latest <!date\^\d+\^/,
    );
    expect(answer).toContain('https://acme.slack.test/archives/C0FEED/');

    const msg = await h.slack.waitForFeed(3, 'succeeded');
    // the deploy command ran on A's SHA, as deploy 3, for Ben
    expect(revision()).toBe(a);
    expect(lastLogLine()).toEqual(['3', a, 'feature/checkout', BEN]);
    expect(latest(msg).text).toContain(`Deploy #3 · web to staging (rollback to ${a.slice(0, 7)}): succeeded`);
    const section = (latest(msg).blocks[0] as { text: { text: string } }).text.text;
    expect(section).toContain(`\n:rewind: rollback to \`${a.slice(0, 7)}\` (from #1)\n`);
    expect(JSON.stringify(latest(msg).blocks)).toContain(`replacing \`${b.slice(0, 7)}\``);

    // the env is Ben's until he unlocks it: a routine deploy by someone else is refused, naming the lock
    const refused = await h.slash('/deploy', 'staging main', ANA);
    const refusal = await h.slack.waitForResponse(refused.id);
    expect(refusal.text).toMatch(
      /^Can't deploy: `web` \*staging\* is locked by <@U0BEN> \(rolled back by u0ben\) since <!date.*\(in 7d\)\. Nothing was queued\.$/,
    );
    expect(JSON.stringify(refusal.blocks)).toContain('Join the wait-list');
    expect(await rollback('staging', ANA)).toMatch(/^Can't roll back: `web` \*staging\* is locked by <@U0BEN> \(rolled back by u0ben\)/);
    expect(await h.redis.get(`${h.prefix}:deploy:seq`)).toBe('3');

    expect(await audit()).toEqual([
      expect.objectContaining({
        user: BEN,
        action: 'rollback',
        app: 'web',
        env: 'staging',
        deployId: 3,
        detail: `to ${a.slice(0, 7)} (from #1)`,
      }),
    ]);

    // a named deploy: #2's SHA (B) comes back
    expect(await rollback('staging #2', BEN)).toContain(`Accepted as *deploy #4*: rollback to \`${b.slice(0, 7)}\` (from #2) (\`fix-1\`)`);
    await h.slack.waitForFeed(4, 'succeeded');
    expect(revision()).toBe(b);

    // a SHA, short: A again (its newest successful deploy is the rollback #3)
    expect(await rollback(`staging ${a.slice(0, 7)}`, BEN)).toContain(
      `Accepted as *deploy #5*: rollback to \`${a.slice(0, 7)}\` (from #3)`,
    );
    await h.slack.waitForFeed(5, 'succeeded');
    expect(revision()).toBe(a);
    expect(lastLogLine()).toEqual(['5', a, 'feature/checkout', BEN]);

    // a SHA never deployed here: its short SHA is the ref
    const main = h.repo.sha('main');
    expect(await rollback(`staging ${main}`, BEN)).toContain(
      `Accepted as *deploy #6*: rollback to \`${main.slice(0, 7)}\` on \`web\` *staging*`,
    );
    await h.slack.waitForFeed(6, 'succeeded');
    expect(lastLogLine()).toEqual(['6', main, main.slice(0, 7), BEN]);
    expect((await audit()).map((e) => e.detail)).toEqual([
      `to ${main.slice(0, 7)}`,
      `to ${a.slice(0, 7)} (from #3)`,
      `to ${b.slice(0, 7)} (from #2)`,
      `to ${a.slice(0, 7)} (from #1)`,
    ]);

    // unlocking ends it; then others deploy as usual
    expect(await h.answer((await h.slash('/unlock', 'staging', BEN)).id)).toContain('Released your lock on `web` *staging*');
    const after = await h.deploy('staging fix-1', ANA);
    await h.slack.waitForFeed(after.id, 'succeeded');
  });

  test('says why when there is nothing to roll back to, and queues nothing', async () => {
    expect(await rollback('staging', BEN)).toBe(
      "Can't roll back: Nothing has been deployed to `web` *staging* yet, so there is nothing to roll back. `/deploy web staging &lt;ref&gt;` deploys something. Nothing was queued.",
    );
    const only = await h.deploy('staging feature/checkout', ANA);
    await h.slack.waitForFeed(only.id, 'succeeded');
    const a7 = h.repo.sha('feature/checkout').slice(0, 7);

    expect(await rollback('staging', BEN)).toContain(
      `#1 deployed \`${a7}\`, which runs on \`web\` *staging* now, and nothing older succeeded there; there is nothing earlier to roll back to.`,
    );
    expect(await rollback('staging #1', BEN)).toContain(
      `Deploy #1 deployed \`${a7}\`, which is what runs on \`web\` *staging* now; there is nothing to roll back.`,
    );
    expect(await rollback(`staging ${a7}`, BEN)).toContain(`\`${a7}\` is what runs on \`web\` *staging* already`);
    expect(await rollback('staging #9', BEN)).toContain('There is no deploy #9.');
    expect(await rollback('staging 0000000', BEN)).toContain('There is no commit `0000000` in');
    expect(await rollback('dev #1', BEN)).toContain('Nothing has been deployed to `web` *dev* yet');

    const bad = await h.slash('/rollback', 'staging main', BEN);
    expect(bad.ackText).toContain('`main` is neither a deploy id (`#42`) nor a commit SHA');
    const help = await h.slash('/rollback', 'help', BEN);
    expect(help.ackText).toContain('*Rollback:* `/rollback [app] &lt;env&gt; [deploy-id|sha]`');

    expect(await h.redis.get(`${h.prefix}:deploy:seq`)).toBe('1');
    expect(await h.redis.exists(`${h.prefix}:lock:web:staging`)).toBe(0);
    expect(await audit()).toEqual([]);
  });

  test('a retried delivery (same trigger_id) queues one rollback and records it once, even after it has run', async () => {
    const { a } = await deployAThenB();
    const body = slashBody('/rollback', 'staging', BEN, h.slack.responseUrl('once'));
    const now = Math.floor(Date.now() / 1000);
    expect((await post(`${h.url}/slack/events`, body, sign(SIGNING_SECRET, body, now - 10))).status).toBe(200);
    const first = String((await h.slack.waitForResponse('once', 1)).text);
    expect(first).toContain(`Accepted as *deploy #3*: rollback to \`${a.slice(0, 7)}\` (from #1)`);
    await h.slack.waitForFeed(3, 'succeeded');

    // Slack signs a retry anew; by now A runs, so a fresh choice would differ, but the retry is the same rollback
    expect((await post(`${h.url}/slack/events`, body, sign(SIGNING_SECRET, body, now))).status).toBe(200);
    const second = String((await h.slack.waitForResponse('once', 2)).text);
    expect(second).toContain(`Already accepted as *deploy #3*: rollback to \`${a.slice(0, 7)}\` (from #1)`);
    expect(second).not.toContain('locked for you');
    expect(await h.redis.get(`${h.prefix}:deploy:seq`)).toBe('3');
    expect(await audit()).toHaveLength(1);
  });

  test('needs the deploy permission, checked before anything else', async () => {
    await h.stop();
    h = await Harness.start({
      config: ({ repo, deployRoot }) => ({
        feed_channel: 'C0FEED',
        apps: { web: { path: repo, environments: { staging: { deploy: [LOCAL_DEPLOY, deployRoot], permissions: { deploy: [ANA] } } } } },
      }),
    });
    const { a } = await deployAThenB();
    expect(await rollback('staging', BEN)).toBe(
      "You can't deploy to `web` *staging*: `apps.web.environments.staging.permissions.deploy` allows <@U0ANA>. Ask one of them. Nothing was queued.",
    );
    expect(await h.redis.get(`${h.prefix}:deploy:seq`)).toBe('2');
    expect(await h.redis.exists(`${h.prefix}:lock:web:staging`)).toBe(0);
    const refusals = (await h.redis.lrange(`${h.prefix}:audit:env:web:staging`, 0, -1))
      .map((e) => JSON.parse(e) as AuditEntry)
      .filter((e) => e.action === 'refused');
    expect(refusals).toEqual([
      expect.objectContaining({ user: BEN, detail: 'rollback: apps.web.environments.staging.permissions.deploy' }),
    ]);
    expect(await rollback('staging', ANA)).toContain(`Accepted as *deploy #3*: rollback to \`${a.slice(0, 7)}\` (from #1)`);
    await h.slack.waitForFeed(3, 'succeeded');
  });
});
