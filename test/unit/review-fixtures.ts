import type { ReviewApp } from '../../src/core/review/review-app';

/** What the review app tests share: a head SHA, a time, and a review app of PR 42 to vary. */
export const REVIEW_SHA = 'abc1234def5678abc1234def5678abc1234def56';
export const REVIEW_T0 = Date.UTC(2026, 2, 4, 13, 5, 0);

/** `web`'s review app of PR 42 (live unless `over` says otherwise). */
export function reviewApp(over: Partial<ReviewApp> = {}): ReviewApp {
  return {
    app: 'web',
    pr: 42,
    env: 'pr-42',
    state: 'live',
    title: 'Faster checkout',
    author: 'ana-gh',
    branch: 'feature/checkout',
    headSha: REVIEW_SHA,
    fork: false,
    url: 'https://pr-42.review.acme.dev',
    openedAt: REVIEW_T0,
    lastPushAt: REVIEW_T0,
    updatedAt: REVIEW_T0,
    teardownTries: 0,
    ...over,
  };
}
