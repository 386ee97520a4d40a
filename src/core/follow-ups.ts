import type { FerryConfig } from './config/types';
import type { Deploy, DeployStatus } from './deploy';
import { deliveryEnvs } from './delivery/envs';
import { promotionStep } from './promotion';

/**
 * Whether anything follows a deploy's end beyond its own feed message (see services/after-deploy.ts
 * and its steps): the release it ships, releases its env is the target or source of, a failed
 * smoke check's actions, the end of a rollback, a promotion, a review app's next state, and for a
 * successful deploy to production the commits it carried (the lead time, services/carried-commits.ts).
 * `envInARelease`: an open release has the env as its target or source (FINISH says so). Most
 * deploys have none of these, and then no after-deploy job is queued for them.
 */
export function hasFollowUps(
  config: FerryConfig,
  dep: Pick<Deploy, 'app' | 'env' | 'release' | 'rollbackOf' | 'review'>,
  outcome: { status: Exclude<DeployStatus, 'queued' | 'running'>; smoke?: string },
  envInARelease: boolean,
): boolean {
  // A review app's deploy or teardown moves the review app on (review-life.ts), whatever its outcome.
  if (dep.release || dep.rollbackOf !== undefined || dep.review || outcome.smoke === 'failed') return true;
  // A success on an app's production env: the commits it carried are recorded for the lead time
  // (docs/delivery-figures.md). A success on an env an open release has as its target or source moves that release.
  if (outcome.status === 'succeeded' && (envInARelease || isProductionEnv(config, dep.app, dep.env))) return true;
  return promotionStep(config, { ...dep, status: outcome.status }).kind !== 'none';
}

/** The env the app's delivery figures call production (the end of its promotion chain; see deliveryEnvs). */
export function isProductionEnv(config: FerryConfig, app: string, env: string): boolean {
  const a = config.apps[app];
  return a !== undefined && deliveryEnvs(a)[0] === env;
}
