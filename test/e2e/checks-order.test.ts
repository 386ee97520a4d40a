import { latest } from '../helpers/fake-slack';
import { branchWithCommit } from '../helpers/git-repo';
import { Harness } from '../helpers/harness';

/** Deploys to an env that requires checks still go in order: a newer SHA with green checks waits behind an older one whose checks run. */
describe('required checks keep deploys in order', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await Harness.start({
      // checks_timeout 8s: held deploys look again every 2 s.
      config: ({ repo }) => ({
        feed_channel: 'C0FEED',
        apps: {
          web: {
            repo: 'acme/web',
            clone_url: repo,
            environments: { staging: { deploy: ['/bin/true'], require_checks: ['ci/test'], checks_timeout: '8s' } },
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

  test('the newer deploy waits behind the older, then both run, older first', async () => {
    const older = commit('older');
    const newer = commit('newer');
    h.github.statuses.set(older, [{ context: 'ci/test', state: 'pending' }]);
    h.github.statuses.set(newer, [{ context: 'ci/test', state: 'success' }]);
    const first = await h.deploy('staging older');
    await h.slack.waitForFeed(first.id, 'queued, waiting');
    await h.slack.waitFor('the older deploy to be held for checks', () =>
      JSON.stringify(latest(h.slack.feedMessage(first.id)!).blocks).includes('waiting for checks: ci/test'),
    );
    const second = await h.deploy('staging newer');
    await h.slack.waitFor('the newer deploy to wait behind the older', () =>
      JSON.stringify(latest(h.slack.feedMessage(second.id)!).blocks).includes(
        `waiting behind deploy #${first.id}, whose checks are still running (deploys to staging go in order)`,
      ),
    );
    h.github.statuses.set(older, [{ context: 'ci/test', state: 'success' }]);
    await h.slack.waitForFeed(first.id, 'succeeded');
    await h.slack.waitForFeed(second.id, 'succeeded');
    const started = async (id: number) => Number(await h.redis.hget(`${h.prefix}:deploy:${id}`, 'startedAt'));
    expect(await started(first.id)).toBeLessThan(await started(second.id));
    expect(await h.redis.hget(`${h.prefix}:env:web:staging`, 'sha')).toBe(newer);
  });
});
