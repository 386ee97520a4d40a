import type { FerryConfig } from '../../src/core/config/types';
import { FREEZE_USAGE, freezeHelp, parseFreeze, parseUnfreeze, UNFREEZE_USAGE } from '../../src/core/parse/freeze';
import type { Parse } from '../../src/core/parse/target';
import { governed, oneApp, twoApps } from './fixtures';

const utc = (text: string): number => Date.parse(`${text}Z`);
const H = 3_600_000;
const D = 24 * H;
const LONDON = 'Europe/London';
// Thursday 5 March 2026, 14:02 in London (GMT, so London time equals UTC).
const NOW = utc('2026-03-05T14:02');

function errorOf<T>(p: Parse<T>): string {
  if (p.kind !== 'error') throw new Error(`expected an error, got ${JSON.stringify(p)}`);
  return p.message;
}
/** The end a `/freeze production ...` gives, read in London at NOW unless told otherwise. */
function untilOf(text: string, now = NOW, tz = LONDON): number | undefined {
  const p = parseFreeze(`production ${text}`, oneApp(), now, tz);
  if (p.kind !== 'ok' || 'list' in p.value) throw new Error(`expected a freeze, got ${JSON.stringify(p)}`);
  return p.value.until;
}

describe('/freeze: what and for how long', () => {
  let config: FerryConfig;
  beforeAll(() => {
    config = oneApp();
  });

  test.each([
    ['empty', ''],
    ['spaces', '   '],
    ['missing', undefined],
  ])('%s text lists the freezes', (_, text) => {
    expect(parseFreeze(text, config, NOW, LONDON)).toEqual({ kind: 'ok', value: { list: true } });
  });

  test.each(['help', '?', '--help'])('`%s` asks for help', (text) => {
    expect(parseFreeze(text, config, NOW, LONDON)).toEqual({ kind: 'help' });
  });

  test('an env alone: no end, no reason', () => {
    expect(parseFreeze('production', config, NOW, LONDON)).toEqual({ kind: 'ok', value: { app: 'web', envs: ['production'], reason: '' } });
  });

  test('a duration, bare or after `for`, then the reason', () => {
    const expected = { kind: 'ok', value: { app: 'web', envs: ['production'], until: NOW + 2 * H, reason: 'release testing' } };
    expect(parseFreeze('production 2h release testing', config, NOW, LONDON)).toEqual(expected);
    expect(parseFreeze('web production for 2h release testing', config, NOW, LONDON)).toEqual(expected);
  });

  test('`for` not followed by a number is part of the reason', () => {
    expect(parseFreeze('production for the release', config, NOW, LONDON)).toEqual({
      kind: 'ok',
      value: { app: 'web', envs: ['production'], reason: 'for the release' },
    });
  });

  test('`all` freezes every env of the app, in the order of the file', () => {
    expect(parseFreeze('all 1h incident', config, NOW, LONDON)).toEqual({
      kind: 'ok',
      value: { app: 'web', envs: ['dev', 'staging', 'production'], until: NOW + H, reason: 'incident' },
    });
    expect(parseFreeze('web ALL', config, NOW, LONDON)).toMatchObject({ kind: 'ok', value: { envs: ['dev', 'staging', 'production'] } });
  });

  test('with two apps, `all` needs the app', () => {
    const two = twoApps();
    expect(parseFreeze('api all', two, NOW, LONDON)).toEqual({
      kind: 'ok',
      value: { app: 'api', envs: ['dev', 'production'], reason: '' },
    });
    expect(errorOf(parseFreeze('all 2h', two, NOW, LONDON))).toBe(
      'Which app? `all` means every environment of one app; e.g. `/freeze web all`. Apps: `web`, `api`.',
    );
    expect(errorOf(parseFreeze('dev 2h', two, NOW, LONDON))).toBe('Which app? `web`, `api` have `dev`; e.g. `/freeze web dev`.');
  });

  test('an unknown env suggests and lists, with the usage', () => {
    const msg = errorOf(parseFreeze('prod 2h', config, NOW, LONDON));
    expect(msg).toContain('`web` has no environment `prod`. Did you mean `production`?');
    expect(msg).toContain(FREEZE_USAGE);
  });

  test('`for` with nothing after it', () => {
    expect(errorOf(parseFreeze('production for', config, NOW, LONDON))).toContain('For how long? e.g. `for 2h`');
  });

  test('a bad duration says what a duration looks like', () => {
    expect(errorOf(parseFreeze('production 4hours', config, NOW, LONDON))).toBe(
      `\`4hours\` is not a duration; use e.g. 30m, 4h, 2d, or \`until 17:00\`, \`until tomorrow 09:00\`, \`until mon 09:00\` or \`until 2026-11-23 09:00\`. Usage: ${FREEZE_USAGE}`,
    );
    expect(errorOf(parseFreeze('production for 0m', config, NOW, LONDON))).toContain('`0m` is not a duration');
  });

  test('90d is the longest end; longer is refused with how to freeze without an end', () => {
    expect(untilOf('90d')).toBe(NOW + 90 * D);
    expect(errorOf(parseFreeze('production 91d', config, NOW, LONDON))).toBe(
      'A freeze can be set for at most 90d; `91d` is longer. Leave the end out to freeze until `/unfreeze`.',
    );
  });

  test('a bare time is not taken for a duration', () => {
    expect(errorOf(parseFreeze('production 17:00', config, NOW, LONDON))).toBe(
      `To freeze until a time, say so: \`until 17:00\`. A number right after the env is read as a duration, such as 2h. Usage: ${FREEZE_USAGE}`,
    );
  });

  test('two ends are refused', () => {
    expect(errorOf(parseFreeze('production 2h until 17:00', config, NOW, LONDON))).toContain(
      'Give the freeze one end: a duration (`for 2h`) or a time (`until 17:00`), not both.',
    );
    expect(errorOf(parseFreeze('production until 17:00 for 2h', config, NOW, LONDON))).toContain('not both');
  });

  test('a reason of 200 characters is fine; 201 is refused with its length', () => {
    expect(parseFreeze(`production 1h ${'r'.repeat(200)}`, config, NOW, LONDON)).toMatchObject({
      kind: 'ok',
      value: { reason: 'r'.repeat(200) },
    });
    expect(errorOf(parseFreeze(`production 1h ${'r'.repeat(201)}`, config, NOW, LONDON))).toBe(
      'That reason is 201 characters; keep it to 200 at most.',
    );
  });
});

describe('/freeze ... until <time>, read in the given zone', () => {
  test('a time of day: today, or tomorrow once it has passed', () => {
    expect(untilOf('until 17:00')).toBe(utc('2026-03-05T17:00'));
    expect(untilOf('until 9:15')).toBe(utc('2026-03-06T09:15'));
    expect(untilOf('until 14:02')).toBe(utc('2026-03-06T14:02'));
  });

  test('the reason follows the time', () => {
    const p = parseFreeze('production until 17:00 release testing', oneApp(), NOW, LONDON);
    expect(p).toEqual({
      kind: 'ok',
      value: { app: 'web', envs: ['production'], until: utc('2026-03-05T17:00'), reason: 'release testing' },
    });
  });

  test('today and tomorrow', () => {
    expect(untilOf('until today 18:00')).toBe(utc('2026-03-05T18:00'));
    expect(untilOf('until Tomorrow 09:00')).toBe(utc('2026-03-06T09:00'));
  });

  test('a weekday: the next such day and time (later today when it is today and still ahead)', () => {
    expect(untilOf('until mon 09:00')).toBe(utc('2026-03-09T09:00'));
    expect(untilOf('until Friday 09:00')).toBe(utc('2026-03-06T09:00'));
    expect(untilOf('until thu 15:00')).toBe(utc('2026-03-05T15:00'));
    expect(untilOf('until thu 14:00')).toBe(utc('2026-03-12T14:00'));
  });

  test('a date and time, with a space or a T', () => {
    expect(untilOf('until 2026-03-10 09:00')).toBe(utc('2026-03-10T09:00'));
    expect(untilOf('until 2026-03-10T09:00 deploy freeze')).toBe(utc('2026-03-10T09:00'));
  });

  test('Europe/London across the spring change: Monday 09:00 is BST; a skipped time means the jump', () => {
    const sat = utc('2026-03-28T12:00');
    expect(untilOf('until mon 09:00', sat)).toBe(utc('2026-03-30T08:00'));
    expect(untilOf('until tomorrow 01:30', sat)).toBe(utc('2026-03-29T01:00'));
    expect(untilOf('until 2026-03-29 03:00', sat)).toBe(utc('2026-03-29T02:00'));
  });

  test('Europe/London across the autumn change: a repeated time means its first occurrence', () => {
    expect(untilOf('until tomorrow 01:30', utc('2026-10-24T12:00'))).toBe(utc('2026-10-25T00:30'));
    expect(untilOf('until mon 09:00', utc('2026-10-24T12:00'))).toBe(utc('2026-10-26T09:00'));
  });

  test('America/New_York: 17:00 is 22:00 UTC in winter and 21:00 UTC after 8 Mar', () => {
    const ny = 'America/New_York';
    expect(untilOf('until 17:00', NOW, ny)).toBe(utc('2026-03-05T22:00'));
    expect(untilOf('until mon 17:00', NOW, ny)).toBe(utc('2026-03-09T21:00'));
  });

  test('the local day, not the UTC day: late on Thursday in Los Angeles, `tomorrow` is Friday there', () => {
    // Fri 02:00 UTC is Thu 18:00 PST.
    expect(untilOf('until tomorrow 09:00', utc('2026-03-06T02:00'), 'America/Los_Angeles')).toBe(utc('2026-03-06T17:00'));
  });

  test('not a time: says what a time looks like', () => {
    const c = oneApp();
    expect(errorOf(parseFreeze('production until 25:00', c, NOW, LONDON))).toBe(
      `\`25:00\` is not a time; use 24-hour HH:MM, e.g. 09:30 (read in Europe/London). Usage: ${FREEZE_USAGE}`,
    );
    expect(errorOf(parseFreeze('production until 5pm', c, NOW, LONDON))).toContain('`5pm` is not a time; use 24-hour HH:MM');
    expect(errorOf(parseFreeze('production until mon 9am', c, NOW, LONDON))).toContain('`9am` is not a time');
  });

  test('words that are not a time at all', () => {
    expect(errorOf(parseFreeze('production until further notice', oneApp(), NOW, LONDON))).toBe(
      "I can't read `further` as a time; use e.g. `until 17:00`, `until tomorrow 09:00`, `until mon 09:00` or `until 2026-11-23 09:00` (24-hour, Europe/London). To freeze with no end, leave `until` out.",
    );
    expect(errorOf(parseFreeze('production until', oneApp(), NOW, LONDON))).toContain('Until when? e.g. `until 17:00`');
  });

  test('a day or date without a time asks for the time', () => {
    const c = oneApp();
    expect(errorOf(parseFreeze('production until tomorrow', c, NOW, LONDON))).toBe(
      'At what time tomorrow? e.g. `until tomorrow 09:00` (24-hour, Europe/London).',
    );
    expect(errorOf(parseFreeze('production until mon release', c, NOW, LONDON))).toBe(
      'At what time on `mon`? e.g. `until mon 09:00` (24-hour, Europe/London).',
    );
    expect(errorOf(parseFreeze('production until 2026-03-10', c, NOW, LONDON))).toBe(
      'At what time on `2026-03-10`? e.g. `until 2026-03-10 09:00` (24-hour, Europe/London).',
    );
  });

  test('a date that does not exist', () => {
    expect(errorOf(parseFreeze('production until 2026-02-30 09:00', oneApp(), NOW, LONDON))).toContain(
      '`2026-02-30` is not a date; write it as YYYY-MM-DD',
    );
  });

  test('a time in the past says what time it is now, there', () => {
    const c = oneApp();
    expect(errorOf(parseFreeze('production until 2026-03-01 09:00', c, NOW, LONDON))).toBe(
      '`2026-03-01 09:00` is in the past: it is 2026-03-05 14:02 in Europe/London. Give a later time, e.g. `until 17:00`, `until tomorrow 09:00`, `until mon 09:00` or `until 2026-11-23 09:00`.',
    );
    expect(errorOf(parseFreeze('production until today 09:00', c, NOW, LONDON))).toBe(
      '`today 09:00` has passed: it is 2026-03-05 14:02 in Europe/London. Give a later time, e.g. `until tomorrow 09:00`.',
    );
  });

  test('more than 90 days ahead', () => {
    expect(untilOf('until 2026-06-03 14:00')).toBe(utc('2026-06-03T13:00'));
    expect(errorOf(parseFreeze('production until 2026-06-04 09:00', oneApp(), NOW, LONDON))).toBe(
      '`2026-06-04 09:00` is more than 90 days ahead; a freeze can be set for at most 90d. Leave the end out to freeze until `/unfreeze`.',
    );
  });
});

describe('/unfreeze', () => {
  test('an env, or all of an app', () => {
    expect(parseUnfreeze('production', oneApp())).toEqual({ kind: 'ok', value: { app: 'web', envs: ['production'] } });
    expect(parseUnfreeze('all', oneApp())).toEqual({ kind: 'ok', value: { app: 'web', envs: ['dev', 'staging', 'production'] } });
    expect(parseUnfreeze('api all', twoApps())).toEqual({ kind: 'ok', value: { app: 'api', envs: ['dev', 'production'] } });
  });

  test('extra words are refused, naming them', () => {
    expect(errorOf(parseUnfreeze('production now please', oneApp()))).toBe(
      `\`/unfreeze\` takes only the app and env (or \`all\`); I don't know what to do with \`now please\`. Usage: ${UNFREEZE_USAGE}`,
    );
  });

  test('empty text and help', () => {
    expect(errorOf(parseUnfreeze('', oneApp()))).toBe(`Tell me what to do. Usage: ${UNFREEZE_USAGE}`);
    expect(parseUnfreeze('help', oneApp())).toEqual({ kind: 'help' });
  });

  test('with two apps an env alone asks which app', () => {
    expect(errorOf(parseUnfreeze('production', twoApps()))).toContain('Which app?');
  });
});

describe('freezeHelp', () => {
  test('usage, the time zone, scheduled freezes and windows from the config', () => {
    const help = freezeHelp(governed());
    expect(help).toContain(FREEZE_USAGE);
    expect(help).toContain(UNFREEZE_USAGE);
    expect(help).toContain('`/freeze web production 2h release testing`');
    expect(help).toContain('read in Europe/London');
    expect(help).toContain('• *weekend* (no deploys at weekends) every Fri 16:00 to Mon 08:00 (Europe/London), on web: production');
    expect(help).toContain(
      '• *black-friday* (peak trading) from 2026-11-27 00:00 to 2026-11-30 08:00 (Europe/London), on every app: every environment',
    );
    expect(help).toContain('• `web` *production*: Mon-Thu 09:30-17:00 (Europe/London)');
    expect(help).toContain('• `api` *production*: daily 22:00-02:00 (America/New_York)');
  });

  test('with one app the examples leave the app out, and nothing is said of schedules that do not exist', () => {
    const help = freezeHelp(oneApp());
    expect(help).toContain('`/freeze production 2h release testing`');
    expect(help).toContain('read in UTC');
    expect(help).not.toContain('Scheduled freezes');
    expect(help).not.toContain('Deploy windows');
  });
});
