import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import type { FakeDeployment } from '../helpers/fake-github';
import { Harness, ROOT } from '../helpers/harness';
import { deliver, WEBHOOK_SECRET } from '../helpers/webhooks';
import { eventually } from '../helpers/wait';

// github_deployment under faults: GitHub refusing the deployment (404, 409, 422) fails the deploy
// with the fix; a rate limit is waited out; a CD system that never reports fails the deploy at the
// env's timeout, naming what it waited for; a worker killed with kill -9 (its process group) while
// following, or between creating the deployment and recording it, loses nothing and creates no
// second deployment; `ferry check` says what is wrong with the settings, with the key path.

const envs = {
  qa: { github_deployment: {} },
  slow: { github_deployment: { environment: 'slow-{env}' }, timeout: '4s' },
};
const config =
  (e: Record<string, unknown> = envs) =>
  ({ repo }: { repo: string }) => ({
    feed_channel: 'C0FEED',
    shutdown_grace: '1s',
    apps: { web: { repo: 'acme/web', clone_url: repo, environments: e } },
  });

function helpers(get: () => Harness) {
  const record = (id: number) => get().redis.hgetall(`${get().prefix}:deploy:${id}`);
  return {
    record,
    logOf: async (id: number) => (await get().redis.lrange(`${get().prefix}:deploy:${id}:log`, 0, -1)).join('\n'),
    status: (id: number, want: string, ms = 30_000) =>
      eventually(`deploy #${id} to be ${want}`, async () => ((await record(id)).status === want ? record(id) : undefined), ms),
    report: async (d: FakeDeployment, state: string) => {
      const r = await deliver(get().url, 'deployment_status', get().github.deploymentsApi.report(d, state));
      expect(r.status).toBe(202);
    },
  };
}

describe('GitHub refusing, rate limits, a CD system that never reports', () => {
  let h: Harness;
  const { status, report, logOf, record } = helpers(() => h);
  beforeAll(async () => {
    h = await Harness.start({ env: { GITHUB_WEBHOOK_SECRET: WEBHOOK_SECRET }, config: config() });
    h.github.repos.set('acme/web', h.repo.path);
  });
  afterAll(async () => {
    await h?.stop();
  });
  afterEach(() => {
    h.github.deploymentsApi.createStatus = undefined;
  });

  test.each([
    [
      404,
      /GitHub can't show acme\/web to Ferry \(404\): check the app's repo: in ferry\.yml, and give Ferry's token or App deployments: write on it/,
    ],
    [409, /GitHub refused the deployment to qa \(409: Conflict merging main into 1f2e3d4\.\): .*merge conflict/],
    [422, /GitHub refused the deployment to qa \(422: No ref found for: [0-9a-f]{40}\): the commit must be pushed to acme\/web/],
  ] as const)('GitHub answers %s: the deploy fails with what to fix, and nothing is sent twice', async (code, message) => {
    h.github.deploymentsApi.createStatus = code;
    const before = h.github.deploymentsApi.creations.length;
    const { id } = await h.deploy('qa main');
    const rec = await status(id, 'failed');
    expect(rec.error).toMatch(message);
    expect(h.github.deploymentsApi.creations.length - before).toBe(1);
    expect(h.github.deployments.filter((d) => (d.body.payload as { ferry_deploy_id: number }).ferry_deploy_id === id)).toEqual([]);
    const feed = await h.slack.waitForFeed(id, 'failed');
    expect(JSON.stringify(feed.versions.at(-1))).toContain(`(${code}`);
  });

  test("GitHub's rate limit on the creation is waited out: one deployment, and the deploy goes on", async () => {
    h.github.deploymentsApi.rateLimitCreates = 1;
    const before = h.github.deploymentsApi.creations.length;
    const { id } = await h.deploy('qa main');
    const d = await eventually('the deployment', () =>
      h.github.deployments.find((x) => (x.body.payload as { ferry_deploy_id: number }).ferry_deploy_id === id),
    );
    expect(h.github.deploymentsApi.creations.length - before).toBe(2);
    await report(d, 'success');
    await status(id, 'succeeded');
  });

  test('a deployment deleted while followed: the deploy fails saying so', async () => {
    const { id } = await h.deploy('qa main');
    const d = await eventually('the deployment', () =>
      h.github.deployments.find((x) => (x.body.payload as { ferry_deploy_id: number }).ferry_deploy_id === id),
    );
    await eventually('the deployment recorded', async () => (await record(id)).ciState === 'dispatched');
    h.github.deployments.splice(h.github.deployments.indexOf(d), 1);
    const rec = await status(id, 'failed');
    expect(rec.error).toBe(`GitHub no longer has deployment ${d.id} in acme/web (404): was it deleted?`);
  });

  test("a CD system that never reports: the deploy fails at the env's timeout naming what it waited for, and the deployment is marked cancelled", async () => {
    const { id } = await h.deploy('slow main');
    const d = await eventually('the deployment', () =>
      h.github.deployments.find((x) => (x.body.payload as { ferry_deploy_id: number }).ferry_deploy_id === id),
    );
    expect(d.environment).toBe('slow-slow');
    const rec = await status(id, 'failed');
    expect(rec.error).toBe(
      `the CD system's GitHub deployment to slow-slow (run ${d.id}) never started within 4s (the env's timeout); Ferry asked the CI to cancel it`,
    );
    expect(d.statuses).toEqual([{ state: 'error', description: `Cancelled by Ferry (deploy #${id}): the env's timeout (4s) passed` }]);
    expect(await logOf(id)).toContain('waiting for the CD system to pick it up');
  });
});

describe('a worker killed (kill -9 of its process group)', () => {
  let h: Harness;
  const { status, report, logOf, record } = helpers(() => h);
  afterEach(async () => {
    await h?.stop();
  });

  test('while following: the next worker follows the same deployment on to its end; one final state, no second deployment', async () => {
    h = await Harness.start({ role: 'app', env: { GITHUB_WEBHOOK_SECRET: WEBHOOK_SECRET }, config: config() });
    h.github.repos.set('acme/web', h.repo.path);
    const doomed = h.spawnWorker({ ownGroup: true });
    const { id } = await h.deploy('qa main');
    const d = await h.github.deploymentsApi.waitForDeployment(1);
    await eventually('the deployment recorded', async () => (await record(id)).ciState === 'dispatched');
    await report(d, 'in_progress');
    await eventually('the in_progress status seen', async () => /in progress/.test((await record(id)).ciText ?? ''));

    process.kill(-doomed.pid!, 'SIGKILL');
    h.spawnWorker();
    await eventually(
      'another worker to follow it on',
      async () => (await logOf(id)).includes('the worker that followed it stopped'),
      60_000,
    );
    await report(d, 'success');
    const rec = await status(id, 'succeeded');
    expect(rec.error ?? '').toBe('');
    expect(h.github.deploymentsApi.creations).toHaveLength(1);
    expect(h.github.deployments).toHaveLength(1);
    expect((await logOf(id)).match(/ended: success/g)).toHaveLength(1);
    const feed = await h.slack.waitForFeed(id, 'succeeded');
    expect(feed.versions.filter((v) => /failed|lost/i.test(v.text))).toEqual([]);
  }, 90_000);

  test("between creating the deployment and recording it: the next worker finds it by its payload's deploy id and follows it; no second deployment", async () => {
    h = await Harness.start({ role: 'app', env: { GITHUB_WEBHOOK_SECRET: WEBHOOK_SECRET }, config: config() });
    h.github.repos.set('acme/web', h.repo.path);
    const doomed = h.spawnWorker({ ownGroup: true });
    // GitHub creates the deployment, and its answer never reaches the worker.
    h.github.deploymentsApi.holdCreates = true;
    const { id } = await h.deploy('qa main');
    const d = await h.github.deploymentsApi.waitForDeployment(1);
    expect((await record(id)).ciState).toBe('dispatching');

    process.kill(-doomed.pid!, 'SIGKILL');
    h.github.deploymentsApi.releaseCreates();
    h.spawnWorker();
    await eventually('the next worker to find the deployment', async () => (await record(id)).ciState === 'dispatched', 60_000);
    expect(JSON.parse((await record(id)).ciRun!)).toMatchObject({ id: String(d.id) });
    await eventually('the log to say so', async () =>
      (await logOf(id)).includes(`found run ${d.id}, which the worker that was lost had dispatched`),
    );
    await report(d, 'success');
    await status(id, 'succeeded');
    expect(h.github.deploymentsApi.creations).toHaveLength(1);
    expect(h.github.deployments).toHaveLength(1);
  }, 90_000);
});

describe('ferry check', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await Harness.start({ config: config({ qa: { deploy: ['/bin/true'] } }) });
  });
  afterAll(async () => {
    await h?.stop();
  });

  const check = (file: string): Promise<{ code: number | null; stdout: string; stderr: string }> =>
    new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [path.join(ROOT, 'dist/src/bin/ferry.js'), 'check', file], {
        cwd: h.dir,
        env: { PATH: process.env.PATH!, HOME: h.dir, GITHUB_API_URL: h.github.url, GITHUB_TOKEN: 'ghp_testtoken000000000000000000000000' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let [stdout, stderr] = ['', ''];
      child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
      child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stdout, stderr }));
    });
  const file = (name: string, repo: string, qa: unknown) => {
    const f = path.join(h.dir, name);
    writeFileSync(f, YAML.stringify({ feed_channel: 'C0FEED', apps: { web: { repo, environments: { qa } } } }));
    return f;
  };

  test("a repository Ferry's token can't see: the key path and the fix; one it can write to: valid", async () => {
    h.github.deploymentsApi.repoInfo.set('acme/web', { permissions: { pull: true, push: true } });
    const bad = await check(file('bad.yml', 'acme/nope', { github_deployment: {} }));
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain(
      "apps.web.environments.qa.github_deployment: GitHub can't show acme/nope to Ferry (404): check the app's repo: in ferry.yml, and give Ferry's token or App deployments: write on it",
    );
    const good = await check(file('good.yml', 'acme/web', { github_deployment: { environment: 'qa' } }));
    expect(good).toMatchObject({ code: 0, stderr: '' });
    expect(good.stdout).toContain('is valid.');
  });

  test('settings the schema refuses: the key path and what it takes', async () => {
    const r = await check(file('follow.yml', 'acme/web', { github_deployment: { follow: 'checks', task: 'deploy {nope}' } }));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('apps.web.environments.qa.github_deployment.follow');
    expect(r.stderr).toContain('must be statuses');
    expect(r.stderr).toContain('apps.web.environments.qa.github_deployment.task');
    expect(r.stderr).toContain('{nope}');
  });
});
