import { deliveryEnvs } from '../../src/core/delivery/envs';
import { computeFigures, type CarriedCommit, type DeployFact } from '../../src/core/delivery/figures';
import { durations } from '../../src/core/delivery/durations';

const MIN = 60_000;
const H = 60 * MIN;
/** Jan <d> 2026, <h>:<m> UTC. */
const at = (d: number, h: number, m = 0) => Date.UTC(2026, 0, d, h, m);

const ok = (id: number, start: number, end: number, o: Partial<DeployFact> = {}): DeployFact => ({
  id,
  status: 'succeeded',
  startedAt: start,
  finishedAt: end,
  rollback: false,
  smokeFailed: false,
  ...o,
});
const failed = (id: number, start: number, end: number, o: Partial<DeployFact> = {}): DeployFact =>
  ok(id, start, end, { status: 'failed', ...o });

/*
 * A replayed history of one env, 7-day periods, now = Jan 15 00:00 UTC:
 * current period [Jan 8, Jan 15), previous [Jan 1, Jan 8).
 *
 * Previous period
 *   #1 succeeded, ends Jan 2 10:10, carries c1 (authored Jan 1 10:10): lead 24h
 *   #2 failed, ends Jan 3 12:00                                       failure at Jan 3 12:00
 *   #3 succeeded, ends Jan 3 13:00, carries c2 (Jan 3 11:00): lead 2h; restores #2: 1h
 *   alert freeze Jan 7 23:00 (restored only by #4, in the current period)
 * Current period
 *   #4 succeeded, ends Jan 9 10:00, carries c3 (Jan 8 10:00): 24h, c4 (Jan 9 06:00): 4h;
 *      restores the Jan 7 23:00 freeze: 35h
 *   #5 cancelled Jan 9 11:00: not an attempt, not a failure
 *   #6 smoke check failed, ends Jan 10 12:00                          failure at Jan 10 12:00
 *   #7 rollback of #6, starts 12:30, ends 12:40 (succeeded)           failure at Jan 10 12:30
 *      restores #6: 40m, and itself: 10m
 *   alert freeze Jan 11 08:00
 *   #8 failed, ends Jan 11 09:00                                      failure at Jan 11 09:00
 *   #9 succeeded, ends Jan 11 10:00, carries c5 (Jan 10 10:00): 24h, c6 (Jan 11 09:30): 30m,
 *      and c4 again (first carried by #4: counted there only); restores the freeze: 2h, #8: 1h
 *   #10 failed, ends Jan 14 20:00: never restored, no time to restore
 *
 * Previous: deploys 2 (#1, #3), 2/7 a day; attempts 3 (#1-#3), failures 1 (#2): rate 1/3;
 *   lead [2h, 24h]: median 13h, p90 (rank ceil(1.8) = 2) 24h; restore [1h].
 * Current: deploys 3 (#4, #7, #9), 3/7 a day; attempts 6 (#4, #6-#10), failures 4 (#6 smoke,
 *   #7 rollback, #8, #10): rate 4/6; lead [30m, 4h, 24h, 24h]: median (4h + 24h) / 2 = 14h,
 *   p90 (rank ceil(3.6) = 4) 24h; restore [10m, 40m, 1h, 2h, 35h]: median 1h, p90 (rank 5) 35h.
 * Series Jan 8..14: Jan 9: 1 deploy, lead median of [4h, 24h] = 14h, restore 35h;
 *   Jan 10: 1 deploy, 2 failures, restore median of [10m, 40m] = 25m;
 *   Jan 11: 1 deploy, 1 failure, lead median of [30m, 24h] = 12h15m, restore median of [1h, 2h] = 1h30m;
 *   Jan 14: 1 failure.
 */
const deploys: DeployFact[] = [
  ok(1, at(2, 10), at(2, 10, 10)),
  failed(2, at(3, 11, 50), at(3, 12), { error: 'exit 1' }),
  ok(3, at(3, 12, 50), at(3, 13)),
  ok(4, at(9, 9, 50), at(9, 10)),
  { ...ok(5, at(9, 10, 50), at(9, 11)), status: 'cancelled' },
  failed(6, at(10, 11, 50), at(10, 12), { smokeFailed: true }),
  ok(7, at(10, 12, 30), at(10, 12, 40), { rollback: true }),
  failed(8, at(11, 8, 55), at(11, 9), { error: 'exit 1' }),
  ok(9, at(11, 9, 50), at(11, 10)),
  failed(10, at(14, 19, 50), at(14, 20)),
];
const carried: CarriedCommit[] = [
  { deployId: 1, sha: 'c1', time: at(1, 10, 10) },
  { deployId: 3, sha: 'c2', time: at(3, 11) },
  { deployId: 4, sha: 'c3', subject: 'Add search', time: at(8, 10) },
  { deployId: 4, sha: 'c4', time: at(9, 6) },
  { deployId: 9, sha: 'c5', time: at(10, 10) },
  { deployId: 9, sha: 'c6', subject: 'Fix search', time: at(11, 9, 30) },
  { deployId: 9, sha: 'c4', time: at(9, 6) },
];
const alertFreezes = [at(7, 23), at(11, 8)];

describe('delivery figures over a replayed history', () => {
  const f = computeFigures({ app: 'web', env: 'production', days: 7, now: at(15, 0), deploys, carried, alertFreezes });

  it('counts the current period as hand-computed', () => {
    expect(f.current).toEqual({
      from: at(8, 0),
      to: at(15, 0),
      deploys: 3,
      deploysPerDay: 3 / 7,
      leadTime: { count: 4, medianMs: 14 * H, p90Ms: 24 * H },
      changeFailureRate: 4 / 6,
      failures: 4,
      attempts: 6,
      timeToRestore: { count: 5, medianMs: 1 * H, p90Ms: 35 * H },
    });
  });

  it('counts the previous period beside it', () => {
    expect(f.previous).toEqual({
      from: at(1, 0),
      to: at(8, 0),
      deploys: 2,
      deploysPerDay: 2 / 7,
      leadTime: { count: 2, medianMs: 13 * H, p90Ms: 24 * H },
      changeFailureRate: 1 / 3,
      failures: 1,
      attempts: 3,
      timeToRestore: { count: 1, medianMs: 1 * H, p90Ms: 1 * H },
    });
  });

  it('draws one point per day of the current period', () => {
    expect(f.series).toEqual([
      // attempts: the day's deploys that ended succeeded or failed (#5, cancelled, is none)
      { day: at(8, 0), deploys: 0, failures: 0, attempts: 0 },
      { day: at(9, 0), deploys: 1, failures: 0, attempts: 1, leadMedianMs: 14 * H, restoreMedianMs: 35 * H },
      { day: at(10, 0), deploys: 1, failures: 2, attempts: 2, restoreMedianMs: 25 * MIN },
      { day: at(11, 0), deploys: 1, failures: 1, attempts: 2, leadMedianMs: 12 * H + 15 * MIN, restoreMedianMs: 90 * MIN },
      { day: at(12, 0), deploys: 0, failures: 0, attempts: 0 },
      { day: at(13, 0), deploys: 0, failures: 0, attempts: 0 },
      { day: at(14, 0), deploys: 0, failures: 1, attempts: 1 },
    ]);
  });

  it('lists the slowest changes (each counted at its first arrival) and the failures, newest first', () => {
    expect(f.slowest).toEqual([
      { sha: 'c3', subject: 'Add search', leadMs: 24 * H, deployId: 4 },
      { sha: 'c5', leadMs: 24 * H, deployId: 9 },
      { sha: 'c4', leadMs: 4 * H, deployId: 4 },
      { sha: 'c6', subject: 'Fix search', leadMs: 30 * MIN, deployId: 9 },
    ]);
    expect(f.failed).toEqual([
      { deployId: 10, at: at(14, 20), kind: 'failed' },
      { deployId: 8, at: at(11, 9), kind: 'failed', error: 'exit 1' },
      { deployId: 7, at: at(10, 12, 40), kind: 'rollback' },
      { deployId: 6, at: at(10, 12), kind: 'smoke' },
    ]);
  });

  it('has no rate and no durations for an env with no deploys', () => {
    const none = computeFigures({ app: 'web', env: 'production', days: 30, now: at(15, 0), deploys: [], carried: [], alertFreezes: [] });
    expect(none.current).toMatchObject({ deploys: 0, deploysPerDay: 0, attempts: 0, failures: 0, leadTime: { count: 0 } });
    expect(none.current.changeFailureRate).toBeUndefined();
    expect(none.series).toHaveLength(30);
  });

  it('adds a point for the partial day when the period does not start at midnight', () => {
    const g = computeFigures({ app: 'web', env: 'production', days: 7, now: at(15, 6), deploys, carried, alertFreezes });
    expect(g.series).toHaveLength(8);
    expect(g.series[0]!.day).toBe(at(8, 0));
  });
});

describe('durations', () => {
  it.each([
    [[], { count: 0 }],
    [[5], { count: 1, medianMs: 5, p90Ms: 5 }],
    [[3, 1], { count: 2, medianMs: 2, p90Ms: 3 }],
    // 10 values: median (5 + 6) / 2, p90 rank 9
    [[10, 9, 8, 7, 6, 5, 4, 3, 2, 1], { count: 10, medianMs: 5.5, p90Ms: 9 }],
    // 11 values: median the 6th, p90 rank ceil(9.9) = 10
    [[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], { count: 11, medianMs: 6, p90Ms: 10 }],
  ])('%j -> %j', (ms, want) => expect(durations(ms)).toEqual(want));
});

describe('the envs whose figures an app shows, production first', () => {
  const app = (envs: Record<string, { promoteTo?: string; promoteFrom?: string }>) => ({ envNames: Object.keys(envs), envs });
  it.each([
    [
      'the end of a promote_to chain',
      app({ dev: { promoteTo: 'staging' }, staging: { promoteTo: 'prod' }, prod: {}, demo: {} }),
      ['prod', 'dev', 'staging', 'demo'],
    ],
    [
      'the end of a promote_from chain',
      app({ prod: { promoteFrom: 'staging' }, staging: {}, sandbox: {} }),
      ['prod', 'staging', 'sandbox'],
    ],
    ['both kinds mixed', app({ live: { promoteFrom: 'qa' }, dev: { promoteTo: 'qa' }, qa: {} }), ['live', 'dev', 'qa']],
    ['no chain: the last configured env', app({ staging: {}, production: {}, dev: {} }), ['dev', 'staging', 'production']],
    ['no envs', app({}), []],
  ])('%s', (_what, a, want) => expect(deliveryEnvs(a)).toEqual(want));
});
