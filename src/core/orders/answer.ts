/** What the requester is told once their order has had its turn in line. Pure. */
import { shortSha } from '../deploy';
import { checkList } from '../checks';
import { formatDuration } from '../duration';
import { lockButtons } from '../fix-buttons';
import { describeGate } from '../gate';
import { describeLock, handingText } from '../lock-text';
import { rollbackLabel, rollbackLockText } from '../rollback';
import { escapeMrkdwn, slackTime, suggestedCommand } from '../slack-format';
import { type Plan, type Refusal, section } from './decide';
import { type DeployOrder, isRollback, overrideOf } from './order';

/** Why ACCEPT took nothing: the env's lock is someone else's, or it is being handed to the next on the wait-list. */
export type LockedOut = { kind: 'locked'; lock: Parameters<typeof describeLock>[2] } | { kind: 'handing'; next: string };

/** The env's lock refused the order (with buttons that fix it: join the wait-list, ask the holder). */
export function lockRefusal(order: DeployOrder, out: LockedOut, now: number): Refusal {
  const why = out.kind === 'locked' ? describeLock(order.app, order.env, out.lock, now) : handingText(order.app, order.env, out.next);
  const text = `Can't ${isRollback(order) ? 'roll back' : 'deploy'}: ${why} Nothing was queued.`;
  return { text, blocks: [section(text), lockButtons(order.app, order.env, out.kind === 'locked')], refused: why };
}

/** A ship whose attempt is over (given up, or the release ended) by the time it was accepted. */
export function goneRefusal(order: DeployOrder): Refusal {
  const id = order.kind === 'ship' ? order.release.id : undefined;
  return {
    text: `Can't deploy: this ship attempt of release #${id} is no longer the one shipping (it was given up, or the release ended). Nothing was queued.`,
  };
}

/** The accepted deploy as ACCEPT returned it: a repeated request (same idempotency key) is a duplicate and claims nothing. */
export interface Accepted {
  id: number;
  duplicate: boolean;
  lock?: { until: number };
}

/**
 * Its place in line ("#2 in line (1 ahead of it)", "starting now", …). Outside its window (or held
 * by a freeze) a deploy doesn't start now whatever its place: the worker may be holding it at this
 * moment, which looks like running.
 */
export function positionText(inLine: string, plan: Pick<Plan, 'gate'>): string {
  const held = plan.gate.kind === 'window' || plan.gate.kind === 'frozen';
  return held && (inLine === 'starting now' || inLine === 'running now') ? 'first in line' : inLine;
}

/** "Accepted as deploy #7: …", then the lock it claimed, what it waits for, the override, and the link to its feed message. */
export function acceptedAnswer(
  order: DeployOrder,
  plan: Plan,
  a: Accepted,
  at: { position: string; link: string | undefined; checksTimeoutMs: number; now: number },
): string {
  const { app, env, ref } = order;
  const sha = plan.accept.sha;
  const how = a.duplicate ? 'Already accepted' : 'Accepted';
  const lines = [
    isRollback(order)
      ? `${how} as *deploy #${a.id}*: ${rollbackLabel({ sha, rollbackOf: order.of })}${ref === shortSha(sha) ? '' : ` (\`${escapeMrkdwn(ref)}\`)`} on \`${app}\` *${env}*, ${at.position}.`
      : `${how} as *deploy #${a.id}*: ${order.kind === 'ship' ? `release #${order.release.id} of ` : ''}\`${escapeMrkdwn(ref)}\` (\`${shortSha(sha)}\`) to \`${app}\` *${env}*, ${at.position}.`,
  ];
  if (a.lock && isRollback(order)) lines.push(rollbackLockText(app, env, plan.accept.lockReason ?? '', a.lock.until));
  else if (a.lock) lines.push(`${env} is yours until ${slackTime(a.lock.until)}; \`/unlock ${app} ${env}\` when you're done.`);
  const override = overrideOf(order);
  if (plan.gate.kind === 'window') {
    const cmd = suggestedCommand(`/deploy ${app} ${env} ${ref} override <reason>`);
    lines.push(
      `:clock3: It waits for the window: ${describeGate(plan.gate, env, at.now)} It starts by itself then. If it can't wait, ${cmd} starts it now, if you may override.`,
    );
  } else if (plan.overrideChecks) {
    lines.push(
      `:warning: Checks overridden (${escapeMrkdwn(plan.overrideChecks)}): it starts without waiting for them, on your override; the reason is in the feed.`,
    );
  } else if (override !== undefined) {
    const outside =
      plan.unoverridden.kind === 'go'
        ? 'The window is open now; your override counts if it closes before this deploy starts.'
        : 'It starts outside the deploy window, on your override; the reason is in the feed.';
    lines.push(`:warning: ${outside}`);
  }
  const checks = plan.checks;
  if (checks?.kind === 'pending' && override === undefined) {
    lines.push(
      `:hourglass_flowing_sand: It waits for checks on \`${shortSha(sha)}\`: ${checkList(checks.pending)}${checks.unknown ? ` (${escapeMrkdwn(checks.unknown)})` : ''}. It starts by itself when they pass (and fails if they fail, or are still pending after ${formatDuration(at.checksTimeoutMs)}).`,
    );
  }
  lines.push(at.link ? `<${at.link}|Follow it in the deploy feed>.` : 'Follow it in the deploy feed.');
  return lines.join('\n');
}
