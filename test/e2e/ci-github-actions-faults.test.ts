import type { ChildProcess } from 'node:child_process';
import { Redis } from 'ioredis';
import { startOwnRedis } from '../helpers/redis-server';
import { latest } from '../helpers/fake-slack';
import { Harness } from '../helpers/harness';
import { eventually } from '../helpers/wait';

// A deploy through GitHub Actions is never lost and never dispatched twice: not when the worker
// following its run is killed with kill -9 (its whole process group), not when it is stopped.

describe('GitHub Actions deploys under faults', () => {
  let h: Harness;
  const actions = () => h.github.actions;
  const record = (id: number) => h.redis.hgetall(`${h.prefix}:deploy:${id}`);
  const logOf = async (id: number) => (await h.redis.lrange(`${h.prefix}:deploy:${id}:log`, 0, -1)).join('\n');
  const status = (id: number, want: string) =>
    eventually(`deploy #${id} to be ${want}`, async () => ((await record(id)).status === want ? record(id) : undefined), 40_000);
  const exited = (child: ChildProcess) =>
    new Promise<void>((resolve) =>
      child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve()),
    );

  beforeEach(async () => {
    h = await Harness.start({
      role: 'app',
      config: ({ repo }) => ({
        feed_channel: 'C0FEED',
        lease_ttl: '3s',
        // A command deploy would get this long; a CI run is handed over at once (the SIGTERM test).
        shutdown_grace: '5m',
        apps: {
          web: {
            repo: 'acme/web',
            clone_url: repo,
            environments: { production: { github_actions: { workflow: 'deploy.yml', inputs: { sha: '{sha}' } } } },
          },
        },
      }),
    });
    h.github.repos.set('acme/web', h.repo.path);
    actions().addWorkflow('acme/web', 'deploy.yml', { sha: { required: true } });
  });
  afterEach(async () => {
    await h?.stop();
  });

  test('kill -9 of the following worker (its process group): another worker follows the same run on, one dispatch, one final state', async () => {
    const doomed = h.spawnWorker({ ownGroup: true });
    const { id } = await h.deploy('production main');
    const run = await actions().waitForRun(1);
    const build = actions().addJob(run, 'build');
    actions().endJob(build, 'success', ['built image 1.2.3']);
    await eventually('the first job log to be in', async () => (await logOf(id)).includes('built image 1.2.3'));
    const firstWorker = (await record(id)).worker;

    process.kill(-doomed.pid!, 'SIGKILL');
    await exited(doomed);
    const deployJob = actions().addJob(run, 'deploy');
    h.spawnWorker();

    // The next worker takes the deploy over and follows the run it finds recorded.
    await eventually(
      'another worker to follow the run',
      async () => {
        const r = await record(id);
        return r.worker && r.worker !== firstWorker && r.status === 'running';
      },
      40_000,
    );
    actions().endJob(deployJob, 'success', ['rolled out']);
    actions().endRun(run, 'success');
    const done = await status(id, 'succeeded');
    expect(done.attempt).toBe('1');

    expect(actions().dispatches).toHaveLength(1);
    expect(actions().runs).toHaveLength(1);
    const log = await logOf(id);
    expect(log).toContain('on: the worker that followed it stopped');
    // Each job's log once: the build's (fetched by the first worker) is not fetched again.
    expect(log.split('built image 1.2.3')).toHaveLength(2);
    expect(log).toContain('rolled out');
    // One final state: the feed never said failed on the way.
    const feed = await h.slack.waitForFeed(id, 'succeeded');
    expect(feed.versions.some((v) => v.text.includes(': failed'))).toBe(false);
    expect(latest(feed).text).toContain(': succeeded');
  });

  test('a worker stopped (SIGTERM) while following hands the run over at once: the next worker follows it, no second dispatch', async () => {
    const stopping = h.spawnWorker();
    const { id } = await h.deploy('production main');
    const run = await actions().waitForRun(1);
    actions().addJob(run, 'deploy');
    await eventually('the deploy to follow the run', async () => (await record(id)).ciText?.includes('in progress'));

    stopping.kill('SIGTERM');
    await exited(stopping);
    expect((await record(id)).status).toBe('running');
    h.spawnWorker();
    await eventually('the next worker to follow the run', async () =>
      (await logOf(id)).includes('following the GitHub Actions workflow deploy.yml'),
    );
    actions().endRun(run, 'success');
    await status(id, 'succeeded');
    expect(actions().dispatches).toHaveLength(1);
  });
});

describe('GitHub Actions deploys across a Redis restart', () => {
  let h: Harness;
  const actions = () => h.github.actions;

  test('Redis killed (kill -9) and restarted while a run is followed: the deploy still ends once, with the run, and nothing is dispatched again', async () => {
    const own = await startOwnRedis(undefined, { aof: true });
    const redis = new Redis(own.url);
    try {
      h = await Harness.start({
        role: 'app',
        env: { REDIS_URL: own.url },
        config: ({ repo }) => ({
          feed_channel: 'C0FEED',
          lease_ttl: '3s',
          apps: {
            web: { repo: 'acme/web', clone_url: repo, environments: { production: { github_actions: { workflow: 'deploy.yml' } } } },
          },
        }),
      });
      h.github.repos.set('acme/web', h.repo.path);
      actions().addWorkflow('acme/web', 'deploy.yml');
      const rec = (id: number) => redis.hgetall(`${h.prefix}:deploy:${id}`);
      h.spawnWorker();
      const { id } = await h.deploy('production main');
      const run = await actions().waitForRun(1);
      const job = actions().addJob(run, 'deploy');
      await eventually('the run to be followed', async () => (await rec(id)).ciText?.includes('in progress'), 30_000);

      await own.restart();
      actions().endJob(job, 'success', ['deployed after the outage']);
      actions().endRun(run, 'success');
      await eventually('the deploy to succeed', async () => (await rec(id)).status === 'succeeded', 60_000);
      expect(actions().dispatches).toHaveLength(1);
      const log = (await redis.lrange(`${h.prefix}:deploy:${id}:log`, 0, -1)).join('\n');
      expect(log.split('deployed after the outage')).toHaveLength(2);
    } finally {
      await h?.stop();
      redis.disconnect();
      await own.kill();
    }
  });
});
