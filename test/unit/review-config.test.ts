import { parseConfig } from '../../src/config/load';
import { ineligible, ineligibleText, pullAction } from '../../src/core/review/eligibility';
import { envOf, isReviewEnv, reviewPr, reviewUrl } from '../../src/core/review/env';
import { parseLock } from '../../src/core/parse/lock';
import { parseFreeze } from '../../src/core/parse/freeze';
import { readTarget } from '../../src/core/parse/target';
import { FerryError } from '../../src/errors';

const file = '/srv/ferry/ferry.yml';
const REVIEW = `
    review_apps:
      deploy: [commands/review-up.sh]
      teardown: [commands/review-down.sh, --all]
      url: https://pr-{number}.review.acme.dev
      ttl: 3d
      max: 2
      require_checks: [ci/test]
      pool: review
      labels: [preview]
      pass_env: [AWS_PROFILE]
`;
const yaml = (review = REVIEW, envs = '      staging:\n        deploy: [commands/deploy.sh]\n', source = 'repo: acme/web') => `
feed_channel: C0FEED
apps:
  web:
    ${source}
    environments:
${envs}${review}`;

const problems = (text: string): string => {
  try {
    parseConfig(text, file);
  } catch (err) {
    if (err instanceof FerryError) return err.message;
    throw err;
  }
  throw new Error('expected a config error');
};

describe('review_apps: in the config', () => {
  test('a review app env pr-<n> has the review rules: its command, checks, pool, timeout and its own URL', () => {
    const c = parseConfig(yaml(), file);
    const web = c.apps.web!;
    expect(web.reviewApps).toMatchObject({
      teardown: ['/srv/ferry/commands/review-down.sh', '--all'],
      url: 'https://pr-{number}.review.acme.dev',
      ttlMs: 3 * 86_400_000,
      max: 2,
      forks: false,
      labels: ['preview'],
    });
    const env = envOf(web, 'pr-42')!;
    expect(env).toMatchObject({
      name: 'pr-42',
      deploy: ['/srv/ferry/commands/review-up.sh'],
      requireChecks: ['ci/test'],
      pool: 'review',
      passEnv: ['AWS_PROFILE'],
      url: 'https://pr-42.review.acme.dev',
      lock: false,
    });
    expect(envOf(web, 'staging')!.name).toBe('staging');
    expect(isReviewEnv(web, 'pr-42')).toBe(true);
    // Not review apps: another app's or a malformed number.
    for (const name of ['pr-0', 'pr-01', 'pr-', 'pr-1x', 'PR-4', 'review', 'pr-1234567890']) expect(envOf(web, name)).toBeUndefined();
    expect(reviewPr('pr-7')).toBe(7);
    expect(reviewUrl('https://x/{number}/{number}', 5)).toBe('https://x/5/5');
  });

  test('an app without review_apps has no pr-<n> envs', () => {
    const c = parseConfig(yaml(''), file);
    expect(envOf(c.apps.web, 'pr-42')).toBeUndefined();
    expect(isReviewEnv(c.apps.web, 'pr-42')).toBe(false);
  });

  test('review apps need repo:, a url with {number}, and names pr-<n> and review are theirs', () => {
    expect(problems(yaml(REVIEW, undefined, 'path: ../repos/web'))).toContain(
      'apps.web.review_apps: needs the app to come from GitHub (repo: owner/name)',
    );
    expect(problems(yaml(REVIEW.replace('pr-{number}.review', 'preview')))).toContain(
      'apps.web.review_apps.url: found "https://preview.acme.dev"; must name the pull request with {number}',
    );
    expect(problems(yaml(REVIEW, '      pr-1:\n        deploy: [x.sh]\n'))).toContain("apps.web.environments.pr-1: is a review app's name");
    expect(problems(yaml(REVIEW, '      review:\n        deploy: [x.sh]\n'))).toContain('e.g. qa');
    expect(problems(yaml(REVIEW.replace('max: 2', 'max: 0')))).toContain('apps.web.review_apps.max');
    expect(problems(yaml(REVIEW.replace('[AWS_PROFILE]', '[SLACK_BOT_TOKEN]')))).toContain("is one of Ferry's own secrets");
    // Without review_apps, an env may be called pr-1 as before.
    expect(parseConfig(yaml('', '      pr-1:\n        deploy: [x.sh]\n'), file).apps.web!.envs['pr-1']).toBeDefined();
  });

  test('commands name pr-<n>; /lock refuses it; /freeze review and all cover every review app', () => {
    const c = parseConfig(yaml(), file);
    const t = readTarget(['pr-42', 'main'], c, 'usage');
    expect(t).toMatchObject({ kind: 'ok', value: { env: 'pr-42', rest: ['main'] } });
    const unknown = readTarget(['pr-x'], c, 'usage');
    expect(unknown.kind === 'error' && unknown.message).toContain('a review app `pr-<number>` per pull request');
    const lock = parseLock('pr-42 2h', c);
    expect(lock.kind === 'error' && lock.message).toContain("is a pull request's review app");
    const all = parseFreeze('all for 1h', c, Date.now(), 'UTC');
    expect(all.kind === 'ok' && all.value).toMatchObject({ envs: ['staging', 'review'] });
    const review = parseFreeze('review for 1h', c, Date.now(), 'UTC');
    expect(review.kind === 'ok' && review.value).toMatchObject({ envs: ['review'] });
    const one = parseFreeze('pr-42 for 1h', c, Date.now(), 'UTC');
    expect(one.kind === 'ok' && one.value).toMatchObject({ envs: ['pr-42'] });
  });
});

describe('which pull requests get a review app', () => {
  const rules = parseConfig(yaml(), file).apps.web!.reviewApps!;
  const open = { draft: false, fork: false, labels: ['preview'] };

  test('forks never, unless forks: true; only labelled PRs when labels: is set; drafts wait (unless a person asks)', () => {
    expect(ineligible(open, rules)).toBeUndefined();
    expect(ineligible({ ...open, fork: true }, rules)).toBe('fork');
    expect(ineligible({ ...open, fork: true }, { ...rules, forks: true })).toBeUndefined();
    expect(ineligible({ ...open, labels: ['bug'] }, rules)).toBe('label');
    expect(ineligible({ ...open, labels: [] }, { ...rules, labels: undefined } as never)).toBeUndefined();
    expect(ineligible({ ...open, draft: true }, rules)).toBe('draft');
    expect(ineligible({ ...open, draft: true }, rules, true)).toBeUndefined();
    expect(ineligibleText('fork', 42, rules)).toContain('`review_apps.forks` is false');
    expect(ineligibleText('label', 42, rules)).toContain('`preview`');
  });

  test('webhook actions', () => {
    expect(['opened', 'reopened', 'synchronize', 'ready_for_review'].map(pullAction)).toEqual(['deploy', 'deploy', 'deploy', 'deploy']);
    expect(pullAction('closed')).toBe('teardown');
    expect(pullAction('labeled')).toBe('labels');
    expect(pullAction('edited')).toBe('none');
    expect(pullAction('assigned')).toBe('none');
  });
});
