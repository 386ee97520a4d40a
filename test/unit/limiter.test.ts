import { Limiter } from '../../src/util/limiter';

const deferred = () => {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
};

describe('Limiter: after-ack work', () => {
  test('runs at most `max` tasks at once, in the order given', async () => {
    const limiter = new Limiter(2);
    const order: number[] = [];
    const gates = [deferred(), deferred(), deferred()];
    const started = [deferred(), deferred(), deferred()];
    const runs = gates.map((g, i) =>
      limiter.run(async () => {
        order.push(i);
        started[i]!.resolve();
        await g.promise;
        return i;
      }),
    );
    await started[1]!.promise;
    // the third waits for a free place
    await new Promise((r) => setImmediate(r));
    expect(order).toEqual([0, 1]);
    gates[0]!.resolve();
    await started[2]!.promise;
    expect(order).toEqual([0, 1, 2]);
    gates[1]!.resolve();
    gates[2]!.resolve();
    expect(await Promise.all(runs)).toEqual([0, 1, 2]);
  });

  test('gives way while requests wait for their ack, and starts when told they are done', async () => {
    let busy = true;
    const limiter = new Limiter(4, { busy: () => busy, maxDeferMs: 60_000 });
    let started = false;
    const run = limiter.run(async () => {
      started = true;
    });
    await new Promise((r) => setImmediate(r));
    expect(started).toBe(false);
    busy = false;
    limiter.wake();
    await run;
    expect(started).toBe(true);
  });

  test('a task is not held back for ever: it starts after maxDeferMs even while busy', async () => {
    const limiter = new Limiter(1, { busy: () => true, maxDeferMs: 30 });
    const t0 = Date.now();
    await limiter.run(async () => undefined);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(25);
  });

  test('a failing task rejects its caller and frees its place', async () => {
    const limiter = new Limiter(1);
    await expect(limiter.run(async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(limiter.run(async () => 'next')).resolves.toBe('next');
  });
});
