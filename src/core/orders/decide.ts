/**
 * Whether an order is refused or accepted, and on what terms. Pure: DeployRequests gathers the
 * facts by I/O, one at a time in the order decide() asks for them (a refusal asks for nothing
 * more, so a refused person's ref is never looked up), then accepts what the plan says.
 */
import { checkList, checkNames, type ChecksVerdict, waitingForChecksText } from '../checks';
import { type ReviewRun, shortSha } from '../deploy';
import { notifyButton } from '../fix-buttons';
import { describeGate, type GateDecision } from '../gate';
import { ROLLBACK_LOCK_MS } from '../parse/rollback';
import { promotionBy } from '../promotion';
import { rollbackDetail, rollbackLockReason, smokeRollbackName } from '../rollback';
import { suggestedCommand, typed } from '../slack-format';
import { closest } from '../suggest';
import { type AutoInfo, type DeployOrder, isFerrysOwn, isRollback, isTeardown, overrideOf } from './order';

/** The permissions an order may need (`permissions.deploy`, which covers rollbacks and ships, and `permissions.override`). */
export type Permission = 'deploy' | 'override';

/** What I/O found out, as far as decide() asked. Undefined: not gathered yet; null: gathered, and there is none. */
export interface Facts {
  /** Per permission checked: the refusal's text for the person (already audited), or null when allowed. */
  permissions?: Partial<Record<Permission, string | null>>;
  /** The env's gate (freezes, then the window) at the request, without the order's override. */
  gate?: GateDecision;
  /** The ref pinned to its SHA (for an order that names only a ref); null: no such ref. */
  sha?: string | null;
  /** For a ref that does not exist: where it was looked for, and the refs that do, for a "did you mean". */
  refs?: { label: string; names: readonly string[] };
  /** The SHA's required checks; null: the env requires none. */
  checks?: ChecksVerdict | null;
}

export type Need =
  | { fact: 'permission'; action: Permission }
  | { fact: 'gate' }
  | { fact: 'sha' }
  | { fact: 'refs' }
  | { fact: 'checks'; sha: string };

/** An audit entry without its time (and, for one written on acceptance, without the deploy id). */
export interface AuditNote {
  user: string;
  action: 'refused' | 'deploy' | 'rollback' | 'override';
  app: string;
  env: string;
  detail: string;
}

/** Nothing is queued: what the requester is told, the refusal's audit entry, and `refused`, why (for a feed line about Ferry's own order). */
export interface Refusal {
  text: string;
  blocks?: Record<string, unknown>[];
  audit?: AuditNote;
  refused?: string;
}

/** What the deploy store's ACCEPT records for the order (with the app, env, feed channel and idempotency key). */
export interface Acceptance {
  ref: string;
  sha: string;
  user: string;
  /** Claim the env's lock for the requester, for this long, with this reason (default "deploying <ref>"). */
  claimLockMs?: number;
  lockReason?: string;
  rollbackOf?: string;
  override?: string;
  release?: { id: number; attempt: number; base: string };
  auto?: AutoInfo;
  review?: ReviewRun;
}

/** What to do once it is the order's turn in line. */
export interface Plan {
  accept: Acceptance;
  /** The gate as it applies to this order (an override opens a closed window, never a freeze). */
  gate: GateDecision;
  /** The gate without the override: whether the window was open anyway. */
  unoverridden: GateDecision;
  /** Required checks, if the env has them. */
  checks?: ChecksVerdict;
  /** What the deploy's feed message says it waits for (a closed window, a freeze that holds Ferry's own order, checks). */
  waiting?: string;
  /** "ci/test failed, build pending": the checks an override went past. */
  overrideChecks?: string;
  /** Written once it is accepted (not for a repeated request), with its deploy id. */
  audit: AuditNote[];
}

export type Decision =
  | { kind: 'need'; need: Need }
  | { kind: 'refuse'; refusal: Refusal }
  /** Thrown as a coded FerryError: the ref does not exist. */
  | { kind: 'fail'; code: 'UNKNOWN_REF'; message: string }
  | { kind: 'plan'; plan: Plan };

/** The env's rules an order's plan uses. */
export interface EnvRules {
  lock: boolean;
  lockTtlMs: number;
}

/** The permissions an order needs, in the order they are checked: none for Ferry's own. */
export function permissionsFor(order: DeployOrder): Permission[] {
  if (isFerrysOwn(order)) return [];
  return overrideOf(order) !== undefined ? ['deploy', 'override'] : ['deploy'];
}

/**
 * Permissions first; then the gate (a frozen env refuses a person's order, and holds Ferry's own);
 * then the SHA (the order's own, or its ref's); then required checks (failed ones refuse unless
 * overridden; pending ones make it wait). Returns the next fact it needs until it can decide.
 */
export function decide(order: DeployOrder, f: Facts, env: EnvRules, now: number): Decision {
  for (const action of permissionsFor(order)) {
    const verdict = f.permissions?.[action];
    if (verdict === undefined) return { kind: 'need', need: { fact: 'permission', action } };
    if (verdict !== null) return { kind: 'refuse', refusal: { text: `${verdict} Nothing was queued.` } };
  }
  if (!f.gate) return { kind: 'need', need: { fact: 'gate' } };
  const override = overrideOf(order);
  const gate: GateDecision = f.gate.kind === 'window' && override !== undefined ? { kind: 'go' } : f.gate;
  if (gate.kind === 'frozen' && !isFerrysOwn(order)) return { kind: 'refuse', refusal: frozenRefusal(order, gate, now) };
  const sha = order.kind === 'deploy' ? f.sha : order.sha;
  if (sha === undefined) return { kind: 'need', need: { fact: 'sha' } };
  if (sha === null) {
    if (!f.refs) return { kind: 'need', need: { fact: 'refs' } };
    return { kind: 'fail', code: 'UNKNOWN_REF', message: unknownRefText(order.ref, f.refs) };
  }
  if (f.checks === undefined && !isTeardown(order)) return { kind: 'need', need: { fact: 'checks', sha } };
  const checks = isTeardown(order) ? undefined : (f.checks ?? undefined);
  if (checks?.kind === 'failed' && override === undefined) return { kind: 'refuse', refusal: checksRefusal(order, sha, checks) };
  return { kind: 'plan', plan: plan(order, sha, gate, f.gate, checks, env, now) };
}

function frozenRefusal(order: DeployOrder, gate: Extract<GateDecision, { kind: 'frozen' }>, now: number): Refusal {
  const text = `Can't ${isRollback(order) ? 'roll back' : 'deploy'}: ${describeGate(gate, order.env, now)} Nothing was queued.`;
  const f = gate.freeze;
  const detail = `deploy: frozen by ${f.source === 'manual' ? f.by : (f.name ?? f.source)}`;
  return {
    text,
    blocks: [section(text), notifyButton(order.app, order.env)],
    audit: { user: order.user, action: 'refused', app: order.app, env: order.env, detail },
  };
}

function unknownRefText(ref: string, refs: { label: string; names: readonly string[] }): string {
  const guess = closest(ref, refs.names);
  const hint = guess ? ` Did you mean ${typed(guess)}?` : ' Check the spelling, or push it first.';
  return `There is no branch, tag or commit ${typed(ref)} in ${refs.label}; nothing was queued.${hint}`;
}

function checksRefusal(order: DeployOrder, sha: string, checks: Extract<ChecksVerdict, { kind: 'failed' }>): Refusal {
  const { app, env, ref } = order;
  const rollback = isRollback(order);
  const how = suggestedCommand(`/deploy ${app} ${env} ${ref} override <reason>`);
  return {
    text: `Can't ${rollback ? 'roll back to' : 'deploy'} \`${shortSha(sha)}\` ${rollback ? 'on' : 'to'} *${env}*: checks failed: ${checkList(checks.failed)}. Nothing was queued. ${how} deploys anyway, if you may override.`,
    audit: {
      user: order.user,
      action: 'refused',
      app,
      env,
      detail: `deploy: checks failed on ${shortSha(sha)}: ${checkNames(checks.failed)}`,
    },
    refused: `checks failed on \`${shortSha(sha)}\`: ${checkList(checks.failed)}.`,
  };
}

function plan(
  order: DeployOrder,
  sha: string,
  gate: GateDecision,
  unoverridden: GateDecision,
  checks: ChecksVerdict | undefined,
  env: EnvRules,
  now: number,
): Plan {
  const override = overrideOf(order);
  const overridden = override !== undefined && checks && checks.kind !== 'green' ? overriddenChecks(checks) : undefined;
  const auto = autoOf(order);
  const accept: Acceptance = {
    ref: order.ref,
    sha,
    user: order.user,
    ...lockClaim(order, env),
    ...(override !== undefined && { override }),
    ...(order.kind === 'ship' && { release: order.release }),
    ...(auto && { auto }),
    ...(order.kind === 'review' && { review: { action: order.action, branch: order.branch } }),
  };
  // Outside its window the deploy waits; the feed says so from the start (the worker then holds it
  // without telling the requester again, since the text is the same). A frozen env holds Ferry's own order the same way.
  const waiting =
    gate.kind === 'window' || gate.kind === 'frozen'
      ? describeGate(gate, order.env, now, false)
      : checks?.kind === 'pending' && override === undefined
        ? waitingForChecksText(checks)
        : undefined;
  const where = { user: order.user, app: order.app, env: order.env };
  const audit: AuditNote[] = [
    isRollback(order)
      ? { ...where, action: 'rollback', detail: rollbackDetail(sha, order.of) }
      : { ...where, action: 'deploy', detail: deployDetail(order, sha, auto) },
  ];
  if (override !== undefined)
    audit.push({ ...where, action: 'override', detail: overridden ? `${override} (checks overridden: ${overridden})` : override });
  return {
    accept,
    gate,
    unoverridden,
    ...(checks && { checks }),
    ...(waiting !== undefined && { waiting }),
    ...(overridden && { overrideChecks: overridden }),
    audit,
  };
}

/** A rollback locks the env for its requester; a person's deploy or a ship claims the env's lock where the env locks; a push or promotion claims none. */
function lockClaim(order: DeployOrder, env: EnvRules): Pick<Acceptance, 'claimLockMs' | 'lockReason' | 'rollbackOf'> {
  if (order.kind === 'rollback' || order.kind === 'smoke-rollback') {
    const name = order.kind === 'rollback' ? order.name : smokeRollbackName(order.failedDeploy);
    return { claimLockMs: ROLLBACK_LOCK_MS, lockReason: rollbackLockReason(name), rollbackOf: order.of };
  }
  if ((order.kind === 'deploy' || order.kind === 'ship') && env.lock) return { claimLockMs: env.lockTtlMs };
  return {};
}

/** The audit entry's detail of a deploy: its ref and SHA, and what asked for it. */
function deployDetail(order: DeployOrder, sha: string, auto: AutoInfo | undefined): string {
  const what = `${order.ref} at ${shortSha(sha)}${auto ? ` (GitHub push by ${auto.by})` : ''}`;
  if (order.kind !== 'review') return what;
  return order.action === 'teardown' ? `teardown of the review app (${what})` : `review app: ${what}`;
}

/** What an automatic deploy records: the push, or "promotion:<env>#<id>" from what ran on the target before. */
function autoOf(order: DeployOrder): AutoInfo | undefined {
  if (order.kind === 'push') return order.push;
  if (order.kind === 'review') return order.push;
  if (order.kind === 'promotion') return { by: promotionBy(order.from.env, order.from.deployId), from: order.before, commits: 0 };
  return undefined;
}

/** "ci/test failed, build pending": what an override went past. */
function overriddenChecks(v: Exclude<ChecksVerdict, { kind: 'green' }>): string {
  const failed = v.kind === 'failed' ? v.failed.map((c) => `${c.name} failed`) : [];
  const pending = v.pending.map((c) => `${c.name} pending`);
  return [...failed, ...pending].join(', ') + (v.kind === 'pending' && v.unknown ? ` (${v.unknown})` : '');
}

export const section = (text: string): Record<string, unknown> => ({ type: 'section', text: { type: 'mrkdwn', text } });
