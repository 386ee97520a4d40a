import pino from 'pino';
import { CircleCiDriver } from '../../src/ci/circleci';
import { retryAfterMs } from '../../src/ci/circleci-client';
import { circleRunView } from '../../src/core/ci/circleci-run';
import { type CiDeploy, CiRefused } from '../../src/core/ci/types';
import { FakeCircleCi } from '../helpers/fake-circleci';

// The circleci: driver against the CircleCI stand-in: the trigger (sent once, its pipeline the
// deploy's run), the run's state from its workflows and jobs, step output as the job's log,
// cancel, and each of CircleCI's refusals turned into a message that says what to fix.

const SLUG = 'gh/acme/web';
const deploy: CiDeploy = { id: 42, app: 'web', env: 'dev', sha: 'a'.repeat(40), ref: 'main', user: 'U0ANA' };

describe('the circleci: driver', () => {
  let ci: FakeCircleCi;
  const driver = (o: { parameters?: Record<string, string | number | boolean>; token?: string | undefined; branch?: string } = {}) =>
    new CircleCiDriver(
      {
        driver: 'circleci',
        project: SLUG,
        parameters: o.parameters ?? { deploy_env: '{env}', sha: '{sha}', deploy_id: '{deploy_id}' },
        tokenEnv: 'CIRCLECI_TOKEN',
        ...(o.branch && { branch: o.branch }),
      },
      { defaultBranch: 'main' },
      {
        env: { circleciApiUrl: ci.apiUrl, processEnv: 'token' in o ? { CIRCLECI_TOKEN: o.token } : { CIRCLECI_TOKEN: ci.token } },
        log: pino({ level: 'silent' }),
      },
    );

  beforeEach(async () => {
    ci = await new FakeCircleCi().start();
    ci.addProject(SLUG, ['deploy_env', 'sha', 'deploy_id']);
  });
  afterEach(async () => {
    await ci.stop();
  });

  test('dispatch triggers one pipeline with the filled-in parameters on the branch; its id is the run, linked to its page', async () => {
    const run = await driver({ branch: 'deploy-{env}' }).dispatch(deploy);
    expect(ci.triggers).toHaveLength(1);
    const p = ci.pipelines[0]!;
    expect(p.branch).toBe('deploy-dev');
    expect(p.parameters).toEqual({ deploy_env: 'dev', sha: deploy.sha, deploy_id: '42' });
    expect(run).toEqual({ id: p.id, url: 'https://app.circleci.com/pipelines/github/acme/web/1', data: { number: '1' } });
  });

  test('view: no workflow yet is waiting; running workflows with their jobs; all success ends succeeded', async () => {
    const d = driver();
    const run = await d.dispatch(deploy);
    const p = ci.pipelines[0]!;
    expect(await d.view(deploy, run)).toMatchObject({ phase: 'waiting', text: 'pipeline pending, no workflow yet', jobs: [] });

    const w = ci.addWorkflow(p, 'deploy');
    const build = ci.addJob(w, 'build', { status: 'success' });
    ci.addJob(w, 'release');
    const v = await d.view(deploy, run);
    expect(v.phase).toBe('running');
    expect(v.text).toBe('deploy running: build ✓, release running');
    expect(v.jobs).toEqual([
      { id: String(build.number), name: 'deploy/build', ended: true, conclusion: 'success' },
      { id: String(build.number! + 1), name: 'deploy/release', ended: false },
    ]);
    ci.endWorkflow(w, 'success');
    expect(await d.view(deploy, run)).toMatchObject({ phase: 'ended', outcome: 'succeeded', conclusion: 'success' });
  });

  test('workflows and jobs are read across pages', async () => {
    ci.pageSize = 2;
    const d = driver();
    const run = await d.dispatch(deploy);
    const p = ci.pipelines[0]!;
    const ws = ['a', 'b', 'c'].map((n) => ci.addWorkflow(p, n, 'success'));
    for (const n of ['x', 'y', 'z']) ci.addJob(ws[2]!, n, { status: 'success' });
    const v = await d.view(deploy, run);
    expect(v.phase).toBe('ended');
    expect(v.jobs.map((j) => j.name)).toEqual(['c/x', 'c/y', 'c/z']);
  });

  test('an approval job on hold shows as waiting for approval; a failed workflow fails the run; a canceled one cancels it', async () => {
    const d = driver();
    const run = await d.dispatch(deploy);
    const p = ci.pipelines[0]!;
    const w = ci.addWorkflow(p, 'deploy', 'on_hold');
    ci.addJob(w, 'hold', { type: 'approval' });
    const held = await d.view(deploy, run);
    expect(held.phase).toBe('running');
    expect(held.text).toBe('deploy on hold (waiting for approval in CircleCI): hold waiting for approval');
    const other = ci.addWorkflow(p, 'notify', 'success');
    ci.endWorkflow(w, 'failed');
    expect(await d.view(deploy, run)).toMatchObject({ phase: 'ended', outcome: 'failed', conclusion: 'failed (workflow deploy)' });
    other.status = 'canceled';
    w.status = 'canceled';
    expect(await d.view(deploy, run)).toMatchObject({ phase: 'ended', outcome: 'cancelled' });
  });

  test("an errored pipeline (a config error) ends failed with CircleCI's message", async () => {
    const d = driver();
    const run = await d.dispatch(deploy);
    ci.errorPipeline(ci.pipelines[0]!, 'Cannot find a job named `deploy` to run in the `main` workflow');
    const v = await d.view(deploy, run);
    expect(v).toMatchObject({ phase: 'ended', outcome: 'failed' });
    expect(v.conclusion).toContain('Cannot find a job named `deploy`');
  });

  test("jobLog: each step's output under a header line, from API v1.1, without sending the token to the output address", async () => {
    const d = driver();
    const run = await d.dispatch(deploy);
    const w = ci.addWorkflow(ci.pipelines[0]!, 'deploy');
    const job = ci.addJob(w, 'release', { status: 'success' });
    ci.addStep(job, 'Spin up environment', ['Build-agent version 1.0']);
    ci.addStep(job, 'Deploy', ['pulling image', 'rolled out'], 'failed');
    const view = await d.view(deploy, run);
    const lines = await d.jobLog(deploy, run, view.jobs[0]!);
    expect(lines).toEqual(['▸ Spin up environment', 'Build-agent version 1.0', '▸ Deploy (failed)', 'pulling image', 'rolled out']);
    expect(ci.outputWithToken).toBe(0);
    // An approval job has no number and no output.
    expect(await d.jobLog(deploy, run, { id: 'w/hold', name: 'deploy/hold', ended: true })).toEqual([]);
  });

  test('cancel cancels every workflow still running; a cancel before any workflow cancels the first ones as they appear', async () => {
    const d = driver();
    const run = await d.dispatch(deploy);
    const p = ci.pipelines[0]!;
    // Nothing to cancel yet: said so (a timeout's cancel must not claim it stopped anything); the first workflows are cancelled as they appear.
    expect(await d.cancel(deploy, run)).toEqual({
      cannot: 'no workflow of the pipeline has started yet (Ferry cancels the ones that start while it follows the pipeline)',
    });
    const w = ci.addWorkflow(p, 'deploy');
    const done = ci.addWorkflow(p, 'lint', 'success');
    await d.view(deploy, run);
    expect(w.cancels).toBe(1);
    expect(done.cancels).toBe(0);
    expect(await d.cancel(deploy, run)).toEqual({ cannot: 'CircleCI says every workflow of the pipeline has ended already' });
  });

  test('refusals name the setting to fix: unknown project, undeclared parameters, bad token, missing token', async () => {
    const refusal = (p: Promise<unknown>) =>
      p.then(
        () => new Error('resolved'),
        (e: Error) => e,
      );
    const unknown = new CircleCiDriver(
      { driver: 'circleci', project: 'gh/acme/nope', parameters: {}, tokenEnv: 'CIRCLECI_TOKEN' },
      { defaultBranch: 'main' },
      { env: { circleciApiUrl: ci.apiUrl, processEnv: { CIRCLECI_TOKEN: ci.token } }, log: pino({ level: 'silent' }) },
    );
    const e404 = await refusal(unknown.dispatch(deploy));
    expect(e404).toBeInstanceOf(CiRefused);
    expect(e404.message).toContain('circleci.project');

    const e400 = await refusal(driver({ parameters: { region: 'eu' } }).dispatch(deploy));
    expect(e400).toBeInstanceOf(CiRefused);
    expect(e400.message).toContain('Unexpected argument(s): region');
    expect(e400.message).toContain('circleci.parameters');
    expect(e400.message).toContain('under parameters: in .circleci/config.yml');

    const e401 = await refusal(driver({ token: 'wrong-token-000000' }).dispatch(deploy));
    expect(e401).toBeInstanceOf(CiRefused);
    expect(e401.message).toContain('CIRCLECI_TOKEN (circleci.token_env)');

    const missing = await refusal(driver({ token: undefined }).dispatch(deploy));
    expect(missing).toBeInstanceOf(CiRefused);
    expect(missing.message).toContain('set CIRCLECI_TOKEN (circleci.token_env) on the worker');
    // Nothing started.
    expect(ci.pipelines).toHaveLength(0);
  });

  test('a 429 is waited out (Retry-After) and the trigger sent again: one pipeline', async () => {
    ci.rateLimitNext = 1;
    await driver().dispatch(deploy);
    expect(ci.triggers).toHaveLength(1);
    expect(ci.pipelines).toHaveLength(1);
    expect(ci.requests.filter((r) => r.startsWith('POST'))).toHaveLength(2);
  });

  test('a 5xx or no answer on a look is thrown (the follower tries again); the trigger is never sent twice', async () => {
    const d = driver();
    await ci.stop();
    await expect(d.view(deploy, { id: 'x' })).rejects.toThrow(/could not reach CircleCI/);
    await expect(d.dispatch(deploy)).rejects.not.toBeInstanceOf(CiRefused);
    ci = await new FakeCircleCi().start();
  });

  test('recover never guesses: unknown', async () => {
    expect(await driver().recover()).toHaveProperty('unknown');
  });

  test('check: the token variable, the project, and no answer as a warning', async () => {
    expect(await driver().check()).toEqual([]);
    expect((await driver({ token: undefined }).check()).map((p) => p.key)).toEqual(['token_env']);
    expect((await driver({ token: 'wrong-token-000000' }).check()).map((p) => p.key)).toEqual(['token_env']);
    ci.projects.clear();
    const [missing] = await driver().check();
    expect(missing).toMatchObject({ key: 'project' });
    expect(missing!.message).toContain('gh/acme/web');
    await ci.stop();
    expect(await driver().check()).toEqual([expect.objectContaining({ key: 'project', warning: true })]);
    ci = await new FakeCircleCi().start();
  });

  test('Retry-After in seconds or as a date, bounded at a minute', () => {
    expect(retryAfterMs('1')).toBe(1000);
    expect(retryAfterMs('3600')).toBe(60_000);
    expect(retryAfterMs(new Date(10_000).toUTCString(), 5_000)).toBe(5_000);
  });

  test('the run view: every workflow must end; not_run alone is not a success', () => {
    const url = 'u';
    const p = { id: 'p', state: 'created' };
    const ws = [
      { id: '1', name: 'a', status: 'success' },
      { id: '2', name: 'b', status: 'not_run' },
    ];
    expect(circleRunView(p, ws, new Map(), url)).toMatchObject({ phase: 'ended', outcome: 'failed', conclusion: 'not_run (workflow b)' });
    expect(circleRunView(p, [{ id: '1', name: 'a', status: 'failing' }], new Map(), url).phase).toBe('running');
  });
});
