import type { FerryConfig } from '../../src/core/config/types';
import { LOCK_USAGE, lockHelp, parseLock, parseUnlock, UNLOCK_USAGE } from '../../src/core/parse/lock';
import type { Parse } from '../../src/core/parse/target';
import { oneApp, twoApps } from './fixtures';

const H = 3_600_000;
const D = 24 * H;

function errorOf<T>(p: Parse<T>): string {
  if (p.kind !== 'error') throw new Error(`expected an error, got ${JSON.stringify(p)}`);
  return p.message;
}

describe('/lock', () => {
  let config: FerryConfig;
  beforeAll(() => {
    config = oneApp();
  });

  test('duration and reason', () => {
    expect(parseLock('dev 2h testing checkout', config)).toEqual({
      kind: 'ok',
      value: { app: 'web', env: 'dev', durationMs: 2 * H, reason: 'testing checkout' },
    });
  });

  test("without a duration the env's lock_ttl applies", () => {
    // dev sets lock_ttl: 8h in the fixture
    expect(parseLock('dev', config)).toEqual({ kind: 'ok', value: { app: 'web', env: 'dev', durationMs: 8 * H, reason: '' } });
  });

  test('without lock_ttl in the config the default is 4h', () => {
    expect(parseLock('staging', config)).toEqual({ kind: 'ok', value: { app: 'web', env: 'staging', durationMs: 4 * H, reason: '' } });
  });

  test('reason words without a duration keep the default duration', () => {
    expect(parseLock('dev QA on the release candidate', config)).toEqual({
      kind: 'ok',
      value: { app: 'web', env: 'dev', durationMs: 8 * H, reason: 'QA on the release candidate' },
    });
  });

  test('combined durations and upper case units are understood', () => {
    const p = parseLock('dev 1H30M demo', config);
    expect(p).toEqual({ kind: 'ok', value: { app: 'web', env: 'dev', durationMs: 1.5 * H, reason: 'demo' } });
  });

  test('with two apps the app comes first', () => {
    expect(parseLock('api dev 30m', twoApps())).toEqual({
      kind: 'ok',
      value: { app: 'api', env: 'dev', durationMs: 30 * 60_000, reason: '' },
    });
  });

  test('`4hours` is not a duration, and the answer shows the accepted forms', () => {
    expect(errorOf(parseLock('dev 4hours testing', config))).toBe(
      `\`4hours\` is not a duration; use e.g. 30m, 4h, 2d. Usage: ${LOCK_USAGE}`,
    );
  });

  test('a zero duration is refused', () => {
    expect(errorOf(parseLock('dev 0m', config))).toContain('`0m` is not a duration');
  });

  test('7d is the longest lock', () => {
    expect(parseLock('dev 7d', config)).toMatchObject({ kind: 'ok', value: { durationMs: 7 * D } });
    expect(parseLock('dev 1w', config)).toMatchObject({ kind: 'ok', value: { durationMs: 7 * D } });
  });

  test('more than 7d is refused with how to get a longer lock', () => {
    const msg = errorOf(parseLock('dev 8d', config));
    expect(msg).toBe('A lock lasts at most 7d; `8d` is longer. Lock for less and extend it with `/lock` again.');
    expect(errorOf(parseLock('dev 7d1s', config))).toContain('at most 7d');
  });

  test('a reason of 200 characters is fine; 201 is refused with its length', () => {
    expect(parseLock(`dev 1h ${'r'.repeat(200)}`, config)).toMatchObject({ kind: 'ok', value: { reason: 'r'.repeat(200) } });
    expect(errorOf(parseLock(`dev 1h ${'r'.repeat(201)}`, config))).toBe('That reason is 201 characters; keep it to 200 at most.');
  });

  test('a reason is measured with one space between its words', () => {
    const reason = Array.from({ length: 41 }, () => 'word').join(' '); // 41*4 + 40 = 204
    expect(errorOf(parseLock(`dev ${reason}`, config))).toContain('That reason is 204 characters');
  });

  test('an unknown env lists the envs', () => {
    expect(errorOf(parseLock('qa 2h', config))).toContain('It has `dev`, `staging`, `production`.');
  });

  test('help', () => {
    expect(parseLock('help', config)).toEqual({ kind: 'help' });
    expect(lockHelp()).toContain(LOCK_USAGE);
    expect(lockHelp()).toContain(UNLOCK_USAGE);
  });

  test('empty text shows the usage', () => {
    expect(errorOf(parseLock('', config))).toBe(`Tell me what to do. Usage: ${LOCK_USAGE}`);
  });

  test('a JavaScript object property as env (`constructor`) is an unknown env, not a crash', () => {
    expect(errorOf(parseLock('constructor 2h', config))).toContain('`web` has no environment `constructor`');
  });

  test('a JavaScript object property as env (`valueOf`) is an unknown env, not a lock of undefined length', () => {
    expect(errorOf(parseLock('valueOf', config))).toContain('`web` has no environment `valueOf`');
  });
});

describe('/unlock', () => {
  let config: FerryConfig;
  beforeAll(() => {
    config = oneApp();
  });

  test('env only', () => {
    expect(parseUnlock('dev', config)).toEqual({ kind: 'ok', value: { app: 'web', env: 'dev' } });
  });

  test('app and env', () => {
    expect(parseUnlock('api production', twoApps())).toEqual({ kind: 'ok', value: { app: 'api', env: 'production' } });
  });

  test('extra words are refused, naming them', () => {
    expect(errorOf(parseUnlock('dev now please', config))).toBe(
      `\`/unlock\` takes only the app and env; I don't know what to do with \`now please\`. Usage: ${UNLOCK_USAGE}`,
    );
  });

  test('help and empty text', () => {
    expect(parseUnlock('?', config)).toEqual({ kind: 'help' });
    expect(errorOf(parseUnlock(undefined, config))).toContain(UNLOCK_USAGE);
  });

  test('with two apps an env alone asks which app', () => {
    expect(errorOf(parseUnlock('dev', twoApps()))).toContain('Which app?');
  });
});
