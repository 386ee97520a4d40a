import { parseConfig } from '../../src/config/load';
import type { FerryConfig } from '../../src/core/config/types';
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

/** One app, `web` (acme/shop), with a production env and review apps (at most 2, torn down after 3d idle); ana-gh is U0ANA. */
export const REVIEW_APP_YAML = `
feed_channel: C0FEED
people:
  ana-gh: U0ANA
apps:
  web:
    repo: acme/shop
    environments:
      production:
        deploy: [commands/deploy.sh]
    review_apps:
      deploy: [commands/review-up.sh]
      teardown: [commands/review-down.sh]
      url: https://pr-{number}.review.acme.dev
      ttl: 3d
      max: 2
`;

export const reviewConfig = (): FerryConfig => parseConfig(REVIEW_APP_YAML, '/srv/ferry/ferry.yml');
