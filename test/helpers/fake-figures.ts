import type { DayPoint, DeliveryFiguresSource, EnvFigures, PeriodDays, PeriodFigures } from '../../src/core/delivery/types';

const DAY = 86_400_000;
const H = 3_600_000;

/** A period with `deploys` successful deploys, `failures` failures among `deploys + failures` attempts. */
export function period(
  from: number,
  days: number,
  o: { deploys: number; failures?: number; leadMs?: [number, number]; restoreMs?: [number, number] },
): PeriodFigures {
  const failures = o.failures ?? 0;
  const attempts = o.deploys + failures;
  return {
    from,
    to: from + days * DAY,
    deploys: o.deploys,
    deploysPerDay: o.deploys / days,
    leadTime: o.leadMs ? { count: o.deploys * 2, medianMs: o.leadMs[0], p90Ms: o.leadMs[1] } : { count: 0 },
    ...(attempts > 0 && { changeFailureRate: failures / attempts }),
    failures,
    attempts,
    timeToRestore: o.restoreMs ? { count: failures, medianMs: o.restoreMs[0], p90Ms: o.restoreMs[1] } : { count: 0 },
  };
}

/** Hand-made figures: production busy and improving, staging with no data before. */
export function sampleFigures(app: string, env: string, days: PeriodDays, now: number): EnvFigures {
  const to = Math.floor(now / DAY) * DAY + DAY;
  const from = to - days * DAY;
  const busy = env === 'production';
  const series: DayPoint[] = Array.from({ length: days }, (_, i) => {
    const deploys = busy ? (i % 3) + (i % 7 === 0 ? 0 : 1) : i % 2;
    const failures = busy && i % 9 === 4 ? 1 : 0;
    return {
      day: from + i * DAY,
      deploys,
      failures,
      attempts: deploys + failures,
      ...(deploys > 0 && { leadMedianMs: (2 + (i % 5)) * H }),
      ...(failures > 0 && { restoreMedianMs: (20 + i) * 60_000 }),
    };
  });
  const deploys = series.reduce((n, p) => n + p.deploys, 0);
  const failures = series.reduce((n, p) => n + p.failures, 0);
  return {
    app,
    env,
    days,
    current: period(from, days, { deploys, failures, leadMs: [3 * H, 26 * H], ...(failures > 0 && { restoreMs: [42 * 60_000, 2 * H] }) }),
    previous: busy
      ? period(from - days * DAY, days, {
          deploys: Math.round(deploys / 2),
          failures: failures + 2,
          leadMs: [5 * H, 50 * H],
          restoreMs: [30 * 60_000, H],
        })
      : period(from - days * DAY, days, { deploys: 0 }),
    series,
    slowest: busy
      ? [
          {
            sha: 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678',
            subject: 'Move <checkout> to the new payment API',
            leadMs: 50 * H,
            deployId: 41,
          },
          { sha: 'b1b2c3d4e5f60718293a4b5c6d7e8f9012345678', leadMs: 30 * H, deployId: 44 },
        ]
      : [],
    failed: busy
      ? [
          { deployId: 45, at: to - 2 * DAY, kind: 'failed', error: 'the deploy command exited with 2' },
          { deployId: 43, at: to - 5 * DAY, kind: 'rollback' },
        ]
      : [],
  };
}

/** A DeliveryFiguresSource returning fixed figures (sampleFigures, or `figures`), for an app's envs as given. */
export function fakeFigures(
  envs: Record<string, string[]>,
  figures: (app: string, env: string, days: PeriodDays, now: number) => EnvFigures = sampleFigures,
): DeliveryFiguresSource & { asked: { app: string; env: string; days: PeriodDays; now: number }[] } {
  const asked: { app: string; env: string; days: PeriodDays; now: number }[] = [];
  return {
    asked,
    envsOf: (app) => envs[app] ?? [],
    async figures(app, env, days, now) {
      asked.push({ app, env, days, now });
      return figures(app, env, days, now);
    },
  };
}
