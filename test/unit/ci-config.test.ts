import { parseConfig } from '../../src/config/load';
import { ciFeedLine } from '../../src/core/ci/feed-line';
import { fillPlaceholders, fillValues, unknownPlaceholder } from '../../src/core/ci/placeholders';
import { ciWakeKeys } from '../../src/core/ci/wake';
import { isFerryError } from '../../src/errors';

const FILE = '/srv/ferry/ferry.yml';
const SHA = 'a'.repeat(40);

/** One app `web` from GitHub with env `production` made of the given lines. */
const withEnv = (lines: string, source = 'repo: acme/web') => `feed_channel: C0FEED
apps:
  web:
    ${source}
    environments:
      production:
${lines
  .trim()
  .split('\n')
  .map((l) => `        ${l}`)
  .join('\n')}
`;

function problems(yaml: string): string {
  try {
    parseConfig(yaml, FILE);
  } catch (err) {
    if (isFerryError(err, 'CONFIG_INVALID')) return err.message;
    throw err;
  }
  throw new Error('the config was accepted');
}

describe('an env deploys one way: a command or one CI driver', () => {
  test('each driver is read with its defaults', () => {
    const c = parseConfig(
      `feed_channel: C0FEED
apps:
  web:
    repo: acme/web
    environments:
      production:
        github_actions: { workflow: deploy.yml, inputs: { environment: production, sha: "{sha}", dry_run: false } }
      dev:
        circleci: { project: gh/acme/web, parameters: { deploy_env: dev, sha: "{sha}" } }
      demo:
        git_tag: { name: deploy-demo }
      qa:
        github_deployment: {}
`,
      FILE,
    );
    const envs = c.apps.web!.envs;
    expect(envs.production!.ci).toEqual({
      driver: 'github_actions',
      workflow: 'deploy.yml',
      inputs: { environment: 'production', sha: '{sha}', dry_run: false },
    });
    expect(envs.production!.deploy).toBeUndefined();
    expect(envs.dev!.ci).toEqual({
      driver: 'circleci',
      project: 'gh/acme/web',
      parameters: { deploy_env: 'dev', sha: '{sha}' },
      tokenEnv: 'CIRCLECI_TOKEN',
    });
    expect(envs.demo!.ci).toEqual({ driver: 'git_tag', name: 'deploy-demo', follow: 'checks' });
    expect(envs.qa!.ci).toEqual({ driver: 'github_deployment', follow: 'statuses', task: 'deploy', payload: {} });
  });

  test('both deploy: and a driver, two drivers, or none: refused with what to keep', () => {
    expect(problems(withEnv('deploy: [x.sh]\ngithub_actions: { workflow: deploy.yml }'))).toContain(
      'apps.web.environments.production.github_actions: an env deploys one way: it has both deploy and github_actions; keep one',
    );
    expect(problems(withEnv('git_tag: { name: d }\ngithub_deployment: {}'))).toContain(
      'it has both git_tag and github_deployment; keep one',
    );
    expect(problems(withEnv('lock: true'))).toContain(
      'apps.web.environments.production: needs a way to deploy: deploy: [commands/deploy.sh] (a command), or one of github_actions:',
    );
  });

  test('a placeholder Ferry does not have is refused, naming the ones it has', () => {
    expect(problems(withEnv('github_actions: { workflow: deploy.yml, inputs: { sha: "{commit}" } }'))).toContain(
      'apps.web.environments.production.github_actions.inputs.sha: found "{commit}"; has {commit}, which is not a placeholder; use only {sha} {ref} {app} {env} {deploy_id} {user}',
    );
    expect(problems(withEnv('git_tag: { name: "deploy-{branch}" }'))).toContain(
      'git_tag.name: found "deploy-{branch}"; has {branch}, which is not a placeholder',
    );
  });

  test('settings with the wrong shape say what they should be', () => {
    expect(problems(withEnv('github_actions: { workflow: ".github/workflows/deploy.yml" }'))).toContain(
      'github_actions.workflow: found ".github/workflows/deploy.yml"; must be the workflow file name in .github/workflows, e.g. deploy.yml',
    );
    expect(problems(withEnv('circleci: { project: acme/web }'))).toContain(
      'circleci.project: found "acme/web"; must be the CircleCI project slug, e.g. gh/acme/web',
    );
    expect(problems(withEnv('circleci: { project: gh/acme/web, token_env: "my token" }'))).toContain(
      'circleci.token_env: found "my token"; must be the name of the variable holding the CircleCI API token',
    );
    expect(problems(withEnv('git_tag: { name: "refs/tags/deploy" }'))).toContain(
      'git_tag.name: found "refs/tags/deploy"; must be the tag to move',
    );
    expect(problems(withEnv('git_tag: { name: deploy, follow: polls }'))).toMatch(/git_tag\.follow: .*must be checks/);
    expect(problems(withEnv('github_actions: { workflow: deploy.yml, branch: main }'))).toMatch(/github_actions: .*branch/);
  });

  test('the GitHub drivers need a repo: app; CircleCI does not', () => {
    for (const driver of ['github_actions: { workflow: deploy.yml }', 'git_tag: { name: d }', 'github_deployment: {}'])
      expect(problems(withEnv(driver, 'path: ../web'))).toMatch(/needs the app to come from GitHub \(repo: owner\/name\)/);
    expect(() => parseConfig(withEnv('circleci: { project: gh/acme/web }', 'path: ../web'), FILE)).not.toThrow();
  });
});

describe('placeholders', () => {
  const d = { id: 42, app: 'web', env: 'production', sha: SHA, ref: 'main', user: 'U0ANA' };
  test('each one is filled in, and nothing else', () => {
    expect(fillPlaceholders('{app}/{env}@{ref}:{sha}#{deploy_id} by {user}', d)).toBe(`web/production@main:${SHA}#42 by U0ANA`);
    expect(fillPlaceholders('{nope} {sha', d)).toBe('{nope} {sha');
    expect(fillValues({ a: '{deploy_id}', b: 3, c: true }, d)).toEqual({ a: '42', b: 3, c: true });
  });
  test('a value is not read as a placeholder again (a ref named {sha})', () => {
    expect(fillPlaceholders('{ref}', { ...d, ref: '{sha}' })).toBe('{sha}');
  });
  test('unknownPlaceholder names the first one Ferry lacks', () => {
    expect(unknownPlaceholder('x-{sha}-{foo}-{bar}')).toBe('{foo}');
    expect(unknownPlaceholder('plain')).toBeUndefined();
  });
});

describe('webhooks that wake a CI follower', () => {
  test("a workflow run's and job's run id, a deployment's id, a commit's checks and statuses", () => {
    expect(ciWakeKeys('workflow_run', { workflow_run: { id: 77 } })).toEqual(['gha-run:77']);
    expect(ciWakeKeys('workflow_job', { workflow_job: { run_id: 77 } })).toEqual(['gha-run:77']);
    expect(ciWakeKeys('deployment_status', { deployment: { id: 9 } })).toEqual(['deployment:9']);
    const repository = { full_name: 'acme/web' };
    expect(ciWakeKeys('check_run', { repository, check_run: { head_sha: SHA } })).toEqual([`sha:acme/web:${SHA}`]);
    expect(ciWakeKeys('check_suite', { repository, check_suite: { head_sha: SHA } })).toEqual([`sha:acme/web:${SHA}`]);
    expect(ciWakeKeys('status', { repository, sha: SHA })).toEqual([`sha:acme/web:${SHA}`]);
  });
  test('junk payloads wake nobody and throw nothing', () => {
    for (const p of [null, 'x', 3, [], { workflow_run: { id: '77' } }, { workflow_run: { id: -1 } }, { deployment: null }])
      for (const e of ['workflow_run', 'workflow_job', 'deployment_status', 'check_run', 'status', 'push'])
        expect(ciWakeKeys(e, p)).toEqual([]);
    expect(ciWakeKeys('status', { repository: { full_name: 'acme/web' }, sha: 'not-a-sha' })).toEqual([]);
  });
});

describe("the feed message's CI line", () => {
  test('links the run and says its state; outside text is escaped; nothing for a command deploy', () => {
    const run = { id: '4521', url: 'https://github.com/acme/web/actions/runs/4521' };
    expect(
      ciFeedLine({ status: 'running', ci: { state: 'dispatched', at: 1, run, text: 'in progress: <b>build</b> ✓', logged: [] } }),
    ).toBe(':gear: <https://github.com/acme/web/actions/runs/4521|run 4521>: in progress: &lt;b&gt;build&lt;/b&gt; ✓\n');
    expect(ciFeedLine({ status: 'running', ci: { state: 'dispatching', at: 1, logged: [] } })).toBe(':gear: dispatching to CI\n');
    expect(
      ciFeedLine({ status: 'running', ci: { state: 'dispatched', at: 1, run: { id: '7', url: 'javascript:alert(1)' }, logged: [] } }),
    ).toBe(':gear: run 7\n');
    expect(ciFeedLine({ status: 'succeeded' })).toBe('');
  });
});
