import { envOf, isReviewEnv, REVIEW_ALL } from '../core/review/env';
import type { FerryConfig } from '../core/config/types';
import { gate, type GateDecision } from '../core/gate';
import type { FreezeStore } from '../store/freezes';

/**
 * Whether a deploy may start on the env at `now`: the freeze set by hand (from Redis), the config's
 * scheduled freezes and the env's window, decided by the pure gate. Used where a deploy is asked
 * for (`/deploy`) and where it is about to start (the worker).
 */
export async function envGate(
  d: { config: FerryConfig; freezes: Pick<FreezeStore, 'get'> },
  app: string,
  env: string,
  now: number,
  override?: { by: string; reason: string },
): Promise<GateDecision> {
  // A review app is frozen by its own freeze (`/freeze pr-42`) or by one on all of the app's review apps (`/freeze review`, `all`).
  const manualFreeze =
    (await d.freezes.get(app, env)) ?? (isReviewEnv(d.config.apps[app], env) ? await d.freezes.get(app, REVIEW_ALL) : undefined);
  const window = envOf(d.config.apps[app], env)?.window;
  return gate({
    now,
    ...(manualFreeze && { manualFreeze }),
    scheduled: d.config.freezes,
    app,
    env,
    ...(window && { window }),
    ...(override && { override }),
  });
}
