import { REVIEW_SHA, REVIEW_T0, reviewConfig } from './review-fixtures';
import type { Redis } from 'ioredis';
import pino from 'pino';
import type { FerryConfig } from '../../src/core/config/types';
import { createSlackClient } from '../../src/feed/slack-client';
import { ReviewFeed } from '../../src/feed/review-feed';
import { DeployStore } from '../../src/store/deploys';
import type { Keys } from '../../src/store/keys';
import { ReviewAppStore } from '../../src/store/review-apps';
import { FakeSlack, latest } from '../helpers/fake-slack';
import { deletePrefix, newRedis, uniqueKeys } from './fixtures';

const SHA = REVIEW_SHA;
const T0 = REVIEW_T0;

describe('ReviewFeed', () => {
  let redis: Redis;
  let k: Keys;
  let slack: FakeSlack;
  let config: FerryConfig;
  let reviews: ReviewAppStore;
  /** Messages posted before this test (the stand-in is shared by the file's tests). */
  let before = 0;

  beforeAll(async () => {
    redis = newRedis();
    slack = await new FakeSlack().start();
    config = reviewConfig();
  });
  afterAll(async () => {
    await slack.stop();
    redis.disconnect();
  });
  beforeEach(async () => {
    k = uniqueKeys('review-feed');
    before = slack.messages.length;
    reviews = new ReviewAppStore(redis, k);
    await reviews.change(
      'web',
      42,
      {
        from: ['none'],
        set: {
          state: 'waiting',
          place: 1,
          title: 'Faster checkout',
          author: 'ana-gh',
          branch: 'feature/checkout',
          headSha: SHA,
          fork: false,
          url: 'https://pr-42.review.acme.dev',
          openedAt: T0,
          lastPushAt: T0,
          teardownTries: 0,
        },
      },
      T0,
    );
  });
  afterEach(async () => deletePrefix(redis, k));

  const feed = (poster = 'p1') =>
    new ReviewFeed({
      config,
      slack: createSlackClient('xoxb-test', slack.apiUrl, pino({ level: 'silent' })),
      reviews,
      deploys: new DeployStore(redis, k),
      permalink: async (channel, ts) => `https://acme.slack.test/archives/${channel}/p${ts.replace('.', '')}`,
      log: pino({ level: 'silent' }),
      poster,
      now: () => T0 + 1_000,
    });
  const ours = () => slack.messages.slice(before).filter((m) => m.channel === 'C0FEED' && !m.thread_ts);

  test('posts one message to the feed channel, records it on the review app, and updates it in place', async () => {
    const f = feed();
    await f.refresh('web', 42);
    expect(ours()).toHaveLength(1);
    const m = ours()[0]!;
    expect(latest(m).text).toContain('waiting for a place: #1 in line');
    const r = await reviews.get('web', 42);
    expect(r).toMatchObject({ feedChannel: 'C0FEED', feedTs: m.ts });
    expect(JSON.stringify(latest(m).blocks)).toContain('<https://github.com/acme/shop/pull/42|#42 Faster checkout>');
    expect(JSON.stringify(latest(m).blocks)).toContain('by <@U0ANA>');

    await reviews.change('web', 42, { set: { state: 'live', deployedSha: SHA }, clear: ['place'] }, T0 + 60_000);
    await f.refresh('web', 42);
    await reviews.change('web', 42, { set: { state: 'gone', gone: { reason: 'merged', at: T0 + 120_000 } } }, T0 + 120_000);
    await f.refresh('web', 42);

    expect(ours()).toHaveLength(1);
    expect(m.versions.map((v) => /\(web\): (\w+)/.exec(v.text)?.[1])).toEqual(['waiting', 'live', 'torn']);
    expect(latest(m).text).toContain('torn down: the pull request was merged');
    expect(latest(m).blocks.some((b) => (b as { type: string }).type === 'actions')).toBe(false);
    expect(await f.link('web', 42)).toBe(`https://acme.slack.test/archives/C0FEED/p${m.ts.replace('.', '')}`);
  });

  test('an unchanged review app costs no Slack call', async () => {
    const f = feed();
    await f.refresh('web', 42);
    const calls = slack.calls.length;
    await f.refresh('web', 42);
    expect(slack.calls.length).toBe(calls);
  });

  test('two processes refreshing at once post one message', async () => {
    const [a, b] = [feed('p1'), feed('p2')];
    await Promise.all([a.refresh('web', 42), b.refresh('web', 42), a.refresh('web', 42), b.refresh('web', 42)]);
    expect(ours()).toHaveLength(1);
    expect((await reviews.get('web', 42))?.feedTs).toBe(ours()[0]!.ts);
  });

  test('a rate limit from Slack is waited out and the message still lands', async () => {
    slack.failNext('chat.postMessage', 429, { retryAfterS: 1 });
    await feed().refresh('web', 42);
    expect(ours()).toHaveLength(1);
  });

  test('no record, no message; prOf names only review envs; no link before the post', async () => {
    const f = feed();
    await f.refresh('web', 7);
    expect(ours()).toHaveLength(0);
    expect(f.prOf('web', 'pr-42')).toBe(42);
    expect(f.prOf('web', 'production')).toBeUndefined();
    expect(f.prOf('api', 'pr-42')).toBeUndefined();
    expect(await f.link('web', 42)).toBeUndefined();
  });
});
