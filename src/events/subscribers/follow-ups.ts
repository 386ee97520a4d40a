import type { DeployEvents } from '../deploy-events';

/**
 * What follows a deploy's end (the release it ships or moves, smoke failure actions, a promotion)
 * must not be lost: a finished deploy that may have follow-ups gets the after-deploy job, a BullMQ
 * job retried with back-off (see services/after-deploy.ts for its steps).
 */
export function followUpsAfterDeploys(events: DeployEvents, afterDeploy: (deployId: number) => Promise<void>): void {
  events.on('finished', 'after the deploy', (e) => (e.followUps ? afterDeploy(e.deployId) : undefined));
}
