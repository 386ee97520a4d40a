import { latest } from '../helpers/fake-slack';
import type { FakeSuite, TagPush } from '../helpers/fake-github-tags';
import { Harness } from '../helpers/harness';
import { eventually } from '../helpers/wait';

// An env that deploys by moving a git tag: Ferry moves the tag to the deploy's SHA once (deleting
// and creating it again when it is there already, so that GitHub sends a push), follows the CI the
// tag's push started (never the branch's own checks on the same commit), shows it in the feed, puts
// its jobs' logs in the deploy's log, cancels it, and runs one deploy of an env at a time.

describe('deploying by moving a git tag', () => {
  let h: Harness;
  const record = (id: number) => h.redis.hgetall(`${h.prefix}:deploy:${id}`);
  const logOf = async (id: number) => (await h.redis.lrange(`${h.prefix}:deploy:${id}:log`, 0, -1)).join('\n');
  const status = (id: number, want: string) =>
    eventually(`deploy #${id} to be ${want}`, async () => ((await record(id)).status === want ? record(id) : undefined), 30_000);
  const feedText = (id: number) => JSON.stringify(latest(h.slack.feedMessage(id)!).blocks);
  /** The suites pushes of `tag` started, in order. */
  const started: FakeSuite[] = [];
  /** Every push of the tags, with whether another run of the env was still going on then. */
  const overlaps: string[] = [];
  const pushesOf = (tag: string) => h.github.tags.pushes.filter((p) => p.tag === tag);
  const waitForSuite = (n: number) => eventually(`suite #${n} of deploy-demo`, () => started[n - 1]);

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
              demo: { git_tag: { name: 'deploy-{env}' } },
              qa: { git_tag: { name: 'deploy-qa', follow: 'statuses', checks: ['ci/circleci: deploy'] } },
              sandbox: { git_tag: { name: 'sandbox', follow: 'none' } },
            },
          },
        },
      }),
    });
    h.github.repos.set('acme/web', h.repo.path);
    h.github.tags.repos.set('acme/web', { push: true });
    // The push of deploy-demo starts a GitHub Actions suite; the branch's own CI on the same commit
    // (a failing lint, made after the tag moved) must never count.
    h.github.tags.onPush.push((p: TagPush) => {
      if (p.tag !== 'deploy-demo') return;
      if (started.some((s) => s.status !== 'completed')) overlaps.push(`${p.tag}@${p.sha}`);
      started.push(h.github.tags.addSuite(p.repo, p.sha, p.tag));
      const branch = h.github.tags.addSuite(p.repo, p.sha, 'main');
      h.github.tags.endCheck(h.github.tags.addCheck(branch, 'lint'), 'failure');
      h.github.tags.endSuite(branch, 'failure');
    });
  });
  afterAll(async () => {
    await h?.stop();
  });

  test('the tag is moved once; the feed links the run and ends succeeded; the job logs are in the deploy log, redacted; the branch checks do not count', async () => {
    const sha = h.repo.sha('main');
    const { id } = await h.deploy('demo main');
    const suite = await waitForSuite(1);
    expect(h.github.tags.tagOf('acme/web', 'deploy-demo')).toBe(sha);

    const job = h.github.tags.addCheck(suite, 'deploy', { lines: ['pulling image', 'rolling out'] });
    const run = `deploy-demo@${sha.slice(0, 7)}`;
    await eventually(
      'the feed message to show the run in progress',
      () => h.slack.feedMessage(id) && feedText(id).includes('deploy running'),
    );
    expect(feedText(id)).toContain(run);
    h.github.tags.endCheck(job, 'success', ['rolled out token=ghp_secretsecretsecretsecret00000000']);
    h.github.tags.endSuite(suite, 'success');
    await status(id, 'succeeded');

    await h.slack.waitForFeed(id, 'succeeded');
    expect(feedText(id)).toContain(`https://github.com/acme/web/actions/runs/${suite.run!.id}/job/${job.id}`);
    const log = await logOf(id);
    expect(log).toContain('pulling image');
    expect(log).toContain('rolled out');
    expect(log).not.toContain('ghp_secretsecret');
    expect(h.github.tags.writes.map((w) => `${w.method} ${w.tag} ${w.status}`)).toEqual(['POST deploy-demo 201']);
    expect(pushesOf('deploy-demo')).toHaveLength(1);
  });

  test('a redeploy of the same SHA re-creates the tag (one push); a failing check fails the deploy, naming it', async () => {
    const before = h.github.tags.writes.length;
    const { id } = await h.deploy('demo main');
    const suite = await waitForSuite(2);
    expect(h.github.tags.writes.slice(before).map((w) => `${w.method} ${w.tag} ${w.status}`)).toEqual([
      'DELETE deploy-demo 204',
      'POST deploy-demo 201',
    ]);
    h.github.tags.endCheck(h.github.tags.addCheck(suite, 'build'), 'success');
    h.github.tags.endCheck(h.github.tags.addCheck(suite, 'deploy'), 'failure', ['Error: the rollout timed out']);
    h.github.tags.endSuite(suite, 'failure');
    const failed = await status(id, 'failed');
    expect(failed.error).toContain('the git tag deploy-demo: its run ended failure: deploy (failure)');
    await h.slack.waitForFeed(id, 'failed');
    expect(await logOf(id)).toContain('Error: the rollout timed out');
    expect(pushesOf('deploy-demo')).toHaveLength(2);
  });

  test('/deploy cancel reaches GitHub Actions (the workflow run is cancelled) and the deploy ends cancelled', async () => {
    const { id } = await h.deploy('demo main');
    const suite = await waitForSuite(3);
    h.github.tags.addCheck(suite, 'deploy');
    await eventually('the deploy to follow the run', async () => (await record(id)).ciText?.includes('deploy running'));
    const r = await h.slash('/deploy', `cancel ${id}`);
    await h.answer(r.id);
    await eventually('the workflow run to be asked to cancel', () => suite.run!.cancels === 1);
    h.github.tags.endSuite(suite, 'cancelled');
    const cancelled = await status(id, 'cancelled');
    expect(cancelled.error).toContain('cancelled by <@U0ANA>');
    expect(suite.run!.cancels).toBe(1);
  });

  test('deploys queued for the env: the tag moves for the second only after the first run ended', async () => {
    const first = await h.deploy('demo main');
    const second = await h.deploy('demo fix-1');
    const s1 = await waitForSuite(4);
    h.github.tags.endCheck(h.github.tags.addCheck(s1, 'deploy'), 'success');
    // The second deploy waits for the env: its tag does not move while the first run goes on.
    expect(pushesOf('deploy-demo')).toHaveLength(4);
    h.github.tags.endSuite(s1, 'success');
    await status(first.id, 'succeeded');
    const s2 = await waitForSuite(5);
    expect(s2.sha).toBe(h.repo.sha('fix-1'));
    h.github.tags.endCheck(h.github.tags.addCheck(s2, 'deploy'), 'success');
    h.github.tags.endSuite(s2, 'success');
    await status(second.id, 'succeeded');
    expect(overlaps).toEqual([]);
    expect(pushesOf('deploy-demo')).toHaveLength(5);
  });

  test('follow: statuses: the named context posted after the move decides; other contexts do not count', async () => {
    const sha = h.repo.sha('main');
    h.github.tags.addStatus(sha, 'ci/circleci: deploy', 'failure'); // an earlier build's
    const { id } = await h.deploy('qa main');
    await eventually('the tag to move', () => pushesOf('deploy-qa').length === 1);
    h.github.tags.addStatus(sha, 'ci/circleci: deploy', 'pending', { targetUrl: 'https://circleci.com/gh/acme/web/77' });
    await eventually(
      'the feed to link the CircleCI job',
      () => h.slack.feedMessage(id) && feedText(id).includes('circleci.com/gh/acme/web/77'),
    );
    h.github.tags.addStatus(sha, 'ci/circleci: lint', 'failure');
    h.github.tags.addStatus(sha, 'ci/circleci: deploy', 'success', {
      description: 'Your tests passed on CircleCI!',
      targetUrl: 'https://circleci.com/gh/acme/web/77',
    });
    await status(id, 'succeeded');
    expect(await logOf(id)).toContain('ci/circleci: deploy: success — Your tests passed on CircleCI!');
  });

  test('follow: none: the deploy succeeds once the tag moved', async () => {
    const { id } = await h.deploy('sandbox main');
    await status(id, 'succeeded');
    expect(h.github.tags.tagOf('acme/web', 'sandbox')).toBe(h.repo.sha('main'));
    expect(pushesOf('sandbox')).toHaveLength(1);
    await h.slack.waitForFeed(id, 'succeeded');
    expect(feedText(id)).toContain('tag sandbox moved to');
  });
});
