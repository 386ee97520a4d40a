import type { Logger } from 'pino';
import type { Deploy } from '../core/deploy';
import { escapeMrkdwn } from '../core/slack-format';
import type { Tree } from './execute-deploy';
import type { LogBuffer } from './log-buffer';
import type { FerryConfig } from '../core/config/types';
import type { Redactor } from '../core/redact';
import type { DeployEventSink } from '../events/deploy-events';
import type { DeployStore } from '../store/deploys';
import type { Workspaces } from './workspace';

/** What checking a deploy's SHA out needs. */
export interface TreeDeps {
  config: FerryConfig;
  deploys: Pick<DeployStore, 'get' | 'setWaiting'>;
  workspaces: Pick<Workspaces, 'checkout'>;
  redact: Redactor;
  events: DeployEventSink;
}

/**
 * Checks out the deploy's SHA (the record is read when not given): nothing for a deploy that has
 * finished or is gone. A checkout that waits for another deploy's fetch says so on its feed message.
 */
export async function prepareTree(deployId: number, d: TreeDeps, out: LogBuffer, log: Logger, record?: Deploy): Promise<Tree | undefined> {
  const dep = record ?? (await d.deploys.get(deployId));
  if (!dep || (dep.status !== 'queued' && dep.status !== 'running')) return undefined;
  const app = d.config.apps[dep.app];
  if (!app) return undefined;
  out.say(`checking out ${dep.sha} (${dep.ref}) from ${app.repo ?? app.path ?? app.cloneUrl}`);
  try {
    return { sha: dep.sha, dir: await d.workspaces.checkout(app, dep.sha, deployId, checkoutWaitNote(deployId, dep.status, d, log)) };
  } catch (err) {
    const msg = d.redact((err as Error).message);
    out.say(`checkout failed: ${msg}`);
    return { sha: dep.sha, error: `couldn't check out ${dep.sha.slice(0, 7)}: ${escapeMrkdwn(msg.slice(0, 300))}` };
  }
}

/**
 * What a deploy's feed message says while its checkout waits for the shared git mirror
 * (a fetch or clone another deploy started), and clears once it no longer waits. Costs nothing
 * for a checkout that doesn't wait.
 */
function checkoutWaitNote(deployId: number, status: 'queued' | 'running', d: TreeDeps, log: Logger): (why: string | undefined) => void {
  let shown: string | undefined;
  let writes: Promise<unknown> = Promise.resolve();
  return (why) => {
    if (why === shown) return;
    shown = why;
    writes = writes
      .then(() => d.deploys.setWaiting(deployId, why ? escapeMrkdwn(why) : '', status))
      .then((changed) => {
        if (changed) d.events.emit({ type: 'changed', deployId });
      })
      .catch((err: Error) => log.warn({ err: err.message }, 'could not show what the checkout waits for'));
  };
}
