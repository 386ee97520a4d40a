import type { Logger } from 'pino';
import type { Deploy } from '../core/deploy';

/** One thing that follows a deploy's end; once-only, so that a retried job may run it again. */
export interface AfterDeployStep {
  /** Named in the log when it fails. */
  what: string;
  run: (dep: Deploy) => Promise<void>;
}

/**
 * The after-deploy job (a retried BullMQ timer job, queued by events/subscribers/follow-ups.ts):
 * what follows a deploy's end beyond its own message, in order (the commits a successful deploy
 * carried, for the delivery figures; the release it ships, releases whose source it moved, what a
 * failed smoke check sets off, the promotion of a green deploy).
 * Every step runs even if one before it failed; then the job throws the first failure, to be
 * retried with back-off (each step is once-only, so a retry repeats nothing done).
 */
export function afterDeploy(d: {
  get: (id: number) => Promise<Deploy | undefined>;
  steps: readonly AfterDeployStep[];
  log: Logger;
}): (deployId: number) => Promise<void> {
  return async (id) => {
    const dep = await d.get(id);
    if (!dep) return;
    let failed: Error | undefined;
    for (const { what, run } of d.steps) {
      await run(dep).catch((err: Error) => {
        d.log.error({ deployId: id, err: err.message }, `after the deploy: ${what} failed`);
        failed ??= err;
      });
    }
    if (failed) throw failed;
  };
}
