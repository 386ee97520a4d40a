import { canonicalZone, formatWall, isTimeZone, parseDateTime, zonedInstant, ZONE_HINT, zoneProblem } from '../../src/core/time-zone';
import { describeSpan, parseWeeklySpan, parseWindow, type WeeklySpan, weeklyState } from '../../src/core/weekly';

/** An instant written in UTC: utc('2026-03-28T12:00'). */
const utc = (text: string): number => {
  const ms = Date.parse(`${text}Z`);
  if (Number.isNaN(ms)) throw new Error(`bad test time ${text}`);
  return ms;
};
const H = 3_600_000;

function span(text: string): WeeklySpan {
  const p = parseWeeklySpan(text);
  if (!p.ok) throw new Error(p.message);
  return p.span;
}
function windowSpans(text: string): WeeklySpan[] {
  const p = parseWindow(text);
  if (!p.ok) throw new Error(p.message);
  return p.spans;
}
function spanError(text: string): string {
  const p = parseWeeklySpan(text);
  if (p.ok) throw new Error(`expected an error, got ${JSON.stringify(p.span)}`);
  return p.message;
}
function windowError(text: string): string {
  const p = parseWindow(text);
  if (p.ok) throw new Error(`expected an error, got ${JSON.stringify(p.spans)}`);
  return p.message;
}

describe('time zones', () => {
  test.each(['UTC', 'Europe/London', 'America/New_York', 'Pacific/Auckland', 'europe/london'])('%s is a time zone', (tz) => {
    expect(isTimeZone(tz)).toBe(true);
  });

  test.each(['Europe/Londn', 'Mars/Olympus', '', ' UTC', 'GMT+1 '])('%j is not', (tz) => {
    expect(isTimeZone(tz)).toBe(false);
  });

  test('a zone written in the wrong case is spelled as the zone spells itself', () => {
    expect(canonicalZone('europe/london')).toBe('Europe/London');
    expect(canonicalZone('UTC')).toBe('UTC');
  });

  test('a misspelt zone gets a suggestion and the hint', () => {
    expect(zoneProblem('Europe/Londn')).toBe(`"Europe/Londn" is not a time zone; did you mean Europe/London? ${ZONE_HINT}`);
    expect(zoneProblem('Nowhere')).toBe(`"Nowhere" is not a time zone; ${ZONE_HINT}`);
  });

  test('a local time in the spring-forward gap means the instant the clocks jumped', () => {
    // London: 01:00 GMT -> 02:00 BST at 01:00 UTC on 29 Mar 2026; 01:30 never happens.
    expect(zonedInstant({ year: 2026, month: 3, day: 29, hour: 1, minute: 30 }, 'Europe/London')).toBe(utc('2026-03-29T01:00'));
    // New York: 02:00 EST -> 03:00 EDT at 07:00 UTC on 8 Mar 2026.
    expect(zonedInstant({ year: 2026, month: 3, day: 8, hour: 2, minute: 30 }, 'America/New_York')).toBe(utc('2026-03-08T07:00'));
  });

  test('a local time that happens twice (fall-back) means its first occurrence', () => {
    // London: 01:30 happens at 00:30 UTC (BST) and again at 01:30 UTC (GMT) on 25 Oct 2026.
    expect(zonedInstant({ year: 2026, month: 10, day: 25, hour: 1, minute: 30 }, 'Europe/London')).toBe(utc('2026-10-25T00:30'));
    // New York: 01:30 EDT (05:30 UTC), then 01:30 EST (06:30 UTC) on 1 Nov 2026.
    expect(zonedInstant({ year: 2026, month: 11, day: 1, hour: 1, minute: 30 }, 'America/New_York')).toBe(utc('2026-11-01T05:30'));
  });

  test('ordinary local times either side of a change', () => {
    expect(zonedInstant({ year: 2026, month: 3, day: 28, hour: 8, minute: 0 }, 'Europe/London')).toBe(utc('2026-03-28T08:00'));
    expect(zonedInstant({ year: 2026, month: 3, day: 30, hour: 8, minute: 0 }, 'Europe/London')).toBe(utc('2026-03-30T07:00'));
    expect(formatWall(utc('2026-03-30T07:00'), 'Europe/London')).toBe('2026-03-30 08:00');
  });

  test('dates and times as written in the config', () => {
    expect(parseDateTime('2026-11-27 00:00')).toEqual({ year: 2026, month: 11, day: 27, hour: 0, minute: 0 });
    expect(parseDateTime('2026-11-27T09:30')).toEqual({ year: 2026, month: 11, day: 27, hour: 9, minute: 30 });
    expect(parseDateTime('2026-11-27')).toEqual({ year: 2026, month: 11, day: 27, hour: 0, minute: 0 });
    expect(parseDateTime('2026-02-30 09:00')).toBe(
      '"2026-02-30 09:00": 2026-02-30 is not a date (write YYYY-MM-DD HH:MM, e.g. 2026-11-27 09:00)',
    );
    expect(parseDateTime('2026-11-27 25:00')).toBe('"2026-11-27 25:00": "25:00" is not a time; use 24-hour HH:MM, e.g. 09:30');
    expect(parseDateTime('27/11/2026')).toBe('"27/11/2026" is not a date and time; write YYYY-MM-DD HH:MM, e.g. 2026-11-27 09:00');
  });
});

describe('parseWeeklySpan', () => {
  test('start day and time to end day and time', () => {
    expect(span('Fri 16:00 to Mon 08:00')).toEqual({ startDay: 4, startMinute: 960, endDay: 0, endMinute: 480 });
  });

  test('full day names, any case, H:MM and a dash are read too', () => {
    expect(span('friday 16:00 - MONDAY 8:00')).toEqual(span('Fri 16:00 to Mon 08:00'));
    expect(span('  Thurs 9:05   TO   Tues 23:59 ')).toEqual({ startDay: 3, startMinute: 545, endDay: 1, endMinute: 1439 });
  });

  test('describeSpan writes it back in the short form', () => {
    expect(describeSpan(span('friday 16:00 - monday 8:00'))).toBe('Fri 16:00 to Mon 08:00');
    expect(describeSpan(span('Sun 22:00 to Sun 23:30'))).toBe('Sun 22:00 to Sun 23:30');
  });

  test('a misspelt day', () => {
    expect(spanError('Fry 16:00 to Mon 08:00')).toBe(
      '"Fry 16:00 to Mon 08:00": "Fry" is not a day; use Mon, Tue, Wed, Thu, Fri, Sat or Sun',
    );
  });

  test('an hour past 23', () => {
    expect(spanError('Fri 25:00 to Mon 08:00')).toBe('"Fri 25:00 to Mon 08:00": "25:00" is not a time; use 24-hour HH:MM, e.g. 09:30');
    expect(spanError('Fri 4pm to Mon 08:00')).toContain('"4pm" is not a time; use 24-hour HH:MM');
  });

  test('a missing time or day says which', () => {
    expect(spanError('Fri to Mon 08:00')).toBe(
      '"Fri to Mon 08:00": "Fri" has no time; write <day> HH:MM to <day> HH:MM, e.g. Fri 16:00 to Mon 08:00',
    );
    expect(spanError('16:00 to Mon 08:00')).toContain('"16:00" has no day');
  });

  test('no end at all', () => {
    expect(spanError('Fri 16:00')).toBe('"Fri 16:00" is not a weekly span; write <day> HH:MM to <day> HH:MM, e.g. Fri 16:00 to Mon 08:00');
  });

  test('a span that starts where it ends', () => {
    expect(spanError('Fri 16:00 to Fri 16:00')).toBe(
      '"Fri 16:00 to Fri 16:00" starts and ends at the same moment; a span needs a length, e.g. Fri 16:00 to Mon 08:00',
    );
  });
});

describe('parseWindow', () => {
  test('a range of days: one span per day', () => {
    expect(windowSpans('Mon-Thu 09:30-17:00')).toEqual(
      [0, 1, 2, 3].map((d) => ({ startDay: d, startMinute: 570, endDay: d, endMinute: 1020 })),
    );
  });

  test('a list of days', () => {
    expect(windowSpans('Mon,Wed,Fri 10:00-12:00').map((s) => s.startDay)).toEqual([0, 2, 4]);
    expect(windowSpans('Mon, Wed, Fri 10:00 - 12:00')).toEqual(windowSpans('Mon,Wed,Fri 10:00-12:00'));
  });

  test('daily and weekdays', () => {
    expect(windowSpans('daily 09:00-17:00').map((s) => s.startDay)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(windowSpans('weekdays 09:00-17:00').map((s) => s.startDay)).toEqual([0, 1, 2, 3, 4]);
  });

  test('crossing midnight: each span starts on the listed day and ends the next morning; Sun wraps to Mon', () => {
    const spans = windowSpans('Fri-Sun 22:00-02:00');
    expect(spans).toEqual([
      { startDay: 4, startMinute: 1320, endDay: 5, endMinute: 120 },
      { startDay: 5, startMinute: 1320, endDay: 6, endMinute: 120 },
      { startDay: 6, startMinute: 1320, endDay: 0, endMinute: 120 },
    ]);
  });

  test('a range may wrap the week (Fri-Mon), and 24:00 ends a day', () => {
    expect(windowSpans('Fri-Mon 10:00-11:00').map((s) => s.startDay)).toEqual([0, 4, 5, 6]);
    expect(windowSpans('Sun 20:00-24:00')).toEqual([{ startDay: 6, startMinute: 1200, endDay: 0, endMinute: 0 }]);
  });

  test('a window that opens and closes at the same time', () => {
    expect(windowError('Mon-Thu 09:30-09:30')).toBe(
      '"Mon-Thu 09:30-09:30" opens and closes at 09:30; a window needs a length, e.g. Mon-Thu 09:30-17:00, Mon,Wed,Fri 10:00-12:00 or daily 09:00-17:00',
    );
    expect(windowError('daily 00:00-24:00')).toContain('opens and closes at 00:00');
  });

  test('times without days', () => {
    expect(windowError('09:00-17:00')).toBe('"09:00-17:00" says no days; put them first, e.g. daily 09:00-17:00 or Mon-Fri 09:00-17:00');
  });

  test('a misspelt day, a bad time, 12-hour times', () => {
    expect(windowError('Mon-Thx 09:00-17:00')).toBe(
      '"Mon-Thx 09:00-17:00": "Thx" is not a day; use Mon, Tue, Wed, Thu, Fri, Sat or Sun (or daily, weekdays)',
    );
    expect(windowError('Mon-Thu 09:00-25:00')).toBe('"Mon-Thu 09:00-25:00": "25:00" is not a time; use 24-hour HH:MM, e.g. 09:30');
    expect(windowError('Mon-Thu 9am-5pm')).toContain('"9am" is not a time');
  });

  test('days without times', () => {
    expect(windowError('Mon-Thu')).toBe(
      '"Mon-Thu" is not a window; write the days then HH:MM-HH:MM, e.g. Mon-Thu 09:30-17:00, Mon,Wed,Fri 10:00-12:00 or daily 09:00-17:00',
    );
  });
});

describe('weeklyState: a weekend freeze in Europe/London across its 2026 changes', () => {
  const weekend = [span('Fri 16:00 to Mon 08:00')];
  const tz = 'Europe/London';

  test('the weekend the clocks go forward (29 Mar): starts at 16:00 GMT, ends at 08:00 BST', () => {
    expect(weeklyState(weekend, tz, utc('2026-03-28T12:00'))).toEqual({
      inside: true,
      startedAt: utc('2026-03-27T16:00'),
      endsAt: utc('2026-03-30T07:00'),
    });
  });

  test('the weekend the clocks go back (25 Oct): starts at 16:00 BST, ends at 08:00 GMT', () => {
    expect(weeklyState(weekend, tz, utc('2026-10-24T12:00'))).toEqual({
      inside: true,
      startedAt: utc('2026-10-23T15:00'),
      endsAt: utc('2026-10-26T08:00'),
    });
  });

  test('the end is exclusive and the start inclusive', () => {
    expect(weeklyState(weekend, tz, utc('2026-03-30T07:00') - 1)).toMatchObject({ inside: true });
    expect(weeklyState(weekend, tz, utc('2026-03-30T07:00'))).toEqual({ inside: false, nextStartAt: utc('2026-04-03T15:00') });
    expect(weeklyState(weekend, tz, utc('2026-10-23T15:00'))).toMatchObject({ inside: true, startedAt: utc('2026-10-23T15:00') });
  });

  test('midweek: outside, with the next start', () => {
    expect(weeklyState(weekend, tz, utc('2026-03-25T12:00'))).toEqual({ inside: false, nextStartAt: utc('2026-03-27T16:00') });
  });

  test('Sunday evening, between the end of the week and Monday, is inside', () => {
    // 21:00 BST on Sunday 29 Mar
    expect(weeklyState(weekend, tz, utc('2026-03-29T20:00'))).toEqual({
      inside: true,
      startedAt: utc('2026-03-27T16:00'),
      endsAt: utc('2026-03-30T07:00'),
    });
  });
});

describe('weeklyState: America/New_York windows across its 2026 changes', () => {
  const tz = 'America/New_York';
  const office = windowSpans('Mon-Fri 09:00-17:00');

  test('opening after the spring change (8 Mar) is 09:00 EDT', () => {
    expect(weeklyState(office, tz, utc('2026-03-08T12:00'))).toEqual({ inside: false, nextStartAt: utc('2026-03-09T13:00') });
    expect(weeklyState(office, tz, utc('2026-03-09T13:00'))).toEqual({
      inside: true,
      startedAt: utc('2026-03-09T13:00'),
      endsAt: utc('2026-03-09T21:00'),
    });
  });

  test('the Friday before it was 09:00 EST', () => {
    expect(weeklyState(office, tz, utc('2026-03-06T15:00'))).toEqual({
      inside: true,
      startedAt: utc('2026-03-06T14:00'),
      endsAt: utc('2026-03-06T22:00'),
    });
  });

  test('opening after the autumn change (1 Nov) is 09:00 EST again', () => {
    expect(weeklyState(office, tz, utc('2026-10-31T15:00'))).toEqual({ inside: false, nextStartAt: utc('2026-11-02T14:00') });
  });

  test('a span starting in the skipped hour starts when the clocks jump', () => {
    expect(weeklyState([span('Sun 02:30 to Sun 04:00')], tz, utc('2026-03-08T06:00'))).toEqual({
      inside: false,
      nextStartAt: utc('2026-03-08T07:00'),
    });
  });

  test('a span starting in the repeated hour starts at its first occurrence', () => {
    expect(weeklyState([span('Sun 01:30 to Sun 03:00')], tz, utc('2026-11-01T05:00'))).toEqual({
      inside: false,
      nextStartAt: utc('2026-11-01T05:30'),
    });
    // 03:00 EST is 08:00 UTC: this occurrence lasts 2h30m of real time.
    expect(weeklyState([span('Sun 01:30 to Sun 03:00')], tz, utc('2026-11-01T06:45'))).toEqual({
      inside: true,
      startedAt: utc('2026-11-01T05:30'),
      endsAt: utc('2026-11-01T08:00'),
    });
  });
});

describe('weeklyState: zones where the local day is not the UTC day', () => {
  test('America/Los_Angeles: Friday evening local is Saturday in UTC', () => {
    const friEvening = windowSpans('Fri 16:00-20:00');
    // Sat 02:00 UTC = Fri 19:00 PDT
    expect(weeklyState(friEvening, 'America/Los_Angeles', utc('2026-06-06T02:00'))).toEqual({
      inside: true,
      startedAt: utc('2026-06-05T23:00'),
      endsAt: utc('2026-06-06T03:00'),
    });
    // Sat 04:00 UTC = Fri 21:00 PDT: closed until next Friday
    expect(weeklyState(friEvening, 'America/Los_Angeles', utc('2026-06-06T04:00'))).toEqual({
      inside: false,
      nextStartAt: utc('2026-06-12T23:00'),
    });
  });

  test('Pacific/Auckland: Monday 08:00 local is Sunday 20:00 UTC', () => {
    const weekend = [span('Fri 16:00 to Mon 08:00')];
    expect(weeklyState(weekend, 'Pacific/Auckland', utc('2026-06-07T19:00'))).toEqual({
      inside: true,
      startedAt: utc('2026-06-05T04:00'),
      endsAt: utc('2026-06-07T20:00'),
    });
    expect(weeklyState(weekend, 'Pacific/Auckland', utc('2026-06-07T20:00'))).toEqual({
      inside: false,
      nextStartAt: utc('2026-06-12T04:00'),
    });
  });
});

describe('weeklyState: the week boundary and joined spans', () => {
  test('a window from Sunday night into Monday morning (UTC)', () => {
    const night = windowSpans('Sun 22:00-02:00');
    expect(weeklyState(night, 'UTC', utc('2026-03-02T01:00'))).toEqual({
      inside: true,
      startedAt: utc('2026-03-01T22:00'),
      endsAt: utc('2026-03-02T02:00'),
    });
    expect(weeklyState(night, 'UTC', utc('2026-03-02T03:00'))).toEqual({ inside: false, nextStartAt: utc('2026-03-08T22:00') });
  });

  test('spans that touch count as one', () => {
    const spans = [...windowSpans('Mon 09:00-12:00'), ...windowSpans('Mon 12:00-17:00')];
    expect(weeklyState(spans, 'UTC', utc('2026-03-02T11:00'))).toEqual({
      inside: true,
      startedAt: utc('2026-03-02T09:00'),
      endsAt: utc('2026-03-02T17:00'),
    });
  });

  test('a window of every hour of the week is always open', () => {
    const always = windowSpans('daily 00:00-23:59').concat(windowSpans('daily 23:59-24:00'));
    const s = weeklyState(always, 'Europe/London', utc('2026-03-29T01:30'));
    expect(s.inside).toBe(true);
    if (s.inside) expect(s.endsAt - utc('2026-03-29T01:30')).toBeGreaterThan(7 * 24 * H);
  });

  test('no spans: never inside and nothing next', () => {
    expect(weeklyState([], 'UTC', utc('2026-03-02T11:00'))).toEqual({ inside: false });
  });
});
