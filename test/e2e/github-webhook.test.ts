import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { latest } from '../helpers/fake-slack';
import { Harness, TestClock, writeScript } from '../helpers/harness';
import { deliver, hubSignature, pushPayload, WEBHOOK_SECRET } from '../helpers/webhooks';
import { eventually, waitForFile } from '../helpers/wait';

/** Marks that it ran (`ran-<id>`), then waits until the test releases it (`release-<id>`). */
const GATE = (dir: string) => `touch "${dir}/ran-$FERRY_DEPLOY_ID"
while [ ! -f "${dir}/release-$FERRY_DEPLOY_ID" ]; do sleep 0.05; done`;

describe('GitHub webhooks: auto_deploy', () => {
  let h: Harness;
  /** Four distinct commits of the harness's repository (main~1, main, fix-1, feature/checkout). */
  let c: string[] = [];
  const file = (name: string) => path.join(h.dir, name);
  const release = (id: number) => writeFileSync(file(`release-${id}`), '');
  const record = async (id: number) => h.redis.hgetall(`${h.prefix}:deploy:${id}`);
  const seq = async () => Number((await h.redis.get(`${h.prefix}:deploy:seq`)) ?? 0);
  const feedText = (id: number) => {
    const m = h.slack.feedMessage(id);
    return m ? JSON.stringify(latest(m).blocks) : '';
  };
  /** Top-level feed lines that are not deploy messages. */
  const feedLines = () =>
    h.slack.messages
      .filter((m) => m.channel === 'C0FEED' && !m.thread_ts && !m.versions[0]!.text.includes('Deploy #'))
      .map((m) => latest(m).text);
  /** Waits until deploy #id exists (the push's work runs after the 202). */
  const accepted = (id: number) => eventually(`deploy #${id} to be accepted`, async () => ((await record(id)).id ? record(id) : undefined));
  const push = (before: string, after: string, o: Parameters<typeof pushPayload>[0] extends infer P ? Partial<P> : never = {}) =>
    deliver(h.url, 'push', pushPayload({ before, after, ...o }));

  beforeEach(async () => {
    h = await Harness.start({
      env: { GITHUB_WEBHOOK_SECRET: WEBHOOK_SECRET },
      config: ({ dir, repo }) => ({
        feed_channel: 'C0FEED',
        shutdown_grace: '1s',
        people: { 'ben-gh': 'U0BEN' },
        apps: {
          web: {
            repo: 'acme/web',
            clone_url: repo,
            environments: {
              dev: { deploy: ['/bin/true'], lock: true, auto_deploy: 'develop' },
              staging: { deploy: [writeScript(dir, 'gate.sh', GATE(dir))], auto_deploy: 'main' },
            },
          },
        },
      }),
    });
    c = ['main~1', 'main', 'fix-1', 'feature/checkout'].map((r) => h.repo.sha(r));
  });
  afterEach(async () => {
    await h?.stop();
  });

  test('a signed push to main deploys its head SHA to staging; the feed says it came from a push, by whom', async () => {
    const r = await push(c[0]!, c[1]!, { commits: 2 });
    expect(r.status).toBe(202);
    expect(r.ms).toBeLessThan(10_000);
    const rec = await accepted(1);
    expect(rec).toMatchObject({
      app: 'web',
      env: 'staging',
      ref: 'main',
      sha: c[1],
      user: 'github',
      autoBy: 'octocat',
      autoPushes: '1',
      autoCommits: '2',
    });
    await waitForFile(file('ran-1'));
    release(1);
    const msg = await h.slack.waitForFeed(1, 'succeeded');
    const text = JSON.stringify(latest(msg).blocks);
    expect(text).toContain(':arrow_up: from a push to `main` (auto deploy)');
    expect(text).toContain('GitHub push by octocat');
    expect(text).not.toContain('<@github>');
    expect(text).not.toContain('carries');
  });

  test("a pusher listed in people: is the deploy's user, mentioned in the feed", async () => {
    expect((await push(c[0]!, c[2]!, { login: 'Ben-GH' })).status).toBe(202);
    expect((await accepted(1)).user).toBe('U0BEN');
    release(1);
    expect(JSON.stringify(latest(await h.slack.waitForFeed(1, 'succeeded')).blocks)).toContain('GitHub push by <@U0BEN> (Ben-GH)');
  });

  test('pushes that arrive while an auto deploy runs collapse: only the newest queued one runs, and says what it carries', async () => {
    await push(c[0]!, c[1]!);
    await accepted(1);
    await waitForFile(file('ran-1'));
    await push(c[1]!, c[2]!, { commits: 2 });
    expect((await accepted(2)).status).toBe('queued');
    await push(c[2]!, c[3]!, { commits: 3 });
    await accepted(3);
    await push(c[3]!, c[0]!, { commits: 1 });
    const last = await accepted(4);
    expect(last.sha).toBe(c[0]);
    // #2 and #3 were cancelled while queued, each by the next push.
    expect(await record(2)).toMatchObject({ status: 'cancelled', error: 'replaced by deploy #3, a newer push' });
    expect(await record(3)).toMatchObject({ status: 'cancelled', error: 'replaced by deploy #4, a newer push' });
    expect(await h.slack.waitForFeed(3, 'cancelled: replaced by deploy #4, a newer push')).toBeDefined();
    await h.slack.waitFor('#4 to say what it carries', () =>
      feedText(4).includes(`carries 3 pushes (6 commits): \`${c[1]!.slice(0, 7)}..${c[0]!.slice(0, 7)}\``),
    );
    release(1);
    release(4);
    await h.slack.waitForFeed(4, 'succeeded');
    expect(existsSync(file('ran-2')) || existsSync(file('ran-3'))).toBe(false);
    expect(await record(1)).toMatchObject({ status: 'succeeded' });
    // The running deploy was never touched by the newer pushes.
    expect((await record(1)).cancelRequestedBy).toBeUndefined();
  });

  test('a frozen env holds an auto deploy (accepted and queued, saying why) and lets it go on /unfreeze', async () => {
    const freeze = await h.slash('/freeze', 'staging release testing', 'U0QA');
    expect(await h.answer(freeze.id)).toContain('Froze `web` *staging*');
    expect((await push(c[0]!, c[1]!)).status).toBe(202);
    const rec = await accepted(1);
    expect(rec.status).toBe('queued');
    await h.slack.waitFor('the feed to say it waits for the freeze', () =>
      /queued, waiting: \*staging\* is frozen by <@U0QA>/.test(feedText(1)),
    );
    expect(existsSync(file('ran-1'))).toBe(false);
    const unfreeze = await h.slash('/unfreeze', 'staging', 'U0QA');
    expect(await h.answer(unfreeze.id)).toBe(':sunny: Unfroze `web` *staging*.');
    await waitForFile(file('ran-1'));
    release(1);
    await h.slack.waitForFeed(1, 'succeeded');
    // Nobody in Slack asked for it: no DM to "github".
    expect(h.slack.dmsTo('github')).toEqual([]);
  });

  test('a locked env refuses an auto deploy, and the feed says which push was not deployed and why', async () => {
    const lock = await h.slash('/lock', 'dev 2h testing checkout', 'U0ANA');
    expect(await h.answer(lock.id)).toContain('dev');
    expect((await push(c[0]!, c[2]!, { branch: 'develop' })).status).toBe(202);
    const line = await h.slack.waitFor('the feed line about the push', () => feedLines().find((l) => l.startsWith(':no_entry: A push')));
    expect(line).toContain(
      `:no_entry: A push to \`develop\` (\`${c[0]!.slice(0, 7)}..${c[2]!.slice(0, 7)}\`) by octocat was not deployed to \`web\` *dev*:`,
    );
    expect(line).toContain('<@U0ANA>');
    expect(await seq()).toBe(0);
  });

  test('a forged or missing signature is refused with 401 and deploys nothing', async () => {
    const forged = await deliver(h.url, 'push', pushPayload({ before: c[0]!, after: c[2]! }), { secret: 'not-the-secret' });
    expect(forged.status).toBe(401);
    expect(forged.text).toContain('Bad signature');
    const missing = await deliver(h.url, 'push', pushPayload({ before: c[0]!, after: c[2]! }), { signature: null });
    expect(missing.status).toBe(401);
    expect(missing.text).toContain('Missing X-Hub-Signature-256');
    // A body changed on the way (signed for another body) is forged too.
    const tampered = await deliver(h.url, 'push', undefined, {
      rawBody: JSON.stringify(pushPayload({ before: c[0]!, after: c[3]! })),
      signature: hubSignature(WEBHOOK_SECRET, JSON.stringify(pushPayload({ before: c[0]!, after: c[2]! }))),
    });
    expect(tampered.status).toBe(401);
    // A genuine push afterwards is the first deploy: the refused ones did nothing.
    expect((await push(c[0]!, c[1]!)).status).toBe(202);
    expect((await accepted(1)).sha).toBe(c[1]);
    expect(await seq()).toBe(1);
  });

  test('a redelivered delivery ID does nothing twice', async () => {
    const first = await push(c[0]!, c[1]!);
    expect(first.status).toBe(202);
    await accepted(1);
    const again = await deliver(h.url, 'push', pushPayload({ before: c[0]!, after: c[1]! }), { delivery: first.delivery });
    expect(again.status).toBe(200);
    expect(again.text).toBe('already handled');
    // The next delivery's deploy is #2: the redelivery made none.
    await push(c[1]!, c[3]!);
    expect((await accepted(2)).sha).toBe(c[3]);
    expect(await seq()).toBe(2);
  });

  test("a push that reaches Ferry after a newer one to the same branch (by GitHub's pushed_at) deploys nothing", async () => {
    expect((await push(c[1]!, c[3]!, { pushedAt: 1_800_000_200 })).status).toBe(202);
    expect((await accepted(1)).sha).toBe(c[3]);
    // The older push, late (another replica was slow, or it was redelivered): not deployed over the newer one.
    expect((await push(c[0]!, c[1]!, { pushedAt: 1_800_000_100 })).status).toBe(202);
    // A later push is #2: the late one made no deploy.
    await push(c[3]!, c[2]!, { pushedAt: 1_800_000_300 });
    expect((await accepted(2)).sha).toBe(c[2]);
    expect(await seq()).toBe(2);
  });

  test('ping, other events, bad JSON, other branches and repositories deploy nothing', async () => {
    expect(await deliver(h.url, 'ping', { zen: 'Keep it logically awesome.', hook_id: 1 })).toMatchObject({ status: 200, text: 'pong' });
    expect(await deliver(h.url, 'issues', { action: 'opened' })).toMatchObject({ status: 202, text: 'ignored: issues' });
    expect((await deliver(h.url, 'push', undefined, { rawBody: '{not json' })).status).toBe(400);
    expect(await push(c[0]!, c[1]!, { branch: 'feature/x' })).toMatchObject({ status: 202 });
    expect(await push(c[0]!, c[1]!, { repo: 'acme/other' })).toMatchObject({ status: 202 });
    expect(await push(c[0]!, '0'.repeat(40), { deleted: true })).toMatchObject({ status: 202 });
    // Pushes are handled in order: a later push to main is the first deploy.
    await push(c[0]!, c[3]!);
    expect((await accepted(1)).sha).toBe(c[3]);
    expect(await seq()).toBe(1);
  });
});

describe('GitHub webhooks: auto_deploy and the deploy window', () => {
  let h: Harness;
  afterEach(async () => {
    await h?.stop();
  });

  test("an auto deploy skips permissions.deploy but waits for the window like anyone's, and starts when it opens", async () => {
    // Tuesday 11 June 2030, 09:59:56 in London (BST): production's window opens in 4 s.
    const clock = new TestClock();
    clock.set(Date.UTC(2030, 5, 11, 8, 59, 56));
    const opens = Date.UTC(2030, 5, 11, 9, 0);
    h = await Harness.start({
      now: clock.now,
      env: { GITHUB_WEBHOOK_SECRET: WEBHOOK_SECRET },
      config: ({ repo }) => ({
        feed_channel: 'C0FEED',
        apps: {
          web: {
            repo: 'acme/web',
            clone_url: repo,
            environments: {
              production: {
                deploy: ['/bin/true'],
                window: 'Mon-Fri 10:00-16:00',
                time_zone: 'Europe/London',
                permissions: { deploy: ['U0REL'] },
                auto_deploy: 'main',
              },
            },
          },
        },
      }),
    });
    // A person not in permissions.deploy is refused...
    const refused = await h.slash('/deploy', 'production main', 'U0ANA');
    expect(await h.answer(refused.id)).toContain('Nothing was queued.');
    // ...while a push deploys, held for the window.
    const sha = h.repo.sha('main');
    expect((await deliver(h.url, 'push', pushPayload({ before: h.repo.sha('main~1'), after: sha }))).status).toBe(202);
    const msg = await h.slack.waitForFeed(1, 'queued, waiting');
    expect(JSON.stringify(latest(msg).blocks)).toContain('*production* deploys start in its window (Mon-Fri 10:00-16:00 Europe/London)');
    await h.slack.waitForFeed(1, 'succeeded');
    const rec = await h.redis.hgetall(`${h.prefix}:deploy:1`);
    expect(rec).toMatchObject({ sha, user: 'github', status: 'succeeded' });
    expect(Number(rec.startedAt)).toBeGreaterThanOrEqual(opens);
  });
});

describe('GitHub webhooks: rotating the secret (GITHUB_WEBHOOK_SECRET_PREVIOUS)', () => {
  const NEW_SECRET = 'the-new-webhook-secret-9876543210';
  let h: Harness;
  const started = (env: Record<string, string>) =>
    Harness.start({
      env,
      config: ({ repo }) => ({
        feed_channel: 'C0FEED',
        apps: { web: { repo: 'acme/web', clone_url: repo, environments: { staging: { deploy: ['/bin/true'], auto_deploy: 'main' } } } },
      }),
    });
  const pushed = (after: string, secret: string) =>
    deliver(h.url, 'push', pushPayload({ before: h.repo.sha('main~1'), after }), { secret });
  afterEach(async () => {
    await h?.stop();
  });

  test('while the previous secret is set, a delivery signed with either the new or the previous secret deploys', async () => {
    h = await started({ GITHUB_WEBHOOK_SECRET: NEW_SECRET, GITHUB_WEBHOOK_SECRET_PREVIOUS: WEBHOOK_SECRET });
    // GitHub still signs with the old secret (the webhook's secret not changed there yet): accepted.
    expect((await pushed(h.repo.sha('main'), WEBHOOK_SECRET)).status).toBe(202);
    await h.slack.waitForFeed(1, 'succeeded');
    // GitHub now signs with the new secret: accepted.
    expect((await pushed(h.repo.sha('fix-1'), NEW_SECRET)).status).toBe(202);
    await h.slack.waitForFeed(2, 'succeeded');
    // Any other secret is refused, as always.
    const forged = await pushed(h.repo.sha('main'), 'not-the-secret');
    expect(forged.status).toBe(401);
    expect(forged.text).toContain('Bad signature');
    expect(await h.redis.get(`${h.prefix}:deploy:seq`)).toBe('2');
  });

  test('once the previous secret is unset, a delivery signed with it gets the usual refusal and deploys nothing', async () => {
    h = await started({ GITHUB_WEBHOOK_SECRET: NEW_SECRET });
    const old = await pushed(h.repo.sha('main'), WEBHOOK_SECRET);
    expect(old.status).toBe(401);
    expect(old.text).toBe(
      "Bad signature: X-Hub-Signature-256 does not match this body and Ferry's GITHUB_WEBHOOK_SECRET; the webhook's secret in GitHub must be the same.",
    );
    expect(await h.redis.get(`${h.prefix}:deploy:seq`)).toBeNull();
    expect((await pushed(h.repo.sha('main'), NEW_SECRET)).status).toBe(202);
    await h.slack.waitForFeed(1, 'succeeded');
  });
});
