import { branchWithCommit } from '../helpers/git-repo';
import { Harness } from '../helpers/harness';
import { eventually } from '../helpers/wait';
import { deliver, WEBHOOK_SECRET } from '../helpers/webhooks';

/** GitHub tells Ferry when a commit's checks change (check_run, status): a deploy waiting for them looks again at once. */
describe('checks webhooks', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await Harness.start({
      env: { GITHUB_WEBHOOK_SECRET: WEBHOOK_SECRET },
      // checks_timeout 30m: without a webhook the worker would look again only every 15 s.
      config: ({ repo }) => ({
        feed_channel: 'C0FEED',
        apps: {
          web: {
            repo: 'acme/web',
            clone_url: repo,
            environments: { staging: { deploy: ['/bin/true'], require_checks: ['ci/test'], checks_timeout: '30m' } },
          },
        },
      }),
    });
  });
  afterAll(() => h.stop());

  /** A new commit on a new branch, known to the fake GitHub by that branch name. */
  const commit = (ref: string): string => {
    const sha = branchWithCommit(h.repo.path, ref);
    h.github.refs.set(`acme/web@${ref}`, sha);
    return sha;
  };

  test.each([
    [
      'check_run',
      (sha: string) => ({
        action: 'completed',
        check_run: { head_sha: sha, name: 'ci/test', conclusion: 'success' },
        repository: { full_name: 'acme/web' },
      }),
    ],
    ['status', (sha: string) => ({ sha, context: 'ci/test', state: 'success', repository: { full_name: 'acme/web' } })],
  ] as const)('a %s event for the SHA starts the waiting deploy well before the next poll', async (event, payload) => {
    const sha = commit(`change-${event}`);
    h.github.statuses.set(sha, [{ context: 'ci/test', state: 'pending' }]);
    const d = await h.deploy(`staging change-${event}`);
    await h.slack.waitForFeed(d.id, 'queued, waiting');
    // The worker has looked, found it pending, and put it aside until its next look (15 s away).
    await eventually(
      'the deploy to be held for checks',
      async () => (await h.redis.zscore(`${h.prefix}:q:deploy.web.staging:delayed`, `d${d.id}`)) !== null,
    );
    h.github.statuses.set(sha, [{ context: 'ci/test', state: 'success' }]);
    // Another SHA's event wakes nothing; this one's does.
    expect((await deliver(h.url, event, payload('f'.repeat(40)))).status).toBe(202);
    expect((await deliver(h.url, event, payload(sha))).status).toBe(202);
    await h.slack.waitForFeed(d.id, 'succeeded', 10_000);
  });
});
