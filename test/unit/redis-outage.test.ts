import { Writable } from 'node:stream';
import { Redis } from 'ioredis';
import { makeRedactor } from '../../src/core/redact';
import { createLogger } from '../../src/log';
import { RECONNECT, RedisOutage } from '../../src/store/redis-outage';
import { freePort } from '../helpers/ports';
import { type OwnRedis, startOwnRedis } from '../helpers/redis-server';

/** A logger whose lines the test reads, and a way to wait for the n-th error event of a client. */
function capture() {
  const lines: { level: number; msg: string }[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(JSON.parse(String(chunk)) as { level: number; msg: string });
      done();
    },
  });
  return { lines, log: createLogger('info', makeRedactor([]), stream) };
}

const errors = (c: Redis, n: number): Promise<void> =>
  new Promise((resolve) => {
    let seen = 0;
    const on = () => {
      if (++seen < n) return;
      c.off('error', on);
      resolve();
    };
    c.on('error', on);
  });

describe('a Redis outage is logged once, not per connection and retry', () => {
  let redis: OwnRedis | undefined;
  const clients: Redis[] = [];
  afterEach(async () => {
    for (const c of clients.splice(0)) c.disconnect();
    await redis?.kill();
    redis = undefined;
  });

  test('three connections retrying with back-off against a Redis that is down log one warning; it coming back logs one line', async () => {
    const port = await freePort();
    const { lines, log } = capture();
    const outage = new RedisOutage(log);
    for (const name of ['main', 'worker', 'cancel subscriber'])
      clients.push(outage.watch(new Redis(`redis://127.0.0.1:${port}`, { maxRetriesPerRequest: null, ...RECONNECT }), name));
    // Each connection fails its first try and three retries (0.2 s, 0.4 s, 0.8 s apart).
    await Promise.all(clients.map((c) => errors(c, 4)));
    expect(outage.unreachable).toBe(true);
    expect(outage.describe()).toMatch(/^Redis unreachable for \d+s \(.*ECONNREFUSED/);
    expect(lines.filter((l) => l.level >= 40).map((l) => l.msg)).toEqual([
      expect.stringMatching(/^Redis is unreachable; retrying with back-off .*check that Redis is running and that REDIS_URL points at it/),
    ]);

    redis = await startOwnRedis(port);
    await Promise.all(clients.map((c) => (c.status === 'ready' ? undefined : new Promise((r) => c.once('ready', r)))));
    expect(outage.unreachable).toBe(false);
    expect(lines.filter((l) => /reachable again/.test(l.msg))).toHaveLength(1);
  }, 30_000);
});
