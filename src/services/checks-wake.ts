import { REVIEW_ALL } from '../core/review/env';
import type { FerryConfig } from '../core/config/types';
import type { Queues } from '../queue/queues';
import type { DeployStore } from '../store/deploys';

/**
 * A commit's checks changed (GitHub's check_run or status webhook): the deploys of that SHA held
 * for checks, on the repository's envs that require them, look again now rather than at their
 * next poll. Returns how many were woken.
 */
export function checksWake(d: { config: FerryConfig; queues: Pick<Queues, 'wake'>; deploys: Pick<DeployStore, 'get'> }) {
  return async (repo: string, sha: string): Promise<number> => {
    let woken = 0;
    for (const app of d.config.appNames.filter((a) => d.config.apps[a]!.repo?.toLowerCase() === repo.toLowerCase())) {
      const a = d.config.apps[app]!;
      // Review apps share one queue (`review`): waking it looks at every review app's deploys of the SHA.
      const review = a.reviewApps?.env.requireChecks ? [REVIEW_ALL] : [];
      for (const env of [...a.envNames.filter((e) => a.envs[e]!.requireChecks), ...review]) {
        woken += await d.queues.wake(app, env, async (id) => {
          const dep = await d.deploys.get(id);
          return dep?.status === 'queued' && dep.sha === sha;
        });
      }
    }
    return woken;
  };
}
