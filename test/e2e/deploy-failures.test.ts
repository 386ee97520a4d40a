import { readFileSync } from 'node:fs';
import { latest } from '../helpers/fake-slack';
import { Harness, writeScript } from '../helpers/harness';

describe('deploys that go wrong', () => {
  let h: Harness;
  afterEach(async () => {
    await h?.stop();
  });

  test('a failing command marks the deploy failed, mentions the requester and posts the last log lines in the thread', async () => {
    h = await Harness.start({
      config: ({ dir }) => ({
        feed_channel: 'C0FEED',
        apps: {
          web: {
            path: `${dir}/repo`,
            environments: {
              staging: {
                deploy: [
                  writeScript(
                    dir,
                    'fail.sh',
                    'echo "migrating database"\necho "token xoxb-1111-2222-secretsecret leaked"\necho "ERROR: migration 42 failed" >&2\nexit 3',
                  ),
                ],
              },
            },
          },
        },
      }),
    });
    const { id } = await h.deploy('staging main', 'U0BEN');
    const msg = await h.slack.waitForFeed(id, 'failed');
    expect(latest(msg).text).toContain('failed');
    const section = JSON.stringify(latest(msg).blocks);
    // One sentence: the requester pinged first, the exit code said once.
    expect(section).toMatch(/<@U0BEN> your deploy \*failed\* after \d+s: the deploy command exited with 3\./);
    expect(section).not.toContain('(exit 3)');

    const thread = await h.slack.waitFor('the failure log in the thread', () => h.slack.messages.find((m) => m.thread_ts === msg.ts));
    const text = JSON.stringify(thread.versions[0]);
    expect(text).toContain('<@U0BEN>');
    expect(text).toContain('ERROR: migration 42 failed');
    expect(text).toContain('migrating database');
    expect(text).not.toContain('secretsecret');
    expect(text).toContain('[redacted]');
  });

  test('a deploy that runs past the env timeout is stopped and reported as timed out', async () => {
    h = await Harness.start({
      config: ({ dir }) => ({
        feed_channel: 'C0FEED',
        apps: {
          web: {
            path: `${dir}/repo`,
            environments: { staging: { deploy: [writeScript(dir, 'hang.sh', 'echo started; sleep 600')], timeout: '1s' } },
          },
        },
      }),
    });
    const { id } = await h.deploy('staging');
    const msg = await h.slack.waitForFeed(id, 'failed');
    expect(JSON.stringify(latest(msg).blocks)).toContain('timed out after 1s');
  });

  test('a ref that does not exist is refused after the ack and nothing is queued', async () => {
    h = await Harness.start();
    const r = await h.slash('/deploy', 'dev no-such-branch');
    expect(r.ack.status).toBe(200);
    expect(await h.answer(r.id)).toContain('There is no branch, tag or commit `no-such-branch`');
    expect(await h.redis.get(`${h.prefix}:deploy:seq`)).toBeNull();
    expect(h.slack.messages).toHaveLength(0);
  });

  test('a misspelt branch gets a suggestion of the one that exists', async () => {
    h = await Harness.start();
    const r = await h.slash('/deploy', 'dev featur/checkout');
    expect(await h.answer(r.id)).toContain(
      `There is no branch, tag or commit \`featur/checkout\` in ${h.repo.path}; nothing was queued. Did you mean \`feature/checkout\`?`,
    );
    expect(await h.redis.get(`${h.prefix}:deploy:seq`)).toBeNull();
  });

  test('a 429 from Slack on feed updates is waited out and the message still ends in its final state', async () => {
    h = await Harness.start();
    h.slack.failNext('chat.update', 429, { retryAfterS: 1, count: 2 });
    const { id } = await h.deploy('staging');
    const msg = await h.slack.waitForFeed(id, 'succeeded');
    expect(h.slack.calls.filter((c) => c.method === 'chat.update!429')).toHaveLength(2);
    expect(latest(msg).text).toContain('succeeded');
  });

  test('a 5xx from Slack on the first post is retried, and the deploy still runs', async () => {
    h = await Harness.start();
    h.slack.failNext('chat.postMessage', 503);
    const { id } = await h.deploy('staging');
    await h.slack.waitForFeed(id, 'succeeded');
    expect(h.slack.calls.some((c) => c.method === 'chat.postMessage!503')).toBe(true);
    expect(h.slack.messages.filter((m) => m.versions[0]!.text.includes(`Deploy #${id} `))).toHaveLength(1);
  });
});

/** True while a process runs (a zombie, dead but not yet reaped, does not count). */
function running(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

describe('a command that leaves a background process behind', () => {
  let h: Harness;
  afterEach(async () => {
    await h?.stop();
  });

  test('does not hold its deploy open: the deploy succeeds, the leftover is stopped, and the next deploy runs', async () => {
    h = await Harness.start({
      config: ({ dir, repo }) => ({
        feed_channel: 'C0FEED',
        apps: {
          web: {
            path: repo,
            environments: {
              staging: {
                timeout: '5m',
                deploy: [writeScript(dir, 'daemon.sh', `sleep 600 &\necho $! > ${dir}/daemon-$FERRY_DEPLOY_ID.pid\necho started`)],
              },
            },
          },
        },
      }),
    });
    const first = await h.deploy('staging');
    await h.slack.waitForFeed(first.id, 'succeeded');
    const pid = Number(readFileSync(`${h.dir}/daemon-${first.id}.pid`, 'utf8'));
    expect(running(pid)).toBe(false);
    const second = await h.deploy('staging', 'U0BEN');
    await h.slack.waitForFeed(second.id, 'succeeded');
  });
});
