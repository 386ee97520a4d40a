import { Harness } from '../helpers/harness';
import { eventually } from '../helpers/wait';

const ANA = 'U0ANA';
const BEN = 'U0BEN';
const DEV = JSON.stringify({ app: 'web', env: 'dev' });

describe('"Ask them to release it" on a refusal because of a lock', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await Harness.start();
  });
  afterAll(() => h?.stop());

  test('the holder gets one DM naming who asks and how to release, however often it is clicked', async () => {
    await h.slash('/lock', 'dev 2h testing checkout', ANA).then((r) => h.answer(r.id));
    const refused = await h.slash('/deploy', 'dev fix-1', BEN);
    const answer = await h.slack.waitForResponse(refused.id);
    const buttons = JSON.stringify(answer.blocks);
    expect(buttons).toContain('Join the wait-list');
    expect(buttons).toContain('Ask them to release it');

    const clicks = await Promise.all([h.click('lock_ask_release', DEV, BEN), h.click('lock_ask_release', DEV, BEN)]);
    for (const c of clicks) expect(await h.answer(c.id)).toContain("I've asked <@U0ANA> to release `web` *dev*");
    const dm = await h.slack.waitFor('the DM to the holder', () =>
      h.slack.dmsTo(ANA).find((c) => String(c.body.text).includes('would like to deploy')),
    );
    expect(String(dm.body.text)).toContain('<@U0BEN> would like to deploy to `web` *dev*, which you hold until');
    expect(String(dm.body.text)).toContain("(testing checkout). If you're done, `/unlock web dev` releases it");

    // A third click after the DM went out still sends nothing new (one DM per person per lock).
    const again = await h.click('lock_ask_release', DEV, BEN);
    await h.answer(again.id);
    const timers = h.running!.parts.queues.timers;
    await eventually('the DM queue to be idle', async () => {
      const c = await timers.getJobCounts('waiting', 'active');
      return c.waiting === 0 && c.active === 0; // the lock's own timers stay delayed
    });
    expect(h.slack.dmsTo(ANA).filter((c) => String(c.body.text).includes('would like to deploy'))).toHaveLength(1);
  });

  test('the holder clicking it, or a click once the env is free, changes nothing and says so', async () => {
    const own = await h.click('lock_ask_release', DEV, ANA);
    expect(await h.answer(own.id)).toContain('You hold the lock on `web` *dev* yourself');
    await h.slash('/unlock', 'dev', ANA).then((r) => h.answer(r.id));
    const free = await h.click('lock_ask_release', DEV, BEN);
    expect(await h.answer(free.id)).toContain("`web` *dev* isn't locked by anyone now; nobody to ask.");
  });
});
