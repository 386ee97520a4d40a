import { z } from 'zod';
import { parseClock, TIME_HINT } from '../time-zone';
import { DAY_HINT, dayNumber } from '../weekly';
import { timeZone } from './schema-fields';

const EXAMPLE = 'e.g. "mon 09:30"';

/** `at:` of a digest: a weekday and a 24-hour time, `mon 09:30`, into 0 = Monday and minutes of the day. */
export const weeklyTime = z.string({ error: `must be a day and a time, ${EXAMPLE}` }).transform((text, ctx) => {
  const [dayWord, clock, ...rest] = text.trim().split(/\s+/);
  const day = dayWord === undefined ? undefined : dayNumber(dayWord);
  const minute = clock === undefined ? undefined : parseClock(clock);
  if (rest.length > 0 || day === undefined || minute === undefined) {
    const why =
      day === undefined
        ? `${JSON.stringify(dayWord ?? '')} is not a day (${DAY_HINT})`
        : minute === undefined
          ? `${JSON.stringify(clock ?? '')} is not a time (${TIME_HINT})`
          : 'it has more than a day and a time';
    ctx.addIssue({ code: 'custom', message: `${JSON.stringify(text)} is not a weekly time: ${why}; write a day and a time, ${EXAMPLE}` });
    return z.NEVER;
  }
  return { day, minute, text: text.trim() };
});

/**
 * `digest:` under an app: its delivery figures over the last 7 days, posted once a week at `at` in
 * `time_zone` (else the file's), to `channel` (else the feed).
 */
export const digest = z
  .object(
    {
      at: weeklyTime,
      time_zone: timeZone.optional(),
      channel: z
        .string({ error: 'must be a Slack channel ID like C0123DELIVERY (not a #name)' })
        .regex(/^[CG][A-Z0-9]{2,20}$/, 'must be a Slack channel ID like C0123DELIVERY (not a #name)')
        .optional(),
    },
    { error: `must be a digest's settings, e.g. { at: "mon 09:30" } (and optionally time_zone and channel)` },
  )
  .strict();

export type ParsedDigest = z.output<typeof digest>;
