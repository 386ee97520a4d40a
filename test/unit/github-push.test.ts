import { parseConfig } from '../../src/config/load';
import type { Deploy } from '../../src/core/deploy';
import { renderDeployMessage } from '../../src/core/feed-message';
import {
  autoDeployTargets,
  carriesText,
  GITHUB_USER,
  parsePush,
  type Push,
  pushedBy,
  pushNotDeployedText,
  pushUser,
} from '../../src/core/github-push';
import { mention } from '../../src/core/slack-format';
import { FerryError } from '../../src/errors';

const A = 'a'.repeat(40);
const B = 'b'.repeat(40);
const ZERO = '0'.repeat(40);

describe('parsePush', () => {
  const payload = (over: Record<string, unknown> = {}) => ({
    ref: 'refs/heads/main',
    before: A,
    after: B,
    deleted: false,
    commits: [{ id: B }, { id: A }],
    repository: { full_name: 'acme/web' },
    pusher: { name: 'octo', email: 'Octo@Example.com' },
    sender: { login: 'octocat' },
    ...over,
  });
  test('reads the branch, SHAs, commit count, login and email', () => {
    expect(parsePush(payload())).toEqual({
      repo: 'acme/web',
      branch: 'main',
      before: A,
      after: B,
      deleted: false,
      commits: 2,
      login: 'octocat',
      email: 'octo@example.com',
    });
  });
  test('a tag push has no branch; a deleted branch is marked deleted', () => {
    expect((parsePush(payload({ ref: 'refs/tags/v1' })) as Push).branch).toBeUndefined();
    expect((parsePush(payload({ after: ZERO, deleted: true })) as Push).deleted).toBe(true);
    expect((parsePush(payload({ after: ZERO })) as Push).deleted).toBe(true);
  });
  test('falls back to pusher.name without a sender', () => {
    expect((parsePush(payload({ sender: undefined })) as Push).login).toBe('octo');
  });
  test('says what is wrong with a payload that is not a push', () => {
    expect(parsePush(null)).toBe('the payload is not a JSON object');
    expect(parsePush(payload({ repository: {} }))).toBe('repository.full_name is missing');
    expect(parsePush(payload({ after: 'main' }))).toBe('after is not a commit SHA');
    expect(parsePush(payload({ ref: 3 }))).toBe('ref is missing');
  });
});

describe('auto_deploy config and targets', () => {
  const yaml = (app: string) => `
feed_channel: C0FEED
people: { octocat: U0OCTO, ana@example.com: U0ANA }
apps:
${app}
`;
  const config = parseConfig(
    yaml(`  web:
    repo: acme/web
    environments:
      staging: { deploy: [/bin/true], auto_deploy: main }
      dev: { deploy: [/bin/true], auto_deploy: develop }
      production: { deploy: [/bin/true] }
  api:
    repo: acme/api
    environments:
      staging: { deploy: [/bin/true], auto_deploy: main }`),
    '/srv/ferry/ferry.yml',
  );
  const push = (over: Partial<Push> = {}): Push => ({
    repo: 'acme/web',
    branch: 'main',
    before: A,
    after: B,
    deleted: false,
    commits: 1,
    login: 'octocat',
    ...over,
  });

  test('a push deploys to the envs of apps with that repo whose auto_deploy is its branch', () => {
    expect(config.apps.web!.envs.staging!.autoDeploy).toBe('main');
    expect(autoDeployTargets(config, push())).toEqual([{ app: 'web', env: 'staging' }]);
    expect(autoDeployTargets(config, push({ repo: 'Acme/Web', branch: 'develop' }))).toEqual([{ app: 'web', env: 'dev' }]);
    expect(autoDeployTargets(config, push({ repo: 'acme/api' }))).toEqual([{ app: 'api', env: 'staging' }]);
  });
  test('other branches, other repositories, tags and deleted branches deploy nowhere', () => {
    expect(autoDeployTargets(config, push({ branch: 'feature/x' }))).toEqual([]);
    expect(autoDeployTargets(config, push({ repo: 'acme/other' }))).toEqual([]);
    const { branch: _b, ...tag } = push();
    expect(autoDeployTargets(config, tag)).toEqual([]);
    expect(autoDeployTargets(config, push({ deleted: true, after: ZERO }))).toEqual([]);
  });
  test('auto_deploy on a path: app is refused with the reason and the fix', () => {
    let err: unknown;
    try {
      parseConfig(
        yaml(`  web:\n    path: ../web\n    environments:\n      staging: { deploy: [/bin/true], auto_deploy: main }`),
        '/srv/ferry/ferry.yml',
      );
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(FerryError);
    expect((err as Error).message).toContain('apps.web.environments.staging.auto_deploy');
    expect((err as Error).message).toContain('needs the app to come from GitHub (repo: owner/name)');
  });
  test('the pusher maps to a Slack user through people: (login, then email), else to github', () => {
    expect(pushUser(config.people, { login: 'OctoCat' })).toBe('U0OCTO');
    expect(pushUser(config.people, { login: 'ana-gh', email: 'ana@example.com' })).toBe('U0ANA');
    expect(pushUser(config.people, { login: 'stranger', email: 'who@example.com' })).toBe(GITHUB_USER);
    expect(pushUser(config.people, { login: 'constructor' })).toBe(GITHUB_USER);
  });
});

describe('texts of automatic deploys', () => {
  const dep = (over: Partial<Deploy> = {}): Deploy => ({
    id: 7,
    app: 'web',
    env: 'staging',
    ref: 'main',
    sha: B,
    user: GITHUB_USER,
    status: 'queued',
    createdAt: 0,
    rev: 1,
    attempt: 0,
    auto: { by: 'octo<cat>', from: A, pushes: 1, commits: 2 },
    ...over,
  });
  test('one push carries nothing to say; several say how many and the range', () => {
    expect(carriesText(dep())).toBeUndefined();
    expect(carriesText(dep({ auto: { by: 'x', from: A, pushes: 3, commits: 5 } }))).toBe(
      'carries 3 pushes (5 commits): `aaaaaaa..bbbbbbb`',
    );
    expect(carriesText(dep({ auto: { by: 'x', from: A, pushes: 2, commits: 0 } }))).toBe('carries 2 pushes: `aaaaaaa..bbbbbbb`');
  });
  test('a pusher with no Slack user is plain escaped text, never a mention', () => {
    expect(pushedBy(dep())).toBe('GitHub push by octo&lt;cat&gt;');
    expect(pushedBy(dep({ user: 'U0OCTO' }))).toBe('GitHub push by <@U0OCTO> (octo&lt;cat&gt;)');
    expect(mention(GITHUB_USER)).toBe('github');
    expect(mention('U0ANA')).toBe('<@U0ANA>');
  });
  test('the feed message says it came from a push, by whom, and what it carries', () => {
    const msg = JSON.stringify(renderDeployMessage(dep({ auto: { by: 'octocat', from: A, pushes: 3, commits: 4 } }), { now: 0 }).blocks);
    expect(msg).toContain(':arrow_up: from a push to `main` (auto deploy), carries 3 pushes (4 commits): `aaaaaaa..bbbbbbb`');
    expect(msg).toContain('GitHub push by octocat');
    expect(msg).not.toContain('<@github>');
  });
  test('a push that was not deployed names the push, the env and why', () => {
    const push: Push = { repo: 'acme/web', branch: 'main', before: A, after: B, deleted: false, commits: 1, login: 'octocat' };
    expect(pushNotDeployedText(push, 'web', 'dev', 'dev is locked by <@U0ANA>.')).toBe(
      ':no_entry: A push to `main` (`aaaaaaa..bbbbbbb`) by octocat was not deployed to `web` *dev*: dev is locked by <@U0ANA>.',
    );
  });
});
