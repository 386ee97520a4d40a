import { Harness, writeScript } from '../helpers/harness';
import { eventually } from '../helpers/wait';

/** The repository's environments page on GitHub tells the same story as the feed: one deployment per deploy, its states in order. */
describe('GitHub Deployments', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await Harness.start({
      env: { FERRY_PUBLIC_URL: 'https://ferry.acme.test' },
      config: ({ repo, dir }) => ({
        feed_channel: 'C0FEED',
        apps: {
          web: {
            repo: 'acme/web',
            clone_url: repo,
            environments: {
              staging: { deploy: ['/bin/true'] },
              production: { deploy: [writeScript(dir, 'fail.sh', 'echo broken; exit 4')] },
            },
          },
        },
      }),
    });
    h.github.refs.set('acme/web@main', h.repo.sha('main'));
  });
  afterAll(() => h.stop());

  test('a deploy is a deployment for its SHA and env, with queued, in_progress and success (linking the log page); a failed one ends in failure', async () => {
    const ok = await h.deploy('staging main');
    await h.slack.waitForFeed(ok.id, 'succeeded');
    const bad = await h.deploy('production main');
    await h.slack.waitForFeed(bad.id, 'failed');
    const ended = (env: string, state: string) => h.github.deployments.find((d) => d.environment === env && d.statuses.some((s) => s.state === state));
    const staging = await eventually('staging deployment to succeed', () => ended('staging', 'success'));
    const production = await eventually('production deployment to fail', () => ended('production', 'failure'));
    expect(h.github.deployments).toHaveLength(2);
    expect(staging).toMatchObject({ repo: 'acme/web', ref: h.repo.sha('main'), body: { auto_merge: false, required_contexts: [], payload: { ferry_deploy_id: ok.id } } });
    expect(staging.statuses.map((s) => s.state)).toEqual(['queued', 'in_progress', 'success']);
    expect(staging.statuses[2]!.log_url).toMatch(new RegExp(`^https://ferry\\.acme\\.test/deploys/${ok.id}\\?t=`));
    expect(production.statuses.map((s) => s.state)).toEqual(['queued', 'in_progress', 'failure']);
    expect(production.statuses[2]!.description).toBe(`Deploy #${bad.id} failed (exit 4)`);
  });
});
