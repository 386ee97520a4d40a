import type { Deploy } from '../../src/core/deploy';
import { estimateRemaining } from '../../src/core/estimate';
import { type FeedContext, renderDeployMessage, type SlackMessage } from '../../src/core/feed-message';
import { fixture } from '../helpers/fixture';

const SHA = '0123456789abcdef0123456789abcdef01234567';
const PREV = 'fedcba9876543210fedcba9876543210fedcba98';
const T0 = Date.UTC(2025, 2, 4, 13, 5, 0); // 2025-03-04 13:05:00 UTC

function deploy(over: Partial<Deploy> = {}): Deploy {
  return {
    id: 7,
    app: 'web',
    env: 'dev',
    ref: 'feature/checkout',
    sha: SHA,
    user: 'U0ANA',
    status: 'queued',
    createdAt: T0,
    rev: 1,
    attempt: 0,
    ...over,
  };
}

/** The message's main section (state line) and its context line (facts). */
function parts(m: SlackMessage): { section: string; context: string } {
  const section = (m.blocks[0] as { text: { text: string } }).text.text;
  const context = (m.blocks[1] as { elements: { text: string }[] }).elements[0]!.text;
  return { section, context };
}

const dateToken = (ms: number, format: string) => `<!date^${Math.floor(ms / 1000)}^${format}|`;

describe('renderDeployMessage: queued', () => {
  test('first in line with nothing running: starting next', () => {
    const m = renderDeployMessage(deploy(), { now: T0, position: 1 });
    expect(m.text).toBe(':hourglass_flowing_sand: Deploy #7 · web to dev: queued, starting next');
    expect(parts(m).section).toBe(':hourglass_flowing_sand: *Deploy #7 · web to dev*\nqueued, starting next');
  });

  test('second in line: names the deploy it waits behind, which stays true as the line moves', () => {
    const m = renderDeployMessage(deploy(), { now: T0, position: 2, runningAhead: 5, waitingAhead: 6 });
    expect(m.text).toBe(':hourglass_flowing_sand: Deploy #7 · web to dev: queued behind #6');
    expect(renderDeployMessage(deploy(), { now: T0, position: 9, runningAhead: 5, waitingAhead: 6 }).text).toBe(m.text);
  });

  test('first in line while another deploy still runs does not claim to start next', () => {
    const m = renderDeployMessage(deploy(), { now: T0, position: 1, runningAhead: 5 });
    expect(m.text).toContain('queued, next in line, behind #5 (running)');
    expect(m.text).not.toContain('starting next');
  });

  test('position unknown: just queued', () => {
    expect(renderDeployMessage(deploy(), { now: T0 }).text).toMatch(/: queued$/);
  });

  test('the facts line names the ref, short SHA and requester as a mention', () => {
    const { context } = parts(renderDeployMessage(deploy(), { now: T0, position: 1 }));
    expect(context).toBe('`feature/checkout` at `0123456` · requested by <@U0ANA>');
  });

  test('with a commit URL the short SHA links to it', () => {
    const { context } = parts(renderDeployMessage(deploy(), { now: T0, commitUrl: `https://github.com/acme/web/commit/${SHA}` }));
    expect(context).toContain(`<https://github.com/acme/web/commit/${SHA}|0123456>`);
  });
});

describe('renderDeployMessage: log link', () => {
  const url = 'https://ferry.acme.com/deploys/7?t=lz3k0.abc_-';

  test('with a log URL the context line links the full log', () => {
    const { context } = parts(renderDeployMessage(deploy({ status: 'running', startedAt: T0 }), { now: T0, logUrl: url }));
    expect(context).toContain(`· <${url}|full log>`);
  });

  test('without one nothing changes', () => {
    const m = renderDeployMessage(deploy(), { now: T0 });
    expect(JSON.stringify(m)).not.toContain('full log');
  });
});

describe('renderDeployMessage: running', () => {
  const startedAt = T0 + 60_000;
  const running = (over: Partial<Deploy> = {}) =>
    deploy({ status: 'running', startedAt, worker: 'host-a:123', attempt: 1, rev: 3, ...over });

  test('without recent durations: since when, no estimate, and not the worker (host:pid means nothing to a reader)', () => {
    const m = renderDeployMessage(running(), { now: startedAt + 5_000, recentDurationsMs: [] });
    const { section } = parts(m);
    expect(m.text).toBe(`:rocket: Deploy #7 · web to dev: running since ${new Date(startedAt).toISOString().slice(11, 19)} UTC`);
    expect(section).toContain(`running since ${dateToken(startedAt, '{time}')}2025-03-04 13:06 UTC>`);
    expect(section).not.toContain('host-a');
    expect(parts(m).context).not.toContain('host-a');
    expect(section).not.toContain('usually');
  });

  test('with recent durations: the typical time and a Slack date token for when it should be done', () => {
    const recent = [120_000, 90_000, 100_000]; // median 100s
    const { section } = parts(renderDeployMessage(running(), { now: startedAt + 30_000, recentDurationsMs: recent }));
    expect(section).toContain(`usually takes 1m 40s, done around ${dateToken(startedAt + 100_000, '{time}')}`);
  });

  test('past the usual time it says so instead of a time in the past', () => {
    const { section } = parts(renderDeployMessage(running(), { now: startedAt + 300_000, recentDurationsMs: [100_000] }));
    expect(section).toContain('taking longer than the usual 1m 40s');
    expect(section).not.toContain('done around');
  });

  test('the deploy it replaces and a second attempt are in the facts', () => {
    const { context } = parts(renderDeployMessage(running({ previousSha: PREV, attempt: 2 }), { now: startedAt }));
    expect(context).toContain('replacing `fedcba9`');
    expect(context).toContain('attempt 2');
  });

  test('redeploying the same SHA does not say it replaces itself', () => {
    const { context } = parts(renderDeployMessage(running({ previousSha: SHA }), { now: startedAt }));
    expect(context).not.toContain('replacing');
  });
});

describe('renderDeployMessage: finished', () => {
  test('succeeded shows how long it took', () => {
    const d = deploy({ status: 'succeeded', startedAt: T0 + 1_000, finishedAt: T0 + 1_000 + 125_000, exitCode: 0, attempt: 1 });
    const m = renderDeployMessage(d, { now: T0 + 200_000 });
    expect(m.text).toBe(':white_check_mark: Deploy #7 · web to dev: succeeded in 2m 5s');
  });

  test('failed is one sentence: it pings the requester, says how long, and gives the exit code once', () => {
    const d = deploy({
      status: 'failed',
      startedAt: T0,
      finishedAt: T0 + 42_000,
      exitCode: 3,
      error: 'the deploy command exited with 3',
      attempt: 1,
    });
    const m = renderDeployMessage(d, { now: T0 + 50_000 });
    expect(m.text).toBe(':x: Deploy #7 · web to dev: failed after 42s (exit 3)');
    expect(parts(m).section).toBe(
      ':x: *Deploy #7 · web to dev*\n<@U0ANA> your deploy *failed* after 42s: the deploy command exited with 3.',
    );
    // With no error text the exit code is said once, and a deploy no person asked for pings nobody.
    const bare = renderDeployMessage(fixture(d, { error: undefined, user: 'github' }), { now: T0 + 50_000 });
    expect(parts(bare).section).toBe(':x: *Deploy #7 · web to dev*\n*failed* after 42s with exit code 3.');
  });

  test('failed before it started has no duration or exit code', () => {
    const d = deploy({ status: 'failed', finishedAt: T0 + 1_000, error: 'dev was locked before it could start' });
    const m = renderDeployMessage(d, { now: T0 + 2_000 });
    expect(m.text).toBe(':x: Deploy #7 · web to dev: failed');
    expect(parts(m).section).toContain('<@U0ANA> your deploy *failed*: dev was locked before it could start.');
  });

  test("the error is Ferry's own mrkdwn (outside text is escaped when it is written), so a mention in it works", () => {
    const d = deploy({ status: 'failed', finishedAt: T0, error: 'dev was locked by <@U0BOB> before it could start' });
    const { section } = parts(renderDeployMessage(d, { now: T0 }));
    expect(section).toContain('<@U0ANA> your deploy *failed*: dev was locked by <@U0BOB> before it could start.');
  });

  test('already-escaped outside text in the error is not escaped twice', () => {
    const d = deploy({
      status: 'failed',
      startedAt: T0,
      finishedAt: T0 + 1_000,
      error: "couldn't check out 0123456: fatal: bad object &lt;x&gt; &amp; y",
    });
    expect(parts(renderDeployMessage(d, { now: T0 })).section).toContain('fatal: bad object &lt;x&gt; &amp; y');
  });

  test('a cancelled deploy shows the reason', () => {
    const m = renderDeployMessage(deploy({ status: 'cancelled', error: 'cancelled by <@U0BOB>' }), { now: T0 });
    expect(m.text).toBe(':no_entry_sign: Deploy #7 · web to dev: cancelled by <@U0BOB>');
  });

  test('the ref is escaped in the facts line (refs are checked on the way in; this is the second guard)', () => {
    const { context } = parts(renderDeployMessage(deploy({ ref: 'a<b>&c' }), { now: T0 }));
    expect(context).toContain('`a&lt;b&gt;&amp;c`');
  });

  test('a worker name never reaches the message (so it cannot ping anyone)', () => {
    const d = deploy({ status: 'running', startedAt: T0, worker: '<!here>' });
    expect(JSON.stringify(renderDeployMessage(d, { now: T0 }))).not.toContain('here');
  });

  test('the same deploy and context always render the same message', () => {
    const d = deploy({ status: 'running', startedAt: T0, worker: 'w' });
    const ctx: FeedContext = { now: T0 + 10_000, recentDurationsMs: [60_000, 30_000] };
    expect(renderDeployMessage(d, ctx)).toEqual(renderDeployMessage(d, ctx));
  });
});

describe('estimateRemaining', () => {
  test('no history, no estimate', () => {
    expect(estimateRemaining([], 10_000)).toBeUndefined();
  });

  test('the median of an odd count, not swayed by one slow run', () => {
    expect(estimateRemaining([60_000, 600_000, 50_000], 10_000)).toEqual({ typicalMs: 60_000, leftMs: 50_000 });
  });

  test('the middle two averaged for an even count', () => {
    expect(estimateRemaining([10_000, 40_000, 20_000, 30_000], 0)).toEqual({ typicalMs: 25_000, leftMs: 25_000 });
  });

  test('left goes negative once it runs longer than usual', () => {
    expect(estimateRemaining([30_000], 45_000)).toEqual({ typicalMs: 30_000, leftMs: -15_000 });
  });

  test('does not reorder the caller’s list', () => {
    const recent = [3, 1, 2];
    estimateRemaining(recent, 0);
    expect(recent).toEqual([3, 1, 2]);
  });
});

describe('renderDeployMessage: a release', () => {
  test("a release's ship says which release it is, not Ferry's made-up ref release-12", () => {
    const d = deploy({ env: 'production', ref: 'release-12', release: { id: 12, attempt: 1 } });
    const { context } = parts(renderDeployMessage(d, { now: T0 }));
    expect(context).toMatch(/^release #12 at `0123456`/);
    expect(context).not.toContain('release-12');
  });

  test("a release's ship names the release and the ref its source env ran", () => {
    const d = deploy({ env: 'production', ref: 'main', release: { id: 12, attempt: 1 } });
    const { context } = parts(renderDeployMessage(d, { now: T0 }));
    expect(context).toMatch(/^release #12 of `main` at `0123456`/);
  });
});
