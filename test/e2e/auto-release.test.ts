import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { parseConfig } from '../../src/config/load';
import { latest } from '../helpers/fake-slack';
import { Harness } from '../helpers/harness';
import { deliver, WEBHOOK_SECRET } from '../helpers/webhooks';
import { eventually } from '../helpers/wait';

/**
 * `auto_release:` end to end: signed GitHub deliveries (a tag push, a tag's create, a published
 * release) open releases of the tag's commit to production, through the fake GitHub backed by the
 * harness's repository (main~1 <- main <- feature/checkout, and fix-1 beside it).
 */

const ZERO = '0'.repeat(40);
const who = { sender: { login: 'Ben-GH', type: 'User' } };
const repository = { full_name: 'acme/web', name: 'web' };

const tagPush = (tag: string, sha: string) => ({
  ref: `refs/tags/${tag}`,
  before: ZERO,
  after: sha,
  created: true,
  deleted: false,
  forced: false,
  base_ref: null,
  commits: [],
  head_commit: null,
  repository,
  pusher: { name: 'Ben-GH', email: 'ben@example.com' },
  ...who,
});
const tagCreate = (tag: string) => ({ ref: tag, ref_type: 'tag', master_branch: 'main', pusher_type: 'user', repository, ...who });
const releasePublished = (tag: string) => ({
  action: 'published',
  release: { tag_name: tag, name: tag, draft: false, prerelease: false },
  repository,
  ...who,
});

describe('auto_release: tags and GitHub releases open releases', () => {
  let h: Harness;
  const git = (args: string[]) =>
    execFileSync('git', args, { cwd: h.repo.path, encoding: 'utf8', env: { PATH: process.env.PATH!, HOME: h.dir } }).trim();
  const tag = (name: string, ref: string) => git(['tag', name, ref]);
  const store = () => h.running!.parts.releaseStore;
  const seq = async () => Number((await h.redis.get(`${h.prefix}:release:seq`)) ?? 0);
  /** Release #id once it exists (the delivery's work follows its 202). */
  const opened = (id: number) =>
    eventually(`release #${id} to be opened`, () =>
      store()
        .get(id)
        .then((r) => (r?.sourceSha ? r : undefined)),
    );
  /** Top-level feed lines that are neither deploy messages nor release summaries. */
  const feedLines = () =>
    h.slack.messages
      .filter(
        (m) =>
          m.channel === 'C0FEED' &&
          !m.thread_ts &&
          !m.versions[0]!.text.includes('Deploy #') &&
          !/^Release #\d+ /.test(m.versions[0]!.text),
      )
      .map((m) => latest(m).text);
  const deployed = async (env: string, sha: string) => h.slack.waitForFeed((await h.deploy(`web ${env} ${sha}`)).id, 'succeeded');

  const start = async (production: Record<string, unknown>) => {
    h = await Harness.start({
      env: { GITHUB_WEBHOOK_SECRET: WEBHOOK_SECRET },
      config: ({ repo }) => ({
        feed_channel: 'C0FEED',
        shutdown_grace: '1s',
        people: { 'ben-gh': 'U0BEN' },
        apps: {
          web: {
            repo: 'acme/web',
            clone_url: repo,
            environments: {
              staging: { deploy: ['/bin/true'] },
              production: { deploy: ['/bin/true'], promote_from: 'staging', ...production },
            },
          },
        },
      }),
    });
    h.github.repos.set('acme/web', h.repo.path);
  };
  afterEach(async () => {
    await h?.stop();
  });

  test("a tag push v1.2.0 opens a release of the tag's SHA to production, with the commits since production's SHA; the pusher is its requester", async () => {
    await start({ auto_release: 'tags' });
    await deployed('production', h.repo.sha('main~1'));
    // Staging runs something else: the release is the tag's, not staging's.
    await deployed('staging', h.repo.sha('fix-1'));
    const sha = h.repo.sha('feature/checkout');
    tag('v1.2.0', sha);

    const r = await deliver(h.url, 'push', tagPush('v1.2.0', sha));
    expect(r.status).toBe(202);
    const rel = await opened(1);
    expect(rel).toMatchObject({
      app: 'web',
      from: 'staging',
      to: 'production',
      sourceSha: sha,
      targetSha: h.repo.sha('main~1'),
      tag: 'v1.2.0',
      sourceRef: 'v1.2.0',
      requester: 'U0BEN',
      commitCount: 2,
      status: 'open',
    });
    expect((await store().commits(1)).map((c) => c.subject)).toEqual(['add app', 'work on feature/checkout']);

    const summary = await h.slack.waitFor("release #1's summary", () =>
      h.slack.messages.find((m) => m.channel === 'C0FEED' && !m.thread_ts && latest(m).text.startsWith('Release #1 ')),
    );
    const text = JSON.stringify(latest(summary).blocks);
    expect(text).toContain('tag `v1.2.0`');
    expect(text).toContain('from tag `v1.2.0` (auto release)');
    expect(h.slack.rejected).toEqual([]);
  });

  test('a non-matching tag opens nothing; the create event of a released tag opens nothing more; a tag while one is open is said in the feed', async () => {
    await start({ auto_release: 'tags' });
    await deployed('production', h.repo.sha('main~1'));
    const sha = h.repo.sha('main');
    tag('nightly-1', sha);
    tag('v1.2.0', sha);
    tag('v1.3.0', h.repo.sha('feature/checkout'));

    expect((await deliver(h.url, 'push', tagPush('nightly-1', sha))).status).toBe(202);
    // Deliveries are handled in order: once v1.2.0's release exists, nightly-1 has been handled.
    expect((await deliver(h.url, 'push', tagPush('v1.2.0', sha))).status).toBe(202);
    expect(await opened(1)).toMatchObject({ tag: 'v1.2.0', sourceSha: sha });

    // GitHub's create event for the same tag (another delivery): the same release, nothing new.
    expect((await deliver(h.url, 'create', tagCreate('v1.2.0'))).status).toBe(202);
    // v1.3.0 while #1 is open: not released, and the feed says why. Handled after the create.
    expect((await deliver(h.url, 'push', tagPush('v1.3.0', h.repo.sha('feature/checkout')))).status).toBe(202);
    const line = await h.slack.waitFor('the feed line for v1.3.0', () => feedLines().find((t) => t.includes('v1.3.0')));
    expect(line).toContain('Tag `v1.3.0` (by Ben-GH) was not released to `web` *production*');
    expect(line).toMatch(/release #1/i);

    expect(await seq()).toBe(1);
    expect((await store().get(1))!.tag).toBe('v1.2.0');
    expect(feedLines().filter((t) => t.includes('v1.2.0') || t.includes('nightly-1'))).toEqual([]);
    // A redelivery of a delivery is taken once.
    const again = await deliver(h.url, 'create', tagCreate('v1.2.0'), { delivery: 'fixed-delivery-id' });
    expect(again.status).toBe(202);
    expect((await deliver(h.url, 'create', tagCreate('v1.2.0'), { delivery: 'fixed-delivery-id' })).text).toBe('already handled');
  });

  test('a create event alone resolves the tag through GitHub and opens the release', async () => {
    await start({ auto_release: 'tags', release_tags: 'release-*' });
    await deployed('production', h.repo.sha('main~1'));
    tag('release-7', h.repo.sha('main'));
    expect((await deliver(h.url, 'create', tagCreate('release-7'))).status).toBe(202);
    expect(await opened(1)).toMatchObject({ tag: 'release-7', sourceSha: h.repo.sha('main'), commitCount: 1, requester: 'U0BEN' });
  });

  test('with auto_release: releases, a published GitHub release opens one (a tag push does not); source deploys leave it fresh, a target deploy makes it stale, and Refresh keeps the tag', async () => {
    await start({ auto_release: 'releases' });
    await deployed('production', h.repo.sha('main~1'));
    const sha = h.repo.sha('feature/checkout');
    tag('v2.0.0', sha);
    tag('v1.9.0', h.repo.sha('main'));

    // With auto_release: releases, a tag push opens nothing (handled before the release below).
    expect((await deliver(h.url, 'push', tagPush('v1.9.0', h.repo.sha('main')))).status).toBe(202);
    expect((await deliver(h.url, 'release', { ...releasePublished('v2.0.0'), action: 'created' })).status).toBe(202);
    expect((await deliver(h.url, 'release', releasePublished('v2.0.0'))).status).toBe(202);
    expect(await opened(1)).toMatchObject({ tag: 'v2.0.0', sourceSha: sha, from: 'staging', commitCount: 2 });
    expect(await seq()).toBe(1);

    // A deploy to staging (the promote_from env) does not make a tag's release stale...
    await deployed('staging', h.repo.sha('fix-1'));
    // ...a deploy to production does (a hotfix it would undo); staleness is recorded once, so its env says which came first.
    await deployed('production', h.repo.sha('main'));
    const stale = await eventually('release #1 to be stale', () =>
      store()
        .get(1)
        .then((r) => r?.stale),
    );
    expect(stale.env).toBe('production');

    const answer = await h.running!.parts.releases.refresh(1, 'U0ANA', 'refresh-1');
    expect(answer.text).toContain('release #2');
    expect(await store().get(2)).toMatchObject({ tag: 'v2.0.0', sourceSha: sha, targetSha: h.repo.sha('main'), commitCount: 1 });
  });
});

describe('auto_release in the config', () => {
  const config = (production: Record<string, unknown>, app: Record<string, unknown> = { repo: 'acme/web' }) =>
    JSON.stringify({
      feed_channel: 'C0FEED',
      apps: { web: { ...app, environments: { staging: { deploy: ['/bin/true'] }, production: { deploy: ['/bin/true'], ...production } } } },
    });
  const file = path.join('/tmp', 'ferry.yml');

  test('auto_release without promote_from is a config error saying what to add', () => {
    expect(() => parseConfig(config({ auto_release: 'tags' }), file)).toThrow(
      /apps\.web\.environments\.production\.auto_release: found "tags"; needs promote_from on the same env.*promote_from: staging/,
    );
  });

  test('auto_release on a path: app, release_tags without auto_release, and a bad value are config errors', () => {
    expect(() => parseConfig(config({ promote_from: 'staging', auto_release: 'tags' }, { path: '.' }), file)).toThrow(
      /auto_release: found "tags"; needs the app to come from GitHub/,
    );
    expect(() => parseConfig(config({ promote_from: 'staging', release_tags: 'v*' }), file)).toThrow(
      /release_tags: found "v\*"; only means something with auto_release/,
    );
    expect(() => parseConfig(config({ promote_from: 'staging', auto_release: 'always' }), file)).toThrow(
      /auto_release: .*must be tags .* or releases/,
    );
  });

  test('auto_release with promote_from reads as autoRelease, release_tags defaulting to v*', () => {
    const c = parseConfig(config({ promote_from: 'staging', auto_release: 'releases' }), file);
    expect(c.apps.web!.envs.production!.autoRelease).toEqual({ on: 'releases', tags: 'v*' });
    const t = parseConfig(config({ promote_from: 'staging', auto_release: 'tags', release_tags: 'release-*' }), file);
    expect(t.apps.web!.envs.production!.autoRelease).toEqual({ on: 'tags', tags: 'release-*' });
    expect(parseConfig(config({ promote_from: 'staging' }), file).apps.web!.envs.production!.autoRelease).toBeUndefined();
  });
});
