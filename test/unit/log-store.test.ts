import type { Redis } from 'ioredis';
import { DeployStore } from '../../src/store/deploys';
import type { Keys } from '../../src/store/keys';
import { sharedLinkSecret } from '../../src/store/link-secret';
import { LogStore } from '../../src/store/logs';
import { deletePrefix, newRedis, uniqueKeys } from './fixtures';

let redis: Redis;
let k: Keys;
beforeAll(() => {
  redis = newRedis();
});
beforeEach(() => {
  k = uniqueKeys('logs');
});
afterEach(async () => {
  await deletePrefix(redis, k);
});
afterAll(async () => {
  await redis.quit();
});

const lines = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => `line ${from + i}`);

describe('LogStore.since', () => {
  test('numbers lines from 1 and returns those from a given line on', async () => {
    const logs = new LogStore(redis, k, 100);
    await logs.append(1, lines(1, 3));
    await logs.append(1, lines(4, 5));
    expect(await logs.since(1, 1)).toEqual({ first: 1, lines: lines(1, 5), total: 5 });
    expect(await logs.since(1, 4)).toEqual({ first: 4, lines: ['line 4', 'line 5'], total: 5 });
  });

  test('past the end: no lines, and first is the next line to come', async () => {
    const logs = new LogStore(redis, k, 100);
    await logs.append(1, lines(1, 5));
    expect(await logs.since(1, 6)).toEqual({ first: 6, lines: [], total: 5 });
    expect(await logs.since(1, 60)).toEqual({ first: 60, lines: [], total: 5 });
  });

  test('a log nobody wrote is empty', async () => {
    const logs = new LogStore(redis, k, 100);
    expect(await logs.since(9, 1)).toEqual({ first: 1, lines: [], total: 0 });
  });

  test('trimmed lines keep their numbers: asking for a trimmed line starts at the oldest kept and says so', async () => {
    const logs = new LogStore(redis, k, 100);
    await logs.append(1, lines(1, 150));
    await logs.append(1, lines(151, 230));
    expect(await logs.tail(1, 2)).toEqual(['line 229', 'line 230']);
    const all = await logs.since(1, 1);
    expect(all.first).toBe(131);
    expect(all.total).toBe(230);
    expect(all.lines).toEqual(lines(131, 230));
    expect(await logs.since(1, 200)).toEqual({ first: 200, lines: lines(200, 230), total: 230 });
  });

  test('max bounds the lines returned, counted from the first one returned', async () => {
    const logs = new LogStore(redis, k, 100);
    await logs.append(1, lines(1, 150));
    expect(await logs.since(1, 1, 10)).toEqual({ first: 51, lines: lines(51, 60), total: 150 });
    expect(await logs.since(1, 145, 10)).toEqual({ first: 145, lines: lines(145, 150), total: 150 });
  });

  test('the counter lives and expires with the list', async () => {
    const logs = new LogStore(redis, k, 100);
    await logs.append(1, ['a']);
    expect(await redis.ttl(k.deployLogCount(1))).toBeGreaterThan(29 * 86_400);
    expect(await redis.ttl(k.deployLog(1))).toBeGreaterThan(29 * 86_400);
  });

  test('a log written before the counter existed counts from 1', async () => {
    await redis.rpush(k.deployLog(1), 'old a', 'old b');
    const logs = new LogStore(redis, k, 100);
    expect(await logs.since(1, 1)).toEqual({ first: 1, lines: ['old a', 'old b'], total: 2 });
  });

  test("sinceWithDeploy reads the deploy's record with the lines", async () => {
    const deploys = new DeployStore(redis, k);
    const r = await deploys.accept(
      { app: 'web', env: 'dev', ref: 'main', sha: 'a'.repeat(40), user: 'U0ANA', feedChannel: 'C0FEED', idempotencyKey: 'x' },
      Date.now(),
    );
    if (r.kind !== 'accepted') throw new Error(r.kind);
    const logs = new LogStore(redis, k, 100);
    await logs.append(r.id, ['hello']);
    const got = await logs.sinceWithDeploy(r.id, 1);
    expect(got.slice).toEqual({ first: 1, lines: ['hello'], total: 1 });
    expect(got.deploy).toMatchObject({ id: r.id, app: 'web', status: 'queued' });
    expect((await logs.sinceWithDeploy(999, 1)).deploy).toBeUndefined();
  });
});

describe('the shared link secret', () => {
  test('made once by whichever process asks first; every process reads the same one', async () => {
    const other = newRedis();
    try {
      const [a, b] = await Promise.all([sharedLinkSecret(redis, k), sharedLinkSecret(other, k)]);
      expect(a).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(b).toBe(a);
      expect(await sharedLinkSecret(redis, k)).toBe(a);
    } finally {
      await other.quit();
    }
  });
});
