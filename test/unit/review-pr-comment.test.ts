import { type CommentContext, reviewCommentBody, reviewCommentMarker } from '../../src/core/review/pr-comment';
import { mrkdwnToMarkdown } from '../../src/core/review/markdown';
import type { ReviewApp } from '../../src/core/review/review-app';

const HEAD = '0123456789abcdef0123456789abcdef01234567';
const OLD = 'fedcba9876543210fedcba9876543210fedcba98';
const NOW = Date.UTC(2026, 11, 3, 17, 0);
const DAY = 86_400_000;

const app = (over: Partial<ReviewApp> = {}): ReviewApp => ({
  app: 'web',
  pr: 42,
  env: 'pr-42',
  state: 'live',
  title: 'Log in with SSO',
  author: 'octocat',
  branch: 'feature/login',
  headSha: HEAD,
  fork: false,
  url: 'https://pr-42.review.acme.dev',
  openedAt: NOW - DAY,
  lastPushAt: NOW - 3_600_000,
  updatedAt: NOW,
  teardownTries: 0,
  ...over,
});
const ctx = (over: Partial<CommentContext> = {}): CommentContext => ({
  repoUrl: 'https://github.com/acme/web',
  logUrl: 'https://ferry.acme.dev/deploys/9?t=abc',
  ttlMs: 3 * DAY,
  max: 10,
  now: NOW,
  ...over,
});
const body = (over: Partial<ReviewApp> = {}, c: Partial<CommentContext> = {}) => reviewCommentBody(app(over), ctx(c));
const commitLink = (sha: string) => `[\`${sha.slice(0, 7)}\`](https://github.com/acme/web/commit/${sha})`;

test('the marker is an HTML comment naming the app, and the body starts with it', () => {
  expect(reviewCommentMarker('web')).toBe('<!-- ferry:review-app:web -->');
  for (const state of ['waiting', 'deploying', 'live', 'failed', 'tearing-down', 'teardown-failed', 'gone'] as const) {
    const b = body({ state });
    expect(b.split('\n')[0]).toBe('<!-- ferry:review-app:web -->');
    expect(b).toContain('[Deploy log](https://ferry.acme.dev/deploys/9?t=abc)');
  }
  const { logUrl: _, ...noLog } = ctx();
  expect(reviewCommentBody(app(), noLog)).not.toContain('Deploy log');
});

test('waiting: its place in line, the limit, and that it deploys when one closes', () => {
  const b = body({ state: 'waiting', place: 3 }, { max: 2 });
  expect(b).toContain('⏳ **Review app `web`: waiting for a place** (number 3 in line)');
  expect(b).toContain('At most 2 review apps of `web` are live at once; this one deploys when one closes.');
  expect(body({ state: 'waiting', place: 1 }, { max: 1 })).toMatch(/next in line[\s\S]*At most 1 review app of/);
});

test('deploying: the head SHA linked to its commit, and what still runs meanwhile', () => {
  expect(body({ state: 'deploying' })).toContain(`🚀 **Review app \`web\`: deploying** ${commitLink(HEAD)}`);
  expect(body({ state: 'deploying', deployedSha: OLD })).toContain(
    `[https://pr-42.review.acme.dev](https://pr-42.review.acme.dev) runs ${commitLink(OLD)} until then.`,
  );
});

test('live: the URL in bold, the SHA deployed, and when it is torn down without a push', () => {
  const b = body({ state: 'live', deployedSha: OLD });
  expect(b).toContain('✅ **Review app `web` is live: [https://pr-42.review.acme.dev](https://pr-42.review.acme.dev)**');
  expect(b).toContain(`Running ${commitLink(OLD)}.`);
  // Pushed an hour ago, ttl 3d: gone on 6 Dec at 16:00 UTC unless pushed to.
  expect(b).toContain('It is torn down after 3d without a push (at 6 Dec 2026 16:00 UTC, unless a commit is pushed).');
  expect(body({ state: 'live', lastPushAt: NOW - 13 * 3_600_000 }, { ttlMs: 12 * 3_600_000 })).toContain('after 12h without a push (soon,');
});

test("failed: Ferry's error made readable, and push again to retry", () => {
  const error =
    '*Deploy command failed* (exit 3): `npm run deploy` said &lt;oops&gt; to <@U0ANA>; see <https://ci.acme.dev/1?a=1&amp;b=2|the CI run>';
  const b = body({ state: 'failed', error });
  expect(b).toContain(`❌ **Review app \`web\`: the deploy of ${commitLink(HEAD)} failed**`);
  expect(b).toContain(
    '> **Deploy command failed** (exit 3): `npm run deploy` said &lt;oops&gt; to someone in Slack; see [the CI run](https://ci.acme.dev/1?a=1&b=2)',
  );
  expect(b).toContain('Push again to retry.');
  // A block of log lines stays a code block inside the quote, the quote ending with it.
  expect(body({ state: 'failed', error: '*Last lines:*\n```Error: boom```' })).toContain(
    '> **Last lines:**\n>\n> ```\n> Error: boom\n> ```\n\nPush again to retry.',
  );
  expect(body({ state: 'failed', error: 'x', deployedSha: OLD })).toContain(
    `Push again to retry. [https://pr-42.review.acme.dev](https://pr-42.review.acme.dev) still runs ${commitLink(OLD)}.`,
  );
});

test('tearing down, and a teardown that failed: the tries so far and that Ferry tries again', () => {
  expect(body({ state: 'tearing-down' })).toContain('🧹 **Review app `web`: tearing down**');
  const b = body({ state: 'teardown-failed', teardownTries: 2, error: 'The teardown command failed (exit 1).' });
  expect(b).toContain('⚠️ **Review app `web`: the teardown failed** (2 tries so far)');
  expect(b).toContain('> The teardown command failed (exit 1).');
  expect(b).toContain('Ferry tries again.');
  expect(body({ state: 'teardown-failed', teardownTries: 1 })).toContain('(1 try so far)');
});

test('gone: why, and how to bring it back where that is up to the reviewer', () => {
  const gone = (reason: NonNullable<ReviewApp['gone']>['reason']) => body({ state: 'gone', gone: { reason, at: NOW } });
  expect(gone('merged')).toContain('🗑️ **Review app `web`: torn down**\n\nThe pull request was merged.');
  expect(gone('closed')).toContain('The pull request was closed.');
  expect(gone('idle')).toContain('After 3d without a push; push a commit, or `/deploy pr-42` in Slack, to bring it back.');
  expect(gone('person')).toContain('Someone tore it down from Slack; push a commit, or `/deploy pr-42` in Slack, to bring it back.');
  expect(gone('label')).toContain('The label that gives this pull request a review app was removed; add it back');
});

describe('mrkdwnToMarkdown', () => {
  test('bold, strike, code blocks and dates', () => {
    expect(mrkdwnToMarkdown('*Last lines:*\n```npm ERR! &lt;x&gt;\nexit 1```')).toBe('**Last lines:**\n\n```\nnpm ERR! <x>\nexit 1\n```\n');
    expect(mrkdwnToMarkdown('~old~ new <!date^1700000000^{date}|14 Nov 2023>')).toBe('~~old~~ new 14 Nov 2023');
  });
  test("outside text pings nobody on GitHub and can't open HTML", () => {
    expect(mrkdwnToMarkdown('by @mallory &lt;img src=x&gt; <!channel>')).toBe('by @\u200dmallory &lt;img src=x&gt; channel');
    expect(mrkdwnToMarkdown('mail a@b.com')).toBe('mail a@b.com');
  });
  test('a link whose URL has parentheses or whose text has brackets stays one link', () => {
    expect(mrkdwnToMarkdown('<https://x.dev/a_(b)|see [1]>')).toBe('[see \\[1\\]](https://x.dev/a_%28b%29)');
  });
});
