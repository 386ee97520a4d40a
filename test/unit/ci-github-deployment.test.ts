import pino from 'pino';
import { GitHubDeploymentDriver } from '../../src/ci/github-deployment';
import { type CiDeploy, CiRefused, type RunRef } from '../../src/core/ci/types';
import { ciWakeKeys } from '../../src/core/ci/wake';
import type { CiConfig } from '../../src/core/config/normalize-ci';
import { createGitHubClient } from '../../src/source/github';
import { LocalWritePacer } from '../../src/source/github-writes';
import { FakeGitHub } from '../helpers/fake-github';

/**
 * The github_deployment driver against the fake GitHub: the deployment it creates for a deploy,
 * how the CD system's statuses read in Ferry's words, finding the deployment a lost worker
 * created, cancel as a status, and what `ferry check` asks.
 */

const SHA = 'abcdef0123456789abcdef0123456789abcdef01';
const deploy = (over: Partial<CiDeploy> = {}): CiDeploy => ({
  id: 41,
  app: 'web',
  env: 'qa',
  sha: SHA,
  ref: 'main',
  user: 'U0ANA',
  repo: 'acme/web',
  ...over,
});
type Config = Extract<CiConfig, { driver: 'github_deployment' }>;
const cfg = (over: Partial<Config> = {}): Config => ({
  driver: 'github_deployment',
  follow: 'statuses',
  task: 'deploy',
  payload: {},
  ...over,
});

let github: FakeGitHub;
beforeAll(async () => {
  github = await new FakeGitHub().start();
});
beforeEach(() => {
  github.deployments.length = 0;
  github.deploymentsApi.creations.length = 0;
  github.deploymentsApi.createStatus = undefined;
  github.deploymentsApi.repoInfo.clear();
  github.requests.length = 0;
});
afterAll(async () => {
  await github.stop();
});

const driver = (c: Config = cfg(), repo = 'acme/web') =>
  new GitHubDeploymentDriver(
    c,
    {
      github: createGitHubClient({
        baseUrl: github.url,
        token: 'ghp_test',
        log: pino({ level: 'silent' }),
        writes: new LocalWritePacer(0),
      }),
      repo,
      log: pino({ level: 'silent' }),
    },
    { app: 'web', env: 'qa' },
  );
const run = (id: number): RunRef => ({ id: String(id), data: { environment: 'qa' } });

describe('dispatch', () => {
  test("creates one deployment of the SHA: the task, GitHub's environment and the payload filled in, with the deploy named in it; no auto-merge, no required contexts", async () => {
    const d = driver(cfg({ environment: '{env}-eu', task: 'deploy:{app}', payload: { region: 'eu', by: '{user}', canary: true } }));
    const ref = await d.dispatch(deploy());
    expect(github.deployments).toHaveLength(1);
    const made = github.deployments[0]!;
    expect(ref).toEqual({ id: String(made.id), data: { environment: 'qa-eu' } });
    expect(made.body).toEqual({
      ref: SHA,
      task: 'deploy:web',
      environment: 'qa-eu',
      auto_merge: false,
      required_contexts: [],
      payload: { region: 'eu', by: 'U0ANA', canary: true, ferry_deploy_id: 41, ferry_app: 'web', ferry_env: 'qa' },
      description: 'Ferry deploy #41: main (abcdef0)',
    });
    expect(d.what).toBe("the CD system's GitHub deployment to qa-eu");
  });

  test("GitHub's refusals fail the deploy with what to fix, and nothing is sent twice", async () => {
    const d = driver();
    const cases: [404 | 409 | 422, RegExp][] = [
      [404, /can't show acme\/web to Ferry \(404\): check the app's repo: in ferry\.yml, and give Ferry's token or App deployments: write/],
      [409, /refused the deployment to qa \(409: Conflict merging main into 1f2e3d4\.\): .*merge conflict/],
      [
        422,
        /refused the deployment to qa \(422: No ref found for: abcdef0.*\): the commit must be pushed to acme\/web, and github_deployment\.environment, task and payload/,
      ],
    ];
    for (const [status, message] of cases) {
      github.deploymentsApi.createStatus = status;
      github.deploymentsApi.creations.length = 0;
      const err = await d.dispatch(deploy()).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(CiRefused);
      expect((err as Error).message).toMatch(message);
      expect(github.deploymentsApi.creations).toHaveLength(1);
    }
    expect(github.deployments).toHaveLength(0);
  });

  test('a rate limit is waited out: the deployment is created once', async () => {
    github.rateLimitNext = 1;
    const ref = await driver().dispatch(deploy());
    expect(github.deployments.map((x) => String(x.id))).toEqual([ref.id]);
  });
});

describe('recover (a worker lost between claiming the dispatch and recording it)', () => {
  test("finds the deployment whose payload names the deploy, not another deploy's of the same SHA and environment, nor the mirror's", async () => {
    const d = driver();
    await d.dispatch(deploy({ id: 40 }));
    const mine = await d.dispatch(deploy());
    // A deployment Ferry's mirror made (its payload has only ferry_deploy_id) and one of another env mapped to the same GitHub environment.
    await d.dispatch(deploy({ id: 42 }));
    github.deployments.push({
      ...github.deployments[0]!,
      id: 99,
      body: { ...github.deployments[0]!.body, payload: { ferry_deploy_id: 41 } },
    });
    expect(await d.recover(deploy(), Date.now() - 1000)).toEqual({ run: mine });
  });

  test("none when it certainly created nothing (dispatching again is then safe); unknown when GitHub can't say", async () => {
    const d = driver();
    await d.dispatch(deploy({ id: 40 }));
    expect(await d.recover(deploy(), Date.now() - 1000)).toEqual({ none: true });
    github.deploymentsApi.hidden.add('acme/gone');
    expect(await driver(cfg(), 'acme/gone').recover(deploy(), Date.now())).toEqual({
      unknown: expect.stringMatching(/GitHub did not list the deployments of abcdef0 to qa: GitHub can't show acme\/gone/),
    });
  });
});

describe("view: the CD system's statuses in Ferry's words", () => {
  test('no status yet, queued, in progress (the log linked), then success', async () => {
    const d = driver();
    const ref = await d.dispatch(deploy());
    const made = github.deployments[0]!;
    expect(await d.view(deploy(), ref)).toEqual({ phase: 'waiting', text: 'waiting for the CD system to pick it up', jobs: [] });
    github.deploymentsApi.report(made, 'queued', { description: 'picked up by concourse' });
    expect(await d.view(deploy(), ref)).toMatchObject({ phase: 'waiting', text: 'queued: picked up by concourse' });
    github.deploymentsApi.report(made, 'in_progress', { description: 'rolling out 1/3', log_url: 'https://ci.acme.dev/builds/7' });
    const running = await d.view(deploy(), ref);
    expect(running).toMatchObject({ phase: 'running', text: 'in progress: rolling out 1/3', url: 'https://ci.acme.dev/builds/7' });
    expect(running.jobs.map((j) => j.name)).toEqual(['deployment status: queued', 'deployment status: in_progress']);
    github.deploymentsApi.report(made, 'success', { description: 'rolled out', environment_url: 'https://qa.acme.dev' });
    expect(await d.view(deploy(), ref)).toMatchObject({
      phase: 'ended',
      outcome: 'succeeded',
      conclusion: 'success',
      text: 'success: rolled out',
      // The newest status with a link: the success has none.
      url: 'https://ci.acme.dev/builds/7',
    });
  });

  test('failure and error fail it with their description; a token in it is redacted', async () => {
    const d = driver();
    const ref = await d.dispatch(deploy());
    github.deploymentsApi.report(github.deployments[0]!, 'failure', {
      description: 'migration 42 failed ghp_abcdefghijklmnopqrstuvwxyz0123',
    });
    const v = await d.view(deploy(), ref);
    expect(v).toMatchObject({ phase: 'ended', outcome: 'failed', conclusion: 'failure (migration 42 failed [redacted])' });
    expect(v.text).not.toContain('ghp_');
    const other = await d.dispatch(deploy({ id: 43 }));
    github.deploymentsApi.report(github.deployments[1]!, 'error');
    expect(await d.view(deploy({ id: 43 }), other)).toMatchObject({ phase: 'ended', outcome: 'failed', conclusion: 'error' });
  });

  test('inactive before any end: a newer deployment replaced it (failed, said so); inactive after success: it succeeded', async () => {
    const d = driver();
    const ref = await d.dispatch(deploy());
    github.deploymentsApi.report(github.deployments[0]!, 'in_progress');
    github.deploymentsApi.report(github.deployments[0]!, 'inactive');
    expect(await d.view(deploy(), ref)).toMatchObject({
      phase: 'ended',
      outcome: 'failed',
      conclusion: 'inactive (a newer deployment to qa replaced it before the CD system reported its end)',
    });
    const later = await d.dispatch(deploy({ id: 44 }));
    github.deploymentsApi.report(github.deployments[1]!, 'success');
    github.deploymentsApi.report(github.deployments[1]!, 'inactive');
    expect(await d.view(deploy({ id: 44 }), later)).toMatchObject({ phase: 'ended', outcome: 'succeeded' });
  });

  test('a deleted deployment is a refusal, not a transient failure', async () => {
    await expect(driver().view(deploy(), run(777))).rejects.toThrow(/no longer has deployment 777 in acme\/web \(404\)/);
  });

  test("each status's log: its time, state, description and links (never fetched)", async () => {
    const d = driver();
    const ref = await d.dispatch(deploy());
    github.deploymentsApi.report(github.deployments[0]!, 'success', {
      description: 'rolled out',
      log_url: 'https://ci.acme.dev/builds/7',
      environment_url: 'https://qa.acme.dev',
    });
    const [job] = (await d.view(deploy(), ref)).jobs;
    const lines = await d.jobLog(deploy(), ref, job!);
    expect(lines[0]).toMatch(/^\d{4}-\d\d-\d\dT.* success: rolled out$/);
    expect(lines.slice(1)).toEqual(['log: https://ci.acme.dev/builds/7', 'environment: https://qa.acme.dev']);
    const before = github.requests.length;
    // A driver that has not read the statuses yet (another worker's) reads them.
    expect(await driver().jobLog(deploy(), ref, job!)).toEqual(lines);
    expect(github.requests.slice(before)).toEqual([expect.stringMatching(/^GET \/repos\/acme\/web\/deployments\/\d+\/statuses/)]);
  });
});

describe('cancel', () => {
  test('posts an error status saying Ferry cancelled it and why, which ends the run as cancelled', async () => {
    const d = driver();
    const ref = await d.dispatch(deploy());
    github.deploymentsApi.report(github.deployments[0]!, 'in_progress');
    expect(await d.cancel(deploy(), ref, 'cancelled from Slack by U0BOB')).toEqual({ asked: true });
    expect(github.deployments[0]!.statuses.at(-1)).toEqual({
      state: 'error',
      description: 'Cancelled by Ferry (deploy #41): cancelled from Slack by U0BOB',
    });
    expect(await d.view(deploy(), ref)).toMatchObject({ phase: 'ended', outcome: 'cancelled', conclusion: 'cancelled by Ferry' });
  });

  test("not once the CD system reported its end; a CD system's end after Ferry's cancel changes nothing", async () => {
    const d = driver();
    const ref = await d.dispatch(deploy());
    github.deploymentsApi.report(github.deployments[0]!, 'success');
    expect(await d.cancel(deploy(), ref)).toEqual({ cannot: 'the CD system had already reported its end (success)' });
    expect(github.deployments[0]!.statuses.map((s) => s.state)).toEqual(['success']);
    expect(await d.cancel(deploy(), run(777))).toEqual({ cannot: expect.stringMatching(/no longer has deployment 777/) });
  });
});

describe('ferry check', () => {
  test('a repository Ferry can write to: nothing to say', async () => {
    github.deploymentsApi.repoInfo.set('acme/web', { permissions: { pull: true, push: true } });
    expect(await driver().check()).toEqual([]);
  });

  test("a repository GitHub doesn't show: the fix; read-only: a warning; GitHub unreachable: a warning", async () => {
    expect(await driver().check()).toEqual([
      {
        key: '',
        message: expect.stringMatching(
          /can't show acme\/web to Ferry \(404\): check the app's repo: in ferry\.yml, and give Ferry's token or App deployments: write/,
        ),
      },
    ]);
    github.deploymentsApi.repoInfo.set('acme/web', { permissions: { pull: true, push: false } });
    expect(await driver().check()).toEqual([{ key: '', warning: true, message: expect.stringMatching(/deployments: write/) }]);
    const offline = new GitHubDeploymentDriver(cfg(), {
      github: createGitHubClient({
        baseUrl: 'http://127.0.0.1:9',
        token: 'x',
        log: pino({ level: 'silent' }),
        writes: new LocalWritePacer(0),
      }),
      repo: 'acme/web',
      log: pino({ level: 'silent' }),
    });
    expect(await offline.check()).toEqual([
      { key: '', warning: true, message: expect.stringMatching(/^could not ask GitHub about acme\/web/) },
    ]);
  }, 20_000);
});

describe('webhooks', () => {
  test("a deployment_status webhook wakes the deployment's follower; a deployment webhook (Ferry's own creation) wakes nothing", async () => {
    const d = driver();
    const ref = await d.dispatch(deploy());
    const made = github.deployments[0]!;
    const payload = github.deploymentsApi.report(made, 'in_progress');
    expect(ciWakeKeys('deployment_status', payload)).toEqual(d.wakeKeys(deploy(), ref));
    expect(d.wakeKeys(deploy(), ref)).toEqual([`deployment:${made.id}`]);
    expect(ciWakeKeys('deployment', github.deploymentsApi.deploymentPayload(made))).toEqual([]);
  });
});
