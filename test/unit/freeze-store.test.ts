import type { Redis } from 'ioredis';
import type { FreezeState } from '../../src/core/gate';
import { DeployStore } from '../../src/store/deploys';
import { FreezeStore } from '../../src/store/freezes';
import type { Keys } from '../../src/store/keys';
import { deletePrefix, newRedis, uniqueKeys } from './fixtures';
import { fixture, type Overrides } from '../helpers/fixture';

const NOW = Date.now();
const H = 3_600_000;

let redis: Redis;
let k: Keys;
let store: FreezeStore;
beforeAll(() => {
  redis = newRedis();
});
beforeEach(() => {
  k = uniqueKeys('freezes');
  store = new FreezeStore(redis, k);
});
afterEach(async () => {
  await deletePrefix(redis, k);
});
afterAll(async () => {
  await redis.quit();
});

const byAna = (over: Overrides<FreezeState> = {}): FreezeState =>
  fixture<FreezeState>(
    {
      by: 'U0ANA',
      reason: 'QA',
      since: NOW,
      until: NOW + 2 * H,
      source: 'manual',
    },
    over,
  );

describe('FreezeStore', () => {
  test('`all` freezes every env in one step; an env frozen by an alert keeps that freeze and is reported', async () => {
    await store.freeze('web', ['production'], byAna({ by: 'alertmanager', source: 'alert' }));
    const r = await store.freeze('web', ['dev', 'staging', 'production'], byAna());
    expect(r).toEqual([
      { env: 'dev', kind: 'frozen', token: expect.any(Number) },
      { env: 'staging', kind: 'frozen', token: expect.any(Number) },
      { env: 'production', kind: 'kept', source: 'alert' },
    ]);
    expect((await store.get('web', 'production'))?.source).toBe('alert');
    expect(await store.get('web', 'staging')).toMatchObject({ by: 'U0ANA', reason: 'QA', until: NOW + 2 * H, source: 'manual' });
  });

  test('the same request twice (same idempotency key) freezes once', async () => {
    const first = await store.freeze('web', ['staging'], byAna(), 'freeze:trigger-1');
    expect(first).not.toBe('duplicate');
    expect(await store.freeze('web', ['staging'], byAna({ reason: 'changed' }), 'freeze:trigger-1')).toBe('duplicate');
    expect((await store.get('web', 'staging'))?.reason).toBe('QA');
  });

  test("an expiry timer lifts only its own freeze, and only once it's over", async () => {
    const [old] = (await store.freeze('web', ['staging'], byAna())) as { token: number }[];
    expect(await store.expire('web', 'staging', old!.token, NOW + H)).toEqual({ kind: 'not-frozen' }); // not over yet
    const [renewed] = (await store.freeze('web', ['staging'], byAna({ until: NOW + 5 * H }))) as { token: number }[];
    expect(await store.expire('web', 'staging', old!.token, NOW + 3 * H)).toEqual({ kind: 'not-frozen' }); // a newer freeze stands
    expect(await store.expire('web', 'staging', renewed!.token, NOW + 5 * H)).toMatchObject({
      kind: 'lifted',
      previous: { token: renewed!.token },
    });
    expect(await store.get('web', 'staging')).toBeUndefined();
  });

  test("/unfreeze lifts a person's freeze but not an alert's", async () => {
    await store.freeze('web', ['staging'], byAna());
    await store.freeze('web', ['production'], byAna({ source: 'alert', by: 'alertmanager' }));
    expect((await store.lift('web', 'staging', ['manual', 'release'])).kind).toBe('lifted');
    expect(await store.lift('web', 'production', ['manual', 'release'])).toEqual({ kind: 'kept', source: 'alert' });
    expect(await store.lift('web', 'dev', ['manual'])).toEqual({ kind: 'not-frozen' });
  });

  describe('alerts', () => {
    const alert = (name: string, summary = `${name} summary`) => ({ key: `name:${name}`, name, summary });

    test('alerts firing at the same moment freeze once: one freezes, the others join it; the last resolved lifts it', async () => {
      const r = await Promise.all(['A', 'B', 'C'].map((n, i) => store.alertFiring('web', 'production', alert(n), NOW + i)));
      expect(r.filter((x) => x.kind === 'frozen')).toHaveLength(1);
      expect(r.filter((x) => x.kind === 'also')).toHaveLength(2);
      expect(await store.firingAlerts('web', 'production')).toHaveLength(3);
      const byName = (await store.get('web', 'production'))!.name!;
      // resolving the one it is named after renames it after the oldest still firing
      const rest = ['A', 'B', 'C'].filter((n) => n !== byName);
      const still = await store.alertResolved('web', 'production', `name:${byName}`);
      expect(still.kind === 'still' && [...still.firing].sort()).toEqual(rest);
      expect(await store.get('web', 'production')).toMatchObject({ source: 'alert', name: rest[0], reason: `${rest[0]} summary` });
      expect((await store.alertResolved('web', 'production', `name:${rest[0]}`)).kind).toBe('still');
      expect(await store.alertResolved('web', 'production', `name:${rest[1]}`)).toMatchObject({
        kind: 'lifted',
        previous: { source: 'alert', by: 'alert', name: rest[1] },
      });
      expect(await store.get('web', 'production')).toBeUndefined();
      expect(await store.alertResolved('web', 'production', `name:${rest[1]}`)).toEqual({ kind: 'unknown' });
    });

    test('the same alert again changes nothing', async () => {
      expect((await store.alertFiring('web', 'staging', alert('A'), NOW)).kind).toBe('frozen');
      expect(await store.alertFiring('web', 'staging', alert('A', 'changed'), NOW + H)).toEqual({ kind: 'duplicate' });
      expect(await store.get('web', 'staging')).toMatchObject({ since: NOW, reason: 'A summary' });
    });

    test("a release's or a person's freeze stays: the alert is recorded, and its resolution leaves that freeze", async () => {
      await store.freeze('web', ['staging'], byAna({ source: 'release', by: 'ferry', name: '#12', until: undefined }));
      expect(await store.alertFiring('web', 'staging', alert('A'), NOW)).toEqual({
        kind: 'kept',
        freeze: { source: 'release', by: 'ferry', name: '#12' },
      });
      expect(await store.alertFiring('web', 'staging', alert('B'), NOW)).toEqual({
        kind: 'kept',
        freeze: { source: 'release', by: 'ferry', name: '#12' },
      });
      // still one alert firing, but the freeze is the release's: it is reported, untouched
      expect(await store.alertResolved('web', 'staging', 'name:A')).toEqual({
        kind: 'kept',
        freeze: { source: 'release', by: 'ferry', name: '#12' },
      });
      expect(await store.alertResolved('web', 'staging', 'name:B')).toEqual({
        kind: 'kept',
        freeze: { source: 'release', by: 'ferry', name: '#12' },
      });
      expect(await store.get('web', 'staging')).toMatchObject({ source: 'release', name: '#12', reason: 'QA' });
      // the person's freeze lifted while A fires: the env is frozen by A instead, in the same step, and A's resolution lifts that
      await store.freeze('web', ['dev'], byAna());
      await store.alertFiring('web', 'dev', alert('A'), NOW);
      expect(await store.lift('web', 'dev', ['manual'])).toMatchObject({ kind: 'alerting', alert: 'A', previous: { source: 'manual' } });
      expect(await store.get('web', 'dev')).toMatchObject({ source: 'alert', name: 'A' });
      expect((await store.alertResolved('web', 'dev', 'name:A')).kind).toBe('lifted');
      expect(await store.get('web', 'dev')).toBeUndefined();
    });

    test("a person's freeze whose end has passed (its timer not yet run) is replaced by the alert's", async () => {
      await store.freeze('web', ['staging'], byAna({ until: NOW + H }));
      expect((await store.alertFiring('web', 'staging', alert('A'), NOW + 2 * H)).kind).toBe('frozen');
      expect(await store.get('web', 'staging')).toMatchObject({ source: 'alert', name: 'A', since: NOW + 2 * H });
      expect((await store.get('web', 'staging'))?.until).toBeUndefined();
    });
  });

  test('people asking to be told are told once', async () => {
    expect(await store.notifyMe('web', 'staging', 'U0BEN')).toBe(true);
    expect(await store.notifyMe('web', 'staging', 'U0BEN')).toBe(false);
    expect(await store.takeNotify('web', 'staging')).toEqual(['U0BEN']);
    expect(await store.takeNotify('web', 'staging')).toEqual([]);
  });
});

describe('DeployStore.begin and a freeze set after the gate looked', () => {
  test('a queued deploy of a frozen env is not begun and takes no lease; after the freeze it begins', async () => {
    const deploys = new DeployStore(redis, k);
    const a = await deploys.accept(
      { app: 'web', env: 'staging', ref: 'main', sha: '1'.repeat(40), user: 'U0ANA', feedChannel: 'C0FEED', idempotencyKey: 'k1' },
      NOW,
    );
    if (a.kind !== 'accepted') throw new Error(a.kind);
    await store.freeze('web', ['staging'], byAna());
    const opts = { holder: 'w1', leaseTtlMs: 10_000, worker: 'w1', now: NOW };
    expect(await deploys.begin(a.id, 'web', 'staging', opts)).toEqual({ kind: 'frozen' });
    expect(await redis.get(k.lease('web', 'staging'))).toBeNull();
    expect((await deploys.get(a.id))?.status).toBe('queued');
    // A freeze whose end has passed no longer stops it.
    expect((await deploys.begin(a.id, 'web', 'staging', { ...opts, now: NOW + 3 * H })).kind).toBe('started');
  });
});
