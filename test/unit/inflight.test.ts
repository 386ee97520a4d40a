import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import { Inflight } from '../../src/http/inflight';

const response = () => new EventEmitter() as unknown as ServerResponse;
const idle = (i: Inflight) => new Promise<number>((resolve) => i.once('idle', () => resolve(Date.now())));

describe('Inflight: after-ack work waits while Slack requests are arriving', () => {
  test("a lone request's work may start as soon as it is acked", async () => {
    const inflight = new Inflight(10_000);
    const res = response();
    inflight.track(res);
    expect(inflight.busy).toBe(true);
    const quiet = idle(inflight);
    res.emit('close');
    expect(inflight.busy).toBe(false);
    await quiet; // long before the 10 s quiet period a burst would wait for
  });

  test('in a burst, work waits until no request has arrived for the quiet period', async () => {
    const inflight = new Inflight(50);
    const [a, b] = [response(), response()];
    inflight.track(a);
    inflight.track(b);
    const arrived = Date.now();
    const quiet = idle(inflight);
    a.emit('close');
    b.emit('close');
    expect(inflight.busy).toBe(true);
    expect(await quiet).toBeGreaterThanOrEqual(arrived + 45);
    expect(inflight.busy).toBe(false);
  });
});
