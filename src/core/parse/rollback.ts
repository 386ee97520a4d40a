import type { FerryConfig } from '../config/types';
import { MAX_LOCK_MS } from './lock';
import { dangerousWord } from '../ref';
import { typed } from '../slack-format';
import { type Parse, readTarget, words } from './target';

export const ROLLBACK_USAGE = '`/rollback [app] &lt;env&gt; [deploy-id|sha]`';

/** Where to roll back to, as typed: the previous good deploy, a deploy id, or a commit SHA (7 to 40 hex). */
export type RollbackTarget = { kind: 'previous' } | { kind: 'deploy'; id: number } | { kind: 'sha'; sha: string };

export interface RollbackRequest {
  app: string;
  env: string;
  target: RollbackTarget;
}

/** How long the lock a rollback claims lasts at most: the longest `/lock` allows. */
export const ROLLBACK_LOCK_MS = MAX_LOCK_MS;

/**
 * `/rollback [app] <env> [deploy-id|sha]`. `#42` is always a deploy id; a bare number of up to six
 * digits is one too; 7 to 40 hex characters are a commit SHA.
 */
export function parseRollback(text: string | undefined, config: FerryConfig): Parse<RollbackRequest> {
  const w = words(text, ROLLBACK_USAGE);
  if (w.kind !== 'ok') return w;
  const t = readTarget(w.value, config, ROLLBACK_USAGE);
  if (t.kind !== 'ok') return t;
  const { app, env, rest } = t.value;
  const base = { app: app.name, env };
  const danger = dangerousWord(rest, { hash: true });
  if (danger)
    return {
      kind: 'error',
      message: `Can't roll back to that: ${danger.problem}. Name a deploy id (\`#42\`) or a commit SHA. Usage: ${ROLLBACK_USAGE}`,
    };
  if (rest.length > 1) {
    return {
      kind: 'error',
      message: `I don't know what to do with ${typed(rest.slice(1).join(' '))}: a rollback takes at most one deploy id or SHA. Usage: ${ROLLBACK_USAGE}`,
    };
  }
  const word = rest[0];
  if (word === undefined) return { kind: 'ok', value: { ...base, target: { kind: 'previous' } } };
  const id = /^#(\d{1,15})$/.exec(word)?.[1] ?? /^(\d{1,6})$/.exec(word)?.[1];
  if (id !== undefined) {
    if (Number(id) < 1)
      return { kind: 'error', message: `${typed(word)} is not a deploy id; use the number from the deploy's feed message (Deploy #42).` };
    return { kind: 'ok', value: { ...base, target: { kind: 'deploy', id: Number(id) } } };
  }
  if (/^[0-9a-fA-F]{7,40}$/.test(word)) return { kind: 'ok', value: { ...base, target: { kind: 'sha', sha: word.toLowerCase() } } };
  return {
    kind: 'error',
    message: `${typed(word, 60)} is neither a deploy id (\`#42\`) nor a commit SHA (7 to 40 hex characters). To deploy a branch or tag, use \`/deploy\`. Usage: ${ROLLBACK_USAGE}`,
  };
}

export function rollbackHelp(config: FerryConfig): string {
  const app = config.appNames[0]!;
  const env = config.apps[app]!.envNames[0]!;
  const pre = config.appNames.length === 1 ? '' : `${app} `;
  return [
    `*Rollback:* ${ROLLBACK_USAGE}`,
    "Puts back what ran before. Without an argument: the SHA of the newest successful deploy to the environment that differs from what runs there now. With a deploy id (`#41` or `41`): that deploy's SHA, if it succeeded there. With a commit SHA (7 to 40 hex characters): that commit.",
    'It queues like any deploy (same locks, same order, same feed message, marked as a rollback), and locks the environment for you ("rolled back by …") until you `/unlock` it (7 days at most), so the next routine deploy doesn\'t undo it unknowingly. If someone else holds the environment, I say who and offer the wait-list.',
    `Examples: \`/rollback ${pre}${env}\`, \`/rollback ${pre}${env} #41\`, \`/rollback ${pre}${env} abc1234\`.`,
    config.appNames.length === 1 ? 'With one app you can leave `app` out.' : `Apps: ${config.appNames.map((a) => `\`${a}\``).join(', ')}.`,
  ].join('\n');
}
