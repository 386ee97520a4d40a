import { nextScheduleEdge, type ScheduledFreeze, scheduleTargets } from '../../src/core/freeze-schedule';
import { scheduleEdgeText } from '../../src/core/freeze-text';
import { parseWeeklySpan } from '../../src/core/weekly';

const utc = (text: string): number => Date.parse(`${text}Z`);

function weekly(text: string, tz: string, over: Partial<ScheduledFreeze> = {}): ScheduledFreeze {
  const p = parseWeeklySpan(text);
  if (!p.ok) throw new Error(p.message);
  return { name: 'weekend', reason: 'no deploys at weekends', tz, weekly: p.span, apps: ['*'], envs: ['*'], ...over };
}

describe('nextScheduleEdge: when the feed is next told about a scheduled freeze', () => {
  const weekend = weekly('Fri 16:00 to Mon 08:00', 'Europe/London');

  test('before it: the next start, read in its zone (London on BST in October: 16:00 is 15:00 UTC)', () => {
    expect(nextScheduleEdge(weekend, utc('2026-10-21T12:00'))).toEqual({ kind: 'start', at: utc('2026-10-23T15:00') });
  });

  test('inside it across the night the clocks go back: ends at 08:00 London = 08:00 UTC on GMT', () => {
    expect(nextScheduleEdge(weekend, utc('2026-10-24T12:00'))).toEqual({ kind: 'end', at: utc('2026-10-26T08:00') });
  });

  test('at the very instant of an edge, the one after it', () => {
    expect(nextScheduleEdge(weekend, utc('2026-10-26T08:00'))).toEqual({ kind: 'start', at: utc('2026-10-30T16:00') });
  });

  test('a one-off: its start, then its end, then nothing', () => {
    const once: ScheduledFreeze = {
      name: 'black-friday',
      reason: 'peak',
      tz: 'UTC',
      start: utc('2026-11-27T00:00'),
      end: utc('2026-11-30T08:00'),
      apps: ['*'],
      envs: ['*'],
    };
    expect(nextScheduleEdge(once, utc('2026-11-01T00:00'))).toEqual({ kind: 'start', at: utc('2026-11-27T00:00') });
    expect(nextScheduleEdge(once, utc('2026-11-28T00:00'))).toEqual({ kind: 'end', at: utc('2026-11-30T08:00') });
    expect(nextScheduleEdge(once, utc('2026-11-30T08:00'))).toBeUndefined();
  });
});

describe('scheduleTargets and the feed line', () => {
  const apps = { web: { envNames: ['dev', 'staging', 'production'] }, api: { envNames: ['staging', 'production'] } };

  test('envs named in the freeze, of the apps named, in config order', () => {
    const f = weekly('Fri 16:00 to Mon 08:00', 'UTC', { apps: ['*'], envs: ['production', 'staging'] });
    expect(scheduleTargets(f, apps, ['web', 'api'])).toEqual([
      { app: 'web', env: 'staging' },
      { app: 'web', env: 'production' },
      { app: 'api', env: 'staging' },
      { app: 'api', env: 'production' },
    ]);
    expect(scheduleTargets(weekly('Fri 16:00 to Mon 08:00', 'UTC', { apps: ['api'] }), apps, ['web', 'api'])).toEqual([
      { app: 'api', env: 'staging' },
      { app: 'api', env: 'production' },
    ]);
  });

  test('start and end lines name the freeze, where, until when and why; names are escaped', () => {
    const targets = [
      { app: 'web', env: 'staging' },
      { app: 'web', env: 'production' },
    ];
    const now = utc('2026-10-23T15:00');
    const start = scheduleEdgeText('start', 'weekend <b>', 'no deploys at weekends', targets, utc('2026-10-26T08:00'), now);
    expect(start).toContain(
      ':snowflake: Scheduled freeze *weekend &lt;b&gt;* is on for `web` *staging*, *production* until <!date^1793001600^',
    );
    expect(start).toContain(': no deploys at weekends. Deploys there wait until it ends.');
    expect(scheduleEdgeText('end', 'weekend', '', targets, undefined, now)).toBe(
      ':sunny: Scheduled freeze *weekend* has ended for `web` *staging*, *production*. Deploys that waited go ahead in order.',
    );
  });
});
