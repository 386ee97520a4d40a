import type { LockInfo } from './lock';
import type { Deploy } from './deploy';
import { formatDuration } from './duration';
import { isUserId, principalMention } from './permissions';
import { escapeMrkdwn, mention, slackTime } from './slack-format';

/** The Cancel button on a queued or running deploy's feed message; its value is the deploy id. */
export const CANCEL_ACTION = 'deploy_cancel';

/**
 * Who may cancel a deploy: the person who asked for it, or an admin (`isAdmin`, user groups
 * included); an automatic deploy (asked for by no Slack user, e.g. a GitHub push) also by whoever
 * may deploy to its env (`mayDeployHere`).
 */
export function mayCancel(user: string, deploy: Pick<Deploy, 'user'>, isAdmin: boolean, mayDeployHere = false): boolean {
  return user === deploy.user || isAdmin || (!isUserId(deploy.user) && mayDeployHere);
}

const what = (d: Deploy): string => `*deploy #${d.id}* (\`${escapeMrkdwn(d.ref)}\` to \`${d.app}\` *${d.env}*)`;

/** The reason recorded on a deploy cancelled before it started. */
export const cancelledBeforeStartReason = (by: string): string => `cancelled by ${mention(by)}`;

/** The reason recorded on a running deploy that its worker stopped because it was cancelled. */
export const cancelledWhileRunningReason = (by: string, ranMs: number): string =>
  `cancelled by ${mention(by)} after ${formatDuration(ranMs)}`;

/** Someone other than the requester (or an admin) tried to cancel: who can. */
export function cancelRefusedText(d: Deploy, admins: readonly string[]): string {
  if (!isUserId(d.user)) {
    const alsoAdmins = admins.length ? `, or ${admins.length > 1 ? 'one of ' : ''}${admins.map(principalMention).join(', ')}` : '';
    return `You can't cancel ${what(d)}: it is an automatic deploy, which whoever may deploy to ${escapeMrkdwn(d.env)}${alsoAdmins} can cancel. Nothing was changed.`;
  }
  const others = admins.filter((a) => a !== d.user).map(principalMention);
  const who = others.length
    ? `${mention(d.user)}, who asked for it, or ${others.length > 1 ? 'one of ' : ''}${others.join(', ')}`
    : `${mention(d.user)}, who asked for it,`;
  return `You can't cancel ${what(d)}: only ${who} can. Nothing was changed.`;
}

/** A deploy that has already ended: when and how; nothing to cancel. */
export function alreadyFinishedText(d: Deploy): string {
  const at = d.finishedAt !== undefined ? ` at ${slackTime(d.finishedAt)}` : '';
  if (d.status === 'cancelled')
    return `${capital(what(d))} was already cancelled${at}${d.error ? ` (${d.error})` : ''}; nothing to cancel.`;
  return `${capital(what(d))} already ${d.status}${at}; nothing to cancel.`;
}

/** A running deploy someone has already asked to cancel (a double click, a retried delivery). */
export function alreadyCancellingText(d: Deploy): string {
  const by = d.cancelRequestedBy ? ` by ${mention(d.cancelRequestedBy)}` : '';
  const at = d.cancelRequestedAt !== undefined ? ` at ${slackTime(d.cancelRequestedAt, '{time}')}` : '';
  return `${capital(what(d))} is already being cancelled (asked${by}${at}); its worker is stopping it, and the feed message will say when it has stopped.`;
}

/**
 * What happens to the env's lock: cancelling leaves it with its holder. Said only when the deploy's
 * requester still holds it (the deploy claimed it on accept, or they locked it themselves).
 */
export function lockStaysText(d: Deploy, lock: LockInfo | undefined, user: string): string | undefined {
  if (!lock || lock.reserved || lock.holder !== d.user) return undefined;
  const to = lock.holder === user ? 'you' : mention(lock.holder);
  return `${d.env} stays locked to ${to} until ${slackTime(lock.until)}; \`/unlock ${d.app} ${d.env}\` to release it.`;
}

/** A queued deploy, cancelled: it will never run. */
export function cancelledQueuedText(d: Deploy, lockNote?: string): string {
  return [`:no_entry_sign: Cancelled ${what(d)} before it started; it won't run.`, lockNote].filter(Boolean).join('\n');
}

/** A running deploy, asked to stop: its worker stops the command (SIGTERM, SIGKILL after the grace). */
export function stoppingText(d: Deploy, now: number, graceMs: number, lockNote?: string): string {
  const ran = d.startedAt !== undefined ? ` (running for ${formatDuration(Math.max(0, now - d.startedAt))})` : '';
  // A deploy through CI (its record names a run, or is about to): the CI is asked to stop the run.
  if (d.ci)
    return [
      `:octagonal_sign: Cancelling ${what(d)}${ran}: its worker is asking the CI to cancel its run now. The feed message will say when the run has stopped; whatever it already did stays done.`,
      lockNote,
    ]
      .filter(Boolean)
      .join('\n');
  return [
    `:octagonal_sign: Cancelling ${what(d)}${ran}: its worker is stopping the command now (SIGTERM, then SIGKILL if it is still running ${formatDuration(graceMs)} later). The feed message will say when it has stopped; whatever the command already did stays done.`,
    lockNote,
  ]
    .filter(Boolean)
    .join('\n');
}

/** The confirm dialog of the feed message's Cancel button (plain text, at most 300 characters). */
export function cancelConfirmText(d: Deploy): string {
  if (d.status === 'running' && d.ci)
    return `Deploy #${d.id} is running in CI: the CI will be asked to cancel its run now. Whatever it has already done stays done. The env's lock stays as it is.`;
  return d.status === 'running'
    ? `Deploy #${d.id} is running: its command will be stopped now (SIGTERM, then SIGKILL). Whatever it has already done stays done. The env's lock stays as it is.`
    : `Deploy #${d.id} hasn't started: it leaves the queue and never runs. The env's lock stays as it is.`;
}

const capital = (s: string): string => s.replace(/^\*d/, '*D');
