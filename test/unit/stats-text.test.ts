import { compare, perDay, percent } from '../../src/core/delivery/compare';
import { renderStatsText, STATS_NOT_AVAILABLE } from '../../src/core/delivery/stats-text';
import type { EnvFigures } from '../../src/core/delivery/types';
import pino from 'pino';
import { verifyStatsToken } from '../../src/core/delivery/stats-link';
import { DeliveryStats } from '../../src/services/delivery-stats';
import { fakeFigures, period } from '../helpers/fake-figures';

const DAY = 86_400_000;
const H = 3_600_000;
const T0 = Date.UTC(2026, 10, 1);

function env(name: string, current: EnvFigures['current'], previous: EnvFigures['previous']): EnvFigures {
  return { app: 'web', env: name, days: 30, current, previous, series: [], slowest: [], failed: [] };
}

describe('the figures compared', () => {
  test('more deploys is better; longer lead time, more failures and slower restores are worse', () => {
    expect(compare('frequency', 2, 1)).toEqual({ arrow: '↑', verdict: 'better' });
    expect(compare('frequency', 1, 2)).toEqual({ arrow: '↓', verdict: 'worse' });
    expect(compare('lead', 5 * H, 3 * H)).toEqual({ arrow: '↑', verdict: 'worse' });
    expect(compare('lead', 3 * H, 5 * H)).toEqual({ arrow: '↓', verdict: 'better' });
    expect(compare('failure', 0.1, 0.2)).toEqual({ arrow: '↓', verdict: 'better' });
    expect(compare('restore', 2 * H, H)).toEqual({ arrow: '↑', verdict: 'worse' });
    expect(compare('failure', 0, 0)).toEqual({ arrow: '=', verdict: 'same' });
    expect(compare('lead', undefined, H)).toEqual({});
    expect(compare('lead', H, undefined)).toEqual({});
  });

  test('numbers read as people say them', () => {
    expect(perDay(16 / 30)).toBe('0.53/day');
    expect(perDay(1)).toBe('1/day');
    expect(perDay(2.5)).toBe('2.5/day');
    expect(perDay(0.5)).toBe('0.5/day');
    expect(perDay(14)).toBe('14/day');
    expect(perDay(0)).toBe('0/day');
    expect(percent(0.125)).toBe('13%');
    expect(percent(0.004)).toBe('0.4%');
    expect(percent(undefined)).toBe('n/a');
  });
});

describe('/deploys stats answer', () => {
  const production = env(
    'production',
    period(T0, 30, { deploys: 16, failures: 2, leadMs: [3 * H, 26 * H], restoreMs: [42 * 60_000, 2 * H] }),
    period(T0 - 30 * DAY, 30, { deploys: 12, failures: 3, leadMs: [5 * H, 50 * H], restoreMs: [30 * 60_000, H] }),
  );
  const staging = env('staging', period(T0, 30, { deploys: 4, leadMs: [H, 2 * H] }), period(T0 - 30 * DAY, 30, { deploys: 0 }));

  test('each env in the order given, its four figures with the period before and the change', () => {
    const text = renderStatsText({
      app: 'web',
      days: 30,
      envs: [production, staging],
      statsUrl: 'https://ferry.test/stats/web?days=30&t=x',
    });
    const lines = text.split('\n');
    expect(lines[0]).toBe('*Delivery figures for `web`*, the last 30 days (before: the 30 days before them)');
    expect(lines[1]).toBe('*production*');
    expect(lines[2]).toBe('• Deploy frequency: 0.53/day (16 deploys) · before: 0.4/day · ↑ better');
    expect(lines[3]).toBe('• Lead time for changes: median 3h, p90 1d 2h · before: 5h · ↓ better');
    expect(lines[4]).toBe('• Change failure rate: 11% (2 of 18) · before: 20% · ↓ better');
    expect(lines[5]).toBe('• Time to restore: median 42m, p90 2h (2) · before: 30m · ↑ worse');
    expect(lines[6]).toBe('*staging*');
    // No deploys before: nothing to compare, said as n/a, no arrow.
    expect(lines[7]).toBe('• Deploy frequency: 0.13/day (4 deploys) · before: n/a');
    expect(lines[9]).toBe('• Change failure rate: 0% (0 of 4) · before: n/a');
    expect(lines[10]).toBe('• Time to restore: n/a · before: n/a');
    expect(lines[11]).toBe('<https://ferry.test/stats/web?days=30&amp;t=x|Charts, slowest changes and failed deploys>');
  });

  test('without the page there is no link; without envs it says so; names are escaped', () => {
    const text = renderStatsText({ app: 'web', days: 7, envs: [{ ...staging, env: '<b>' }] });
    expect(text).not.toContain('<http');
    expect(text).toContain('*&lt;b&gt;*');
    expect(renderStatsText({ app: 'web', days: 7, envs: [] })).toContain('has no environments');
    expect(STATS_NOT_AVAILABLE).toMatch(/not available/);
  });
});

describe('DeliveryStats', () => {
  test("reads every env the source names, in its order, at the clock's time, with a signed link to the page", async () => {
    const source = fakeFigures({ web: ['production', 'staging'] });
    const links = { publicUrl: 'https://ferry.test/', secret: 's'.repeat(32), redisPrefix: 'ferry', ttlMs: DAY };
    const stats = new DeliveryStats({ delivery: source, links: () => links, log: pino({ level: 'silent' }), now: () => T0 });
    const { text } = await stats.answer('web', 7);
    expect(source.asked).toEqual([
      { app: 'web', env: 'production', days: 7, now: T0 },
      { app: 'web', env: 'staging', days: 7, now: T0 },
    ]);
    expect(text.indexOf('*production*')).toBeLessThan(text.indexOf('*staging*'));
    const token = decodeURIComponent(/<https:\/\/ferry\.test\/stats\/web\?days=7&amp;t=([^|]+)\|/.exec(text)![1]!);
    expect(verifyStatsToken(links, 'web', token, T0 + DAY - 1)).toEqual({ ok: true, expiresAt: T0 + DAY });
    expect(verifyStatsToken(links, 'api', token, T0)).toEqual({ ok: false, reason: 'bad-signature' });
    expect(verifyStatsToken(links, 'web', token, T0 + DAY)).toMatchObject({ ok: false, reason: 'expired' });
  });
});
