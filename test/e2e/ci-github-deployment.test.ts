import { latest } from '../helpers/fake-slack';
import type { FakeDeployment } from '../helpers/fake-github';
import { Harness } from '../helpers/harness';
import { deliver, WEBHOOK_SECRET } from '../helpers/webhooks';
import { eventually } from '../helpers/wait';
import { MAX_POLL_MS, MIN_POLL_MS } from '../../src/worker/follow-run';

// An env that deploys through an outside CD system listening to GitHub Deployments: Ferry creates
// one deployment per deploy (the mirror none of its own), follows the CD system's deployment
// statuses (woken by deployment_status webhooks), shows them in the feed and the deploy's log,
// ends the deploy with the CD system's end, and cancels by posting an error status.

describe('deploying through GitHub Deployments (an outside CD system)', () => {
  let h: Harness;
  const record = (id: number) => h.redis.hgetall(`${h.prefix}:deploy:${id}`);
  const logOf = async (id: number) => (await h.redis.lrange(`${h.prefix}:deploy:${id}:log`, 0, -1)).join('\n');
  const status = (id: number, want: string) =>
    eventually(`deploy #${id} to be ${want}`, async () => ((await record(id)).status === want ? record(id) : undefined), 30_000);
  const api = () => h.github.deploymentsApi;
  /** The CD system posts a status, and GitHub sends its deployment_status webhook. */
  const report = async (d: FakeDeployment, state: string, o: { description?: string; log_url?: string; environment_url?: string } = {}) => {
    const r = await deliver(h.url, 'deployment_status', api().report(d, state, o));
    expect(r.status).toBe(202);
  };
  const deploymentOf = (id: number) =>
    eventually(`deploy #${id}'s deployment`, () =>
      h.github.deployments.find((d) => (d.body.payload as { ferry_deploy_id?: number }).ferry_deploy_id === id),
    );

  beforeAll(async () => {
    h = await Harness.start({
      env: { GITHUB_WEBHOOK_SECRET: WEBHOOK_SECRET },
      config: ({ repo }) => ({
        feed_channel: 'C0FEED',
        apps: {
          web: {
            repo: 'acme/web',
            clone_url: repo,
            environments: {
              qa: { github_deployment: { environment: 'qa-{app}', payload: { region: 'eu', requested_by: '{user}' } } },
            },
          },
        },
      }),
    });
    h.github.repos.set('acme/web', h.repo.path);
  });
  afterAll(async () => {
    await h?.stop();
  });

  test("one deployment per deploy, the mirror's none; the feed links the CD system's log and ends succeeded; the statuses are in the deploy's log, redacted; a deployment webhook deploys nothing", async () => {
    const sha = h.repo.sha('main');
    const { id } = await h.deploy('qa main');
    const d = await api().waitForDeployment(1);
    expect(d).toMatchObject({ repo: 'acme/web', ref: sha, environment: 'qa-web' });
    expect(d.body).toMatchObject({
      task: 'deploy',
      auto_merge: false,
      required_contexts: [],
      payload: { region: 'eu', requested_by: 'U0ANA', ferry_deploy_id: id, ferry_app: 'web', ferry_env: 'qa' },
    });
    await eventually('the feed to say it waits for the CD system', () => {
      const m = h.slack.feedMessage(id);
      return m && JSON.stringify(latest(m).blocks).includes('waiting for the CD system to pick it up');
    });

    // GitHub tells every webhook of the deployment Ferry created: it is not a request to deploy.
    expect(await deliver(h.url, 'deployment', api().deploymentPayload(d))).toMatchObject({ status: 202, text: 'ignored: deployment' });

    // (A secret of Ferry's in a CD system's words, say its webhook secret, is redacted from every log line, Ferry's own too.)
    await report(d, 'in_progress', { description: `rolling out 1/3 ${WEBHOOK_SECRET}`, log_url: 'https://ci.acme.dev/builds/7' });
    await eventually("the feed to link the CD system's log and say it is in progress", () => {
      const m = h.slack.feedMessage(id);
      const blocks = m && JSON.stringify(latest(m).blocks);
      return blocks?.includes('https://ci.acme.dev/builds/7') && blocks.includes('in progress: rolling out 1/3');
    });
    await report(d, 'success', {
      description: 'rolled out token=ghp_secretsecretsecretsecret00000000',
      environment_url: 'https://qa.acme.dev',
    });
    await status(id, 'succeeded');

    const feed = latest(await h.slack.waitForFeed(id, 'succeeded'));
    expect(JSON.stringify(feed.blocks)).toContain('https://ci.acme.dev/builds/7');
    const log = await logOf(id);
    expect(log).toContain('in_progress: rolling out 1/3');
    expect(log).toContain('log: https://ci.acme.dev/builds/7');
    expect(log).toContain('environment: https://qa.acme.dev');
    expect(log).toContain('rolled out token=[redacted]');
    expect(log).not.toContain('ghp_secret');
    expect(log).not.toContain(WEBHOOK_SECRET);
    // The CD system deploys: the worker checks nothing out (the env has no smoke check).
    expect(log).not.toContain('checking out');
    expect(JSON.stringify(h.slack.feedMessage(id)!.versions)).not.toContain('ghp_secret');
    // One deployment, Ferry's statuses none (the CD system's are the record), and no other deploy.
    expect(api().creations).toHaveLength(1);
    expect(h.github.deployments).toHaveLength(1);
    expect(d.statuses.map((s) => s.state)).toEqual(['in_progress', 'success']);
    expect(await h.redis.get(`${h.prefix}:deploy:seq`)).toBe(String(id));
  });

  test("the CD system's failure fails the deploy with its description, and the feed ends failed", async () => {
    const { id } = await h.deploy('qa main');
    const d = await deploymentOf(id);
    await report(d, 'in_progress', { log_url: 'https://ci.acme.dev/builds/8' });
    await report(d, 'failure', { description: 'migration 42 failed', log_url: 'https://ci.acme.dev/builds/8' });
    const rec = await status(id, 'failed');
    expect(rec.error).toContain('its run ended failure (migration 42 failed)');
    const feed = latest(await h.slack.waitForFeed(id, 'failed'));
    expect(JSON.stringify(feed.blocks)).toContain('https://ci.acme.dev/builds/8');
    expect(await logOf(id)).toContain('failure: migration 42 failed');
  });

  test('/deploy cancel reaches the CD system as an error status saying who cancelled it, and the deploy ends cancelled', async () => {
    const { id } = await h.deploy('qa main');
    const d = await deploymentOf(id);
    await report(d, 'in_progress');
    await eventually('the feed to say it is in progress', () => {
      const m = h.slack.feedMessage(id);
      return m && JSON.stringify(latest(m).blocks).includes('in progress');
    });
    const c = await h.slash('/deploy', `cancel ${id}`);
    expect(await h.answer(c.id)).toMatch(/cancel/i);
    const rec = await status(id, 'cancelled');
    expect(rec.error).toMatch(/^cancelled by <@U0ANA> after \d+s$/);
    expect(d.statuses.at(-1)).toEqual({ state: 'error', description: `Cancelled by Ferry (deploy #${id}): cancelled from Slack by U0ANA` });
    expect(d.statuses.filter((s) => s.state === 'error')).toHaveLength(1);
    expect(await logOf(id)).toContain(`the CI was told to stop run ${d.id}`);
  });

  test("queued deploys: the second deployment is created only after the first one's end", async () => {
    const first = await h.deploy('qa main');
    const a = await deploymentOf(first.id);
    await report(a, 'in_progress');
    const second = await h.deploy('qa main');
    // The first one's follower reads its statuses twice more while the second waits: still one deployment.
    const reads = api().statusReads.filter((r) => r.deployment === a.id).length;
    await api().waitForStatusReads(a.id, reads + 2);
    expect(h.github.deployments.filter((d) => d.id >= a.id)).toEqual([a]);
    expect((await record(second.id)).status).toBe('queued');

    await report(a, 'success');
    await status(first.id, 'succeeded');
    const b = await deploymentOf(second.id);
    expect(b.id).toBe(a.id + 1);
    await report(b, 'success');
    await status(second.id, 'succeeded');
    const [ra, rb] = [await record(first.id), await record(second.id)];
    expect(Number(rb.startedAt)).toBeGreaterThanOrEqual(Number(ra.finishedAt));
  });

  test('a deployment_status webhook wakes the follower at once while its polls are backed off', async () => {
    const { id } = await h.deploy('qa main');
    const d = await deploymentOf(id);
    // With nothing reported the follower's polls back off: 1 s, 1.5 s, 2.25 s ... after the 6th read, the next is 7.6 s away.
    const sixth = await api().waitForStatusReads(d.id, 6);
    let backoff = MIN_POLL_MS;
    for (let i = 1; i < 6; i++) backoff = Math.min(Math.round(backoff * 1.5), MAX_POLL_MS);
    await report(d, 'success');
    const seventh = await api().waitForStatusReads(d.id, 7);
    await status(id, 'succeeded');
    // A read sooner after the 6th than the backoff allows can only be the webhook's wake.
    expect(seventh.at - sixth.at).toBeLessThan(backoff);
  }, 40_000);
});
