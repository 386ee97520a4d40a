import type { FerryConfig } from '../../src/core/config/types';
import { activeScheduledFreeze, activeScheduledFreezes, type ScheduledFreeze } from '../../src/core/freeze-schedule';
import { describeGate, type FreezeState, gate, type GateDecision, type GateInput } from '../../src/core/gate';
import { slackTime } from '../../src/core/slack-format';
import { parseWeeklySpan } from '../../src/core/weekly';
import { governed } from './fixtures';
import { fixture, type Overrides } from '../helpers/fixture';

const utc = (text: string): number => Date.parse(`${text}Z`);
const H = 3_600_000;

// March 2026 before the 29th: London is on GMT, so London times equal UTC here.
const THU_10 = utc('2026-03-05T10:00'); // inside web production's window (Mon-Thu 09:30-17:00)
const THU_18 = utc('2026-03-05T18:00'); // after it closes
const SAT_NOON = utc('2026-03-07T12:00'); // inside the weekend freeze (Fri 16:00 to Mon 08:00)
const MON_0930 = utc('2026-03-09T09:30');

let config: FerryConfig;
beforeAll(() => {
  config = governed();
});

/** The gate for an env of the governed config, as the caller would build it. */
function gateFor(app: string, env: string, now: number, extra: Partial<GateInput> = {}): GateDecision {
  const window = config.apps[app]!.envs[env]!.window;
  return gate({ now, scheduled: config.freezes, app, env, ...(window && { window }), ...extra });
}

const manual = (over: Overrides<FreezeState> = {}): FreezeState =>
  fixture<FreezeState>(
    {
      by: 'U1',
      reason: 'QA is checking rc-3',
      since: THU_10 - H,
      until: THU_10 + 2 * H,
      source: 'manual',
    },
    over,
  );

describe('gate: windows', () => {
  test('inside the window with no freeze: go', () => {
    expect(gateFor('web', 'production', THU_10)).toEqual({ kind: 'go' });
  });

  test('outside the window: refused with when it next opens (Friday is not in Mon-Thu)', () => {
    expect(gateFor('web', 'production', THU_18)).toEqual({
      kind: 'window',
      opensAt: MON_0930,
      window: 'Mon-Thu 09:30-17:00 Europe/London',
    });
  });

  test('an env without a window is always open', () => {
    expect(gateFor('web', 'staging', THU_18)).toEqual({ kind: 'go' });
    expect(gate({ now: THU_18, scheduled: [], app: 'web', env: 'staging' })).toEqual({ kind: 'go' });
  });

  test('an override skips the window', () => {
    expect(gateFor('web', 'production', THU_18, { override: { by: 'U2', reason: 'hotfix for the checkout outage' } })).toEqual({
      kind: 'go',
    });
  });

  test("an env's own time zone: api production opens daily 22:00-02:00 New York time", () => {
    // Wed 22:30 EST
    expect(gateFor('api', 'production', utc('2026-03-05T03:30'))).toEqual({ kind: 'go' });
    // Thu 02:30 EST: closed until Thu 22:00 EST (03:00 UTC Fri)
    expect(gateFor('api', 'production', utc('2026-03-05T07:30'))).toEqual({
      kind: 'window',
      opensAt: utc('2026-03-06T03:00'),
      window: 'daily 22:00-02:00 America/New_York',
    });
  });
});

describe('gate: freezes', () => {
  test('a scheduled weekly freeze, reported as a freeze by the schedule with its name, reason and end', () => {
    expect(gateFor('web', 'production', SAT_NOON)).toEqual({
      kind: 'frozen',
      freeze: {
        by: 'schedule',
        reason: 'no deploys at weekends',
        since: utc('2026-03-06T16:00'),
        until: utc('2026-03-09T08:00'),
        source: 'schedule',
        name: 'weekend',
      },
      retryAt: utc('2026-03-09T08:00'),
    });
  });

  test('a freeze limited to web production leaves web staging alone; api production is held by its window instead', () => {
    expect(gateFor('web', 'staging', SAT_NOON)).toEqual({ kind: 'go' });
    expect(gateFor('api', 'production', SAT_NOON)).toMatchObject({ kind: 'window' });
  });

  test('a one-off freeze of every app and env, start inclusive, end exclusive (London times)', () => {
    const start = utc('2026-11-27T00:00');
    const end = utc('2026-11-30T08:00');
    expect(gateFor('api', 'dev', start - 1)).toEqual({ kind: 'go' });
    expect(gateFor('api', 'dev', start)).toMatchObject({
      kind: 'frozen',
      freeze: { name: 'black-friday', reason: 'peak trading', since: start, until: end },
      retryAt: end,
    });
    expect(gateFor('web', 'staging', end - 1)).toMatchObject({ kind: 'frozen', freeze: { name: 'black-friday' } });
    expect(gateFor('web', 'staging', end)).toEqual({ kind: 'go' });
  });

  test('an override does not lift a freeze', () => {
    expect(gateFor('web', 'production', SAT_NOON, { override: { by: 'U2', reason: 'urgent' } })).toMatchObject({
      kind: 'frozen',
      freeze: { name: 'weekend' },
    });
    expect(gateFor('web', 'staging', THU_10, { manualFreeze: manual(), override: { by: 'U2', reason: 'urgent' } })).toMatchObject({
      kind: 'frozen',
      freeze: { source: 'manual' },
    });
  });

  test('a manual freeze wins over the schedule and the window', () => {
    const m = manual({ since: SAT_NOON - H, until: SAT_NOON + H });
    expect(gateFor('web', 'production', SAT_NOON, { manualFreeze: m })).toEqual({ kind: 'frozen', freeze: m, retryAt: SAT_NOON + H });
    expect(gateFor('web', 'production', THU_18, { manualFreeze: manual({ until: THU_18 + H }) })).toMatchObject({
      kind: 'frozen',
      freeze: { source: 'manual' },
    });
  });

  test('a manual freeze with no end has no retry time', () => {
    const m = manual({ until: undefined });
    expect(gateFor('web', 'staging', THU_10, { manualFreeze: m })).toEqual({ kind: 'frozen', freeze: m });
  });

  test('a manual freeze that has ended is ignored: the schedule or the window decides', () => {
    expect(gateFor('web', 'staging', THU_10, { manualFreeze: manual({ until: THU_10 }) })).toEqual({ kind: 'go' });
    expect(gateFor('web', 'production', SAT_NOON, { manualFreeze: manual({ until: SAT_NOON - 1 }) })).toMatchObject({
      kind: 'frozen',
      freeze: { source: 'schedule' },
    });
  });
});

describe('activeScheduledFreeze', () => {
  const weekly = (text: string) => {
    const p = parseWeeklySpan(text);
    if (!p.ok) throw new Error(p.message);
    return p.span;
  };
  const freezes: ScheduledFreeze[] = [
    { name: 'friday-afternoon', reason: 'quiet Friday', tz: 'UTC', weekly: weekly('Fri 12:00 to Fri 18:00'), apps: ['*'], envs: ['*'] },
    { name: 'weekend', reason: 'weekend', tz: 'UTC', weekly: weekly('Fri 16:00 to Mon 08:00'), apps: ['*'], envs: ['production'] },
    {
      name: 'api-only',
      reason: 'migration',
      tz: 'UTC',
      start: utc('2026-03-06T00:00'),
      end: utc('2026-03-06T17:00'),
      apps: ['api'],
      envs: ['*'],
    },
  ];
  const FRI_1630 = utc('2026-03-06T16:30');

  test('when several overlap, the one that ends last is reported', () => {
    expect(activeScheduledFreeze(freezes, 'web', 'production', FRI_1630)).toMatchObject({
      freeze: { name: 'weekend' },
      until: utc('2026-03-09T08:00'),
      since: utc('2026-03-06T16:00'),
    });
    expect(activeScheduledFreezes(freezes, 'api', 'production', FRI_1630).map((a) => a.freeze.name)).toEqual([
      'weekend',
      'friday-afternoon',
      'api-only',
    ]);
  });

  test('apps and envs limit where a freeze applies', () => {
    expect(activeScheduledFreeze(freezes, 'web', 'dev', FRI_1630)).toMatchObject({
      freeze: { name: 'friday-afternoon' },
      until: utc('2026-03-06T18:00'),
    });
    expect(activeScheduledFreeze(freezes, 'api', 'dev', FRI_1630)).toMatchObject({ freeze: { name: 'friday-afternoon' } });
    expect(activeScheduledFreeze(freezes, 'api', 'dev', utc('2026-03-06T11:00'))).toMatchObject({
      freeze: { name: 'api-only' },
      until: utc('2026-03-06T17:00'),
    });
    expect(activeScheduledFreeze(freezes, 'web', 'dev', utc('2026-03-06T11:00'))).toBeUndefined();
  });
});

describe('describeGate', () => {
  const now = THU_10;

  test("a manual freeze: who, why, since and until, in each reader's time", () => {
    expect(describeGate({ kind: 'frozen', freeze: manual(), retryAt: now + 2 * H }, 'staging', now)).toBe(
      `*staging* is frozen by <@U1> (QA is checking rc-3) since ${slackTime(now - H)}, until ${slackTime(now + 2 * H)} (in 2h).`,
    );
  });

  test('a manual freeze with no end says how it is lifted', () => {
    expect(describeGate({ kind: 'frozen', freeze: manual({ until: undefined, reason: '' }) }, 'staging', now)).toBe(
      `*staging* is frozen by <@U1> since ${slackTime(now - H)}, with no end set; \`/unfreeze\` lifts it.`,
    );
  });

  test("the reason is escaped: it can't ping the channel or make a link", () => {
    const text = describeGate({ kind: 'frozen', freeze: manual({ reason: '<!channel> see <http://x|here> & there' }) }, 'staging', now);
    expect(text).toContain('(&lt;!channel&gt; see &lt;http://x|here&gt; &amp; there)');
    expect(text).not.toContain('<!channel>');
  });

  test('a scheduled freeze names the schedule and its reason', () => {
    const d = gateFor('web', 'production', SAT_NOON);
    if (d.kind === 'go') throw new Error('expected a refusal');
    expect(describeGate(d, 'production', SAT_NOON)).toBe(
      `*production* is frozen by the schedule *weekend* (no deploys at weekends) until ${slackTime(utc('2026-03-09T08:00'))} (in 1d 20h).`,
    );
  });

  test('a freeze from an alert names the alert', () => {
    const f: FreezeState = { by: 'alertmanager', reason: 'error rate above 5%', since: now - H, source: 'alert', name: 'checkout-errors' };
    expect(describeGate({ kind: 'frozen', freeze: f }, 'production', now)).toBe(
      `*production* is frozen by the alert *checkout-errors* (error rate above 5%) since ${slackTime(now - H)}, it lifts when the alert is resolved.`,
    );
  });

  test('outside the window: the window, its zone and when it opens', () => {
    const d = gateFor('web', 'production', THU_18);
    if (d.kind === 'go') throw new Error('expected a refusal');
    expect(describeGate(d, 'production', THU_18)).toBe(
      `*production* deploys start in its window (Mon-Thu 09:30-17:00 Europe/London); it opens at ${slackTime(MON_0930)} (in 3d 16h).`,
    );
  });
});
