import type { Redis } from 'ioredis';
import type { Keys } from '../../src/store/keys';
import { ReviewAppStore } from '../../src/store/review-apps';
import { deletePrefix, newRedis, uniqueKeys } from './fixtures';

let redis: Redis;
let k: Keys;
let store: ReviewAppStore;
const NOW = 1_800_000_000_000;

beforeEach(() => {
  redis = newRedis();
  k = uniqueKeys('review-store');
  store = new ReviewAppStore(redis, k);
});
afterEach(async () => {
  await deletePrefix(redis, k);
  await redis.quit();
});

describe('review app places: at most max live, the rest in line, first come first', () => {
  test('the third PR waits at #1, the fourth at #2; a freed place goes to the first in line, and it is told', async () => {
    expect(await store.admit('web', 1, 2, NOW)).toEqual({ kind: 'admitted', admitted: [] });
    expect(await store.admit('web', 2, 2, NOW)).toEqual({ kind: 'admitted', admitted: [] });
    await store.change('web', 3, { set: { state: 'waiting', place: 1 } }, NOW);
    expect(await store.admit('web', 3, 2, NOW)).toEqual({ kind: 'waiting', place: 1, admitted: [] });
    expect(await store.admit('web', 4, 2, NOW)).toEqual({ kind: 'waiting', place: 2, admitted: [] });
    // Asking again keeps the place (a redelivered webhook, a second push).
    expect(await store.admit('web', 3, 2, NOW + 5)).toEqual({ kind: 'waiting', place: 1, admitted: [] });
    expect(await store.admit('web', 1, 2, NOW + 5)).toEqual({ kind: 'live', admitted: [] });
    expect(await store.free('web', 1, 2, NOW + 10)).toEqual([3]);
    expect((await store.get('web', 3))?.place).toBeUndefined();
    expect(await store.line('web')).toEqual([4]);
    expect(await store.placeInLine('web', 4)).toBe(1);
    // One that leaves the line frees nobody's place; freeing twice changes nothing.
    expect(await store.free('web', 4, 2, NOW + 20)).toEqual([]);
    expect(await store.free('web', 4, 2, NOW + 20)).toEqual([]);
    expect(await store.liveCount('web')).toBe(2);
  });

  test('places freed while nobody was told are filled by the next asker first (in line order)', async () => {
    await store.admit('web', 1, 1, NOW);
    await store.admit('web', 2, 1, NOW);
    await store.admit('web', 3, 1, NOW);
    // The place is freed outside the script (a crash between the two steps, say): 2 goes first, then 3 waits.
    await redis.zrem(k.reviewLive('web'), '1');
    expect(await store.admit('web', 3, 1, NOW)).toEqual({ kind: 'waiting', place: 1, admitted: [2] });
  });

  test('many PRs asking at once never get more than max places', async () => {
    const got = await Promise.all(Array.from({ length: 30 }, (_, i) => store.admit('web', i + 1, 5, NOW)));
    expect(got.filter((g) => g.kind === 'admitted')).toHaveLength(5);
    expect(
      got
        .filter((g) => g.kind === 'waiting')
        .map((g) => (g.kind === 'waiting' ? g.place : 0))
        .sort((a, b) => a - b),
    ).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
    expect(await store.liveCount('web')).toBe(5);
  });
});

describe('review app records change only from where the caller saw them', () => {
  test('a new life starts only without a record (or a gone one); a deploy end moves only its own deploy', async () => {
    expect(
      await store.change('web', 7, { from: ['none'], set: { state: 'waiting', title: 'Add <b>', fork: false, openedAt: NOW } }, NOW),
    ).toBe(true);
    expect(await store.change('web', 7, { from: ['none', 'gone'], set: { state: 'waiting', title: 'again' } }, NOW)).toBe(false);
    await store.change('web', 7, { set: { state: 'deploying', deployId: 12 } }, NOW + 1);
    expect(await store.change('web', 7, { from: ['deploying'], onDeploy: 11, set: { state: 'live' } }, NOW + 2)).toBe(false);
    expect(
      await store.change('web', 7, { from: ['deploying'], onDeploy: 12, set: { state: 'live', deployedSha: 'a'.repeat(40) } }, NOW + 2),
    ).toBe(true);
    await store.change('web', 7, { set: { gone: { reason: 'idle', at: NOW + 3 }, state: 'gone' }, clear: ['deployedSha'] }, NOW + 3);
    const r = await store.get('web', 7);
    expect(r).toMatchObject({
      state: 'gone',
      title: 'Add <b>',
      env: 'pr-7',
      gone: { reason: 'idle', at: NOW + 3 },
      deployId: 12,
      updatedAt: NOW + 3,
    });
    expect(r?.deployedSha).toBeUndefined();
    await store.change('web', 7, { clear: ['gone'] }, NOW + 4);
    expect((await store.get('web', 7))?.gone).toBeUndefined();
    expect((await store.list('web')).map((x) => x.pr)).toEqual([7]);
  });
});
