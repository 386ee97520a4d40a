import { parseConfig } from '../../src/config/load';
import { nudgeMessage, type NudgeFacts, NUDGE_RELEASE } from '../../src/core/nudge/message';
import { isNudgeInstant, nextNudgeAt, type NudgeRule } from '../../src/core/nudge/schedule';
import { nudgeTarget } from '../../src/core/nudge/target';
import { parseNudgesOptOut } from '../../src/core/parse/nudges';
import { FerryError } from '../../src/errors';

const utc = (text: string): number => Date.parse(`${text}Z`);
const file = '/srv/ferry/ferry.yml';
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

const yaml = (nudge: string, top = '') => `
feed_channel: C0FEED
${top}
apps:
  web:
    path: ./web
    environments:
      staging:
        deploy: [commands/deploy.sh]
      production:
        deploy: [commands/deploy.sh]
        promote_from: staging
${nudge}`;

const problems = (text: string): string => {
  try {
    parseConfig(text, file);
  } catch (err) {
    if (err instanceof FerryError) return err.message;
    throw err;
  }
  throw new Error('expected a config error');
};

const rule = (tz: string, days = [0, 1, 2, 3, 4], atMinute = 9 * 60 + 30): NudgeRule => ({ afterMs: 2 * DAY, atMinute, days, tz });

describe('nudge: in the config', () => {
  test('defaults: after 2d, at 09:30, Monday to Friday, in the top-level time zone, to the feed', () => {
    const c = parseConfig(yaml('    nudge: {}', 'time_zone: Asia/Tokyo'), file);
    expect(c.apps.web!.nudge).toEqual({ afterMs: 2 * DAY, atMinute: 570, days: [0, 1, 2, 3, 4], tz: 'Asia/Tokyo' });
  });

  test('each key as written: its own zone and channel', () => {
    const c = parseConfig(
      yaml('    nudge: { after: 36h, at: "8:05", days: "mon,wed,fri-sun", time_zone: america/los_angeles, channel: C0TEAM }'),
      file,
    );
    expect(c.apps.web!.nudge).toEqual({
      afterMs: 36 * HOUR,
      atMinute: 8 * 60 + 5,
      days: [0, 2, 4, 5, 6],
      tz: 'America/Los_Angeles',
      channel: 'C0TEAM',
    });
  });

  test('an app without nudge: has none', () => {
    expect(parseConfig(yaml(''), file).apps.web!.nudge).toBeUndefined();
  });

  test.each([
    ['at: "9.30"', 'apps.web.nudge.at', '"9.30" is not a time; use 24-hour HH:MM'],
    ['days: mon-fry', 'apps.web.nudge.days', '"fry" is not a day'],
    ['after: soon', 'apps.web.nudge.after', '"soon" is not a duration'],
    ['time_zone: Europe/Londn', 'apps.web.nudge.time_zone', 'did you mean Europe/London?'],
    ['channel: "#deploys"', 'apps.web.nudge.channel', 'must be a Slack channel ID like C0123TEAM (not a #name)'],
    ['every: 1d', 'apps.web.nudge', 'every'],
  ])('%s is refused with the key path and the fix', (line, path, message) => {
    const text = problems(yaml(`    nudge: { ${line} }`));
    expect(text).toContain(path);
    expect(text).toContain(message);
  });
});

describe('nextNudgeAt: when an app is next nudged, in its zone', () => {
  test('Europe/London across the spring change: 09:30 is 09:30 GMT on Friday, then 08:30 UTC on Monday (BST)', () => {
    const london = rule('Europe/London');
    const fri = nextNudgeAt(london, utc('2026-03-26T12:00'))!;
    expect(fri).toBe(utc('2026-03-27T09:30'));
    // The weekend is skipped, and the clocks went forward on Sunday 29 March.
    expect(nextNudgeAt(london, fri)).toBe(utc('2026-03-30T08:30'));
  });

  test('Europe/London across the autumn change: 08:30 UTC on Friday (BST), 09:30 UTC on Monday (GMT)', () => {
    const london = rule('Europe/London');
    expect(nextNudgeAt(london, utc('2026-10-23T00:00'))).toBe(utc('2026-10-23T08:30'));
    expect(nextNudgeAt(london, utc('2026-10-23T08:30'))).toBe(utc('2026-10-26T09:30'));
  });

  test('Asia/Tokyo (UTC+9, no DST): 09:30 there is 00:30 UTC the same day; a Saturday waits for Monday', () => {
    const tokyo = rule('Asia/Tokyo');
    expect(nextNudgeAt(tokyo, utc('2026-07-06T00:00'))).toBe(utc('2026-07-06T00:30'));
    // Saturday 11 July in Tokyo: the next is Monday 13 July 09:30 JST.
    expect(nextNudgeAt(tokyo, utc('2026-07-10T12:00'))).toBe(utc('2026-07-13T00:30'));
  });

  test('America/Los_Angeles: 09:30 PDT is 16:30 UTC; after the November change 09:30 PST is 17:30 UTC', () => {
    const la = rule('America/Los_Angeles');
    expect(nextNudgeAt(la, utc('2026-10-30T12:00'))).toBe(utc('2026-10-30T16:30'));
    // Friday's done; the clocks go back on Sunday 1 November; Monday 2 November is on PST.
    expect(nextNudgeAt(la, utc('2026-10-30T16:30'))).toBe(utc('2026-11-02T17:30'));
  });

  test('mon-fri skips the weekend; daily does not', () => {
    const fridayEvening = utc('2026-07-10T18:00');
    expect(nextNudgeAt(rule('UTC'), fridayEvening)).toBe(utc('2026-07-13T09:30'));
    expect(nextNudgeAt(rule('UTC', [0, 1, 2, 3, 4, 5, 6]), fridayEvening)).toBe(utc('2026-07-11T09:30'));
  });

  test('an instant is the rule’s own only when it is one of its times', () => {
    expect(isNudgeInstant(rule('UTC'), utc('2026-07-13T09:30'))).toBe(true);
    expect(isNudgeInstant(rule('UTC'), utc('2026-07-13T09:31'))).toBe(false);
    expect(isNudgeInstant(rule('UTC'), utc('2026-07-11T09:30'))).toBe(false);
  });
});

describe('nudgeTarget: what a nudge compares', () => {
  const env = (name: string, promoteFrom?: string) => ({ name, ...(promoteFrom && { promoteFrom }) });
  const app = (...envs: { name: string; promoteFrom?: string }[]) => ({
    envs: Object.fromEntries(envs.map((e) => [e.name, e])),
    envNames: envs.map((e) => e.name),
  });

  test('the end of the promotion chain and the env that feeds it', () => {
    expect(nudgeTarget(app(env('dev'), env('staging', 'dev'), env('production', 'staging')))).toEqual({
      to: 'production',
      from: 'staging',
    });
  });

  test('no chain: production (or prod, else the last env), fed by the default branch', () => {
    expect(nudgeTarget(app(env('production'), env('qa')))).toEqual({ to: 'production' });
    expect(nudgeTarget(app(env('staging'), env('prod')))).toEqual({ to: 'prod' });
    expect(nudgeTarget(app(env('a'), env('b')))).toEqual({ to: 'b' });
  });
});

describe('nudgeMessage', () => {
  const facts: NudgeFacts = {
    app: 'web',
    from: { kind: 'env', name: 'staging' },
    to: 'production',
    commitCount: 3,
    authors: [
      { name: 'Ana', slack: 'U0ANA', commits: 2 },
      { name: 'Bo', slack: 'U0BO', commits: 1 },
    ],
    oldestAt: utc('2026-07-10T09:30'),
    compareUrl: 'https://github.com/acme/web/compare/aaa...bbb',
    releasable: true,
  };

  test('how many commits, by whom (mentions), the oldest one’s age, the compare link and the Release button', () => {
    const m = nudgeMessage(facts, new Set(), utc('2026-07-13T09:30'));
    expect(m.text).toBe(
      ':alarm_clock: `web`: 3 commits by <@U0ANA> (2) and <@U0BO> (1) on *staging* are not on *production* yet; the oldest has waited 3d. <https://github.com/acme/web/compare/aaa...bbb|Compare>',
    );
    expect(m.blocks[1]).toMatchObject({
      type: 'actions',
      elements: [{ action_id: NUDGE_RELEASE, value: 'web', text: { text: 'Release' } }],
    });
  });

  test('an author who opted out is named, not mentioned; one without a Slack user is named', () => {
    const m = nudgeMessage(
      { ...facts, authors: [...facts.authors, { name: 'Cy <ci>', commits: 1 }], commitCount: 4 },
      new Set(['U0BO']),
      utc('2026-07-12T21:30'),
    );
    expect(m.text).toContain('4 commits by <@U0ANA> (2), Bo (1) and Cy &lt;ci&gt; (1)');
    expect(m.text).toContain('the oldest has waited 2d 12h');
    expect(m.text).not.toContain('<@U0BO>');
  });

  test('without a promotion chain: the branch, and how to ship instead of a Release button', () => {
    const m = nudgeMessage(
      {
        ...facts,
        from: { kind: 'branch', name: 'main' },
        commitCount: 1,
        authors: [{ ...facts.authors[0]!, commits: 1 }],
        releasable: false,
      },
      new Set(),
      utc('2026-07-13T09:00'),
    );
    expect(m.text).toContain('1 commit by <@U0ANA> (1) on `main` is not on *production* yet');
    expect(JSON.stringify(m.blocks)).not.toContain(NUDGE_RELEASE);
  });
});

describe('/deploys nudges off|on', () => {
  const config = { apps: {} } as never;
  test('off and on, any case', () => {
    expect(parseNudgesOptOut('nudges off', config)).toEqual({ kind: 'ok', value: { off: true } });
    expect(parseNudgesOptOut(' Nudges ON ', config)).toEqual({ kind: 'ok', value: { off: false } });
  });
  test('anything else about nudges says how; other text is left to /deploys', () => {
    expect(parseNudgesOptOut('nudges', config)).toMatchObject({ kind: 'error', message: expect.stringContaining('/deploys nudges off') });
    expect(parseNudgesOptOut('nudges maybe', config)).toMatchObject({ kind: 'error' });
    expect(parseNudgesOptOut('web production', config)).toBeUndefined();
    expect(parseNudgesOptOut('', config)).toBeUndefined();
  });
  test('an app called nudges keeps /deploys nudges [env]', () => {
    const withApp = { apps: { nudges: { envs: { off: {} } } } } as never;
    expect(parseNudgesOptOut('nudges', withApp)).toBeUndefined();
    expect(parseNudgesOptOut('nudges off', withApp)).toBeUndefined();
  });
});
