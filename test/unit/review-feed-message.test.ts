import { REVIEW_SHA, REVIEW_T0, reviewApp } from './review-fixtures';
import type { Deploy } from '../../src/core/deploy';
import { parseReviewActionValue, REVIEW_REDEPLOY_ACTION, REVIEW_TEARDOWN_ACTION } from '../../src/core/review/actions';
import { type ReviewFeedContext, reviewFeedMessage } from '../../src/core/review/feed-message';
import type { ReviewApp } from '../../src/core/review/review-app';

const SHA = REVIEW_SHA;
const T0 = REVIEW_T0;
const DAY = 86_400_000;

const review = (over: Partial<ReviewApp> = {}): ReviewApp => reviewApp({ state: 'deploying', deployId: 7, ...over });

function deploy(over: Partial<Deploy> = {}): Deploy {
  return {
    id: 7,
    app: 'web',
    env: 'pr-42',
    ref: 'feature/checkout',
    sha: SHA,
    user: 'github',
    status: 'queued',
    createdAt: T0,
    rev: 1,
    attempt: 1,
    review: { action: 'deploy', branch: 'feature/checkout' },
    ...over,
  };
}

const ctx = (over: Partial<ReviewFeedContext> = {}): ReviewFeedContext => ({
  repo: 'acme/shop',
  now: T0 + 12_000,
  ttlMs: 3 * DAY,
  max: 10,
  ...over,
});

const section = (m: { blocks: Record<string, unknown>[] }) => (m.blocks[0] as { text: { text: string } }).text.text;
const context = (m: { blocks: Record<string, unknown>[] }) => (m.blocks[1] as { elements: { text: string }[] }).elements[0]!.text;
type Button = { action_id: string; value: string; confirm?: unknown };
const buttons = (m: { blocks: Record<string, unknown>[] }): Button[] =>
  ((m.blocks.find((b) => b.type === 'actions') as { elements?: Button[] } | undefined)?.elements ?? []) as Button[];
const statusOf = (m: { blocks: Record<string, unknown>[] }) => section(m).split('\n')[1];

describe('reviewFeedMessage', () => {
  test('the header links the pull request, names the app, the author (mentioned when known) and the branch', () => {
    const m = reviewFeedMessage(review(), ctx({ authorSlack: 'U0ANA', deploy: deploy() }));
    expect(section(m).split('\n')[0]).toBe(':rocket: *Review app for <https://github.com/acme/shop/pull/42|#42 Faster checkout>* (`web`)');
    expect(context(m)).toBe('by <@U0ANA> · branch `feature/checkout`');
    expect(reviewFeedMessage(review(), ctx()).blocks[1]).toEqual({
      type: 'context',
      elements: [{ type: 'mrkdwn', text: 'by ana-gh · branch `feature/checkout`' }],
    });
  });

  test('on GitHub Enterprise the pull request links to its web URL', () => {
    const m = reviewFeedMessage(review(), ctx({ webUrl: 'https://github.acme.dev/' }));
    expect(section(m)).toContain('<https://github.acme.dev/acme/shop/pull/42|#42 Faster checkout>');
  });

  test("outside text can't ping, fake links or end the code span", () => {
    const m = reviewFeedMessage(review({ title: 'Fix <!channel> | <http://x|y> & co', branch: 'a`b<c>', author: '<!here>' }), ctx());
    expect(section(m)).toContain('|#42 Fix &lt;!channel&gt; | &lt;http://x|y&gt; &amp; co>');
    expect(section(m)).not.toContain('<!channel>');
    expect(context(m)).toBe("by &lt;!here&gt; · branch `a'b&lt;c&gt;`");
  });

  test('waiting: its place in line and the limit', () => {
    const m = reviewFeedMessage(review({ state: 'waiting', place: 3 }), ctx());
    expect(statusOf(m)).toBe('waiting for a place: #3 in line (at most 10 review apps of `web` are live at once)');
    expect(m.text).toContain(':hourglass: Review app for #42 (web): waiting for a place: #3 in line');
    expect(buttons(m).map((b) => b.action_id)).toEqual([REVIEW_TEARDOWN_ACTION]);
  });

  test('deploying: queued, then running since when, with the log link', () => {
    expect(statusOf(reviewFeedMessage(review(), ctx({ deploy: deploy() })))).toBe('deploying `abc1234`: queued');
    const running = reviewFeedMessage(
      review(),
      ctx({ deploy: deploy({ status: 'running', startedAt: T0 }), logUrl: 'https://ferry.acme.dev/deploys/7/log' }),
    );
    expect(statusOf(running)).toBe(
      `deploying \`abc1234\`: running since <!date^${T0 / 1000}^{time}|2026-03-04 13:05 UTC> · <https://ferry.acme.dev/deploys/7/log|log>`,
    );
    expect(buttons(running).map((b) => b.action_id)).toEqual([REVIEW_TEARDOWN_ACTION]);
  });

  test('live: its URL, the SHA, since when, and the idle teardown; Redeploy and Tear down', () => {
    const m = reviewFeedMessage(
      review({ state: 'live', deployedSha: SHA }),
      ctx({ deploy: deploy({ status: 'succeeded', startedAt: T0, finishedAt: T0 + 30_000 }) }),
    );
    expect(statusOf(m)).toBe(
      `live at <https://pr-42.review.acme.dev|https://pr-42.review.acme.dev> · \`abc1234\` since <!date^${(T0 + 30_000) / 1000}^{date_short_pretty} {time}|2026-03-04 13:05 UTC> · torn down after 3d without a push`,
    );
    expect(m.text.startsWith(':large_green_circle: Review app for #42 (web): live at')).toBe(true);
    const [redeploy, teardown] = buttons(m);
    expect(redeploy).toMatchObject({ action_id: REVIEW_REDEPLOY_ACTION, value: 'web:42' });
    expect(teardown).toMatchObject({ action_id: REVIEW_TEARDOWN_ACTION, value: 'web:42', style: 'danger' });
    expect(teardown!.confirm).toBeDefined();
  });

  test('failed: the error and the log; Redeploy and Tear down', () => {
    const m = reviewFeedMessage(
      review({ state: 'failed', error: 'the deploy command exited with 3' }),
      ctx({ deploy: deploy({ status: 'failed', startedAt: T0, finishedAt: T0 + 5_000 }), logUrl: 'https://f/7' }),
    );
    expect(statusOf(m)).toBe('*deploy failed* (`abc1234`): the deploy command exited with 3 · <https://f/7|log>');
    expect(buttons(m).map((b) => b.action_id)).toEqual([REVIEW_REDEPLOY_ACTION, REVIEW_TEARDOWN_ACTION]);
  });

  test('tearing down and a failed teardown (tries, Ferry tries again)', () => {
    const teardown = deploy({ id: 8, status: 'running', startedAt: T0, review: { action: 'teardown', branch: 'feature/checkout' } });
    expect(statusOf(reviewFeedMessage(review({ state: 'tearing-down', deployId: 8 }), ctx({ deploy: teardown })))).toBe(
      `tearing down: running since <!date^${T0 / 1000}^{time}|2026-03-04 13:05 UTC>`,
    );
    const failed = reviewFeedMessage(
      review({ state: 'teardown-failed', deployId: 8, teardownTries: 2, error: 'the teardown command exited with 1' }),
      ctx({ deploy: { ...teardown, status: 'failed' }, logUrl: 'https://f/8' }),
    );
    expect(statusOf(failed)).toBe('*teardown failed* (2 tries): the teardown command exited with 1; Ferry tries again · <https://f/8|log>');
    expect(buttons(failed).map((b) => b.action_id)).toEqual([REVIEW_TEARDOWN_ACTION]);
  });

  test.each([
    ['merged', undefined, 'the pull request was merged'],
    ['closed', undefined, 'the pull request was closed'],
    ['idle', undefined, 'idle for 3d without a push'],
    ['person', 'U0BOB', 'by <@U0BOB>'],
    ['label', undefined, 'its label was removed'],
  ] as const)('torn down (%s): why, and no buttons', (reason, by, why) => {
    const at = T0 + DAY;
    const m = reviewFeedMessage(review({ state: 'gone', gone: { reason, at, ...(by && { by }) } }), ctx());
    expect(statusOf(m)).toBe(`torn down: ${why}, <!date^${at / 1000}^{date_short_pretty} {time}|2026-03-05 13:05 UTC>`);
    expect(m.text.startsWith(':white_circle: Review app for #42 (web): torn down')).toBe(true);
    expect(m.blocks.some((b) => b.type === 'actions')).toBe(false);
  });

  test('a deploy that is not its newest is not shown as its progress', () => {
    expect(statusOf(reviewFeedMessage(review({ deployId: 9 }), ctx({ deploy: deploy({ status: 'running', startedAt: T0 }) })))).toBe(
      'deploying `abc1234`: queued',
    );
  });
});

describe('parseReviewActionValue', () => {
  test('reads <app>:<pr>', () => {
    expect(parseReviewActionValue('web:42')).toEqual({ app: 'web', pr: 42 });
  });
  test.each([undefined, '', 'web', 'web:0', 'web:-1', ':42', 'web:42:1', 'Web Site:4', 'web:1234567890'])('junk %p: undefined', (v) => {
    expect(parseReviewActionValue(v)).toBeUndefined();
  });
});
