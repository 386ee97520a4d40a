import { envOf } from '../core/review/env';
import type { Logger } from 'pino';
import type { FerryConfig } from '../core/config/types';
import { type Accepted, acceptedAnswer, goneRefusal, lockRefusal, positionText } from '../core/orders/answer';
import { type AuditNote, type Decision, decide, type Facts, type Need, type Plan, type Refusal } from '../core/orders/decide';
import { type DeployOrder, isRollback, lineOf } from '../core/orders/order';
import { shortSha } from '../core/deploy';
import { FerryError } from '../errors';
import type { DeployEventSink } from '../events/deploy-events';
import type { Queues } from '../queue/queues';
import type { CommitSource } from '../source/types';
import type { AuditLog } from '../store/audit';
import type { AcceptResult, DeployStore } from '../store/deploys';
import type { FreezeStore } from '../store/freezes';
import { authorize } from './authorize';
import type { ArrivalOrder, Place } from './arrival-order';
import { envGate } from './env-gate';
import type { LockService } from './locks';
import type { Permissions } from './permissions';
import type { ChecksOf } from './checks';

export interface Answer {
  text: string;
  blocks?: Record<string, unknown>[];
  /** The deploy it accepted (or had accepted), if any. */
  deployId?: number;
  /** Why nothing was queued, in mrkdwn, when the env's lock refused it (for an automatic deploy's feed line). */
  refused?: string;
}

export interface DeployRequestDeps {
  config: FerryConfig;
  sources: Record<string, CommitSource>;
  deploys: DeployStore;
  queues: Queues;
  lockService: LockService;
  /** Where it tells what became of a deploy (accepted; left the line, replaced): its feed message and the rest follow. */
  events: DeployEventSink;
  /** The permalink of the deploy's feed message once it is posted, or undefined after a wait. */
  feedLink: (deployId: number) => Promise<string | undefined>;
  log: Logger;
  now?: () => number;
  /** Where accepted deploys, rollbacks, overrides and refusals are recorded. */
  audit?: AuditLog;
  /** Who may deploy where (`permissions.deploy`, which covers rollbacks too); refusals are audited. */
  permissions: Pick<Permissions, 'check' | 'admins'>;
  /** Freezes set by people (and alerts and releases); scheduled ones come from the config. */
  freezes: Pick<FreezeStore, 'get'>;
  /** The SHA's required checks (`require_checks:`), for envs that have them. */
  checks?: ChecksOf;
  /** Requests join each env's queue in the order they arrived. */
  arrivals: ArrivalOrder;
}

/**
 * What happens to an order (core/orders) once acked: gather the facts decide() asks for (the
 * permissions, the env's gate, the ref's SHA, the required checks) and decide; then, in its turn
 * in line, accept the deploy (or be refused by the env's lock), queue it, and tell the requester
 * where it stands.
 */
export class DeployRequests {
  private readonly now: () => number;
  constructor(private readonly d: DeployRequestDeps) {
    this.now = d.now ?? Date.now;
  }

  /**
   * `place` is the order's place in line, taken when it arrived (see ArrivalOrder); without one,
   * it takes one now. The deploy is accepted and queued in its turn, after the earlier requests.
   */
  async request(order: DeployOrder, idempotencyKey: string, place?: Place): Promise<Answer> {
    const ours = place ?? this.d.arrivals.arrive(lineOf(order.app, order.env));
    try {
      return await this.inLine(order, idempotencyKey, ours);
    } finally {
      ours.leave();
    }
  }

  private async inLine(order: DeployOrder, idempotencyKey: string, place: Place): Promise<Answer> {
    const { app, env } = order;
    const decision = await this.decide(order);
    if (decision.kind === 'fail') throw new FerryError(decision.code, decision.message);
    if (decision.kind === 'refuse') return this.refuse(decision.refusal);
    const plan = decision.plan;
    // From here to the enqueue, in arrival order: the requests that came before this one join the queue first.
    await place.turn(lineOf(app, env));
    const accepted = await this.d.deploys.accept(
      { app, env, feedChannel: this.d.config.feedChannel, idempotencyKey, ...plan.accept },
      this.now(),
    );
    if (accepted.kind !== 'accepted' && accepted.kind !== 'duplicate') {
      place.leave();
      return answerOf(accepted.kind === 'gone' ? goneRefusal(order) : lockRefusal(order, accepted, this.now()));
    }
    const log = this.d.log.child({ deployId: accepted.id });
    const fresh = accepted.kind === 'accepted' ? accepted : undefined;
    if (fresh) await this.prepare(order, plan, fresh, log);
    // Queued before the lock's timers and the feed message (a repeated request re-adds the same job id, a no-op).
    await this.d.queues.enqueue(app, env, accepted.id);
    place.leave();
    if (fresh) await this.recordAccepted(order, plan, fresh, log);
    const link = await this.d.feedLink(accepted.id);
    const position = positionText(await this.position(app, env, accepted.id), plan);
    const outcome: Accepted = { id: accepted.id, duplicate: !fresh, ...(fresh?.lock && { lock: fresh.lock }) };
    const checksTimeoutMs = envOf(this.d.config.apps[app], env)!.checksTimeoutMs;
    return { text: acceptedAnswer(order, plan, outcome, { position, link, checksTimeoutMs, now: this.now() }), deployId: accepted.id };
  }

  /** Gathers the facts decide() asks for, one at a time, until it refuses, fails or plans. */
  private async decide(order: DeployOrder): Promise<Exclude<Decision, { kind: 'need' }>> {
    const rules = envOf(this.d.config.apps[order.app], order.env)!;
    const facts: Facts = {};
    for (;;) {
      const decision = decide(order, facts, rules, this.now());
      if (decision.kind !== 'need') return decision;
      await this.gather(order, decision.need, facts);
    }
  }

  private async gather(order: DeployOrder, need: Need, facts: Facts): Promise<void> {
    const { app, env } = order;
    const source = this.d.sources[app]!;
    switch (need.fact) {
      case 'permission': {
        // authorize() records its refusal in the audit log.
        const refused = await authorize({ ...this.d, now: this.now }, need.action, order.user, app, env);
        facts.permissions = { ...facts.permissions, [need.action]: refused ?? null };
        return;
      }
      case 'gate':
        facts.gate = await envGate(this.d, app, env, this.now());
        return;
      case 'sha':
        facts.sha = (await source.resolveRef(order.ref)) ?? null;
        return;
      case 'refs':
        facts.refs = { label: source.label, names: await source.refNames().catch(() => []) };
        return;
      case 'checks':
        facts.checks = (await this.d.checks?.(app, env, need.sha)) ?? null;
        return;
    }
  }

  private async refuse(refusal: Refusal): Promise<Answer> {
    if (refusal.audit) await this.audit(refusal.audit);
    return answerOf(refusal);
  }

  /** A new deploy, before its job is queued: what it waits for, the checks it overrode, the queued automatic deploy it replaced. */
  private async prepare(order: DeployOrder, plan: Plan, accepted: New, log: Logger): Promise<void> {
    if (plan.waiting !== undefined) await this.d.deploys.setWaiting(accepted.id, plan.waiting);
    if (plan.overrideChecks) await this.d.deploys.setOverrideChecks(accepted.id, plan.overrideChecks);
    if (accepted.replaced !== undefined) await this.replaced(order.app, order.env, accepted.replaced, accepted.id, log);
  }

  /** A new deploy, once queued: logged, its lock's timers, its audit entries (a repeated request is a duplicate: none); its feed message follows. */
  private async recordAccepted(order: DeployOrder, plan: Plan, accepted: New, log: Logger): Promise<void> {
    const { app, env } = order;
    const rollback = isRollback(order);
    log.info(
      { app, env, ref: order.ref, sha: plan.accept.sha, user: order.user, ...(rollback && { rollbackOf: order.of }) },
      rollback ? 'rollback accepted' : 'deploy accepted',
    );
    if (accepted.lock) await this.d.lockService.scheduleTimers(app, env, accepted.lock);
    for (const note of plan.audit) {
      if (note.action === 'override') await this.audit(note, accepted.id);
      else
        await this.d.audit
          ?.record(entry(this.now(), note, accepted.id))
          .catch((err: Error) => log.error({ err: err.message }, `could not record the ${note.action} in the audit log`));
    }
    this.d.events.emit({ type: 'accepted', deployId: accepted.id, app, env });
  }

  /** The queued automatic deploy a newer push's deploy replaced (ACCEPT cancelled it): out of the queue, and it left the line. */
  private async replaced(app: string, env: string, old: number, by: number, log: Logger): Promise<void> {
    log.info({ replaced: old }, 'automatic deploy replaced a queued one');
    const dep = await this.d.deploys.get(old);
    // If a worker took its job already, the begin script refuses it (it is cancelled).
    await this.d.queues
      .remove(app, env, old)
      .catch((err: Error) =>
        log.warn({ err: err.message, replaced: old }, 'could not remove the replaced deploy from its queue; its worker will skip it'),
      );
    if (dep) {
      const entry = {
        at: this.now(),
        user: dep.user,
        action: 'cancel' as const,
        app: dep.app,
        env: dep.env,
        deployId: old,
        detail: `${dep.ref} at ${shortSha(dep.sha)}, replaced by deploy #${by} (a newer push)`,
      };
      await this.d.audit
        ?.record(entry)
        .catch((err: Error) => log.error({ err: err.message }, 'could not record the replaced deploy in the audit log'));
    }
    this.d.events.emit({ type: 'left-line', deployId: old, app, env });
  }

  private async audit(note: AuditNote, deployId?: number): Promise<void> {
    await this.d.audit
      ?.record(entry(this.now(), note, deployId))
      .catch((err: Error) =>
        this.d.log.error({ err: err.message, app: note.app, env: note.env, action: note.action }, 'could not record it in the audit log'),
      );
  }

  private async position(app: string, env: string, id: number): Promise<string> {
    const [waiting, active, dep] = await Promise.all([
      this.d.queues.waiting(app, env),
      this.d.queues.active(app, env),
      this.d.deploys.get(id),
    ]);
    if (dep && dep.status !== 'queued' && dep.status !== 'running') return `already ${dep.status}`;
    const idx = waiting.indexOf(id);
    if (active.includes(id) || dep?.status === 'running' || idx < 0) return 'running now';
    const ahead = idx + active.length;
    return ahead === 0 ? 'starting now' : `#${idx + 1} in line (${ahead} ahead of it)`;
  }
}

type New = Extract<AcceptResult, { kind: 'accepted' }>;

/** An audit entry, its fields in the order the log has always had them. */
const entry = (at: number, n: AuditNote, deployId: number | undefined) => ({
  at,
  user: n.user,
  action: n.action,
  app: n.app,
  env: n.env,
  ...(deployId !== undefined && { deployId }),
  detail: n.detail,
});

const answerOf = (r: Refusal): Answer => ({
  text: r.text,
  ...(r.blocks && { blocks: r.blocks }),
  ...(r.refused !== undefined && { refused: r.refused }),
});
