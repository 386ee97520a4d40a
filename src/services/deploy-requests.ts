import type { Logger } from 'pino';
import type { FerryConfig } from '../config/types';
import { shortSha } from '../core/deploy';
import { describeGate, type GateDecision } from '../core/gate';
import { describeLock, handingText } from '../core/lock-text';
import { rollbackDetail, rollbackLabel, rollbackLockText } from '../core/rollback';
import type { DeployRequest } from '../core/parse/deploy';
import { escapeMrkdwn, slackTime, typed, suggestedCommand } from '../core/slack-format';
import { closest } from '../core/suggest';
import { formatDuration } from '../core/duration';
import { FerryError } from '../errors';
import type { FeedPublisher } from '../feed/publisher';
import type { Queues } from '../queue/queues';
import type { CommitSource } from '../source/types';
import type { AuditLog } from '../store/audit';
import type { DeployStore } from '../store/deploys';
import type { FreezeStore } from '../store/freezes';
import { lockButtons, notifyButton } from '../core/fix-buttons';
import { withDeadline } from '../util/deadline';
import { authorize } from './authorize';
import type { ArrivalOrder, Place } from './arrival-order';
import { envGate } from './env-gate';
import type { LockService } from './locks';
import type { Permissions } from './permissions';
import type { ChecksOf } from './checks';
import { checkList, checkNames, type ChecksVerdict, waitingForChecksText } from '../core/checks';

export interface Answer {
  text: string;
  blocks?: Record<string, unknown>[];
  /** The deploy it accepted (or had accepted), if any. */
  deployId?: number;
  /** Why nothing was queued, in mrkdwn, when the env's lock refused it (for an automatic deploy's feed line). */
  refused?: string;
}

/**
 * An automatic deploy (a GitHub push to an env's `auto_deploy:` branch). It is Ferry's own, not a
 * person's: it skips `permissions.deploy`, claims no lock, and a freeze holds it (accepted, queued
 * and held by the worker's gate until the freeze ends) instead of refusing it. Windows and locks
 * apply as to anyone's deploy. It replaces the env's automatic deploy still queued, if any.
 */
export interface AutoOrder {
  /** The pusher's GitHub login. */
  by: string;
  /** The push's `before` SHA. */
  from: string;
  /** How many commits the push brought. */
  commits: number;
}

export interface DeployRequestDeps {
  config: FerryConfig;
  sources: Record<string, CommitSource>;
  deploys: DeployStore;
  queues: Queues;
  lockService: LockService;
  feed: FeedPublisher;
  permalink: (channel: string, ts: string) => Promise<string | undefined>;
  log: Logger;
  now?: () => number;
  /** How long the answer waits for the feed message, to link to it. */
  feedWaitMs?: number;
  /** Where accepted rollbacks are recorded. */
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

/** What kind of request it is (a person's deploy when empty), and its place in line. */
export interface RequestHow {
  rollback?: RollbackOrder;
  auto?: AutoOrder;
  place?: Place;
}

/** The line (per env) that requests join in arrival order. */
export const lineOf = (app: string, env: string): string => `${app}/${env}`;

/** What makes a request a rollback (see RollbackService): its SHA is chosen, and it locks the env for the requester. */
export interface RollbackOrder {
  sha: string;
  /** Stored as the deploy's rollbackOf: the deploy id whose SHA comes back, or the SHA. */
  of: string;
  lockMs: number;
  lockReason: string;
  /** Ferry's own (after a failed smoke check): no person's permission needed, and a freeze holds it instead of refusing it. */
  system?: boolean;
}

/**
 * What happens after `/deploy` is acked: pin the ref to a SHA, accept the deploy (or refuse it
 * because of a lock), queue it, post its feed message, and tell the requester where it stands.
 */
export class DeployRequests {
  private readonly now: () => number;
  constructor(private readonly d: DeployRequestDeps) {
    this.now = d.now ?? Date.now;
  }

  /**
   * `place` is the request's place in line, taken when it arrived (see ArrivalOrder); without one,
   * it takes one now. The deploy is accepted and queued in its turn, after the earlier requests.
   */
  async request(req: DeployRequest, user: string, idempotencyKey: string, how: RequestHow = {}): Promise<Answer> {
    const place = how.place ?? this.d.arrivals.arrive(lineOf(req.app, req.env));
    try {
      return await this.inLine(req, user, idempotencyKey, how, place);
    } finally {
      place.leave();
    }
  }

  private async inLine(
    req: DeployRequest,
    user: string,
    idempotencyKey: string,
    { rollback, auto }: RequestHow,
    place: Place,
  ): Promise<Answer> {
    const app = this.d.config.apps[req.app]!;
    const envCfg = app.envs[req.env]!;
    const source = this.d.sources[req.app]!;
    // Ferry's own deploys (a push, a promotion, the rollback after a failed smoke check) need no person's permission.
    const actions = auto || rollback?.system ? [] : req.override !== undefined ? (['deploy', 'override'] as const) : (['deploy'] as const);
    for (const action of actions) {
      const refused = await authorize({ ...this.d, now: this.now }, action, user, req.app, req.env);
      if (refused) return { text: `${refused} Nothing was queued.` };
    }
    // A frozen env takes no new deploys (those already queued wait); a closed window queues them.
    // An override skips only the window: the decision without it says whether the window is open.
    const unoverridden = await envGate(this.d, req.app, req.env, this.now());
    const decision: GateDecision = unoverridden.kind === 'window' && req.override !== undefined ? { kind: 'go' } : unoverridden;
    if (decision.kind === 'frozen' && !auto && !rollback?.system) {
      const text = `Can't ${rollback ? 'roll back' : 'deploy'}: ${describeGate(decision, req.env, this.now())} Nothing was queued.`;
      await this.audit({
        user,
        action: 'refused',
        app: req.app,
        env: req.env,
        detail: `deploy: frozen by ${decision.freeze.source === 'manual' ? decision.freeze.by : (decision.freeze.name ?? decision.freeze.source)}`,
      });
      return { text, blocks: [section(text), notifyButton(req.app, req.env)] };
    }
    const sha = rollback ? rollback.sha : (req.sha ?? (await source.resolveRef(req.ref)));
    if (!sha) {
      const guess = closest(req.ref, await source.refNames().catch(() => []));
      const hint = guess ? ` Did you mean ${typed(guess)}?` : ' Check the spelling, or push it first.';
      throw new FerryError(
        'UNKNOWN_REF',
        `There is no branch, tag or commit ${typed(req.ref)} in ${source.label}; nothing was queued.${hint}`,
      );
    }
    // Required checks: failed ones refuse (unless overridden); pending ones queue it to wait (the worker's gate).
    const checks = await this.d.checks?.(req.app, req.env, sha);
    if (checks?.kind === 'failed' && req.override === undefined) {
      const why = `checks failed on \`${shortSha(sha)}\`: ${checkList(checks.failed)}.`;
      const how = suggestedCommand(`/deploy ${req.app} ${req.env} ${req.ref} override <reason>`);
      const text = `Can't ${rollback ? 'roll back to' : 'deploy'} \`${shortSha(sha)}\` ${rollback ? 'on' : 'to'} *${req.env}*: checks failed: ${checkList(checks.failed)}. Nothing was queued. ${how} deploys anyway, if you may override.`;
      await this.audit({
        user,
        action: 'refused',
        app: req.app,
        env: req.env,
        detail: `deploy: checks failed on ${shortSha(sha)}: ${checkNames(checks.failed)}`,
      });
      return { text, refused: why };
    }
    const overridden = req.override !== undefined && checks && checks.kind !== 'green' ? overriddenChecks(checks) : undefined;
    // From here to the enqueue, in arrival order: the requests that came before this one join the queue first.
    await place.turn(lineOf(req.app, req.env));
    const accepted = await this.d.deploys.accept(
      {
        app: req.app,
        env: req.env,
        ref: req.ref,
        sha,
        user,
        feedChannel: this.d.config.feedChannel,
        idempotencyKey,
        ...(rollback
          ? { claimLockMs: rollback.lockMs, lockReason: rollback.lockReason, rollbackOf: rollback.of }
          : envCfg.lock && !auto && { claimLockMs: envCfg.lockTtlMs }),
        ...(req.override !== undefined && { override: req.override }),
        ...(req.release && { release: req.release }),
        ...(auto && { auto }),
      },
      this.now(),
    );
    if (accepted.kind !== 'accepted' && accepted.kind !== 'duplicate') place.leave();
    if (accepted.kind === 'locked' || accepted.kind === 'handing') {
      const why =
        accepted.kind === 'locked'
          ? describeLock(req.app, req.env, accepted.lock, this.now())
          : handingText(req.app, req.env, accepted.next);
      const text = `Can't ${rollback ? 'roll back' : 'deploy'}: ${why} Nothing was queued.`;
      return { text, blocks: [section(text), lockButtons(req.app, req.env, accepted.kind === 'locked')], refused: why };
    }
    if (accepted.kind === 'gone')
      return {
        text: `Can't deploy: this ship attempt of release #${req.release?.id} is no longer the one shipping (it was given up, or the release ended). Nothing was queued.`,
      };
    const id = accepted.id;
    const log = this.d.log.child({ deployId: id });
    // Outside its window the deploy waits; the feed says so from the start (the worker then holds
    // it without telling the requester again, since the text is the same).
    // A frozen env holds an automatic deploy the same way (only automatic deploys get this far frozen).
    if ((decision.kind === 'window' || decision.kind === 'frozen') && accepted.kind === 'accepted')
      await this.d.deploys.setWaiting(id, describeGate(decision, req.env, this.now(), false));
    else if (checks?.kind === 'pending' && req.override === undefined && accepted.kind === 'accepted')
      await this.d.deploys.setWaiting(id, waitingForChecksText(checks));
    if (overridden && accepted.kind === 'accepted') await this.d.deploys.setOverrideChecks(id, overridden);
    if (accepted.kind === 'accepted' && accepted.replaced !== undefined) await this.replaced(req.app, req.env, accepted.replaced, id, log);
    // Queue it first (a repeated request re-adds the same job id, which is a no-op), then the lock's
    // timers, then the feed message.
    await this.d.queues.enqueue(req.app, req.env, id);
    place.leave();
    if (accepted.kind === 'accepted') {
      log.info(
        { app: req.app, env: req.env, ref: req.ref, sha, user, ...(rollback && { rollbackOf: rollback.of }) },
        rollback ? 'rollback accepted' : 'deploy accepted',
      );
      if (accepted.lock) await this.d.lockService.scheduleTimers(req.app, req.env, accepted.lock);
      if (rollback) {
        const entry = {
          at: this.now(),
          user,
          action: 'rollback' as const,
          app: req.app,
          env: req.env,
          deployId: id,
          detail: rollbackDetail(sha, rollback.of),
        };
        await this.d.audit
          ?.record(entry)
          .catch((err: Error) => log.error({ err: err.message }, 'could not record the rollback in the audit log'));
      }
      if (!rollback) {
        // Only a new deploy is recorded: a repeated request (same idempotency key) is a duplicate.
        const entry = {
          at: this.now(),
          user,
          action: 'deploy' as const,
          app: req.app,
          env: req.env,
          deployId: id,
          detail: `${req.ref} at ${shortSha(sha)}${auto ? ` (GitHub push by ${auto.by})` : ''}`,
        };
        await this.d.audit
          ?.record(entry)
          .catch((err: Error) => log.error({ err: err.message }, 'could not record the deploy in the audit log'));
      }
      if (req.override !== undefined)
        await this.audit({
          user,
          action: 'override',
          app: req.app,
          env: req.env,
          deployId: id,
          detail: overridden ? `${req.override} (checks overridden: ${overridden})` : req.override,
        });
    }
    const link = await this.feedLink(id);
    // Outside its window a deploy doesn't start now, whatever its place in line (the worker may be
    // holding it at this moment, which looks like running).
    const inLine = await this.position(req.app, req.env, id);
    const position =
      (decision.kind === 'window' || decision.kind === 'frozen') && (inLine === 'starting now' || inLine === 'running now')
        ? 'first in line'
        : inLine;
    const how = accepted.kind === 'duplicate' ? 'Already accepted' : 'Accepted';
    const lines = [
      rollback
        ? `${how} as *deploy #${id}*: ${rollbackLabel({ sha, rollbackOf: rollback.of })}${req.ref === shortSha(sha) ? '' : ` (\`${escapeMrkdwn(req.ref)}\`)`} on \`${req.app}\` *${req.env}*, ${position}.`
        : `${how} as *deploy #${id}*: \`${escapeMrkdwn(req.ref)}\` (\`${shortSha(sha)}\`) to \`${req.app}\` *${req.env}*, ${position}.`,
    ];
    if (accepted.kind === 'accepted' && accepted.lock && rollback) {
      lines.push(rollbackLockText(req.app, req.env, rollback.lockReason, accepted.lock.until));
    } else if (accepted.kind === 'accepted' && accepted.lock) {
      lines.push(`${req.env} is yours until ${slackTime(accepted.lock.until)}; \`/unlock ${req.app} ${req.env}\` when you're done.`);
    }
    if (decision.kind === 'window') {
      const how = `${suggestedCommand(`/deploy ${req.app} ${req.env} ${req.ref} override <reason>`)}`;
      lines.push(
        `:clock3: It waits for the window: ${describeGate(decision, req.env, this.now())} It starts by itself then. If it can't wait, ${how} starts it now, if you may override.`,
      );
    } else if (overridden) {
      lines.push(
        `:warning: Checks overridden (${escapeMrkdwn(overridden)}): it starts without waiting for them, on your override; the reason is in the feed.`,
      );
    } else if (req.override !== undefined) {
      const outside =
        unoverridden.kind === 'go'
          ? 'The window is open now; your override counts if it closes before this deploy starts.'
          : 'It starts outside the deploy window, on your override; the reason is in the feed.';
      lines.push(`:warning: ${outside}`);
    }
    if (checks?.kind === 'pending' && req.override === undefined) {
      lines.push(
        `:hourglass_flowing_sand: It waits for checks on \`${shortSha(sha)}\`: ${checkList(checks.pending)}${checks.unknown ? ` (${escapeMrkdwn(checks.unknown)})` : ''}. It starts by itself when they pass (and fails if they fail, or are still pending after ${formatDuration(envCfg.checksTimeoutMs)}).`,
      );
    }
    lines.push(link ? `<${link}|Follow it in the deploy feed>.` : 'Follow it in the deploy feed.');
    return { text: lines.join('\n'), deployId: id };
  }

  /** The queued automatic deploy a newer push's deploy replaced (ACCEPT cancelled it): out of the queue, its feed message updated. */
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
    this.d.feed.inBackground('feed update', () => this.d.feed.refresh(old), old);
    this.d.feed.inBackground('queue positions update', () => this.d.feed.refreshWaiting(app, env));
  }

  private async audit(e: Omit<Parameters<AuditLog['record']>[0], 'at'>): Promise<void> {
    await this.d.audit
      ?.record({ at: this.now(), ...e })
      .catch((err: Error) =>
        this.d.log.error({ err: err.message, app: e.app, env: e.env, action: e.action }, 'could not record it in the audit log'),
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

  private async feedLink(id: number): Promise<string | undefined> {
    const posted = this.d.feed.refresh(id);
    this.d.feed.inBackground('feed post', () => posted, id);
    await withDeadline(
      posted.catch(() => {}),
      this.d.feedWaitMs ?? 5_000,
      undefined,
    );
    const dep = await this.d.deploys.get(id);
    if (!dep?.feedTs || !dep.feedChannel) return undefined;
    return this.d.permalink(dep.feedChannel, dep.feedTs).catch(() => undefined);
  }
}

/** "ci/test failed, build pending": what an override went past. */
function overriddenChecks(v: Exclude<ChecksVerdict, { kind: 'green' }>): string {
  const failed = v.kind === 'failed' ? v.failed.map((c) => `${c.name} failed`) : [];
  const pending = v.pending.map((c) => `${c.name} pending`);
  return [...failed, ...pending].join(', ') + (v.kind === 'pending' && v.unknown ? ` (${v.unknown})` : '');
}

const section = (text: string) => ({ type: 'section', text: { type: 'mrkdwn', text } });
