import { z } from 'zod';
import { parseClock, TIME_HINT } from '../time-zone';
import { DAY_HINT, dayNumber } from '../weekly';
import { duration, timeZone } from './schema-fields';

/**
 * `nudge:` under an app: once a day at `at` on `days` (in `time_zone`, else the top-level one),
 * Ferry says what waits to reach production when the oldest of it is older than `after`
 * (see src/services/nudges.ts).
 */

const DAYS_EXAMPLE = 'e.g. mon-fri, daily, weekdays or mon,wed,fri';

/** `mon-fri`, `daily`, `weekdays`, `mon,wed,fri`, `fri-mon`: the days, 0 = Monday ... 6 = Sunday, in order. */
export function parseNudgeDays(text: string): number[] | string {
  const lower = text.trim().toLowerCase();
  if (lower === 'daily') return [0, 1, 2, 3, 4, 5, 6];
  if (lower === 'weekdays') return [0, 1, 2, 3, 4];
  const days = new Set<number>();
  for (const part of lower.split(/\s*,\s*/)) {
    const ends = part.split(/\s*-\s*/);
    const nums = ends.map(dayNumber);
    if (part === '' || ends.length > 2) return `${JSON.stringify(part)} is not a day or range of days; ${DAYS_EXAMPLE}`;
    const bad = ends.find((_, i) => nums[i] === undefined);
    if (bad !== undefined) return `${JSON.stringify(bad)} is not a day; ${DAY_HINT} (or daily, weekdays), ${DAYS_EXAMPLE}`;
    const [from, to = from] = nums as [number, number?];
    for (let d = from; ; d = (d + 1) % 7) {
      days.add(d);
      if (d === to) break;
    }
  }
  return [...days].sort((a, b) => a - b);
}

export const nudge = z
  .object({
    after: duration
      .prefault('2d')
      .refine((ms) => ms >= 60_000, 'must be at least 1m (how old the oldest waiting commit is before Ferry says so), e.g. 2d'),
    at: z
      .string({ error: `must be the local time the nudge is posted, in quotes, e.g. "09:30"; ${TIME_HINT}` })
      .transform((text, ctx) => {
        const minute = parseClock(text.trim());
        if (minute === undefined) {
          ctx.addIssue({ code: 'custom', message: `${JSON.stringify(text)} is not a time; ${TIME_HINT} (in quotes: at: "09:30")` });
          return z.NEVER;
        }
        return minute;
      })
      .prefault('09:30'),
    days: z
      .string({ error: `must be the days the nudge is posted on, ${DAYS_EXAMPLE}` })
      .transform((text, ctx) => {
        const days = parseNudgeDays(text);
        if (typeof days === 'string') {
          ctx.addIssue({ code: 'custom', message: days });
          return z.NEVER;
        }
        return days;
      })
      .prefault('mon-fri'),
    time_zone: timeZone.optional(),
    channel: z
      .string({ error: 'must be a Slack channel ID like C0123TEAM (not a #name); leave it out for the feed channel' })
      .regex(/^[CG][A-Z0-9]{2,20}$/, 'must be a Slack channel ID like C0123TEAM (not a #name); leave it out for the feed channel')
      .optional(),
  })
  .strict();
