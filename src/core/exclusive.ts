import { escapeMrkdwn } from './slack-format';

/** The deploy another deploy of an exclusive group waits for: running now, or first in line for the free env. */
export interface ExclusiveWait {
  group: string;
  env: string;
  /** The deploy ahead, when known (the lease names its deploy). */
  ahead?: { id: number; app: string };
  /** `running`: it holds the env now; `first`: the env is free and it was accepted earlier, so it goes first. */
  why: 'running' | 'first';
}

/**
 * Why a queued deploy of an exclusive group waits, for its feed message (Slack mrkdwn, after
 * "queued, waiting: "): "`payments` deploy #12 is running on staging (same exclusive group storefront)".
 */
export function exclusiveWaitText(w: ExclusiveWait): string {
  const group = `(same exclusive group ${escapeMrkdwn(w.group)})`;
  const env = escapeMrkdwn(w.env);
  if (!w.ahead) return `another deploy of exclusive group ${escapeMrkdwn(w.group)} is running on ${env}`;
  const who = `\`${escapeMrkdwn(w.ahead.app)}\` deploy #${w.ahead.id}`;
  return w.why === 'running' ? `${who} is running on ${env} ${group}` : `${who} goes first on ${env}: it was accepted earlier ${group}`;
}
