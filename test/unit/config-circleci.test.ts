import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseConfig } from '../../src/config/load';
import { isFerryError } from '../../src/errors';
import { FakeCircleCi } from '../helpers/fake-circleci';

// circleci: in ferry.yml: its settings, its token kept from deploy commands, and `ferry check`
// asking CircleCI itself about the project and the token.

const ROOT = path.resolve(__dirname, '../..');
const CLI = path.join(ROOT, 'dist/src/bin/ferry.js');

const yaml = (dev: string, extra = '') => `
feed_channel: C0FEED
apps:
  web:
    repo: acme/web
    environments:
      dev:
${dev
  .trim()
  .split('\n')
  .map((l) => `        ${l}`)
  .join('\n')}
${extra}`;

const problemOf = (text: string): string => {
  try {
    parseConfig(text, '/srv/ferry/ferry.yml');
  } catch (err) {
    if (isFerryError(err)) return err.message;
    throw err;
  }
  throw new Error('expected the config to be refused');
};

describe('circleci: settings', () => {
  test('the defaults: the app default branch, no parameters, CIRCLECI_TOKEN', () => {
    const c = parseConfig(yaml('circleci: { project: gh/acme/web }'), '/srv/ferry/ferry.yml');
    expect(c.apps.web!.envs.dev!.ci).toEqual({ driver: 'circleci', project: 'gh/acme/web', parameters: {}, tokenEnv: 'CIRCLECI_TOKEN' });
  });

  test('a project that is not a slug, an unknown placeholder in a parameter', () => {
    expect(problemOf(yaml('circleci: { project: acme/web }'))).toContain(
      'apps.web.environments.dev.circleci.project: found "acme/web"; must be the CircleCI project slug, e.g. gh/acme/web',
    );
    expect(problemOf(yaml('circleci: { project: gh/acme/web, parameters: { sha: "{commit}" } }'))).toContain(
      'has {commit}, which is not a placeholder',
    );
  });

  test("pass_env may not hand the driver's token variable to a command, in that env or any other, nor to review apps", () => {
    const own = problemOf(yaml('circleci: { project: gh/acme/web }\nsmoke: [./smoke.sh]\npass_env: [CIRCLECI_TOKEN]'));
    expect(own).toContain('apps.web.environments.dev.pass_env.0: found "CIRCLECI_TOKEN"; is the variable holding the CircleCI API token');
    expect(own).toContain('which deploy commands never get');
    const other = problemOf(
      yaml(
        'circleci: { project: gh/acme/web, token_env: CIRCLE_DEPLOY_TOKEN }',
        '      staging:\n        deploy: [./deploy.sh]\n        pass_env: [AWS_REGION, CIRCLE_DEPLOY_TOKEN]\n    review_apps:\n      deploy: [./up.sh]\n      teardown: [./down.sh]\n      url: https://pr-{number}.review.acme.dev\n      pass_env: [CIRCLE_DEPLOY_TOKEN]',
      ),
    );
    expect(other).toContain(
      'apps.web.environments.staging.pass_env.1: found "CIRCLE_DEPLOY_TOKEN"; is the variable holding the CircleCI API token',
    );
    expect(other).toContain('apps.web.review_apps.pass_env.0: found "CIRCLE_DEPLOY_TOKEN"; is the variable holding the CircleCI API token');
    // Without a circleci: env, the name is an ordinary variable.
    expect(() => parseConfig(yaml('deploy: [./deploy.sh]\npass_env: [CIRCLECI_TOKEN]'), '/srv/ferry/ferry.yml')).not.toThrow();
  });
});

describe('ferry check and circleci:', () => {
  let dir: string;
  let ci: FakeCircleCi;
  beforeAll(async () => {
    if (!existsSync(CLI)) throw new Error(`${CLI} is missing; build first (npx tsc -p tsconfig.build.json)`);
    dir = mkdtempSync(path.join(os.tmpdir(), 'ferry-check-circleci-'));
    ci = await new FakeCircleCi().start();
    ci.addProject('gh/acme/web', ['sha']);
  });
  afterAll(async () => {
    await ci.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  function check(file: string, env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [CLI, 'check', file], {
        cwd: dir,
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir, CIRCLECI_API_URL: ci.apiUrl, ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
      child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stdout, stderr }));
    });
  }
  const write = (name: string, project: string) => {
    const file = path.join(dir, name);
    writeFileSync(file, yaml(`circleci: { project: ${project}, parameters: { sha: "{sha}" } }`));
    return file;
  };

  test('a project CircleCI shows to the token: valid', async () => {
    const r = await check(write('good.yml', 'gh/acme/web'), { CIRCLECI_TOKEN: ci.token });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  });

  test('the token variable missing, or refused: the token_env key and the fix', async () => {
    const file = write('token.yml', 'gh/acme/web');
    const missing = await check(file, {});
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('apps.web.environments.dev.circleci.token_env: CIRCLECI_TOKEN is not set: set it');
    const refused = await check(file, { CIRCLECI_TOKEN: 'not-the-token-000' });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(
      'apps.web.environments.dev.circleci.token_env: CircleCI refused the token in CIRCLECI_TOKEN (HTTP 401)',
    );
    expect(refused.stderr).not.toContain('not-the-token-000');
  });

  test('an unknown project: the project key and the fix', async () => {
    const r = await check(write('unknown.yml', 'gh/acme/nope'), { CIRCLECI_TOKEN: ci.token });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('apps.web.environments.dev.circleci.project: CircleCI has no project gh/acme/nope');
    expect(r.stderr).toContain('use the slug from the project');
  });

  test('CircleCI not answering: a warning, and the check passes', async () => {
    const r = await check(write('down.yml', 'gh/acme/web'), { CIRCLECI_TOKEN: ci.token, CIRCLECI_API_URL: 'http://127.0.0.1:1/api/v2' });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('could not check (the check still passes)');
    expect(r.stdout).toContain('apps.web.environments.dev.circleci.project: could not ask CircleCI about gh/acme/web');
  });
});
