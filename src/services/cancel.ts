import { envOf } from '../core/review/env';
import type { Logger } from 'pino';
import type { FerryConfig } from '../core/config/types';
import {
  alreadyCancellingText,
  alreadyFinishedText,
  cancelledBeforeStartReason,
  cancelledQueuedText,
  cancelRefusedText,
  lockStaysText,
  mayCancel,
  stoppingText,
} from '../core/cancel';
import type { Deploy } from '../core/deploy';
import { unknownDeployText } from '../core/log-answer';
import type { DeployEventSink } from '../events/deploy-events';
import type { Queues } from '../queue/queues';
import type { AuditLog } from '../store/audit';
import type { CancelStore } from '../store/cancel';
import type { DeployStore } from '../store/deploys';
import { isUserId } from '../core/permissions';
import type { LockStore } from '../store/locks';
import type { Answer } from './queue-deploy';

export interface CancelDeps {
  config: FerryConfig;
  deploys: DeployStore;
  cancels: CancelStore;
  locks: LockStore;
  queues: Pick<Queues, 'remove'>;
  /** Told what the cancel did to the deploy (its feed message, the line behind it, what follows its end). */
  events: DeployEventSink;
  /** Admins may cancel anyone's deploy (Permissions.isAdmin: listed, or in a listed user group). */
  isAdmin: (user: string) => Promise<boolean>;
  /** Whoever may deploy to an env may cancel its automatic deploys (no Slack user asked for them). */
  mayDeploy?: (user: string, app: string, env: string) => Promise<boolean>;
  /** The configured admins (user and user group IDs), named in a refusal. */
  admins: () => readonly string[];
  /** Cancels are recorded here. */
  audit?: AuditLog;
  /** SIGTERM to SIGKILL when a running deploy's command is stopped (said in the answer). */
  killGraceMs: number;
  log: Logger;
  now?: () => number;
}

/**
 * `/deploy cancel <id>` and the feed message's Cancel button, after the ack. A queued deploy is
 * cancelled at once and its job taken out of the queue; a running one is marked and its worker
 * told, and the worker stops the command and records the outcome. Repeats are answered with where
 * the deploy stands and change nothing; the env's lock is never touched.
 */
export class CancelService {
  private readonly now: () => number;
  constructor(private readonly d: CancelDeps) {
    this.now = d.now ?? Date.now;
  }

  async cancel(id: number, user: string): Promise<Answer> {
    const dep = await this.d.deploys.get(id);
    if (!dep) return { text: unknownDeployText(id, await this.d.deploys.latestId()) };
    if (dep.status !== 'queued' && dep.status !== 'running') return { text: alreadyFinishedText(dep) };
    // The requester of a deploy never changes, so this check needs no atomicity with the script.
    const admin = user !== dep.user && (await this.d.isAdmin(user));
    const mayDeploy = !admin && !isUserId(dep.user) && (await this.d.mayDeploy?.(user, dep.app, dep.env)) === true;
    if (!mayCancel(user, dep, admin, mayDeploy)) return { text: cancelRefusedText(dep, this.d.admins()) };
    return this.stop(id, user);
  }

  /**
   * Cancels deploy #id on `by`'s behalf without asking whether they may: `cancel` asked, or Ferry's
   * own reason (`by` is then words, e.g. "the teardown of its review app", said as "cancelled by …").
   */
  async stop(id: number, user: string): Promise<Answer> {
    const now = this.now();
    const r = await this.d.cancels.cancel(id, user, now, cancelledBeforeStartReason(user));
    if (r.kind === 'missing') return { text: unknownDeployText(id, await this.d.deploys.latestId()) };
    const after = r.deploy;
    const log = this.d.log.child({ deployId: id, user });
    switch (r.kind) {
      case 'finished':
        return { text: alreadyFinishedText(after) };
      case 'already-requested':
        return { text: alreadyCancellingText(after) };
      case 'cancelled': {
        log.info('queued deploy cancelled');
        // Its job leaves the queue; if a worker has taken it already, the begin script refuses it.
        const removed = await this.d.queues.remove(after.app, after.env, id).catch((err: Error) => {
          log.warn({ err: err.message }, 'could not remove the cancelled deploy from its queue; its worker will skip it');
          return false;
        });
        if (!removed) log.info('cancelled deploy was not waiting in its queue; its worker skips it');
        await this.record(after, user, now, 'before it started');
        // It left the line, and it is finished: a release shipping it opens again.
        this.d.events.emit({ type: 'left-line', deployId: id, app: after.app, env: after.env });
        this.d.events.emit({ type: 'finished', deployId: id, app: after.app, env: after.env, followUps: true });
        return { text: cancelledQueuedText(after, await this.lockNote(after, user)) };
      }
      case 'requested':
        log.info('running deploy asked to stop');
        await this.d.cancels.notify(id);
        await this.record(after, user, now, 'while running');
        this.d.events.emit({ type: 'changed', deployId: id });
        return { text: stoppingText(after, now, this.d.killGraceMs, await this.lockNote(after, user)) };
    }
  }

  /** Only the request that cancelled is recorded: a repeat is answered with where the deploy stands. */
  private async record(dep: Deploy, user: string, now: number, when: string): Promise<void> {
    const detail = `${dep.ref} at ${dep.sha.slice(0, 7)}, ${when}${user !== dep.user ? ` (asked for by ${dep.user})` : ''}`;
    await this.d.audit
      ?.record({ at: now, user, action: 'cancel', app: dep.app, env: dep.env, deployId: dep.id, detail })
      .catch((err: Error) => this.d.log.error({ err: err.message, deployId: dep.id }, 'could not record the cancel in the audit log'));
  }

  private async lockNote(dep: Deploy, user: string): Promise<string | undefined> {
    if (!envOf(this.d.config.apps[dep.app], dep.env)?.lock) return undefined;
    return lockStaysText(dep, await this.d.locks.get(dep.app, dep.env, this.now()), user);
  }
}
