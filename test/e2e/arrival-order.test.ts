import { Harness } from '../helpers/harness';
import { eventually } from '../helpers/wait';

/**
 * Arrival order is queue order: requests to one env are accepted, numbered and run in the order
 * they reached Ferry, whatever the work after each ack (GitHub, Slack, Redis) takes.
 */
describe('requests to one env queue in the order they arrived', () => {
  let h: Harness;
  afterEach(async () => {
    await h?.stop();
  });

  const deployIdOf = (answer: string): number => Number(/deploy #(\d+)/.exec(answer)?.[1] ?? NaN);

  /** The deploys' start times, in deploy-id order, once all have succeeded. */
  async function startsInIdOrder(ids: number[]): Promise<number[]> {
    for (const id of ids) await h.slack.waitForFeed(id, 'succeeded');
    const deps = await Promise.all(ids.map((id) => h.running!.parts.deploys.get(id)));
    return deps.map((d) => d!.startedAt!);
  }

  test('a slow first request (GitHub answering late) is still queued and run before the two sent after it', async () => {
    h = await Harness.start({
      config: ({ repo, deployRoot }) => ({
        feed_channel: 'C0FEED',
        apps: { web: { repo: 'acme/web', clone_url: repo, environments: { staging: { deploy: ['/bin/true', deployRoot] } } } },
      }),
    });
    h.github.refs.set('acme/web@fix-1', h.repo.sha('fix-1'));
    h.github.refs.set('acme/web@feature/checkout', h.repo.sha('feature/checkout'));
    const seen = h.github.requests.length;
    // The first user's ref lookup is held by GitHub; the next two are answered at once.
    h.github.hang = true;
    const first = await h.slash('/deploy', 'staging fix-1', 'U0ANA');
    await h.github.waitForRequests(seen + 1);
    h.github.hang = false;
    const second = await h.slash('/deploy', 'staging feature/checkout', 'U0BEN');
    const third = await h.slash('/deploy', 'staging feature/checkout', 'U0CAT');
    for (const r of [first, second, third]) expect(r.ack.status).toBe(200);
    // The second and third have their SHAs and wait for the first to join the queue (were they
    // accepted instead, the second's answer would come now, and the ids below would be out of order).
    await eventually(
      'the later two to wait for the first, or to be answered',
      () => h.running!.parts.arrivals.held === 2 || h.slack.responses.has(second.id),
    );
    h.github.release();
    const ids = [deployIdOf(await h.answer(first.id)), deployIdOf(await h.answer(second.id)), deployIdOf(await h.answer(third.id))];
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(new Set(ids).size).toBe(3);
    const starts = await startsInIdOrder(ids);
    expect(starts).toEqual([...starts].sort((a, b) => a - b));
  });

  test('three users sending /deploy one after another, milliseconds apart, run in that order', async () => {
    h = await Harness.start();
    const users = ['U0ANA', 'U0BEN', 'U0CAT'];
    const sent = [];
    for (const u of users) sent.push(await h.slash('/deploy', 'staging main', u));
    const ids = [];
    for (const s of sent) ids.push(deployIdOf(await h.answer(s.id)));
    expect(ids).toEqual([1, 2, 3]);
    const deps = await Promise.all(ids.map((id) => h.running!.parts.deploys.get(id)));
    expect(deps.map((d) => d!.user)).toEqual(users);
    const starts = await startsInIdOrder(ids);
    expect(starts).toEqual([...starts].sort((a, b) => a - b));
  });
});
