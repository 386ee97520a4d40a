import type { Deploy } from '../../core/deploy';
import type { DeployEvents } from '../deploy-events';

/**
 * GitHub Deployments mirror each deploy at the same moments as its feed message, so the
 * repository's environments page tells the same story: every event, the record as it is then
 * (states only move forward there, so events read late cost nothing).
 */
export function githubMirrorsDeploys(
  events: DeployEvents,
  d: { get: (id: number) => Promise<Deploy | undefined>; mirror: (dep: Deploy) => Promise<void> },
): void {
  events.on(['accepted', 'changed', 'started', 'left-line', 'finished'], 'GitHub deployment', async (e) => {
    const dep = await d.get(e.deployId);
    if (dep) await d.mirror(dep);
  });
}
