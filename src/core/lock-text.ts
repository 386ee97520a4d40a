import type { LockInfo } from '../store/locks';
import { formatDuration } from './duration';
import { escapeMrkdwn, mention, slackTime } from './slack-format';

/** "dev is locked by @ana (testing checkout) since 13:05, until 17:05 (in 3h 20m)." */
export function describeLock(app: string, env: string, lock: LockInfo, now: number): string {
  const reason = lock.reason ? ` (${escapeMrkdwn(lock.reason)})` : '';
  return `\`${app}\` *${env}* is locked by ${mention(lock.holder)}${reason} since ${slackTime(lock.since)}, until ${slackTime(lock.until)} (in ${formatDuration(lock.until - now)}).`;
}

export function lockFreeText(app: string, env: string, previousHolder: string, how: 'released' | 'expired'): string {
  return `:unlock: \`${app}\` *${env}* is free: ${mention(previousHolder)}'s lock ${how === 'released' ? 'was released' : 'expired'}. You were next on the wait-list, so it's yours to take: \`/deploy ${app} ${env} <ref>\` or \`/lock ${app} ${env}\`.`;
}

export function lockReminderText(app: string, env: string, lock: LockInfo, now: number): string {
  return `:alarm_clock: Your lock on \`${app}\` *${env}* ends ${slackTime(lock.until, '{time}')} (in ${formatDuration(lock.until - now)}). Extend it with \`/lock ${app} ${env} 2h\`, or release it with \`/unlock ${app} ${env}\`.`;
}

export function lockExpiredText(app: string, env: string): string {
  return `:unlock: Your lock on \`${app}\` *${env}* has expired. \`/lock ${app} ${env}\` claims it again if it is still free.`;
}
