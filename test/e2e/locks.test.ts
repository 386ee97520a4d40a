import { latest } from '../helpers/fake-slack';
import { Harness } from '../helpers/harness';

const ANA = 'U0ANA';
const BEN = 'U0BEN';

describe('shared-env locks', () => {
  let h: Harness;
  afterEach(async () => {
    await h?.stop();
  });

  test('deploying to a lock: true env claims it; others are refused with who, why and until, and offered the wait-list; unlock hands it on', async () => {
    h = await Harness.start();
    const first = await h.deploy('dev feature/checkout', ANA);
    await h.slack.waitForFeed(first.id, 'succeeded');

    const refused = await h.slash('/deploy', 'dev fix-1', BEN);
    const answer = await h.slack.waitForResponse(refused.id);
    expect(answer.text).toMatch(
      /Can't deploy: `web` \*dev\* is locked by <@U0ANA> \(deploying feature\/checkout\) since <!date\^\d+\^.*, until <!date\^\d+\^.*\(in 4h\)\. Nothing was queued\./,
    );
    const button = JSON.stringify(answer.blocks);
    expect(button).toContain('Join the wait-list');
    expect((await h.slash('/lock', 'dev 1h', BEN)).ack.status).toBe(200);

    const click1 = await h.click('waitlist_join', JSON.stringify({ app: 'web', env: 'dev' }), BEN);
    expect(await h.answer(click1.id)).toContain("You're #1 on the wait-list for `web` *dev*");
    const click2 = await h.click('waitlist_join', JSON.stringify({ app: 'web', env: 'dev' }), BEN);
    expect(await h.answer(click2.id)).toBe("You're already on the wait-list for `web` *dev* (#1); I'll DM you when it's yours to take.");
    expect(await h.redis.zcard(`${h.prefix}:waitlist:web:dev`)).toBe(1);

    const notHolder = await h.slash('/unlock', 'dev', BEN);
    expect(await h.answer(notHolder.id)).toContain('Only <@U0ANA> can release it');

    const unlock = await h.slash('/unlock', 'dev', ANA);
    expect(await h.answer(unlock.id)).toContain(
      "Released your lock on `web` *dev*. It's held for <@U0BEN>, who was next on the wait-list; I've told them.",
    );
    const dm = await h.slack.waitFor('the hand-off DM', () => h.slack.dmsTo(BEN)[0]);
    expect(String(dm.body.text)).toContain(
      "`web` *dev* is free: <@U0ANA>'s lock was released. You were next on the wait-list, so it's yours to take until",
    );

    // held for Ben: someone else can't jump the line
    const jumper = await h.slash('/deploy', 'dev main', 'U0CAT');
    expect(await h.answer(jumper.id)).toContain('is reserved for <@U0BEN>, next on the wait-list, until');

    const second = await h.deploy('dev fix-1', BEN);
    await h.slack.waitForFeed(second.id, 'succeeded');
    // nothing was queued by the refused attempts
    expect(second.id).toBe(2);
  });

  test('/lock claims without deploying; the holder is reminded before expiry, and on expiry the next in line is told', async () => {
    h = await Harness.start({
      config: ({ repo, deployRoot }) => ({
        feed_channel: 'C0FEED',
        lock_reminder: '2s',
        apps: { web: { path: repo, environments: { staging: { deploy: ['/bin/true', deployRoot] } } } },
      }),
    });
    const lock = await h.slash('/lock', 'staging 5s testing checkout', ANA);
    expect(await h.answer(lock.id)).toMatch(
      /:lock: `web` \*staging\* is yours until <!date.*\(testing checkout\)\. Nobody else can deploy there until then/,
    );

    const refused = await h.slash('/deploy', 'staging', BEN);
    expect(await h.answer(refused.id)).toContain('locked by <@U0ANA> (testing checkout)');
    const join = await h.click('waitlist_join', JSON.stringify({ app: 'web', env: 'staging' }), BEN);
    expect(await h.answer(join.id)).toContain("You're #1 on the wait-list");

    const reminder = await h.slack.waitFor('the reminder DM', () =>
      h.slack.dmsTo(ANA).find((c) => String(c.body.text).includes('Your lock on')),
    );
    expect(String(reminder.body.text)).toContain('`/lock web staging 2h`');
    const handoff = await h.slack.waitFor('the hand-off DM after expiry', () => h.slack.dmsTo(BEN)[0], 15_000);
    expect(String(handoff.body.text)).toContain("<@U0ANA>'s lock expired");
    await h.slack.waitFor('the expiry DM to the old holder', () =>
      h.slack.dmsTo(ANA).find((c) => String(c.body.text).includes('has expired')),
    );

    const after = await h.deploy('staging', BEN);
    await h.slack.waitForFeed(after.id, 'succeeded');
  });

  test('the worker enforces locks too: a deploy queued before someone else locked the env fails without running', async () => {
    h = await Harness.start({ role: 'app' });
    const queued = await h.deploy('staging', BEN);
    const lock = await h.slash('/lock', 'staging 1h hotfix', ANA);
    expect(await h.answer(lock.id)).toContain('is yours until');
    h.spawnWorker();
    const msg = await h.slack.waitForFeed(queued.id, 'failed');
    expect(JSON.stringify(latest(msg).blocks)).toContain('staging was locked by <@U0ANA> before it could start');
  });
});
