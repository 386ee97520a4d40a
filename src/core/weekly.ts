/**
 * Weekly recurring spans of local time: scheduled freezes ("Fri 16:00 to Mon 08:00") and deploy
 * windows ("Mon-Thu 09:30-17:00"). Times are wall-clock times in a zone, so "Mon 08:00
 * Europe/London" is 08:00 there in winter and in summer alike.
 */
import { addDays, formatMinute, parseClock, TIME_HINT, wallClock, zonedInstant } from './time-zone';

/** Days are 0 = Monday ... 6 = Sunday; minutes 0-1439 of the day. An end before the start wraps the week. */
export interface WeeklySpan {
  startDay: number;
  startMinute: number;
  endDay: number;
  endMinute: number;
}

export type SpanParse = { ok: true; span: WeeklySpan } | { ok: false; message: string };
export type WindowParse = { ok: true; spans: WeeklySpan[] } | { ok: false; message: string };
export type WeeklyState = { inside: true; endsAt: number; startedAt: number } | { inside: false; nextStartAt?: number };

export const DAY_NAMES = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'] as const;
export const DAY_HINT = 'use Mon, Tue, Wed, Thu, Fri, Sat or Sun';
const SPAN_EXAMPLE = 'e.g. Fri 16:00 to Mon 08:00';
const WINDOW_EXAMPLES = 'e.g. Mon-Thu 09:30-17:00, Mon,Wed,Fri 10:00-12:00 or daily 09:00-17:00';

const FULL = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'];
const EXTRA: Record<string, number> = { tues: 1, weds: 2, thur: 3, thurs: 3 };

/** 0-6 for Mon, monday, TUE, Thurs...; undefined when the word is not a day. */
export function dayNumber(word: string): number | undefined {
  const w = word.toLowerCase();
  const i = FULL.findIndex((full) => full === w || full.slice(0, 3) === w);
  if (i >= 0) return i;
  return EXTRA[w];
}

const quote = (s: string): string => JSON.stringify(s);

/** `Fri 16:00 to Mon 08:00` (also `Friday 16:00 - Monday 08:00`). */
export function parseWeeklySpan(text: string): SpanParse {
  const q = quote(text);
  const halves = text.trim().split(/\s+(?:to|-|–)\s+/i);
  if (halves.length !== 2) return { ok: false, message: `${q} is not a weekly span; write <day> HH:MM to <day> HH:MM, ${SPAN_EXAMPLE}` };
  const ends: { day: number; minute: number }[] = [];
  for (const half of halves) {
    const w = half.split(/\s+/);
    if (w.length !== 2) {
      const what =
        w.length === 1 && dayNumber(w[0]!) !== undefined
          ? `${quote(half)} has no time`
          : w.length === 1 && parseClock(w[0]!) !== undefined
            ? `${quote(half)} has no day`
            : `${quote(half)} is not a day and time`;
      return { ok: false, message: `${q}: ${what}; write <day> HH:MM to <day> HH:MM, ${SPAN_EXAMPLE}` };
    }
    const day = dayNumber(w[0]!);
    if (day === undefined) return { ok: false, message: `${q}: ${quote(w[0]!)} is not a day; ${DAY_HINT}` };
    const minute = parseClock(w[1]!);
    if (minute === undefined) return { ok: false, message: `${q}: ${quote(w[1]!)} is not a time; ${TIME_HINT}` };
    ends.push({ day, minute });
  }
  const [start, end] = ends as [{ day: number; minute: number }, { day: number; minute: number }];
  if (start.day === end.day && start.minute === end.minute) {
    return { ok: false, message: `${q} starts and ends at the same moment; a span needs a length, ${SPAN_EXAMPLE}` };
  }
  return { ok: true, span: { startDay: start.day, startMinute: start.minute, endDay: end.day, endMinute: end.minute } };
}

/** `Mon-Thu 09:30-17:00`, `Mon,Wed,Fri 10:00-12:00`, `Mon-Fri 22:00-02:00`, `daily 09:00-17:00`: one span per day listed. */
export function parseWindow(text: string): WindowParse {
  const q = quote(text);
  const shape = `${q} is not a window; write the days then HH:MM-HH:MM, ${WINDOW_EXAMPLES}`;
  const w = text
    .trim()
    .replace(/\s*,\s*/g, ',')
    .replace(/\s*[-–]\s*/g, '-')
    .split(/\s+/);
  if (w.length === 1 && /^[\d:]+-[\d:]+$/.test(w[0]!))
    return { ok: false, message: `${q} says no days; put them first, e.g. daily ${w[0]} or Mon-Fri ${w[0]}` };
  if (w.length !== 2) return { ok: false, message: shape };
  const days = parseDays(w[0]!);
  if (typeof days === 'string') return { ok: false, message: `${q}: ${days}` };
  const times = w[1]!.split('-');
  if (times.length !== 2) return { ok: false, message: shape };
  const start = parseClock(times[0]!);
  if (start === undefined) return { ok: false, message: `${q}: ${quote(times[0]!)} is not a time; ${TIME_HINT}` };
  const end = parseClock(times[1]!, true);
  if (end === undefined) return { ok: false, message: `${q}: ${quote(times[1]!)} is not a time; ${TIME_HINT}` };
  if (end % 1_440 === start) {
    return { ok: false, message: `${q} opens and closes at ${formatMinute(start)}; a window needs a length, ${WINDOW_EXAMPLES}` };
  }
  // An end at or before the start is the next morning: the span belongs to the day it starts on.
  const nextDay = end < start || end === 1_440;
  const spans = days.map((d) => ({ startDay: d, startMinute: start, endDay: nextDay ? (d + 1) % 7 : d, endMinute: end % 1_440 }));
  return { ok: true, spans };
}

/** `daily`, `weekdays`, `Mon`, `Mon-Thu`, `Fri-Mon`, `Mon,Wed,Fri-Sun`: the days in order, or what is wrong. */
function parseDays(text: string): number[] | string {
  const lower = text.toLowerCase();
  if (lower === 'daily') return [0, 1, 2, 3, 4, 5, 6];
  if (lower === 'weekdays') return [0, 1, 2, 3, 4];
  const days = new Set<number>();
  for (const part of text.split(',')) {
    const ends = part.split('-');
    if (ends.length > 2 || part === '')
      return `${quote(part)} is not a day or range of days; use e.g. Mon-Thu, Mon,Wed,Fri, weekdays or daily`;
    const nums: number[] = [];
    for (const e of ends) {
      const d = dayNumber(e);
      if (d === undefined) return `${quote(e)} is not a day; ${DAY_HINT} (or daily, weekdays)`;
      nums.push(d);
    }
    const [from, to = from] = nums as [number, number?];
    for (let d = from; ; d = (d + 1) % 7) {
      days.add(d);
      if (d === to) break;
    }
  }
  return [...days].sort((a, b) => a - b);
}

/** "Fri 16:00 to Mon 08:00" */
export function describeSpan(span: WeeklySpan): string {
  return `${DAY_NAMES[span.startDay]} ${formatMinute(span.startMinute)} to ${DAY_NAMES[span.endDay]} ${formatMinute(span.endMinute)}`;
}

/** Whole days from a span's start day to its end day: 0 for a span within one day, 7 for one that ends where it began, earlier. */
function daysLong(span: WeeklySpan): number {
  const d = (span.endDay - span.startDay + 7) % 7;
  return d === 0 && span.endMinute <= span.startMinute ? 7 : d;
}

const at = (date: { year: number; month: number; day: number }, minute: number, tz: string): number =>
  zonedInstant({ year: date.year, month: date.month, day: date.day, hour: Math.floor(minute / 60), minute: minute % 60 }, tz);

/**
 * Whether `now` lies in any of the spans, read in `tz`: if so, since when and until when (spans
 * that touch or overlap count as one); if not, when the next one starts. Looks two weeks either
 * way, so a set of spans covering the whole week reports an end about two weeks out.
 */
export function weeklyState(spans: readonly WeeklySpan[], tz: string, now: number): WeeklyState {
  const today = wallClock(now, tz);
  const intervals: [number, number][] = [];
  for (const span of spans) {
    // The local date of the latest start day on or before today; then that week's neighbours.
    const base = addDays(today, -((today.weekday - span.startDay + 7) % 7));
    for (let week = -2; week <= 2; week++) {
      const startDate = addDays(base, 7 * week);
      const start = at(startDate, span.startMinute, tz);
      const end = at(addDays(startDate, daysLong(span)), span.endMinute, tz);
      if (end > start) intervals.push([start, end]);
    }
  }
  intervals.sort((a, b) => a[0] - b[0]);
  const merged: [number, number][] = [];
  for (const [s, e] of intervals) {
    const last = merged[merged.length - 1];
    if (last && s <= last[1]) last[1] = Math.max(last[1], e);
    else merged.push([s, e]);
  }
  const inside = merged.find(([s, e]) => s <= now && now < e);
  if (inside) return { inside: true, startedAt: inside[0], endsAt: inside[1] };
  const next = merged.find(([s]) => s > now);
  return next ? { inside: false, nextStartAt: next[0] } : { inside: false };
}
