import type { LockInfo } from './lock';
import { formatRelative } from './duration';
import { escapeMrkdwn, mention, slackTime } from './slack-format';

/** "dev is locked by @ana (testing checkout) since 13:05, until 17:05 (in 3h 20m)." */
export function describeLock(app: string, env: string, lock: LockInfo, now: number): string {
  if (lock.reserved) {
    return `\`${app}\` *${env}* is reserved for ${mention(lock.holder)}, next on the wait-list, until ${slackTime(lock.until)} (in ${formatRelative(lock.until - now)}); if they don't take it by then it passes on.`;
  }
  const reason = lock.reason ? ` (${escapeMrkdwn(lock.reason)})` : '';
  return `\`${app}\` *${env}* is locked by ${mention(lock.holder)}${reason} since ${slackTime(lock.since)}, until ${slackTime(lock.until)} (in ${formatRelative(lock.until - now)}).`;
}

export function lockFreeText(
  app: string,
  env: string,
  previousHolder: string | undefined,
  how: 'released' | 'expired',
  until: number,
  releasedBy?: string,
): string {
  const released = releasedBy && releasedBy !== previousHolder ? `was released by ${mention(releasedBy)}` : 'was released';
  const why = previousHolder
    ? `${mention(previousHolder)}'s lock ${how === 'released' ? released : 'expired'}`
    : releasedBy
      ? `${mention(releasedBy)} released it from the person before you`
      : 'the person before you let their turn pass';
  return `:unlock: \`${app}\` *${env}* is free: ${why}. You were next on the wait-list, so it's yours to take until ${slackTime(until, '{time}')}: \`/deploy ${app} ${env} &lt;ref&gt;\` or \`/lock ${app} ${env}\`. After that it passes to the next in line.`;
}

export function turnPassedText(app: string, env: string): string {
  return `Your turn on \`${app}\` *${env}* passed: it was held for you, but not taken in time. Join the wait-list again if you still need it.`;
}

export function lockReminderText(app: string, env: string, lock: LockInfo, now: number): string {
  return `:alarm_clock: Your lock on \`${app}\` *${env}* ends ${slackTime(lock.until, '{time}')} (in ${formatRelative(lock.until - now)}). Extend it with \`/lock ${app} ${env} 2h\`, or release it with \`/unlock ${app} ${env}\`.`;
}

export function lockExpiredText(app: string, env: string): string {
  return `:unlock: Your lock on \`${app}\` *${env}* has expired. \`/lock ${app} ${env}\` claims it again if it is still free.`;
}

/** DM to someone whose lock (or wait-list turn) an admin released. */
export function releasedByAdminText(app: string, env: string, admin: string, wasReservation: boolean): string {
  return wasReservation
    ? `:unlock: ${mention(admin)} released \`${app}\` *${env}*, which was being held for you from the wait-list. \`/lock ${app} ${env}\` claims it again if it is free.`
    : `:unlock: ${mention(admin)} released your lock on \`${app}\` *${env}*. \`/lock ${app} ${env}\` claims it again if it is free.`;
}

/** A lock that has just ended, on its way to the first person on the wait-list. */
export function handingText(app: string, env: string, next: string): string {
  return `\`${app}\` *${env}*'s lock has just ended and it is being handed to ${mention(next)}, next on the wait-list.`;
}

/** A time in the audit log's plain words: "2025-03-04 17:05 UTC". */
const auditTime = (ms: number): string => `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;

/** The audit log's detail for a lock taken or extended: its reason and end. */
export function lockAuditDetail(how: 'new' | 'extended', lock: Pick<LockInfo, 'reason' | 'until'>): string {
  return `${how === 'extended' ? 'extended: ' : ''}${lock.reason || 'no reason given'}, until ${auditTime(lock.until)}`;
}

/** The audit log's detail for `/unlock`: whose lock it was, and who it went to next. */
export function unlockAuditDetail(user: string, previous: Pick<LockInfo, 'holder' | 'reason'>, next?: string): string {
  const what =
    previous.holder === user ? `released${previous.reason ? ` (${previous.reason})` : ''}` : `cleared ${previous.holder}'s expired lock`;
  return `${what}${next ? `; held for ${next}, next on the wait-list` : ''}`;
}

/** The DM to a lock holder whom someone asked, with the button on a refusal, to release it. */
export function askReleaseText(app: string, env: string, asker: string, lock: { reason: string; until: number }): string {
  const why = lock.reason ? ` (${escapeMrkdwn(lock.reason)})` : '';
  return `:wave: ${mention(asker)} would like to deploy to \`${app}\` *${env}*, which you hold until ${slackTime(lock.until)}${why}. If you're done, \`/unlock ${app} ${env}\` releases it; the wait-list goes next.`;
}
