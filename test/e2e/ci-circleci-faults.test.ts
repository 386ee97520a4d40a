import { FakeCircleCi, type FakePipeline } from '../helpers/fake-circleci';
import { latest } from '../helpers/fake-slack';
import { Harness } from '../helpers/harness';
import { eventually } from '../helpers/wait';

// A worker killed with kill -9 (its whole process group) while it follows a CircleCI pipeline: the
// next worker follows the same pipeline on, never triggers a second one, and the deploy ends once.
// Killed while the trigger was in flight (CircleCI never answered it): the next worker can't tell
// whether a pipeline started, so it fails the deploy saying so, and triggers nothing.

const TOKEN = 'circle-faults-token-9a8b7c6d5e4f';

describe('CircleCI deploys under faults', () => {
  let h: Harness;
  let ci: FakeCircleCi;
  const record = (id: number) => h.redis.hgetall(`${h.prefix}:deploy:${id}`);
  const status = (id: number, want: string, timeoutMs = 40_000) =>
    eventually(`deploy #${id} to be ${want}`, async () => ((await record(id)).status === want ? record(id) : undefined), timeoutMs);
  const pipelineOf = (id: number): Promise<FakePipeline> =>
    eventually(`deploy #${id}'s pipeline`, () => ci.pipelines.find((p) => p.parameters.deploy_id === String(id)));
  const triggersOf = (id: number) =>
    ci.triggers.filter((t) => (t.body.parameters as Record<string, string> | undefined)?.deploy_id === String(id)).length;

  beforeEach(async () => {
    ci = await new FakeCircleCi().start();
    ci.token = TOKEN;
    ci.addProject('gh/acme/web', ['sha', 'deploy_id']);
    h = await Harness.start({
      role: 'app',
      env: { CIRCLECI_API_URL: ci.apiUrl, CIRCLECI_TOKEN: TOKEN },
      config: ({ repo }) => ({
        feed_channel: 'C0FEED',
        lease_ttl: '3s',
        shutdown_grace: '1s',
        apps: {
          web: {
            repo: 'acme/web',
            clone_url: repo,
            environments: { dev: { circleci: { project: 'gh/acme/web', parameters: { sha: '{sha}', deploy_id: '{deploy_id}' } } } },
          },
        },
      }),
    });
    h.github.repos.set('acme/web', h.repo.path);
  });
  afterEach(async () => {
    await h?.stop();
    await ci?.stop();
  });

  test('killed while following: the next worker follows the same pipeline to its end, once, with no second trigger', async () => {
    const doomed = h.spawnWorker({ ownGroup: true });
    const { id } = await h.deploy('dev main');
    const p = await pipelineOf(id);
    const w = ci.addWorkflow(p, 'deploy');
    const job = ci.addJob(w, 'release');
    await eventually('the run to be followed', async () => (await record(id)).ciText?.includes('release running'));

    process.kill(-doomed.pid!, 'SIGKILL');
    await new Promise<void>((r) => (doomed.exitCode !== null || doomed.signalCode !== null ? r() : doomed.once('exit', () => r())));
    ci.addStep(job, 'Deploy', ['rolled out']);
    ci.endWorkflow(w, 'success');
    h.spawnWorker();

    const done = await status(id, 'succeeded');
    expect(done.status).toBe('succeeded');
    expect(triggersOf(id)).toBe(1);
    expect(ci.pipelines).toHaveLength(1);
    const log = (await h.redis.lrange(`${h.prefix}:deploy:${id}:log`, 0, -1)).join('\n');
    expect(log).toContain('the worker that followed it stopped');
    expect(log).toContain('rolled out');
    const message = await h.slack.waitForFeed(id, 'succeeded');
    const feed = latest(message);
    // Never shown as failed or lost on the way.
    expect(message.versions.some((v) => /: (failed|lost)/.test(v.text))).toBe(false);
    expect(JSON.stringify(feed.blocks)).toContain(`https://app.circleci.com/pipelines/github/acme/web/${p.number}`);
    // One final state: it stays succeeded (nothing records it again).
    await eventually('the env lease to be free', async () => (await h.redis.exists(`${h.prefix}:lease:web:dev`)) === 0);
    expect((await record(id)).status).toBe('succeeded');
  });

  test('killed while the trigger was in flight: the next worker says it cannot tell, fails the deploy, and triggers nothing', async () => {
    ci.holdTriggers = true;
    const doomed = h.spawnWorker({ ownGroup: true });
    const { id } = await h.deploy('dev main');
    await eventually('the trigger to be sent', () => ci.heldTriggers.length === 1);

    process.kill(-doomed.pid!, 'SIGKILL');
    await new Promise<void>((r) => (doomed.exitCode !== null || doomed.signalCode !== null ? r() : doomed.once('exit', () => r())));
    ci.holdTriggers = false;
    h.spawnWorker();

    const failed = await status(id, 'failed');
    expect(failed.error).toContain("can't tell whether a run started");
    expect(failed.error).toContain('did not dispatch again');
    expect(ci.heldTriggers).toHaveLength(1);
    expect(ci.triggers).toHaveLength(0);
  });
});
