import { latest } from '../helpers/fake-slack';
import { type FakePipeline, FakeCircleCi } from '../helpers/fake-circleci';
import { Harness } from '../helpers/harness';
import { eventually } from '../helpers/wait';

// Envs that deploy through a CircleCI pipeline, against CircleCI's API played on loopback: Ferry
// triggers the pipeline once, follows its workflows, shows it in the feed, puts its jobs' step
// output in the deploy's log (redacted), cancels it when asked, queues a second deploy of an env
// behind the first run, and fails with what to fix when CircleCI refuses.

const TOKEN = 'circle-e2e-token-5f0c1a2b3c4d5e6f';

describe('deploying through CircleCI', () => {
  let h: Harness;
  let ci: FakeCircleCi;
  const record = (id: number) => h.redis.hgetall(`${h.prefix}:deploy:${id}`);
  const logOf = async (id: number) => (await h.redis.lrange(`${h.prefix}:deploy:${id}:log`, 0, -1)).join('\n');
  const status = (id: number, want: string, timeoutMs = 30_000) =>
    eventually(`deploy #${id} to be ${want}`, async () => ((await record(id)).status === want ? record(id) : undefined), timeoutMs);
  /** The pipeline deploy #id triggered (its deploy_id parameter says so). */
  const pipelineOf = (id: number): Promise<FakePipeline> =>
    eventually(`deploy #${id}'s pipeline`, () => ci.pipelines.find((p) => p.parameters.deploy_id === String(id)));
  const feedText = (id: number) => {
    const m = h.slack.feedMessage(id);
    return m ? JSON.stringify(latest(m).blocks) : '';
  };
  const params = { deploy_env: '{env}', sha: '{sha}', deploy_id: '{deploy_id}' };

  beforeAll(async () => {
    ci = await new FakeCircleCi().start();
    ci.token = TOKEN;
    ci.addProject('gh/acme/web', ['deploy_env', 'sha', 'deploy_id']);
    h = await Harness.start({
      env: { CIRCLECI_API_URL: ci.apiUrl, CIRCLECI_TOKEN: TOKEN },
      config: ({ repo }) => ({
        feed_channel: 'C0FEED',
        apps: {
          web: {
            repo: 'acme/web',
            clone_url: repo,
            environments: {
              dev: { circleci: { project: 'gh/acme/web', parameters: params } },
              lost: { circleci: { project: 'gh/acme/gone', parameters: params } },
              strict: { circleci: { project: 'gh/acme/web', parameters: { ...params, region: 'eu' } } },
              slow: { circleci: { project: 'gh/acme/web', parameters: params }, timeout: '4s' },
            },
          },
        },
      }),
    });
    h.github.repos.set('acme/web', h.repo.path);
  });
  afterAll(async () => {
    await h?.stop();
    await ci?.stop();
  });

  test('one trigger with the filled-in parameters; the feed links the pipeline and ends succeeded; step output in the log, redacted', async () => {
    const sha = h.repo.sha('main');
    const { id } = await h.deploy('dev main');
    const p = await pipelineOf(id);
    expect(p.branch).toBe('main');
    expect(p.parameters).toEqual({ deploy_env: 'dev', sha, deploy_id: String(id) });

    const w = ci.addWorkflow(p, 'deploy');
    const build = ci.addJob(w, 'build', { status: 'success' });
    ci.addStep(build, 'Checkout code', ['checked out']);
    const release = ci.addJob(w, 'release');
    await eventually('the feed message to link the pipeline and show its jobs', () => {
      const text = feedText(id);
      return text.includes(`https://app.circleci.com/pipelines/github/acme/web/${p.number}`) && text.includes('build ✓') && text;
    });
    ci.addStep(release, 'Deploy', ['pulling image', 'rolled out token=ghp_secretsecretsecretsecret00000000', `echo ${TOKEN}`]);
    ci.endWorkflow(w, 'success');
    await status(id, 'succeeded');

    const feed = latest(await h.slack.waitForFeed(id, 'succeeded'));
    expect(JSON.stringify(feed.blocks)).toContain(`https://app.circleci.com/pipelines/github/acme/web/${p.number}`);
    const log = await logOf(id);
    expect(log).toContain('▸ Checkout code');
    expect(log).toContain('checked out');
    expect(log).toContain('pulling image');
    expect(log).toContain('rolled out');
    expect(log).not.toContain('ghp_secretsecret');
    expect(log).not.toContain(TOKEN);
    expect(
      ci.triggers.filter((t) => t.body.parameters && (t.body.parameters as Record<string, string>).deploy_id === String(id)),
    ).toHaveLength(1);
    expect(ci.outputWithToken).toBe(0);
  });

  test("a failed workflow fails the deploy, saying so in the feed; an errored pipeline fails it with CircleCI's message", async () => {
    const { id } = await h.deploy('dev main');
    const p = await pipelineOf(id);
    const w = ci.addWorkflow(p, 'deploy');
    const job = ci.addJob(w, 'release');
    ci.addStep(job, 'Deploy', ['error: rollout timed out'], 'failed');
    ci.endWorkflow(w, 'failed');
    const failed = await status(id, 'failed');
    expect(failed.error).toContain('its run ended failed');
    await h.slack.waitForFeed(id, 'failed');
    expect(await logOf(id)).toContain('error: rollout timed out');

    const second = await h.deploy('dev main');
    ci.errorPipeline(await pipelineOf(second.id), 'Cannot find a job named `release` to run in the `deploy` workflow');
    const errored = await status(second.id, 'failed');
    expect(errored.error).toContain('Cannot find a job named');
  });

  test('/deploy cancel reaches CircleCI (its workflow cancelled) and the deploy ends cancelled', async () => {
    const { id } = await h.deploy('dev main');
    const p = await pipelineOf(id);
    const w = ci.addWorkflow(p, 'deploy');
    ci.addJob(w, 'release');
    await eventually('the deploy to follow the workflow', () => feedText(id).includes('release running'));
    const r = await h.slash('/deploy', `cancel ${id}`);
    await h.answer(r.id);
    await eventually('CircleCI to get the cancel', () => w.cancels === 1);
    await status(id, 'cancelled');
    expect(w.status).toBe('canceled');
    await h.slack.waitForFeed(id, 'cancelled');
  });

  test('deploys queued for one env: the second pipeline is triggered only after the first ended', async () => {
    const first = await h.deploy('dev main');
    const second = await h.deploy('dev main');
    const p1 = await pipelineOf(first.id);
    const w = ci.addWorkflow(p1, 'deploy');
    ci.addJob(w, 'release');
    await eventually('the first run to be followed', () => feedText(first.id).includes('release running'));
    // The first run goes on; the second deploy waits its turn, nothing triggered for it.
    await eventually('a few looks at the first run', () => ci.requests.filter((r) => r.includes(`/pipeline/${p1.id}`)).length >= 4);
    expect(ci.pipelines.find((p) => p.parameters.deploy_id === String(second.id))).toBeUndefined();
    expect((await record(second.id)).status).toBe('queued');
    ci.endWorkflow(w, 'success');
    await status(first.id, 'succeeded');
    const p2 = await pipelineOf(second.id);
    ci.endWorkflow(ci.addWorkflow(p2, 'deploy'), 'success');
    await status(second.id, 'succeeded');
  });

  test('an unknown project and an undeclared pipeline parameter fail at the trigger, saying what to fix', async () => {
    const lost = await h.deploy('lost main');
    const e404 = await status(lost.id, 'failed');
    expect(e404.error).toContain('CircleCI has no project gh/acme/gone');
    expect(e404.error).toContain('circleci.project');

    const strict = await h.deploy('strict main');
    const e400 = await status(strict.id, 'failed');
    expect(e400.error).toContain('Unexpected argument(s): region');
    expect(e400.error).toContain('circleci.parameters');
    expect(e400.error).toContain('.circleci/config.yml');
    expect(ci.pipelines.some((p) => p.parameters.deploy_id === String(strict.id))).toBe(false);
  });

  test("CircleCI's rate limit on the trigger is waited out: one pipeline, and the deploy goes on", async () => {
    const before = ci.triggers.length;
    ci.rateLimitNext = 2;
    const { id } = await h.deploy('dev main');
    const p = await pipelineOf(id);
    expect(ci.triggers.length - before).toBe(1);
    ci.endWorkflow(ci.addWorkflow(p, 'deploy'), 'success');
    await status(id, 'succeeded');
  });

  test("a pipeline that never starts a workflow fails at the env's timeout, naming what it waited for", async () => {
    const { id } = await h.deploy('slow main');
    const p = await pipelineOf(id);
    const failed = await status(id, 'failed', 20_000);
    expect(failed.error).toContain('the CircleCI pipeline of gh/acme/web');
    expect(failed.error).toContain(`run ${p.id}`);
    expect(failed.error).toContain('never started within 4s');
  });
});
