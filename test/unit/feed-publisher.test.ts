import type { WebClient } from '@slack/web-api';
import type { Redis } from 'ioredis';
import pino from 'pino';
import { makeRedactor } from '../../src/core/redact';
import { type FeedDeps, FeedPublisher, type QueueView, type ReviewMessages } from '../../src/feed/publisher';
import { DeployStore } from '../../src/store/deploys';
import type { Keys } from '../../src/store/keys';
import { LogStore } from '../../src/store/logs';
import { deletePrefix, newRedis, uniqueKeys } from './fixtures';

const SHA = 'abcdef0123456789abcdef0123456789abcdef01';

type Args = Record<string, unknown>;
interface Call {
  method: 'postMessage' | 'update' | 'getPermalink';
  args: Args;
}

/** A gate that calls wait on until the test opens it. */
function gate(): { wait: Promise<void>; open: () => void } {
  let open!: () => void;
  const wait = new Promise<void>((r) => (open = r));
  return { wait, open };
}

/**
 * Slack's chat methods, in process: records every call, and lets a test hold postMessage or
 * update in flight (to play a slow Slack) and wait for calls as they happen.
 */
class FakeChat {
  readonly calls: Call[] = [];
  holdPosts?: Promise<void>;
  holdUpdates?: Promise<void>;
  private seq = 0;
  private watchers: (() => void)[] = [];

  readonly chat = {
    postMessage: async (args: Args) => {
      this.record('postMessage', args);
      if (this.holdPosts) await this.holdPosts;
      this.seq += 1;
      return { ok: true, channel: args.channel as string, ts: `1760000000.${String(this.seq).padStart(6, '0')}` };
    },
    update: async (args: Args) => {
      this.record('update', args);
      if (this.holdUpdates) await this.holdUpdates;
      return { ok: true, channel: args.channel as string, ts: args.ts as string };
    },
    getPermalink: async (args: Args) => {
      this.record('getPermalink', args);
      return {
        ok: true,
        permalink: `https://acme.slack.test/archives/${String(args.channel)}/p${String(args.message_ts).replace('.', '')}`,
      };
    },
  };

  get client(): WebClient {
    return this as unknown as WebClient;
  }

  of(method: Call['method']): Args[] {
    return this.calls.filter((c) => c.method === method).map((c) => c.args);
  }

  /** Resolves as soon as `cond` holds, re-checking on every call. */
  until(what: string, cond: () => boolean, timeoutMs = 5_000): Promise<void> {
    if (cond()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`timed out waiting for ${what}; calls: ${this.calls.map((c) => c.method).join(', ')}`)),
        timeoutMs,
      );
      const check = () => {
        if (!cond()) return;
        clearTimeout(timer);
        this.watchers = this.watchers.filter((w) => w !== check);
        resolve();
      };
      this.watchers.push(check);
    });
  }

  private record(method: Call['method'], args: Args): void {
    this.calls.push({ method, args });
    for (const w of [...this.watchers]) w();
  }
}

/** The mrkdwn of a message's first section (its state line). */
const sectionText = (args: Args): string => (args.blocks as { text: { text: string } }[])[0]!.text.text;

let redis: Redis;
let k: Keys;
beforeAll(() => {
  redis = newRedis();
});
beforeEach(() => {
  k = uniqueKeys('feed');
});
afterEach(async () => {
  await deletePrefix(redis, k);
});
afterAll(async () => {
  await redis.quit();
});

const noQueue: QueueView = { waiting: async () => [], active: async () => [] };

function publisher(slack: FakeChat, over: Partial<FeedDeps> = {}, conn: Redis = redis): FeedPublisher {
  return new FeedPublisher({
    slack: slack.client,
    deploys: new DeployStore(conn, k),
    logs: new LogStore(conn, k, 1_000),
    queues: noQueue,
    commitUrl: () => undefined,
    permalink: async (channel, ts) => (await slack.chat.getPermalink({ channel, message_ts: ts })).permalink,
    redact: makeRedactor([]),
    log: pino({ level: 'silent' }),
    poster: 'test-process',
    claimWaitMs: 3_000,
    ...over,
  });
}

let idem = 0;
async function newDeploy(user = 'U0ANA', env = 'dev'): Promise<number> {
  idem += 1;
  const r = await new DeployStore(redis, k).accept(
    { app: 'web', env, ref: 'feature/checkout', sha: SHA, user, feedChannel: 'C0FEED', idempotencyKey: `feed-${idem}` },
    Date.now(),
  );
  if (r.kind !== 'accepted') throw new Error(r.kind);
  return r.id;
}

/** Changes a deploy the way the stores do: new field values and a bumped revision. */
async function change(id: number, fields: Record<string, string | number>): Promise<void> {
  await redis.multi().hset(k.deploy(id), fields).hincrby(k.deploy(id), 'rev', 1).exec();
}

describe('FeedPublisher.refresh', () => {
  test('the first refresh posts the message once, in the feed channel, and stores where it is', async () => {
    const slack = new FakeChat();
    const queues: QueueView = { waiting: async () => [1], active: async () => [] };
    const feed = publisher(slack, { queues, commitUrl: (app, sha) => `https://github.com/acme/${app}/commit/${sha}` });
    const id = await newDeploy();
    await feed.refresh(id);

    const posts = slack.of('postMessage');
    expect(posts).toHaveLength(1);
    expect(posts[0]).toMatchObject({
      channel: 'C0FEED',
      unfurl_links: false,
      text: ':hourglass_flowing_sand: Deploy #1 · web to dev: queued, starting next',
    });
    expect(JSON.stringify(posts[0]!.blocks)).toContain(`<https://github.com/acme/web/commit/${SHA}|abcdef0>`);
    expect(await new DeployStore(redis, k).get(id)).toMatchObject({ feedChannel: 'C0FEED', feedTs: '1760000000.000001' });
    expect(slack.of('update')).toHaveLength(0);
  });

  test('later refreshes update that message in place', async () => {
    const slack = new FakeChat();
    const feed = publisher(slack);
    const id = await newDeploy();
    await feed.refresh(id);
    await change(id, { status: 'running', startedAt: Date.now(), worker: 'host-a:1' });
    await feed.refresh(id);

    expect(slack.of('postMessage')).toHaveLength(1);
    const updates = slack.of('update');
    expect(updates).toHaveLength(1);
    expect(updates[0]).toMatchObject({ channel: 'C0FEED', ts: '1760000000.000001' });
    expect(sectionText(updates[0]!)).toContain('running since');
    expect(sectionText(updates[0]!)).not.toContain('host-a'); // the worker's host:pid is for the log page, not the feed
  });

  test('a refresh that would not change the message sends nothing', async () => {
    const slack = new FakeChat();
    const feed = publisher(slack);
    const id = await newDeploy();
    await feed.refresh(id);
    await change(id, { status: 'running', startedAt: Date.now(), worker: 'host-a:1' });
    await feed.refresh(id);
    await feed.refresh(id);
    await feed.refresh(id);
    expect(slack.of('update')).toHaveLength(1);
  });

  test('a running deploy shows the estimate from the env’s recent durations', async () => {
    const slack = new FakeChat();
    const feed = publisher(slack);
    const id = await newDeploy();
    await redis.lpush(k.envDurations('web', 'dev'), 60_000, 90_000, 120_000);
    await change(id, { status: 'running', startedAt: Date.now(), worker: 'w' });
    await feed.refresh(id);
    expect(sectionText(slack.of('postMessage')[0]!)).toContain('usually takes 1m 30s, done around <!date^');
  });

  test('a queued deploy names the one it waits behind', async () => {
    const slack = new FakeChat();
    const first = await newDeploy();
    const second = await newDeploy();
    const third = await newDeploy();
    const queues: QueueView = { waiting: async () => [second, third], active: async () => [first] };
    await publisher(slack, { queues }).refresh(third);
    expect(slack.of('postMessage')[0]!.text).toBe(`:hourglass_flowing_sand: Deploy #${third} · web to dev: queued behind #${second}`);
    await publisher(slack, { queues }).refresh(second);
    expect(slack.of('postMessage')[1]!.text).toBe(
      `:hourglass_flowing_sand: Deploy #${second} · web to dev: queued, next in line, behind #${first} (running)`,
    );
  });

  test('20 refreshes while an update is in flight collapse into at most 2 more updates, and the last one shows the newest state', async () => {
    const slack = new FakeChat();
    const feed = publisher(slack);
    const id = await newDeploy();
    await feed.refresh(id);

    const slow = gate();
    slack.holdUpdates = slow.wait;
    await change(id, { status: 'running', startedAt: Date.now(), worker: 'w', waitingFor: 'step 0' });
    const pending = [feed.refresh(id)];
    await slack.until('the first update to be in flight', () => slack.of('update').length === 1);

    for (let i = 1; i <= 20; i++) {
      await change(id, { waitingFor: `step ${i}` });
      pending.push(feed.refresh(id));
    }
    expect(slack.of('update')).toHaveLength(1); // nothing else went out while Slack was busy
    slow.open();
    await Promise.all(pending);

    const updates = slack.of('update');
    expect(updates.length).toBeGreaterThanOrEqual(2);
    expect(updates.length).toBeLessThanOrEqual(3);
    expect(sectionText(updates[0]!)).toContain('· step 0');
    expect(sectionText(updates[updates.length - 1]!)).toContain('· step 20');
    expect(slack.of('postMessage')).toHaveLength(1);
  });

  test('a refresh called after the final change resolves only once the message shows it', async () => {
    const slack = new FakeChat();
    const feed = publisher(slack);
    const id = await newDeploy();
    await feed.refresh(id);
    const slow = gate();
    slack.holdUpdates = slow.wait;
    await change(id, { status: 'running', startedAt: Date.now(), worker: 'w' });
    const running = feed.refresh(id);
    await slack.until('the running update to be in flight', () => slack.of('update').length === 1);

    const now = Date.now();
    await change(id, { status: 'succeeded', finishedAt: now + 65_000, startedAt: now, exitCode: 0 });
    // What the message showed at the moment the refresh promise resolved:
    const final = feed.refresh(id).then(() => slack.of('update').at(-1)!.text);
    slow.open();
    expect(await final).toBe(':white_check_mark: Deploy #1 · web to dev: succeeded in 1m 5s');
    await running;
  });

  test('two processes refreshing a new deploy at once post only one message', async () => {
    const slack = new FakeChat();
    const slowPost = gate();
    slack.holdPosts = slowPost.wait;
    const connB = newRedis();
    try {
      const claims: { who: string; got: boolean }[] = [];
      const bothTried = gate();
      const recording = (who: string, conn: Redis): DeployStore => {
        const store = new DeployStore(conn, k);
        const claim = store.claimFeedPost.bind(store);
        store.claimFeedPost = async (id, poster, ttl) => {
          const got = await claim(id, poster, ttl);
          claims.push({ who, got });
          if (claims.some((c) => c.who === 'a') && claims.some((c) => c.who === 'b')) bothTried.open();
          return got;
        };
        return store;
      };
      const a = publisher(slack, { poster: 'proc-a', deploys: recording('a', redis) });
      const b = publisher(slack, { poster: 'proc-b', deploys: recording('b', connB) }, connB);
      const id = await newDeploy();

      const both = Promise.all([a.refresh(id), b.refresh(id)]);
      await slack.until('one process to post', () => slack.of('postMessage').length === 1);
      // Hold the post until the other process has tried to claim it too (and was refused).
      await bothTried.wait;
      expect(claims.filter((c) => c.got)).toHaveLength(1);
      slowPost.open();
      await both;

      expect(slack.of('postMessage')).toHaveLength(1);
      const ts = (await new DeployStore(redis, k).get(id))!.feedTs;
      expect(ts).toBe('1760000000.000001');
      // The other process brought the same message up to date instead of posting its own.
      for (const u of slack.of('update')) expect(u.ts).toBe(ts);
    } finally {
      await connB.quit();
    }
  });

  test('a deploy that does not exist is ignored', async () => {
    const slack = new FakeChat();
    await publisher(slack).refresh(999);
    expect(slack.calls).toHaveLength(0);
  });
});

describe('FeedPublisher.link', () => {
  test("posts the deploy's message and answers with its permalink", async () => {
    const slack = new FakeChat();
    const id = await newDeploy();
    const link = await publisher(slack).link(id, 5_000);
    expect(slack.of('postMessage')).toHaveLength(1);
    const ts = await redis.hget(k.deploy(id), 'feedTs');
    expect(link).toBe(`https://acme.slack.test/archives/C0FEED/p${ts!.replace('.', '')}`);
  });

  test('a message Slack has not posted within the wait: no link, and the post still goes out', async () => {
    const slack = new FakeChat();
    const held = gate();
    slack.holdPosts = held.wait;
    const feed = publisher(slack);
    const id = await newDeploy();
    expect(await feed.link(id, 50)).toBeUndefined();
    expect(slack.of('getPermalink')).toHaveLength(0);
    held.open();
    await feed.drain();
    expect(await redis.hget(k.deploy(id), 'feedTs')).toMatch(/^\d+\.\d+$/);
  });
});

describe('FeedPublisher.postFailureLog', () => {
  async function failedDeploy(feed: FeedPublisher, error = 'the deploy command exited with 1'): Promise<number> {
    const id = await newDeploy('U0ANA');
    await feed.refresh(id);
    const now = Date.now();
    await change(id, { status: 'failed', startedAt: now - 12_000, finishedAt: now, exitCode: 1, error });
    return id;
  }

  test('posts the last 30 log lines in the thread once, mentioning the requester, even when called twice', async () => {
    const slack = new FakeChat();
    const feed = publisher(slack);
    const id = await failedDeploy(feed);
    const lines = Array.from({ length: 40 }, (_, i) => `step ${String(i + 1).padStart(2, '0')}`);
    await new LogStore(redis, k, 1_000).append(id, lines);

    await Promise.all([feed.postFailureLog(id), feed.postFailureLog(id)]);
    await feed.postFailureLog(id);
    await publisher(slack, { poster: 'other-process' }).postFailureLog(id); // another process, too

    const thread = slack.of('postMessage').filter((p) => p.thread_ts !== undefined);
    expect(thread).toHaveLength(1);
    const post = thread[0]!;
    expect(post.channel).toBe('C0FEED');
    expect(post.thread_ts).toBe('1760000000.000001');
    expect(post.text).toBe(`<@U0ANA> deploy #${id} to dev failed: the deploy command exited with 1. Last lines of the log:`);
    const body = (post.blocks as { text: { text: string } }[])[1]!.text.text;
    expect(body.startsWith('```step 11\n')).toBe(true);
    expect(body.endsWith('step 40```')).toBe(true);
    expect(body).not.toContain('step 10');
    // The feed message itself now shows the failure.
    expect(slack.of('update').at(-1)!.text).toBe(`:x: Deploy #${id} · web to dev: failed after 12s (exit 1)`);
  });

  test('secrets in the log are redacted before they reach Slack', async () => {
    const slack = new FakeChat();
    const feed = publisher(slack, { redact: makeRedactor(['sup3r-s3cret-value']) });
    const id = await failedDeploy(feed);
    await new LogStore(redis, k, 1_000).append(id, [
      'export TOKEN=sup3r-s3cret-value',
      `curl -H "Authorization: token ghp_${'a'.repeat(36)}"`,
      'git clone https://bot:pw123@git.example/web',
    ]);
    await feed.postFailureLog(id);
    const body = JSON.stringify(slack.of('postMessage').at(-1));
    expect(body).not.toContain('sup3r-s3cret-value');
    expect(body).not.toContain('ghp_');
    expect(body).not.toContain('pw123');
    expect(body).toContain('export TOKEN=[redacted]');
  });

  test('a log that closes the code block cannot break out of it', async () => {
    const slack = new FakeChat();
    const feed = publisher(slack);
    const id = await failedDeploy(feed);
    await new LogStore(redis, k, 1_000).append(id, ['before ``` *bold* after']);
    await feed.postFailureLog(id);
    const body = (slack.of('postMessage').at(-1)!.blocks as { text: { text: string } }[])[1]!.text.text;
    expect(body).toBe("```before ''' *bold* after```");
  });

  test('log lines are escaped so command output cannot ping the channel or fake a link', async () => {
    const slack = new FakeChat();
    const feed = publisher(slack);
    const id = await failedDeploy(feed);
    await new LogStore(redis, k, 1_000).append(id, ['commit 1234: <!channel> please look', 'see <https://evil.example|docs> & more']);
    await feed.postFailureLog(id);
    const body = (slack.of('postMessage').at(-1)!.blocks as { text: { text: string } }[])[1]!.text.text;
    expect(body).not.toContain('<!channel>');
    expect(body).toContain('&lt;!channel&gt;');
    expect(body).toContain('&lt;https://evil.example|docs&gt; &amp; more');
  });

  test('an empty log says the command printed nothing', async () => {
    const slack = new FakeChat();
    const feed = publisher(slack);
    const id = await failedDeploy(feed);
    await feed.postFailureLog(id);
    const body = (slack.of('postMessage').at(-1)!.blocks as { text: { text: string } }[])[1]!.text.text;
    expect(body).toBe('```(the command printed nothing)```');
  });

  test('nothing is posted in the thread of a deploy that did not fail', async () => {
    const slack = new FakeChat();
    const feed = publisher(slack);
    const id = await newDeploy();
    await feed.refresh(id);
    await change(id, { status: 'succeeded', startedAt: Date.now() - 1_000, finishedAt: Date.now(), exitCode: 0 });
    await new LogStore(redis, k, 1_000).append(id, ['ok']);
    await feed.postFailureLog(id);
    expect(slack.of('postMessage').filter((p) => p.thread_ts !== undefined)).toHaveLength(0);
  });
});

describe("a review app's deploys: its one message stands for them", () => {
  /** A review app's message in the stand-in: refreshes and links recorded, posted at C0FEED/1760000099.000001. */
  function reviewMessages(): ReviewMessages & { refreshed: string[] } {
    const refreshed: string[] = [];
    return {
      refreshed,
      prOf: (app, env) => (app === 'web' && /^pr-\d+$/.test(env) ? Number(env.slice(3)) : undefined),
      refresh: async (app, pr) => void refreshed.push(`${app}#${pr}`),
      message: async () => ({ channel: 'C0FEED', ts: '1760000099.000001' }),
      link: async (app, pr) => `https://acme.slack.test/review/${app}/${pr}`,
    };
  }

  test('a review deploy posts no message of its own: its review app message is refreshed instead', async () => {
    const slack = new FakeChat();
    const reviews = reviewMessages();
    const feed = publisher(slack, { reviews });
    const id = await newDeploy('github', 'pr-42');
    await feed.refresh(id);
    await change(id, { status: 'running', startedAt: Date.now() });
    await feed.refresh(id);
    expect(slack.calls).toHaveLength(0);
    expect(reviews.refreshed).toEqual(['web#42', 'web#42']);
    expect(await redis.hget(k.deploy(id), 'feedTs')).toBeNull();
    // A named env's deploys keep their own messages.
    await feed.refresh(await newDeploy());
    expect(slack.of('postMessage')).toHaveLength(1);
  });

  test("its link is the review app message's; its line's positions are not refreshed", async () => {
    const slack = new FakeChat();
    let asked = 0;
    const feed = publisher(slack, {
      reviews: reviewMessages(),
      queues: { waiting: async () => (asked++, []), active: async () => [] },
    });
    const id = await newDeploy('github', 'pr-42');
    expect(await feed.link(id, 1_000)).toBe('https://acme.slack.test/review/web/42');
    await feed.refreshWaiting('web', 'pr-42', 'front');
    expect(asked).toBe(0);
    await feed.refreshWaiting('web', 'dev', 'front');
    expect(asked).toBe(1);
  });

  test("a failed review deploy's last log lines go in the thread of its review app message, once", async () => {
    const slack = new FakeChat();
    const feed = publisher(slack, { reviews: reviewMessages() });
    const id = await newDeploy('github', 'pr-42');
    const now = Date.now();
    await change(id, { status: 'failed', startedAt: now - 3_000, finishedAt: now, exitCode: 2, error: 'the deploy command exited with 2' });
    await new LogStore(redis, k, 1_000).append(id, ['npm ERR! missing script: review']);
    await Promise.all([feed.postFailureLog(id), feed.postFailureLog(id)]);
    const thread = slack.of('postMessage');
    expect(thread).toHaveLength(1);
    expect(thread[0]).toMatchObject({ channel: 'C0FEED', thread_ts: '1760000099.000001' });
    expect(thread[0]!.text).toBe(`github deploy #${id} to pr-42 failed: the deploy command exited with 2. Last lines of the log:`);
    expect(JSON.stringify(thread[0]!.blocks)).toContain('npm ERR! missing script: review');
  });
});
