import { ArrivalOrder } from '../../src/services/arrival-order';

/** Runs `turn` for each place and records the order in which they got it. */
function recorder() {
  const got: string[] = [];
  return { got, take: (name: string, p: Promise<void>) => p.then(() => got.push(name)) };
}

const tick = () => new Promise<void>((r) => setImmediate(r));

describe('ArrivalOrder: requests join an env queue in the order they arrived', () => {
  test('a later request whose own work finished first waits for the earlier one', async () => {
    const order = new ArrivalOrder();
    const first = order.arrive('web/staging');
    const second = order.arrive('web/staging');
    const third = order.arrive('web/staging');
    const r = recorder();
    // The second and third are ready first; the first is still resolving its ref.
    const t3 = r.take('third', third.turn('web/staging'));
    const t2 = r.take('second', second.turn('web/staging'));
    await tick();
    expect(r.got).toEqual([]);
    expect(order.held).toBe(2);
    await r.take('first', first.turn('web/staging'));
    first.leave();
    await t2;
    second.leave();
    await t3;
    third.leave();
    expect(r.got).toEqual(['first', 'second', 'third']);
    expect(order.pending).toBe(0);
    expect(order.held).toBe(0);
  });

  test('requests to other envs do not wait for each other', async () => {
    const order = new ArrivalOrder();
    order.arrive('web/staging'); // never done in this test
    const dev = order.arrive('web/dev');
    await dev.turn('web/dev'); // resolves at once
    expect(order.held).toBe(0);
  });

  test('a request whose env is not known yet (a Ship click) holds every later one until it names its env', async () => {
    const order = new ArrivalOrder();
    const click = order.arrive();
    const dev = order.arrive('web/dev');
    const r = recorder();
    const t = r.take('dev', dev.turn('web/dev'));
    await tick();
    expect(r.got).toEqual([]);
    // The click turns out to be for production: dev goes ahead while the click waits its own turn.
    await click.turn('web/production');
    await t;
    expect(r.got).toEqual(['dev']);
  });

  test('a refused or failed request leaves its place (once or twice) and the next one goes', async () => {
    const order = new ArrivalOrder();
    const refused = order.arrive('web/staging');
    const next = order.arrive('web/staging');
    const r = recorder();
    const t = r.take('next', next.turn('web/staging'));
    refused.leave();
    refused.leave();
    await t;
    expect(r.got).toEqual(['next']);
  });

  test('one that hangs holds the line only until the bound, then the later one goes ahead', async () => {
    const warnings: unknown[] = [];
    const log = { warn: (o: unknown) => warnings.push(o) } as never;
    const order = new ArrivalOrder(log, 50);
    order.arrive('web/staging'); // hangs forever
    const later = order.arrive('web/staging');
    await later.turn('web/staging');
    expect(warnings).toHaveLength(1);
    expect(order.pending).toBe(1);
  });

  test('many waiting requests get their turns in arrival order', async () => {
    const order = new ArrivalOrder();
    const places = Array.from({ length: 200 }, () => order.arrive('web/staging'));
    const got: number[] = [];
    // Ready in reverse order; each leaves as soon as it has had its turn.
    const done = places
      .map((p, i) => ({ p, i }))
      .reverse()
      .map(({ p, i }) =>
        p.turn('web/staging').then(() => {
          got.push(i);
          p.leave();
        }),
      );
    await Promise.all(done);
    expect(got).toEqual(places.map((_, i) => i));
  });
});
