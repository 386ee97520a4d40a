import type { Redis } from 'ioredis';
import pino from 'pino';
import type { Commit, CommitRange } from '../../src/core/release/types';
import { AuditLog } from '../../src/store/audit';
import { DeliveryHistory } from '../../src/store/delivery-history';
import { CancelStore } from '../../src/store/cancel';
import { DeployStore, type DeployOutcome } from '../../src/store/deploys';
import { FreezeStore } from '../../src/store/freezes';
import type { Keys } from '../../src/store/keys';
import { deployLeaseHolder, LeaseStore } from '../../src/store/lease';
import { CarriedCommits } from '../../src/services/carried-commits';
import { DeliveryFigures } from '../../src/services/delivery-figures';
import type { CommitSource } from '../../src/source/types';
import { deletePrefix, newRedis, uniqueKeys } from './fixtures';

const MIN = 60_000;
const H = 60 * MIN;
const DAY = 24 * H;
const RETENTION = 180 * DAY;
const NOW = Date.now();
const sha = (n: number) => String(n).padStart(40, '0');

let redis: Redis;
let k: Keys;
let deploys: DeployStore;
let history: DeliveryHistory;
beforeAll(() => {
  redis = newRedis();
});
beforeEach(() => {
  k = uniqueKeys('delivery');
  deploys = new DeployStore(redis, k, RETENTION);
  history = new DeliveryHistory(redis, k);
});
afterEach(async () => {
  await deletePrefix(redis, k);
});
afterAll(async () => {
  await redis.quit();
});

let idem = 0;
/** A deploy of `sha(n)` to web production that starts at `start` and ends at `end` as `outcome`. */
async function deploy(n: number, start: number, end: number, outcome: DeployOutcome, rollbackOf?: string): Promise<number> {
  idem += 1;
  const r = await deploys.accept(
    {
      app: 'web',
      env: 'production',
      ref: 'main',
      sha: sha(n),
      user: 'U0ANA',
      feedChannel: 'C0FEED',
      idempotencyKey: `d-${idem}`,
      ...(rollbackOf && { rollbackOf }),
    },
    start,
  );
  if (r.kind !== 'accepted') throw new Error(r.kind);
  const b = await deploys.begin(r.id, 'web', 'production', {
    holder: deployLeaseHolder('host:1', r.id),
    leaseTtlMs: 30_000,
    worker: 'host:1',
    now: start,
  });
  if (b.kind !== 'started') throw new Error(b.kind);
  if (!(await deploys.finish({ id: r.id, app: 'web', env: 'production' }, b.lease, outcome, end))) throw new Error('lease lost');
  await new LeaseStore(redis, k).release('web', 'production', b.lease);
  return r.id;
}

const commit = (n: number, date: number, subject = `change ${n}`): Commit => ({
  sha: `c${n}`,
  subject,
  authorName: 'Ana',
  authorEmail: 'ana@example.com',
  date,
});

/** A commit source whose compare answers from a table "base..head" -> commits. */
function source(ranges: Record<string, Commit[]>, calls: string[] = []): CommitSource {
  return {
    label: 'acme/web',
    resolveRef: async () => undefined,
    refNames: async () => [],
    commitUrl: () => undefined,
    history: async () => [],
    compare: async (base, head): Promise<CommitRange> => {
      calls.push(`${base}..${head}`);
      const commits = ranges[`${base}..${head}`];
      if (!commits) throw new Error('GitHub is down');
      return { kind: 'ahead', commits };
    },
  };
}

describe("the env's finished deploys", () => {
  test('a succeeded or failed deploy joins the index and its record expires after the retention; a cancelled one only expires', async () => {
    const a = await deploy(1, NOW - 10 * MIN, NOW - 9 * MIN, { status: 'succeeded', exitCode: 0 });
    const b = await deploy(2, NOW - 8 * MIN, NOW - 7 * MIN, { status: 'failed', exitCode: 1 });
    const c = await deploy(3, NOW - 6 * MIN, NOW - 5 * MIN, { status: 'cancelled' });
    expect(await history.finishedIn('web', 'production', 0, NOW, 100)).toEqual([a, b]);
    const ttl = await redis.pttl(k.deploy(a));
    expect(ttl).toBeGreaterThan(RETENTION - 30 * MIN);
    expect(ttl).toBeLessThanOrEqual(RETENTION);
    expect(await redis.pttl(k.deploy(c))).toBeGreaterThan(RETENTION - 30 * MIN);
  });

  test('deploys that never started expire after the retention too: cancelled while queued, failed while queued, replaced by a newer push', async () => {
    const queued = async (n: number, auto?: boolean) => {
      const r = await deploys.accept(
        {
          app: 'web',
          env: 'production',
          ref: 'main',
          sha: sha(n),
          user: 'U0ANA',
          feedChannel: 'C0FEED',
          idempotencyKey: `q-${n}`,
          ...(auto && { auto: { by: 'ana', from: sha(0), commits: 1 } }),
        },
        NOW,
      );
      if (r.kind !== 'accepted') throw new Error(r.kind);
      return r.id;
    };
    const cancelled = await queued(1);
    await new CancelStore(redis, k, RETENTION).cancel(cancelled, 'U0ANA', NOW, 'cancelled by <@U0ANA>');
    const failed = await queued(2);
    await deploys.failQueued(failed, 'checks failed', NOW);
    const replaced = await queued(3, true);
    await queued(4, true);
    for (const id of [cancelled, failed, replaced]) {
      expect(await redis.hget(k.deploy(id), 'status')).not.toBe('queued');
      expect(await redis.pttl(k.deploy(id))).toBeGreaterThan(RETENTION - 30 * MIN);
    }
    // Still queued: kept until it ends.
    expect(await redis.pttl(k.deploy(replaced + 1))).toBe(-1);
  });

  test('entries older than the retention are trimmed as newer deploys end', async () => {
    const old = await deploy(1, NOW - RETENTION - 2 * H, NOW - RETENTION - H, { status: 'succeeded' });
    expect(await history.finishedIn('web', 'production', 0, NOW + 1, 100)).toEqual([old]);
    const fresh = await deploy(2, NOW - MIN, NOW, { status: 'succeeded' });
    expect(await history.finishedIn('web', 'production', 0, NOW + 1, 100)).toEqual([fresh]);
  });

  test('an alert freeze is noted with its time; a repeated alert is not', async () => {
    const freezes = new FreezeStore(redis, k, RETENTION);
    await freezes.alertFiring('web', 'production', { key: 'a1', name: 'HighErrors', summary: '5xx' }, NOW - H);
    await freezes.alertFiring('web', 'production', { key: 'a1', name: 'HighErrors', summary: '5xx' }, NOW - H + MIN);
    expect(await history.alertFreezes('web', 'production', 0, NOW, 100)).toEqual([NOW - H]);
  });
});

describe('the commits a successful deploy carried', () => {
  const log = pino({ level: 'silent' });

  test('are what lay between the previous successful deploy and it, recorded once; a first deploy records none', async () => {
    const calls: string[] = [];
    const carried = new CarriedCommits({
      isProduction: () => true,
      history,
      sources: { web: source({ [`${sha(1)}..${sha(3)}`]: [commit(2, NOW - 3 * H), commit(3, NOW - 2 * H)] }, calls) },
      retentionMs: RETENTION,
      log,
    });
    const first = await deploy(1, NOW - 5 * H, NOW - 5 * H + MIN, { status: 'succeeded' });
    await deploy(2, NOW - 4 * H, NOW - 4 * H + MIN, { status: 'failed' });
    const third = await deploy(3, NOW - H, NOW - H + MIN, { status: 'succeeded' });
    await carried.deployFinished((await deploys.get(first))!);
    await carried.deployFinished((await deploys.get(third))!);
    await carried.deployFinished((await deploys.get(third))!);
    expect(calls).toEqual([`${sha(1)}..${sha(3)}`]);
    expect(await history.carried([first, third])).toEqual([
      { deployId: third, sha: 'c2', subject: 'change 2', time: NOW - 3 * H },
      { deployId: third, sha: 'c3', subject: 'change 3', time: NOW - 2 * H },
    ]);
  });

  test('a commit source failing throws and records nothing, so the retried job asks again', async () => {
    const carried = new CarriedCommits({ isProduction: () => true, history, sources: { web: source({}) }, retentionMs: RETENTION, log });
    await deploy(1, NOW - 5 * H, NOW - 5 * H + MIN, { status: 'succeeded' });
    const second = await deploy(2, NOW - H, NOW - H + MIN, { status: 'succeeded' });
    await expect(carried.deployFinished((await deploys.get(second))!)).rejects.toThrow('GitHub is down');
    expect(await history.hasCarried(second)).toBe(false);
  });

  test("only the production env's deploys carry commits for the lead time: a success on another env asks nothing", async () => {
    const calls: string[] = [];
    const carried = new CarriedCommits({
      isProduction: (_app, env) => env === 'live',
      history,
      sources: { web: source({}, calls) },
      retentionMs: RETENTION,
      log,
    });
    await deploy(1, NOW - 5 * H, NOW - 5 * H + MIN, { status: 'succeeded' });
    const second = await deploy(2, NOW - H, NOW - H + MIN, { status: 'succeeded' });
    await carried.deployFinished((await deploys.get(second))!);
    expect(calls).toEqual([]);
    expect(await history.hasCarried(second)).toBe(false);
  });
});

test('DeliveryFigures reads the history of both periods and computes the figures', async () => {
  // 7-day periods ending NOW. Current: #a succeeded (carries c2, 3h before its end), #b failed
  // (ends NOW - 2h), #c succeeded (ends NOW - 1h: restores #b in 1h), an alert freeze at
  // NOW - 90m (restored by #c in 30m). Previous: #p succeeded 8 days ago.
  // deploys 2, attempts 3, failures 1 -> rate 1/3; lead [3h]; restore [30m, 1h] -> median 45m.
  await deploy(1, NOW - 8 * DAY, NOW - 8 * DAY + MIN, { status: 'succeeded' });
  const a = await deploy(2, NOW - 5 * H, NOW - 4 * H, { status: 'succeeded' });
  await deploy(3, NOW - 3 * H, NOW - 2 * H, { status: 'failed', error: 'exit 1' });
  await deploy(4, NOW - 70 * MIN, NOW - H, { status: 'succeeded' });
  await new FreezeStore(redis, k, RETENTION).alertFiring('web', 'production', { key: 'x', name: 'Down', summary: '' }, NOW - 90 * MIN);
  await history.setCarried(a, [{ sha: 'c2', date: NOW - 7 * H, subject: 'x' }], RETENTION);
  const f = await new DeliveryFigures({ history, apps: {} }).figures('web', 'production', 7, NOW);
  expect(f.current).toMatchObject({
    deploys: 2,
    attempts: 3,
    failures: 1,
    changeFailureRate: 1 / 3,
    leadTime: { count: 1, medianMs: 3 * H },
    timeToRestore: { count: 2, medianMs: 45 * MIN, p90Ms: H },
  });
  expect(f.previous).toMatchObject({ deploys: 1, attempts: 1, failures: 0 });
});

test('the audit log drops entries older than the retention as well as beyond its count', async () => {
  const audit = new AuditLog(redis, k, 3, 10 * DAY);
  for (const at of [NOW - 20 * DAY, NOW - 15 * DAY, NOW - 2 * DAY])
    await audit.record({ at, user: 'U0ANA', action: 'deploy', app: 'web', env: 'production' });
  // the newest's cutoff (12 days before it) drops the two older ones
  expect((await audit.byEnv('web', 'production')).map((e) => e.at)).toEqual([NOW - 2 * DAY]);
  for (let i = 1; i <= 4; i += 1) await audit.record({ at: NOW + i, user: 'U0ANA', action: 'deploy', app: 'web', env: 'production' });
  expect((await audit.recent()).map((e) => e.at)).toEqual([NOW + 4, NOW + 3, NOW + 2]);
});
