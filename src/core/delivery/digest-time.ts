import { addDays, wallClock, zonedInstant } from '../time-zone';

/** When an app's digest is posted: a weekday (0 = Monday) and minute of the day, in a time zone. */
export interface DigestTime {
  day: number;
  minute: number;
  tz: string;
}

/**
 * The first instant after `now` whose local time in `tz` is the digest's day and time. Read from
 * the local calendar, so it stays at 09:30 local across DST changes (a time the clocks skip means
 * the instant they jump; one they repeat, its first occurrence, as zonedInstant reads it).
 */
export function nextDigestAt(d: DigestTime, now: number): number {
  const today = wallClock(now, d.tz);
  for (let i = 0; i <= 7; i++) {
    const date = addDays({ year: today.year, month: today.month, day: today.day }, i);
    if ((today.weekday + i) % 7 !== d.day) continue;
    const at = zonedInstant({ ...date, hour: Math.floor(d.minute / 60), minute: d.minute % 60 }, d.tz);
    if (at > now) return at;
  }
  // Only reached when this week's is past and today is the day: a week on.
  const date = addDays({ year: today.year, month: today.month, day: today.day }, 7);
  return zonedInstant({ ...date, hour: Math.floor(d.minute / 60), minute: d.minute % 60 }, d.tz);
}
