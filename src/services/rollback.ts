import type { Logger } from 'pino';
import type { FerryConfig } from '../core/config/types';
import type { RollbackAsker, RollbackOrder } from '../core/orders/order';
import { type RollbackArg, chooseRollback, rollbackOf } from '../core/rollback';
import type { RollbackRequest } from '../core/parse/rollback';
import { typed } from '../core/slack-format';
import { FerryError } from '../errors';
import type { CommitSource } from '../source/types';
import type { AuditLog } from '../store/audit';
import type { DeployStore } from '../store/deploys';
import type { Place } from './arrival-order';
import type { Answer, DeployRequests } from './queue-deploy';
import { authorize } from './authorize';
import type { Permissions } from './permissions';

export interface RollbackDeps {
  config: FerryConfig;
  sources: Record<string, CommitSource>;
  deploys: DeployStore;
  requests: Pick<DeployRequests, 'request'>;
  /** A rollback is a deploy: it needs `permissions.deploy`, checked before anything else. */
  permissions: Pick<Permissions, 'check' | 'admins'>;
  audit?: AuditLog;
  log: Logger;
  now: () => number;
}

/** How far back `/rollback` without an argument looks for the previous good deploy. */
export const ROLLBACK_HISTORY_DEPTH = 200;

/**
 * What happens after `/rollback` is acked: choose the SHA (core/rollback.ts), then hand it to the
 * normal deploy path as a rollback order (same locks, queue, feed message and idempotency), which
 * locks the env for the requester.
 */
export class RollbackService {
  constructor(private readonly d: RollbackDeps) {}

  /**
   * `by`: a person's `/rollback` (its permission is checked first, and the lock's reason names
   * them), or Ferry's own after a failed smoke check (no permission needed; a freeze holds it).
   * `place`: the request's place in line (ArrivalOrder).
   */
  async rollback(req: RollbackRequest, by: RollbackAsker, idempotencyKey: string, place?: Place): Promise<Answer> {
    if (by.kind === 'rollback') {
      const refused = await authorize(this.d, 'deploy', by.user, req.app, req.env, 'rollback');
      if (refused) return { text: `${refused} Nothing was queued.` };
    }
    // A retried delivery answers with the rollback it already queued, even if what runs on the env
    // has changed since (the choice would differ now).
    const dupId = await this.d.deploys.acceptedAs(idempotencyKey);
    const dup = dupId === undefined ? undefined : await this.d.deploys.get(dupId);
    if (dup) {
      const order: RollbackOrder = { ...by, app: dup.app, env: dup.env, ref: dup.ref, sha: dup.sha, of: dup.rollbackOf ?? dup.sha };
      return this.d.requests.request(order, idempotencyKey, place);
    }
    const [arg, history, state] = await Promise.all([
      this.arg(req),
      this.d.deploys.history(req.app, req.env, ROLLBACK_HISTORY_DEPTH),
      this.d.deploys.envState(req.app, req.env),
    ]);
    const choice = chooseRollback(history, state.sha || undefined, arg, req);
    if ('error' in choice) return { text: `Can't roll back: ${choice.error} Nothing was queued.` };
    const order: RollbackOrder = { ...by, app: req.app, env: req.env, ref: choice.ref, sha: choice.sha, of: rollbackOf(choice) };
    return this.d.requests.request(order, idempotencyKey, place);
  }

  private async arg(req: RollbackRequest): Promise<RollbackArg> {
    const t = req.target;
    if (t.kind === 'previous') return t;
    if (t.kind === 'deploy') return { kind: 'deploy', id: t.id, deploy: await this.d.deploys.get(t.id) };
    const source = this.d.sources[req.app]!;
    const sha = await source.resolveRef(t.sha);
    if (!sha) {
      throw new FerryError(
        'UNKNOWN_REF',
        `There is no commit ${typed(t.sha)} in ${source.label} (or that prefix is ambiguous; give more of the SHA); nothing was queued.`,
      );
    }
    if (!sha.startsWith(t.sha)) {
      throw new FerryError(
        'UNKNOWN_REF',
        `${typed(t.sha)} names a branch or tag in ${source.label}, not a commit; give the commit's SHA (more of it, or all 40 characters). Nothing was queued.`,
      );
    }
    return { kind: 'sha', sha };
  }
}
