import { isReviewEnv } from '../review/env';
import type { FerryConfig } from '../config/types';
import { DURATION_HINT, parseDuration } from '../duration';
import { typed } from '../slack-format';
import { type Parse, readTarget, words } from './target';

export const LOCK_USAGE = '`/lock [app] &lt;env&gt; [duration] [reason]`';
export const UNLOCK_USAGE = '`/unlock [app] &lt;env&gt;`';
export const MAX_LOCK_MS = 7 * 86_400_000;
export const MAX_REASON = 200;

export interface LockRequest {
  app: string;
  env: string;
  /** The env's lock_ttl when not given. */
  durationMs: number;
  reason: string;
}

/** `/lock [app] <env> [duration] [reason]` */
export function parseLock(text: string | undefined, config: FerryConfig): Parse<LockRequest> {
  const w = words(text, LOCK_USAGE);
  if (w.kind !== 'ok') return w;
  const t = readTarget(w.value, config, LOCK_USAGE);
  if (t.kind !== 'ok') return t;
  const { app, env, rest } = t.value;
  if (isReviewEnv(app, env))
    return {
      kind: 'error',
      message: `\`${env}\` is a pull request's review app: it is that pull request's alone, so it has no lock. \`/freeze ${env}\` stops its deploys for a while.`,
    };
  let durationMs = app.envs[env]!.lockTtlMs;
  let reasonWords = rest;
  if (rest[0] !== undefined && /^\d/.test(rest[0])) {
    const ms = parseDuration(rest[0]);
    if (ms === undefined)
      return { kind: 'error', message: `${typed(rest[0], 40)} is not a duration; ${DURATION_HINT}. Usage: ${LOCK_USAGE}` };
    if (ms > MAX_LOCK_MS)
      return {
        kind: 'error',
        message: `A lock lasts at most 7d; ${typed(rest[0], 40)} is longer. Lock for less and extend it with \`/lock\` again.`,
      };
    durationMs = ms;
    reasonWords = rest.slice(1);
  }
  const reason = reasonWords.join(' ');
  if (reason.length > MAX_REASON)
    return { kind: 'error', message: `That reason is ${reason.length} characters; keep it to ${MAX_REASON} at most.` };
  return { kind: 'ok', value: { app: app.name, env, durationMs, reason } };
}

/** `/unlock [app] <env>` */
export function parseUnlock(text: string | undefined, config: FerryConfig): Parse<{ app: string; env: string }> {
  const w = words(text, UNLOCK_USAGE);
  if (w.kind !== 'ok') return w;
  const t = readTarget(w.value, config, UNLOCK_USAGE);
  if (t.kind !== 'ok') return t;
  if (t.value.rest.length > 0) {
    return {
      kind: 'error',
      message: `\`/unlock\` takes only the app and env; I don't know what to do with ${typed(t.value.rest.join(' '))}. Usage: ${UNLOCK_USAGE}`,
    };
  }
  return { kind: 'ok', value: { app: t.value.app.name, env: t.value.env } };
}

export function lockHelp(): string {
  return [
    `*Lock:* ${LOCK_USAGE}`,
    "Claims an environment so nobody else deploys there until it expires or you `/unlock` it, e.g. `/lock dev 2h testing checkout`. Without a duration the environment's `lock_ttl` applies. Locking again while you hold it sets a new end time.",
    'On environments with `lock: true`, every deploy claims the environment for its requester.',
    'If someone else holds it, I tell you who, why and until when, and offer the wait-list: I DM the next person in line when the lock is released or expires.',
    `*Unlock:* ${UNLOCK_USAGE} releases your lock.`,
  ].join('\n');
}
