import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Redis } from 'ioredis';
import pino from 'pino';
import { signLogToken } from '../../src/core/log-link';
import { makeRedactor } from '../../src/core/redact';
import { LogPage } from '../../src/http/log-page';
import { createHttpServer } from '../../src/http/server';
import { WebAssets } from '../../src/http/web-assets';
import { DeployStore } from '../../src/store/deploys';
import type { Keys } from '../../src/store/keys';
import { LogStore } from '../../src/store/logs';
import { SseClient } from '../helpers/sse';
import { eventually } from '../helpers/wait';
import { deletePrefix, newRedis, uniqueKeys } from './fixtures';

const SECRET = 'stream-test-secret-0123456789abcdef';

let redis: Redis;
let k: Keys;
let server: http.Server;
let page: LogPage;
let base: string;
let id: number;
let createdAt: number;
let logs: LogStore;

beforeAll(() => {
  redis = newRedis();
});
afterAll(async () => {
  await redis.quit();
});

beforeEach(async () => {
  k = uniqueKeys('stream');
  logs = new LogStore(redis, k, 1_000);
  const deploys = new DeployStore(redis, k);
  createdAt = Date.now();
  const r = await deploys.accept(
    { app: 'web', env: 'dev', ref: 'main', sha: 'a'.repeat(40), user: 'U0ANA', feedChannel: 'C0FEED', idempotencyKey: 'x' },
    createdAt,
  );
  if (r.kind !== 'accepted') throw new Error(r.kind);
  id = r.id;
  page = new LogPage({
    links: { publicUrl: 'http://ferry.test', secret: SECRET, redisPrefix: k.prefix, ttlMs: 3_600_000 },
    deploys,
    logs,
    commitUrl: () => undefined,
    redact: makeRedactor([]),
    assets: new WebAssets(),
    log: pino({ level: 'silent' }),
    pollMs: 20,
    keepaliveMs: 100,
    maxStreams: 1,
  });
  server = createHttpServer({ healthy: async () => true, log: pino({ level: 'silent' }), logPage: page });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterEach(async () => {
  page.close();
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
  await deletePrefix(redis, k);
});

const eventsUrl = (expiresAt = Date.now() + 3_600_000) =>
  `${base}/deploys/${id}/events?t=${signLogToken({ secret: SECRET, redisPrefix: k.prefix }, { id, createdAt }, expiresAt)}`;

describe('log event streams', () => {
  test('are capped: one more gets a 503 that says what to do; a closed one frees its place', async () => {
    const first = await SseClient.open(eventsUrl());
    expect(first.status).toBe(200);
    await first.waitFor('the deploy event', () => first.events.find((e) => e.event === 'deploy'));
    const res = await fetch(eventsUrl());
    expect(res.status).toBe(503);
    expect(await res.text()).toContain('Too many log streams are open on this Ferry. Reload the page in a minute');

    first.close();
    await eventually('the stream to be let go', () => page.openStreams === 0);
    const again = await SseClient.open(eventsUrl());
    expect(again.status).toBe(200);
    again.close();
  });

  test('send a keepalive comment while nothing happens, and new lines as they are appended', async () => {
    const s = await SseClient.open(eventsUrl());
    try {
      await s.waitFor('a keepalive', () => s.comments.includes('keepalive'));
      await logs.append(id, ['one', 'two']);
      const got = await s.waitFor('the lines', () => s.events.find((e) => e.event === 'lines'));
      expect(JSON.parse(got.data)).toEqual({ first: 1, lines: ['one', 'two'] });
      expect(got.id).toBe('2');
    } finally {
      s.close();
    }
  });

  test('end with an `expired` event when the link expires while open', async () => {
    const s = await SseClient.open(eventsUrl(Date.now() + 200));
    await s.closed();
    expect(s.events.at(-1)!.event).toBe('expired');
    expect(page.openStreams).toBe(0);
  });

  test('close() ends every open stream (at shutdown)', async () => {
    const s = await SseClient.open(eventsUrl());
    await s.waitFor('the deploy event', () => s.events.find((e) => e.event === 'deploy'));
    page.close();
    await s.closed();
    expect(page.openStreams).toBe(0);
  });

  test('end as `gone` when the record the link was made for is replaced by another under its id, without its lines', async () => {
    const s = await SseClient.open(eventsUrl());
    await s.waitFor('the deploy event', () => s.events.find((e) => e.event === 'deploy'));
    // Redis wiped and a new deploy made under the same id: another createdAt, another log.
    await redis.hset(k.deploy(id), 'createdAt', String(createdAt + 1), 'rev', '99');
    await logs.append(id, ['a line of the other deploy']);
    await s.closed();
    expect(JSON.parse(s.events.at(-1)!.data)).toEqual({ reason: 'gone' });
    expect(s.events.filter((e) => e.event === 'lines')).toEqual([]);
    // And the link no longer opens a stream at all.
    expect((await fetch(eventsUrl())).status).toBe(403);
  });

  test('end as `gone` when the record is deleted', async () => {
    const s = await SseClient.open(eventsUrl());
    await s.waitFor('the deploy event', () => s.events.find((e) => e.event === 'deploy'));
    await redis.del(k.deploy(id));
    await s.closed();
    expect(s.events.at(-1)!.event).toBe('end');
    expect(JSON.parse(s.events.at(-1)!.data)).toEqual({ reason: 'gone' });
  });

  test('`from` and Last-Event-ID choose where the stream starts', async () => {
    await logs.append(id, ['a', 'b', 'c', 'd']);
    const from = await SseClient.open(`${eventsUrl()}&from=3`);
    const a = await from.waitFor('lines', () => from.events.find((e) => e.event === 'lines'));
    expect(JSON.parse(a.data)).toEqual({ first: 3, lines: ['c', 'd'] });
    from.close();
    await eventually('the stream to be let go', () => page.openStreams === 0);
    const resumed = await SseClient.open(`${eventsUrl()}&from=1`, { 'last-event-id': '1' });
    const b = await resumed.waitFor('lines', () => resumed.events.find((e) => e.event === 'lines'));
    expect(JSON.parse(b.data)).toEqual({ first: 2, lines: ['b', 'c', 'd'] });
    resumed.close();
  });
});
