import type { FerryConfig } from './config/types';
import type { Deploy, DeployStatus } from './deploy';
import { promotionStep } from './promotion';

/**
 * Whether anything follows a deploy's end beyond its own feed message (see services/after-deploy.ts
 * and its steps): the release it ships, releases its env is the target or source of, a failed
 * smoke check's actions, the end of a rollback, a promotion, a review app's next state, and for every successful deploy the commits it carried
 * (the delivery figures' lead time, services/carried-commits.ts). A failed or cancelled deploy
 * with none of these has none, and then no after-deploy job is queued for it.
 */
export function hasFollowUps(
  config: FerryConfig,
  dep: Pick<Deploy, 'app' | 'env' | 'release' | 'rollbackOf' | 'review'>,
  outcome: { status: Exclude<DeployStatus, 'queued' | 'running'>; smoke?: string },
): boolean {
  // A review app's deploy or teardown moves the review app on (review-life.ts), whatever its outcome.
  if (dep.release || dep.rollbackOf !== undefined || dep.review || outcome.smoke === 'failed') return true;
  // A success's carried commits are recorded for the delivery figures (and it may move a release's env).
  if (outcome.status === 'succeeded') return true;
  return promotionStep(config, { ...dep, status: outcome.status }).kind !== 'none';
}
