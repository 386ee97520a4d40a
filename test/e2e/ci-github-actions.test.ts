import { latest } from '../helpers/fake-slack';
import { Harness } from '../helpers/harness';
import { eventually } from '../helpers/wait';

// An env that deploys through a GitHub Actions workflow: Ferry dispatches it once, follows the run
// it started (named in the dispatch's answer), shows it in the feed, puts its jobs' logs in the
// deploy's log, and ends the deploy with the run's conclusion.

describe('deploying through GitHub Actions', () => {
  let h: Harness;
  const record = (id: number) => h.redis.hgetall(`${h.prefix}:deploy:${id}`);
  const logOf = async (id: number) => (await h.redis.lrange(`${h.prefix}:deploy:${id}:log`, 0, -1)).join('\n');
  const status = (id: number, want: string) =>
    eventually(`deploy #${id} to be ${want}`, async () => ((await record(id)).status === want ? record(id) : undefined), 30_000);

  beforeAll(async () => {
    h = await Harness.start({
      config: ({ repo }) => ({
        feed_channel: 'C0FEED',
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
            },
          },
        },
      }),
    });
    h.github.repos.set('acme/web', h.repo.path);
    h.github.actions.addWorkflow('acme/web', 'deploy.yml', { environment: { required: true }, sha: { required: true }, deploy_id: {} });
  });
  afterAll(async () => {
    await h?.stop();
  });

  test('one dispatch with the filled-in inputs; the feed links the run and ends with its conclusion; the job logs are in the deploy log', async () => {
    const sha = h.repo.sha('main');
    const { id } = await h.deploy('production main');
    const run = await h.github.actions.waitForRun(1);
    expect(run.ref).toBe('main');
    expect(run.inputs).toEqual({ environment: 'production', sha, deploy_id: String(id) });

    const job = h.github.actions.addJob(run, 'deploy', { lines: ['pulling image', 'rolling out'] });
    await eventually('the feed message to link the run', () => {
      const m = h.slack.feedMessage(id);
      return m && JSON.stringify(latest(m).blocks).includes(`run ${run.id}`);
    });
    h.github.actions.endJob(job, 'success', ['rolled out token=ghp_secretsecretsecretsecret00000000']);
    h.github.actions.endRun(run, 'success');
    await status(id, 'succeeded');

    const feed = latest(await h.slack.waitForFeed(id, 'succeeded'));
    expect(JSON.stringify(feed.blocks)).toContain(`https://github.com/acme/web/actions/runs/${run.id}`);
    const log = await logOf(id);
    expect(log).toContain('pulling image');
    expect(log).toContain('rolled out');
    expect(log).not.toContain('ghp_secretsecret');
    expect(h.github.actions.dispatches).toHaveLength(1);
  });
});
