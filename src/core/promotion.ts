import { envOf } from './review/env';
/** Promotion (`promote_to:` / `promote: auto`) and smoke-failure reactions: the pure parts. */
import type { FerryConfig } from './config/types';
import type { Deploy } from './deploy';

/** The user Ferry's own deploys (promotions, smoke-failure freezes) are made as. */
export const FERRY_USER = 'ferry';

/** Deploy.auto.by of a promoted deploy: "promotion:<source env>#<deploy id>". */
export const promotionBy = (env: string, id: number): string => `promotion:${env}#${id}`;

/** Where a promoted deploy came from (its auto.by), or undefined for any other deploy. */
export function promotedFrom(d: Pick<Deploy, 'auto'>): { env: string; id: number } | undefined {
  const m = /^promotion:([^#]+)#(\d+)$/.exec(d.auto?.by ?? '');
  return m ? { env: m[1]!, id: Number(m[2]) } : undefined;
}

/** The idempotency key of the promotion of a deploy (a deploy or a release): one per source deploy. */
export const promotionKey = (id: number): string => `promote:${id}`;

export type PromotionStep = { kind: 'none' } | { kind: 'deploy'; to: string } | { kind: 'release'; to: string };

/**
 * What a finished deploy promotes to: nothing unless it succeeded on an env with `promote: auto`
 * and `promote_to:` (a rollback is never promoted); a release when the target takes releases from
 * this env (`promote_from:` it), else a deploy of the same SHA.
 */
export function promotionStep(config: FerryConfig, d: Pick<Deploy, 'app' | 'env' | 'status' | 'rollbackOf'>): PromotionStep {
  const env = envOf(config.apps[d.app], d.env);
  if (!env || d.status !== 'succeeded' || d.rollbackOf !== undefined || env.promote !== 'auto' || env.promoteTo === undefined)
    return { kind: 'none' };
  const target = envOf(config.apps[d.app], env.promoteTo);
  if (!target) return { kind: 'none' };
  return target.promoteFrom === d.env ? { kind: 'release', to: env.promoteTo } : { kind: 'deploy', to: env.promoteTo };
}

/** The reason of the freeze a failed smoke check sets (`on_smoke_failure: [freeze]`). */
export const smokeFreezeReason = (id: number): string => `smoke check of deploy #${id} failed`;

/** The idempotency key of the rollback a failed smoke check queues. */
export const smokeRollbackKey = (id: number): string => `smoke-rollback:${id}`;
