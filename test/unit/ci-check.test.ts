import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FakeGitHub } from '../helpers/fake-github';

// `ferry check` asks each CI driver about its settings (does the workflow exist, may the token see it)
// and names the key path and the fix.

const ROOT = path.resolve(__dirname, '../..');
const CLI = path.join(ROOT, 'dist/src/bin/ferry.js');

describe('ferry check and GitHub Actions', () => {
  let dir: string;
  let github: FakeGitHub;
  beforeAll(async () => {
    if (!existsSync(CLI)) throw new Error(`${CLI} is missing; run npm run build (npm test builds it)`);
    dir = mkdtempSync(path.join(os.tmpdir(), 'ferry-ci-check-'));
    github = await new FakeGitHub().start();
    github.actions.addWorkflow('acme/web', 'deploy.yml');
  });
  afterAll(async () => {
    await github.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  function check(workflow: string, env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
    const file = path.join(dir, `${workflow}.ferry.yml`);
    writeFileSync(
      file,
      `feed_channel: C0FEED
apps:
  web:
    repo: acme/web
    environments:
      production:
        github_actions: { workflow: ${workflow} }
`,
    );
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [CLI, 'check', file], {
        cwd: dir,
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir, ...env },
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
  const withGitHub = () => ({ GITHUB_API_URL: github.url, GITHUB_TOKEN: 'ghp_testtoken000000000000000000000000' });

  test('a workflow GitHub has: valid', async () => {
    const r = await check('deploy.yml', withGitHub());
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('is valid.');
  });

  test('a workflow file the repository does not have: exit 1 with the key path and the fix', async () => {
    const r = await check('deplyo.yml', withGitHub());
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      'apps.web.environments.production.github_actions.workflow: GitHub has no workflow deplyo.yml in acme/web: name a file in .github/workflows',
    );
  });

  test('no GitHub token where Ferry runs: exit 1, saying which variable to set', async () => {
    const r = await check('deploy.yml', {});
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('apps.web.environments.production.github_actions: needs GitHub: set GITHUB_TOKEN');
  });

  test('GitHub not answering: the check passes with a warning that it could not tell', async () => {
    const r = await check('deploy.yml', { ...withGitHub(), GITHUB_API_URL: 'http://127.0.0.1:9' });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('could not check (the check still passes):');
    expect(r.stdout).toContain('apps.web.environments.production.github_actions.workflow: could not ask GitHub about deploy.yml');
  });
});
