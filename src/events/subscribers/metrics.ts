import type { Deploy } from '../../core/deploy';
import type { DeployFinalStatus, DeployMetrics } from '../../metrics/ferry-metrics';
import type { DeployEvents } from '../deploy-events';

const FINAL = new Set<string>(['succeeded', 'failed', 'cancelled']);

/**
 * Deploy metrics follow the deploy events: on its (first) start, how long the deploy waited since
 * it was accepted; at its end (`finished`, or `left-line` for a queued deploy cancelled or
 * replaced), its final status and how long it ran. Read from the record, so the times are the
 * recorded ones; each counted once across Ferry (`first`, a claim in Redis), whichever process
 * tells it first.
 */
export function metricsFollowDeploys(
  events: DeployEvents,
  d: {
    get: (id: number) => Promise<Deploy | undefined>;
    first: (id: number, what: 'started' | 'finished') => Promise<boolean>;
    metrics: DeployMetrics;
    /** The env label: review apps (`pr-<n>`, one env per pull request) are counted together as `review`, so the series stay few. */
    envLabel: (app: string, env: string) => string;
  },
): void {
  events
    .on('started', 'deploy metrics', async (e) => {
      const dep = await d.get(e.deployId);
      if (dep?.startedAt === undefined || !(await d.first(e.deployId, 'started'))) return;
      d.metrics.started(dep.app, d.envLabel(dep.app, dep.env), (dep.startedAt - dep.createdAt) / 1000);
    })
    .on(['finished', 'left-line'], 'deploy metrics', async (e) => {
      const dep = await d.get(e.deployId);
      if (!dep || !FINAL.has(dep.status) || !(await d.first(e.deployId, 'finished'))) return;
      const ran = dep.startedAt !== undefined && dep.finishedAt !== undefined ? (dep.finishedAt - dep.startedAt) / 1000 : undefined;
      d.metrics.finished(dep.app, d.envLabel(dep.app, dep.env), dep.status as DeployFinalStatus, ran);
    });
}
