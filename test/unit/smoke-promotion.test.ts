import { parseConfig } from '../../src/config/load';
import { promotionCycle } from '../../src/core/config/schema';
import { promotedFrom, promotionBy, promotionStep } from '../../src/core/promotion';
import pino from 'pino';
import { Promotions } from '../../src/services/promotion';
import { smokeOutcome } from '../../src/worker/smoke';

const yml = (envs: string) => `feed_channel: C0FEED\napps:\n  web:\n    path: /tmp/repo\n    environments:\n${envs}`;
const env = (name: string, extra = '') => `      ${name}: { deploy: [/bin/true]${extra} }\n`;

describe('smoke and promotion config', () => {
  test('reads smoke, url, owners, on_smoke_failure and promotion with their defaults', () => {
    const c = parseConfig(
      yml(
        env(
          'dev',
          ', smoke: [/bin/true, x], url: https://dev.example.test, owners: [U0OWN], on_smoke_failure: [freeze, rollback], promote_to: staging, promote: auto',
        ) + env('staging'),
      ),
      '/tmp/ferry.yml',
    );
    const dev = c.apps.web!.envs.dev!;
    expect(dev).toMatchObject({
      smoke: ['/bin/true', 'x'],
      url: 'https://dev.example.test',
      owners: ['U0OWN'],
      onSmokeFailure: ['freeze', 'rollback'],
      promoteTo: 'staging',
      promote: 'auto',
      smokeTimeoutMs: 300_000,
    });
    expect(c.apps.web!.envs.staging).toMatchObject({ owners: [], onSmokeFailure: [], promote: 'manual' });
    expect(c.apps.web!.envs.staging!.smoke).toBeUndefined();
  });

  test.each([
    [env('dev', ', promote_to: dev'), "an env can't be promoted to itself"],
    [env('dev', ', promote_to: stagin'), 'there is no env "stagin" in web; did you mean staging?'],
    [env('dev', ', promote: auto'), 'auto needs promote_to'],
    [env('dev', ', on_smoke_failure: [freeze]'), 'needs a smoke command'],
    [env('dev', ', smoke: [/bin/true], on_smoke_failure: [explode]'), 'must be freeze or rollback'],
    [env('dev', ', url: staging.example.test'), "must be the env's URL"],
    [env('dev', ', promote_to: prod') + env('prod', ', promote_to: dev'), 'promotions go round in a circle (dev -> prod -> dev)'],
    [
      env('dev', ', promote_to: prod') + env('prod', ', promote_from: staging'),
      'prod takes releases from staging (promote_from: staging), not from dev; promote dev to staging instead',
    ],
  ])('refuses %s', (envs, message) => {
    expect(() => parseConfig(yml(envs + env('staging')), '/tmp/ferry.yml')).toThrow(message);
  });

  test('promotionCycle finds a cycle and only a cycle', () => {
    expect(
      promotionCycle(
        new Map([
          ['a', 'b'],
          ['b', 'c'],
        ]),
      ),
    ).toBeUndefined();
    expect(
      promotionCycle(
        new Map([
          ['x', 'a'],
          ['a', 'b'],
          ['b', 'a'],
        ]),
      ),
    ).toEqual(['a', 'b']);
  });
});

describe('promotionStep', () => {
  const c = parseConfig(
    yml(
      env('dev', ', promote_to: staging, promote: auto') +
        env('staging', ', promote_to: production, promote: auto') +
        env('production', ', promote_from: staging') +
        env('qa', ', promote_to: staging'),
    ),
    '/tmp/ferry.yml',
  );
  const dep = (env: string, status = 'succeeded', rollbackOf?: string) => ({
    app: 'web',
    env,
    status: status as 'succeeded',
    ...(rollbackOf && { rollbackOf }),
  });
  test('a green deploy of an auto env goes on: a deploy, or a release where the target takes them', () => {
    expect(promotionStep(c, dep('dev'))).toEqual({ kind: 'deploy', to: 'staging' });
    expect(promotionStep(c, dep('staging'))).toEqual({ kind: 'release', to: 'production' });
  });
  test('nothing for a failed deploy, a rollback, a manual env, or an env without promote_to', () => {
    expect(promotionStep(c, dep('dev', 'failed'))).toEqual({ kind: 'none' });
    expect(promotionStep(c, dep('dev', 'succeeded', '3'))).toEqual({ kind: 'none' });
    expect(promotionStep(c, dep('qa'))).toEqual({ kind: 'none' });
    expect(promotionStep(c, dep('production'))).toEqual({ kind: 'none' });
  });
  test('a promoted deploy says where it came from', () => {
    expect(promotedFrom({ auto: { by: promotionBy('dev', 41), from: '', pushes: 1, commits: 0 } })).toEqual({ env: 'dev', id: 41 });
    expect(promotedFrom({ auto: { by: 'octocat', from: '', pushes: 1, commits: 0 } })).toBeUndefined();
  });
});

describe('smokeOutcome', () => {
  test('exit 0 passes; anything else fails the deploy with why', () => {
    expect(smokeOutcome({ exitCode: 0, timedOut: false }, 1000)).toEqual({ status: 'succeeded', exitCode: 0, smoke: 'passed' });
    expect(smokeOutcome({ exitCode: 3, timedOut: false }, 1000)).toEqual({
      status: 'failed',
      exitCode: 3,
      error: 'the smoke check failed (exit 3)',
      smoke: 'failed',
    });
    expect(smokeOutcome({ exitCode: 143, timedOut: true }, 60_000)).toMatchObject({
      status: 'failed',
      smoke: 'failed',
      error: expect.stringContaining('timed out after'),
    });
    // Stopped from outside (a cancel, a shutdown): not a smoke failure, so no rollback or freeze follows.
    expect(smokeOutcome({ exitCode: 143, timedOut: false, stoppedBecause: 'it was cancelled' }, 60_000)).toEqual({
      status: 'failed',
      exitCode: 143,
      error: 'the smoke check was stopped: it was cancelled',
      smoke: 'stopped',
    });
  });
});

describe('Promotions once per deploy', () => {
  test('a second deployFinished for the same deploy promotes nothing again', async () => {
    const c = parseConfig(yml(env('dev', ', promote_to: staging, promote: auto') + env('staging')), '/tmp/ferry.yml');
    const once = new Map<string, string>();
    const request = jest.fn(async () => ({ text: 'ok', deployId: 2 }));
    const p = new Promotions({
      config: c,
      deploys: {
        claim: async (id: number, what: string) => (once.has(`${id}:${what}`) ? false : (once.set(`${id}:${what}`, 'claimed'), true)),
        settle: async (id: number, what: string, done: boolean) =>
          void (done ? once.set(`${id}:${what}`, 'done') : once.delete(`${id}:${what}`)),
        envState: async () => ({}),
      },
      requests: { request },
      openRelease: jest.fn(),
      postFeed: async () => {},
      log: pino({ level: 'silent' }),
    });
    const dep = {
      id: 1,
      app: 'web',
      env: 'dev',
      ref: 'main',
      sha: 'a'.repeat(40),
      user: 'U0ANA',
      status: 'succeeded' as const,
      createdAt: 0,
      rev: 1,
      attempt: 1,
    };
    await p.deployFinished(dep);
    await p.deployFinished(dep);
    expect(request).toHaveBeenCalledTimes(1);
    expect(request).toHaveBeenCalledWith(
      {
        kind: 'promotion',
        app: 'web',
        env: 'staging',
        ref: 'main',
        sha: dep.sha,
        user: 'ferry',
        from: { env: 'dev', deployId: 1 },
        before: '',
      },
      'promote:1',
    );
  });
});
