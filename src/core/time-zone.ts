/**
 * Wall-clock time in IANA time zones, from Intl alone (no clock reads): what a local time means as
 * an instant, and what an instant reads as locally. DST rules come from the platform's ICU data.
 */
import { closest } from './suggest';

export const ZONE_HINT = 'use an IANA time zone such as Europe/London, America/New_York or UTC';

/** A local date and time: month 1-12, day 1-31, hour 0-23, minute 0-59. */
export interface WallTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
}

const DAY = 86_400_000;
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(tz, f);
  }
  return f;
}

/** Whether `tz` is a time zone this platform knows (IANA names such as Europe/London, or UTC). */
export function isTimeZone(tz: string): boolean {
  if (tz.trim() === '' || tz.trim() !== tz) return false;
  try {
    formatter(tz);
    return true;
  } catch {
    return false;
  }
}

/** The zone's own spelling when only the case differs (europe/london -> Europe/London); else `tz` as given. */
export function canonicalZone(tz: string): string {
  const resolved = formatter(tz).resolvedOptions().timeZone;
  return resolved.toLowerCase() === tz.toLowerCase() ? resolved : tz;
}

/** `"Europe/Londn" is not a time zone; did you mean Europe/London? use an IANA ...` */
export function zoneProblem(tz: string): string {
  const guess = closest(tz, Intl.supportedValuesOf('timeZone'));
  return `${JSON.stringify(tz)} is not a time zone;${guess ? ` did you mean ${guess}?` : ''} ${ZONE_HINT}`;
}

/** What the instant `ms` reads as in `tz`, with its weekday (0 = Monday ... 6 = Sunday). */
export function wallClock(ms: number, tz: string): WallTime & { weekday: number } {
  const { second: _, ...w } = fields(ms, tz);
  return { ...w, weekday: weekdayOf(w) };
}

function fields(ms: number, tz: string): WallTime & { second: number } {
  const parts: Record<string, number> = {};
  for (const p of formatter(tz).formatToParts(ms)) if (p.type !== 'literal') parts[p.type] = Number(p.value);
  return { year: parts.year!, month: parts.month!, day: parts.day!, hour: parts.hour!, minute: parts.minute!, second: parts.second! };
}

/** 0 = Monday ... 6 = Sunday, of a calendar date. */
export function weekdayOf(date: { year: number; month: number; day: number }): number {
  return (new Date(Date.UTC(date.year, date.month - 1, date.day)).getUTCDay() + 6) % 7;
}

/** The calendar date `days` after `date` (negative: before), with the time of day kept. */
export function addDays<T extends { year: number; month: number; day: number }>(date: T, days: number): T {
  const d = new Date(Date.UTC(date.year, date.month - 1, date.day + days));
  return { ...date, year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

/** Whether year-month-day is a real date (not 2026-02-30). */
export function isDate(year: number, month: number, day: number): boolean {
  const d = new Date(Date.UTC(year, month - 1, day));
  return d.getUTCFullYear() === year && d.getUTCMonth() === month - 1 && d.getUTCDate() === day;
}

/** Milliseconds `tz` is ahead of UTC at the instant `ms`. */
function offsetAt(ms: number, tz: string): number {
  const w = fields(ms, tz);
  const local = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
  return local - Math.floor(ms / 1000) * 1000;
}

/**
 * The instant a local date and time in `tz` means. A time that does not exist there (the hour the
 * clocks skip in spring) means the first instant after it, when the clocks have just jumped; a time
 * that happens twice (the hour repeated in autumn) means its first occurrence.
 */
export function zonedInstant(w: WallTime, tz: string): number {
  const local = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute);
  // At most one offset change lies within a day of any local time, so these are the candidates.
  const offsets = [...new Set([offsetAt(local - DAY, tz), offsetAt(local, tz), offsetAt(local + DAY, tz)])];
  const valid = offsets.map((o) => local - o).filter((t) => offsetAt(t, tz) === local - t);
  if (valid.length > 0) return Math.min(...valid);
  // In a gap: the change happened between the earliest and latest candidate; find its instant.
  let lo = Math.min(...offsets.map((o) => local - o));
  let hi = Math.max(...offsets.map((o) => local - o));
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (mid + offsetAt(mid, tz) >= local) hi = mid;
    else lo = mid;
  }
  return hi;
}

/** Minutes of the day for "09:30" or "9:30" (24-hour); `allow24` admits "24:00" (the end of a day). */
export function parseClock(text: string, allow24 = false): number | undefined {
  const m = /^(\d{1,2}):(\d{2})$/.exec(text);
  if (!m) return undefined;
  const h = Number(m[1]);
  const min = Number(m[2]);
  if (min > 59) return undefined;
  if (h === 24 && min === 0 && allow24) return 1_440;
  return h <= 23 ? h * 60 + min : undefined;
}

export const TIME_HINT = 'use 24-hour HH:MM, e.g. 09:30';
export const DATE_TIME_HINT = 'write YYYY-MM-DD HH:MM, e.g. 2026-11-27 09:00';

/** `2026-11-27 09:00`, `2026-11-27T09:00` or `2026-11-27` (midnight) as a local date and time; else what is wrong. */
export function parseDateTime(text: string): WallTime | string {
  const m = /^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ]+(\S+))?$/i.exec(text.trim());
  if (!m) return `${JSON.stringify(text)} is not a date and time; ${DATE_TIME_HINT}`;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (!isDate(year, month, day)) return `${JSON.stringify(text)}: ${m[1]}-${m[2]}-${m[3]} is not a date (${DATE_TIME_HINT})`;
  const minute = m[4] === undefined ? 0 : parseClock(m[4]);
  if (minute === undefined) return `${JSON.stringify(text)}: ${JSON.stringify(m[4])} is not a time; ${TIME_HINT}`;
  return { year, month, day, hour: Math.floor(minute / 60), minute: minute % 60 };
}

const pad = (n: number): string => String(n).padStart(2, '0');

/** "2026-03-29 02:00": the instant as `tz` reads it. */
export function formatWall(ms: number, tz: string): string {
  const w = wallClock(ms, tz);
  return `${w.year}-${pad(w.month)}-${pad(w.day)} ${pad(w.hour)}:${pad(w.minute)}`;
}

/** "09:30" for a minute of the day. */
export function formatMinute(minute: number): string {
  return `${pad(Math.floor(minute / 60))}:${pad(minute % 60)}`;
}
