import { latest } from '../helpers/fake-slack';
import { Harness } from '../helpers/harness';
import { eventually } from '../helpers/wait';

// Envs that deploy through a GitHub Actions workflow: Ferry dispatches it once, follows the run it
// started (named in the dispatch's answer), shows it in the feed, puts its jobs' logs in the
// deploy's log, ends the deploy with the run's conclusion, and cancels the run when asked.

describe('deploying through GitHub Actions', () => {
  let h: Harness;
  const actions = () => h.github.actions;
  const record = (id: number) => h.redis.hgetall(`${h.prefix}:deploy:${id}`);
  const logOf = async (id: number) => (await h.redis.lrange(`${h.prefix}:deploy:${id}:log`, 0, -1)).join('\n');
  const status = (id: number, want: string) =>
    eventually(`deploy #${id} to be ${want}`, async () => ((await record(id)).status === want ? record(id) : undefined), 30_000);
  const feedBlocks = (id: number) => {
    const m = h.slack.feedMessage(id);
    return m ? JSON.stringify(latest(m).blocks) : '';
  };
  /** Deploys, and the run its dispatch starts (counted from before the deploy: the dispatch may come before the answer). */
  const deployRun = async (text: string) => {
    const n = actions().runs.length;
    const d = await h.deploy(text);
    return { ...d, run: await actions().waitForRun(n + 1) };
  };
  const dispatchesTo = (workflow: string) => actions().dispatches.filter((d) => d.workflow === workflow);

  beforeAll(async () => {
    h = await Harness.start({
      config: ({ repo }) => ({
        feed_channel: 'C0FEED',
        shutdown_grace: '1s',
        apps: {
          web: {
            repo: 'acme/web',
            clone_url: repo,
            environments: {
              production: {
                github_actions: {
                  workflow: 'deploy.yml',
                  ref: 'main',
                  inputs: { environment: 'production', sha: '{sha}', deploy_id: '{deploy_id}' },
                },
              },
              staging: { github_actions: { workflow: 'staging.yml', inputs: { sha: '{sha}' } }, timeout: '3s' },
              qa: { github_actions: { workflow: 'missing.yml' } },
              demo: { github_actions: { workflow: 'demo.yml', inputs: { sha: '{sha}', colour: 'blue' } } },
            },
          },
        },
      }),
    });
    h.github.repos.set('acme/web', h.repo.path);
    actions().addWorkflow('acme/web', 'deploy.yml', { environment: { required: true }, sha: { required: true }, deploy_id: {} });
    actions().addWorkflow('acme/web', 'staging.yml', { sha: {} });
    actions().addWorkflow('acme/web', 'demo.yml', { sha: {} });
  });
  afterAll(async () => {
    await h?.stop();
  });

  test('one dispatch with the filled-in inputs; the feed links the run and ends with its conclusion; the job logs are in the deploy log', async () => {
    const sha = h.repo.sha('main');
    const before = dispatchesTo('deploy.yml').length;
    const { id, run } = await deployRun('production main');
    expect(run.ref).toBe('main');
    expect(run.inputs).toEqual({ environment: 'production', sha, deploy_id: String(id) });

    const job = actions().addJob(run, 'deploy', { lines: ['pulling image', 'rolling out'] });
    await eventually('the feed message to link the run', () => feedBlocks(id).includes(`run ${run.id}`));
    expect(feedBlocks(id)).toContain(`https://github.com/acme/web/actions/runs/${run.id}`);
    actions().endJob(job, 'success', ['rolled out token=ghp_secretsecretsecretsecret00000000']);
    actions().endRun(run, 'success');
    await status(id, 'succeeded');

    await h.slack.waitForFeed(id, 'succeeded');
    expect(feedBlocks(id)).toContain(`https://github.com/acme/web/actions/runs/${run.id}`);
    const log = await logOf(id);
    expect(log).toContain('pulling image');
    expect(log).toContain('rolled out');
    expect(log).not.toContain('ghp_secretsecret');
    expect(dispatchesTo('deploy.yml').length - before).toBe(1);
  });

  test('a run that fails fails the deploy with its conclusion, the failing job log in the thread', async () => {
    const { id, run } = await deployRun('production fix-1');
    const job = actions().addJob(run, 'migrate');
    actions().endJob(job, 'failure', ['ERROR: relation "users" already exists']);
    actions().endRun(run, 'failure');
    const r = await status(id, 'failed');
    expect(r.error).toContain('ended failure');
    expect(await logOf(id)).toContain('relation "users" already exists');
    await h.slack.waitForFeed(id, 'failed');
  });

  test('/deploy cancel reaches GitHub: the run is cancelled there and the deploy ends cancelled', async () => {
    const { id, run } = await deployRun('production main');
    actions().addJob(run, 'deploy');
    await eventually('the deploy to follow the run', async () => (await record(id)).ciText?.includes('in progress'));
    const r = await h.slash('/deploy', `cancel ${id}`);
    expect(await h.answer(r.id)).toMatch(/cancel/i);
    await eventually('GitHub to be asked to cancel the run', () => run.cancels === 1);
    actions().endRun(run, 'cancelled');
    const done = await status(id, 'cancelled');
    expect(done.error).toMatch(/cancelled by <@U0ANA>/);
    expect(run.cancels).toBe(1);
  });

  test('deploys queued for one env run one at a time: the second is dispatched only once the first run ended', async () => {
    const first = await deployRun('production main');
    const run1 = first.run;
    const second = await h.deploy('production fix-1');
    // The second waits in line while the first run goes on: nothing dispatched for it.
    expect((await record(second.id)).status).toBe('queued');
    const dispatched = actions().runs.length;
    actions().endRun(run1, 'success');
    await status(first.id, 'succeeded');
    const run2 = await actions().waitForRun(dispatched + 1);
    expect(run2.inputs.deploy_id).toBe(String(second.id));
    expect(run2.createdAt).toBeGreaterThanOrEqual(Number((await record(first.id)).finishedAt));
    actions().endRun(run2, 'success');
    await status(second.id, 'succeeded');
  });

  test('a run that never starts fails the deploy at the env timeout, naming what it waited for, and is cancelled', async () => {
    const { id, run } = await deployRun('staging main');
    const r = await status(id, 'failed');
    expect(r.error).toMatch(new RegExp(`the GitHub Actions workflow staging.yml \\(run ${run.id}\\) never started within 3s`));
    expect(run.cancels).toBe(1);
  });

  test('an unknown workflow (404) and inputs the workflow does not take (422) fail the deploy with what to fix', async () => {
    const missing = await h.deploy('qa main');
    expect((await status(missing.id, 'failed')).error).toMatch(
      /GitHub has no workflow missing\.yml in acme\/web \(404\): check github_actions\.workflow/,
    );
    const bad = await h.deploy('demo main');
    expect((await status(bad.id, 'failed')).error).toMatch(
      /422: Unexpected inputs provided: \["colour"\]\): the workflow needs on: workflow_dispatch/,
    );
    expect(dispatchesTo('demo.yml')).toHaveLength(1);
  });

  test("GitHub's rate limit on the dispatch is waited out: the dispatch is sent again, one run starts, the deploy succeeds", async () => {
    const before = dispatchesTo('deploy.yml').length;
    const runsBefore = actions().runs.length;
    actions().rateLimitDispatches = 1;
    const { id, run } = await deployRun('production main');
    actions().endRun(run, 'success');
    await status(id, 'succeeded');
    // The refused dispatch started nothing (GitHub's rate limit answers before accepting anything).
    expect(dispatchesTo('deploy.yml').length - before).toBe(2);
    expect(actions().runs.length - runsBefore).toBe(1);
  });

  test('a rollback dispatches the same workflow with the older SHA', async () => {
    const main = h.repo.sha('main');
    const fix = h.repo.sha('fix-1');
    const ok = await deployRun('production main');
    actions().endRun(ok.run, 'success');
    await status(ok.id, 'succeeded');
    const next = await deployRun('production fix-1');
    actions().endRun(next.run, 'success');
    await status(next.id, 'succeeded');

    const n = actions().runs.length;
    const r = await h.slash('/rollback', 'production');
    expect(await h.answer(r.id)).toMatch(/deploy #\d+/);
    const run = await actions().waitForRun(n + 1);
    expect(run.inputs.sha).toBe(main);
    expect(run.inputs.sha).not.toBe(fix);
    actions().endRun(run, 'success');
  });
});
