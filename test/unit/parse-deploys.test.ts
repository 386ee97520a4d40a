import { parseConfig } from '../../src/config/load';
import type { FerryConfig } from '../../src/core/config/types';
import { deploysHelp, mentionedUser, parseDeploys } from '../../src/core/parse/deploys';
import type { Parse } from '../../src/core/parse/target';
import { oneApp, twoApps } from './fixtures';

const ME = 'U0ME';

function errorOf<T>(p: Parse<T>): string {
  if (p.kind !== 'error') throw new Error(`expected an error, got ${JSON.stringify(p)}`);
  return p.message;
}

describe('/deploys with one app', () => {
  let config: FerryConfig;
  beforeAll(() => {
    config = oneApp();
  });
  const parse = (text: string) => parseDeploys(text, config, ME);

  test('nothing, or the app: the board of its envs', () => {
    expect(parse('')).toEqual({ kind: 'ok', value: { kind: 'board', app: 'web' } });
    expect(parse('  ')).toEqual({ kind: 'ok', value: { kind: 'board', app: 'web' } });
    expect(parse('web')).toEqual({ kind: 'ok', value: { kind: 'board', app: 'web' } });
  });

  test('an env, with or without the app: its history', () => {
    expect(parse('dev')).toEqual({ kind: 'ok', value: { kind: 'history', app: 'web', env: 'dev' } });
    expect(parse('web staging')).toEqual({ kind: 'ok', value: { kind: 'history', app: 'web', env: 'staging' } });
  });

  test('an unknown env gets a "did you mean" and the list', () => {
    expect(errorOf(parse('stagign'))).toBe(
      '`web` has no environment `stagign`. Did you mean `staging`? It has `dev`, `staging`, `production`. Usage: `/deploys [app] [env]`',
    );
    expect(errorOf(parse('web prod'))).toContain('Did you mean `production`?');
  });

  test('extra words are refused', () => {
    expect(errorOf(parse('dev main'))).toBe(
      "I don't know what to do with `main`: `/deploys` takes an app and an environment. Usage: `/deploys [app] [env]`",
    );
  });

  test('help, and text too long', () => {
    expect(parse('help')).toEqual({ kind: 'help' });
    expect(parse('?')).toEqual({ kind: 'help' });
    expect(errorOf(parse(`dev ${'x'.repeat(400)}`))).toContain('a command here is at most 300');
    const help = deploysHelp(config);
    expect(help).toContain('`/deploys`: every environment');
    expect(help).toContain('`/deploys dev`: the last 20 deploys');
    expect(help).toContain('`/deploys audit me`');
    expect(help).not.toMatch(/<(?!@)/);
  });

  test('a person without `audit` is pointed at the audit log', () => {
    expect(errorOf(parse('<@U0ANA|ana>'))).toContain('ask the audit log: `/deploys audit &lt;@U0ANA|ana&gt;`');
  });
});

describe('/deploys with several apps', () => {
  let config: FerryConfig;
  beforeAll(() => {
    config = twoApps();
  });
  const parse = (text: string) => parseDeploys(text, config, ME);

  test('nothing: every app; an app: that app', () => {
    expect(parse('')).toEqual({ kind: 'ok', value: { kind: 'board' } });
    expect(parse('api')).toEqual({ kind: 'ok', value: { kind: 'board', app: 'api' } });
  });

  test('app and env: its history; an env only one app has needs no app', () => {
    expect(parse('api dev')).toEqual({ kind: 'ok', value: { kind: 'history', app: 'api', env: 'dev' } });
    expect(parse('staging')).toEqual({ kind: 'ok', value: { kind: 'history', app: 'web', env: 'staging' } });
  });

  test('an env several apps have: which app?', () => {
    expect(errorOf(parse('production'))).toBe('Which app? `web`, `api` have `production`; e.g. `/deploys web production`.');
  });

  test('an unknown app or env: did you mean', () => {
    expect(errorOf(parse('wbe'))).toContain('There is no app `wbe`. Did you mean `web`? Apps: `web`, `api`.');
    expect(errorOf(parse('api staging'))).toContain('`api` has no environment `staging`.');
    expect(errorOf(parse('api stagin'))).toContain('It has `dev`, `production`.');
  });
});

describe('/deploys audit', () => {
  const one = oneApp();
  const two = twoApps();
  const audit = (text: string, config = two) => parseDeploys(`audit ${text}`, config, ME);

  test('alone: everything', () => {
    expect(parseDeploys('audit', two, ME)).toEqual({ kind: 'ok', value: { kind: 'audit', scope: { kind: 'all' } } });
    expect(parseDeploys('AUDIT', two, ME)).toEqual({ kind: 'ok', value: { kind: 'audit', scope: { kind: 'all' } } });
  });

  test('an app, an env, or both', () => {
    expect(audit('web')).toEqual({ kind: 'ok', value: { kind: 'audit', scope: { kind: 'app', app: 'web' } } });
    expect(audit('api dev')).toEqual({ kind: 'ok', value: { kind: 'audit', scope: { kind: 'env', app: 'api', env: 'dev' } } });
    expect(audit('dev', one)).toEqual({ kind: 'ok', value: { kind: 'audit', scope: { kind: 'env', app: 'web', env: 'dev' } } });
    expect(audit('staging')).toEqual({ kind: 'ok', value: { kind: 'audit', scope: { kind: 'env', app: 'web', env: 'staging' } } });
    expect(errorOf(audit('dev'))).toBe('Which app? `web`, `api` have `dev`; e.g. `/deploys audit web dev`.');
    expect(errorOf(audit('web stagign'))).toContain('Did you mean `staging`?');
    expect(errorOf(audit('wbe'))).toContain('There is no app `wbe`. Did you mean `web`?');
  });

  test('a person: as Slack sends a mention (should_escape), a bare member ID, or me', () => {
    const user = (u: string, app?: string) => ({
      kind: 'ok',
      value: { kind: 'audit', scope: { kind: 'user', user: u, ...(app && { app }) } },
    });
    expect(audit('<@U0ANA|ana>')).toEqual(user('U0ANA'));
    expect(audit('<@U0ANA>')).toEqual(user('U0ANA'));
    expect(audit('W0123ABCD')).toEqual(user('W0123ABCD'));
    expect(audit('me')).toEqual(user(ME));
    expect(audit('web <@U0BEN|ben>')).toEqual(user('U0BEN', 'web'));
    // Slack escapes &, < and > in the text it sends
    expect(audit('&lt;@U0ANA|ana&gt;')).toEqual(user('U0ANA'));
  });

  test('a person named without picking them from the @ suggestions, or with other words', () => {
    expect(errorOf(audit('@ana'))).toContain(
      "I can't tell who `@ana` is: Slack sends a person's ID only when you pick them from the @ suggestions",
    );
    expect(errorOf(audit('<@U0ANA|ana> dev'))).toBe(
      "I don't know what to do with `dev` after the person. Usage: `/deploys audit [app] [env]` or `/deploys audit @person`",
    );
    expect(errorOf(audit('web dev <@U0ANA>'))).toContain("A person's audit log can be narrowed to an app, not an env");
    expect(errorOf(audit('wbe <@U0ANA>'))).toContain('There is no app `wbe`. Did you mean `web`?');
  });

  test('mentionedUser reads IDs, not names', () => {
    expect(mentionedUser('<@U0ANA|ana>')).toBe('U0ANA');
    expect(mentionedUser('U0ANA')).toBe('U0ANA');
    expect(mentionedUser('u0ana')).toBeUndefined();
    expect(mentionedUser('<#C0123|general>')).toBeUndefined();
    expect(mentionedUser('@ana')).toBeUndefined();
  });
});

test('`audit` is reserved as an app or env name, because `/deploys audit` shows the audit log', () => {
  let err: Error | undefined;
  try {
    parseConfig(
      'feed_channel: C0FEED\napps:\n  web:\n    path: .\n    environments:\n      audit:\n        deploy: [x.sh]\n',
      '/srv/ferry/ferry.yml',
    );
  } catch (e) {
    err = e as Error;
  }
  expect(err?.message).toContain(
    'apps.web.environments.audit: "audit" is not a valid name; is reserved: `/deploys audit` shows the audit log',
  );
});

describe('/deploys stats', () => {
  test('one app: the app may be left out; the period defaults to 30 days', () => {
    const config = oneApp();
    const parse = (text: string) => parseDeploys(text, config, ME);
    expect(parse('stats')).toEqual({ kind: 'ok', value: { kind: 'stats', app: 'web', days: 30 } });
    expect(parse('stats 7d')).toEqual({ kind: 'ok', value: { kind: 'stats', app: 'web', days: 7 } });
    expect(parse('stats web 90d')).toEqual({ kind: 'ok', value: { kind: 'stats', app: 'web', days: 90 } });
    expect(parse('STATS 90d web')).toEqual({ kind: 'ok', value: { kind: 'stats', app: 'web', days: 90 } });
  });

  test('junk gets an answer saying what would work', () => {
    const config = twoApps();
    const parse = (text: string) => parseDeploys(text, config, ME);
    expect(parse('stats api 30d')).toEqual({ kind: 'ok', value: { kind: 'stats', app: 'api', days: 30 } });
    expect(errorOf(parse('stats web 45d'))).toMatch(/7, 30 or 90 days; `45d` is not one of them.*`\/deploys stats web 90d`/);
    expect(errorOf(parse('stats 2w web'))).toMatch(/`2w` is not one of them/);
    expect(errorOf(parse('stats web 7d 30d'))).toMatch(/one period/);
    expect(errorOf(parse('stats'))).toMatch(/Which app\? `web`, `api`/);
    expect(errorOf(parse('stats wbe'))).toMatch(/no app `wbe`\. Did you mean `web`\?/);
    expect(errorOf(parse('stats web api'))).toMatch(/one app and a period/);
  });

  test('help lists it', () => {
    expect(deploysHelp(twoApps())).toContain('/deploys stats [app] [7d|30d|90d]');
    expect(parseDeploys('stats help', twoApps(), ME)).toEqual({ kind: 'help' });
  });
});
