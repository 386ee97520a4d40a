import { RELEASE_ACK, RELEASE_SHIP } from '../../src/core/release/actions';
import { latest } from '../helpers/fake-slack';
import { Harness, LOCAL_DEPLOY } from '../helpers/harness';

const ANA = 'U0ANA';
const BEN = 'U0BEN';

describe('release smoke', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await Harness.start({
      config: ({ repo, deployRoot }) => ({
        feed_channel: 'C0FEED',
        people: { 'ana@example.com': ANA, 'ben@example.com': BEN },
        apps: {
          web: {
            path: repo,
            environments: {
              staging: { deploy: [LOCAL_DEPLOY, deployRoot] },
              production: { deploy: [LOCAL_DEPLOY, deployRoot], promote_from: 'staging', release: { product_channel: 'C0PRODUCT' } },
            },
          },
        },
      }),
    });
  });
  afterAll(() => h.stop());

  test('open, ack, ship', async () => {
    const p = await h.deploy(`production ${h.repo.sha('main~1')}`);
    await h.slack.waitForFeed(p.id, 'succeeded');
    const s = await h.deploy('staging feature/checkout');
    await h.slack.waitForFeed(s.id, 'succeeded');
    const r = await h.slash('/release', '', ANA);
    const answer = await h.answer(r.id);
    expect(answer).toMatch(/Opened \*release #1\*: 2 commits by 2 authors/);
    const summary = await h.slack.waitFor('summary', () => h.slack.messages.find((m) => m.channel === 'C0FEED' && latest(m).text.includes('elease #1')));
    console.log(JSON.stringify(latest(summary), null, 1).slice(0, 3000));
    const a = await h.click(RELEASE_ACK, '1', ANA);
    console.log(await h.answer(a.id));
    const b = await h.click(RELEASE_ACK, '1', BEN);
    console.log(await h.answer(b.id));
    const ship = await h.click(RELEASE_SHIP, '1', BEN);
    const shipped = await h.answer(ship.id);
    console.log(shipped);
    const id = Number(/deploy #(\d+)/.exec(shipped)![1]);
    await h.slack.waitForFeed(id, 'succeeded');
    const post = await h.slack.waitFor('product post', () => h.slack.messages.find((m) => m.channel === 'C0PRODUCT'));
    console.log(latest(post).text);
    console.log(latest(summary).text);
  });
});
