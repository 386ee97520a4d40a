import { Harness } from '../helpers/harness';
import { post, sign, slashBody } from '../helpers/slack-requests';

describe('GitHub-backed apps', () => {
  let h: Harness;
  let sha = '';
  beforeEach(async () => {
    h = await Harness.start({
      config: ({ repo, deployRoot }) => ({
        feed_channel: 'C0FEED',
        apps: {
          // Refs resolve through the GitHub API; the worker clones clone_url (a local repo here).
          web: { repo: 'acme/web', clone_url: repo, environments: { staging: { deploy: ['/bin/true', deployRoot] } } },
        },
      }),
    });
    sha = h.repo.sha('fix-1');
    h.github.refs.set('acme/web@fix-1', sha);
  });
  afterEach(async () => {
    await h?.stop();
  });

  test('the ref is pinned to the SHA GitHub returns, and the feed links the commit', async () => {
    const { id, answer } = await h.deploy('staging fix-1');
    expect(answer).toContain(`\`${sha.slice(0, 7)}\``);
    const msg = await h.slack.waitForFeed(id, 'succeeded');
    expect(JSON.stringify(msg.versions.at(-1)!.blocks)).toContain(
      `${h.github.url}/acme/web/commit/${sha}`.replace('http://127.0.0.1', 'http://127.0.0.1'),
    );
    expect(h.github.requests.some((r) => r.startsWith('GET /repos/acme/web/commits/fix-1'))).toBe(true);
  });

  test('a ref GitHub does not know is refused, with the closest branch GitHub lists', async () => {
    const r = await h.slash('/deploy', 'staging fix-2');
    expect(await h.answer(r.id)).toContain(
      'There is no branch, tag or commit `fix-2` in acme/web; nothing was queued. Did you mean `fix-1`?',
    );
  });

  test('every command is acked within 3 s while the GitHub API hangs; the answer follows when GitHub is back', async () => {
    h.github.hang = true;
    const acks = await Promise.all(['U0ANA', 'U0BEN', 'U0CAT'].map((u) => h.slash('/deploy', 'staging fix-1', u)));
    for (const a of acks) {
      expect(a.ack.status).toBe(200);
      expect(a.ack.ms).toBeLessThan(3_000);
    }
    await h.github.waitForRequests(3);
    h.github.release();
    for (const a of acks) expect(await h.answer(a.id)).toMatch(/Accepted as \*deploy #\d\*/);
  });

  test('a retried delivery of the same slash command (same trigger_id) deploys once', async () => {
    const body = slashBody('/deploy', 'staging fix-1', 'U0ANA', h.slack.responseUrl('once'));
    const now = Math.floor(Date.now() / 1000);
    const first = await post(`${h.url}/slack/events`, body, sign('test-signing-secret-0123456789', body, now - 10));
    expect(first.status).toBe(200);
    const firstAnswer = String((await h.slack.waitForResponse('once', 1)).text);
    // Slack signs a retry anew (a new timestamp), so it passes the replay check; the trigger_id is the same.
    const retry = await post(`${h.url}/slack/events`, body, sign('test-signing-secret-0123456789', body, now));
    expect(retry.status).toBe(200);
    const second = String((await h.slack.waitForResponse('once', 2)).text);
    expect(firstAnswer).toContain('Accepted as *deploy #1*');
    expect(second).toContain('Already accepted as *deploy #1*');
    await h.slack.waitForFeed(1, 'succeeded');
    expect(await h.redis.get(`${h.prefix}:deploy:seq`)).toBe('1');
  });
});
