import type { AppConfig, FerryConfig } from '../config/types';
import { typed, suggestedCommand } from '../slack-format';
import { closest } from '../suggest';
import { MAX_TEXT, type Parse } from './target';

export const RELEASE_USAGE = '`/release [app] [from-env] [to-env] [force]`';

export type ReleaseCommand = { kind: 'open'; app: string; from: string; to: string; force: boolean } | { kind: 'cancel'; id: number };

const list = (names: readonly string[]): string => names.map((n) => `\`${n}\``).join(', ');

/**
 * `/release [app] [from-env] [to-env] [force]`, or `/release cancel <id>`. Envs left out come from
 * the config: the target is the app's env with `promote_from` (when it has one), the source is
 * what the target names. One env alone is the target if it has `promote_from`, else the source of
 * the one env promoted from it. `force` opens a release whose source has diverged from the target.
 */
export function parseRelease(text: string | undefined, config: FerryConfig): Parse<ReleaseCommand> {
  const t = (text ?? '').trim();
  if (t.length > MAX_TEXT)
    return { kind: 'error', message: `That is ${t.length} characters; a command here is at most ${MAX_TEXT}. Usage: ${RELEASE_USAGE}` };
  let parts = t === '' ? [] : t.split(/\s+/);
  if (parts.length === 1 && ['help', '-h', '--help', '?'].includes(parts[0]!.toLowerCase())) return { kind: 'help' };
  if (parts[0]?.toLowerCase() === 'cancel') {
    const id = /^#?(\d{1,9})$/.exec(parts[1] ?? '')?.[1];
    if (!id || parts.length > 2)
      return {
        kind: 'error',
        message: `Say which release to cancel by its number, e.g. ${typed('/release cancel 12')} (it is on the release's message).`,
      };
    return { kind: 'ok', value: { kind: 'cancel', id: Number(id) } };
  }
  const force = parts[parts.length - 1]?.toLowerCase() === 'force';
  if (force) parts = parts.slice(0, -1);
  let app: AppConfig | undefined;
  if (parts[0] !== undefined && Object.hasOwn(config.apps, parts[0])) {
    app = config.apps[parts[0]]!;
    parts = parts.slice(1);
  } else if (config.appNames.length === 1) {
    app = config.apps[config.appNames[0]!]!;
  } else {
    const first = parts[0];
    const guess = first ? closest(first, config.appNames) : undefined;
    const what = first ? `There is no app ${typed(first)}.${guess ? ` Did you mean \`${guess}\`?` : ''}` : 'Which app?';
    return { kind: 'error', message: `${what} Apps: ${list(config.appNames)}. Usage: ${RELEASE_USAGE}` };
  }
  for (const p of parts) {
    if (!app.envs[p]) {
      const guess = closest(p, app.envNames);
      return {
        kind: 'error',
        message: `\`${app.name}\` has no environment ${typed(p)}.${guess ? ` Did you mean \`${guess}\`?` : ''} It has ${list(app.envNames)}. Usage: ${RELEASE_USAGE}`,
      };
    }
  }
  if (parts.length > 2)
    return {
      kind: 'error',
      message: `I don't know what to do with ${typed(parts.slice(2).join(' '))}: a release names at most two envs, from and to. Usage: ${RELEASE_USAGE}`,
    };
  const promoted = app.envNames.filter((e) => app.envs[e]!.promoteFrom !== undefined);
  const example = promoted[0]
    ? ` e.g. ${suggestedCommand(`/release ${app.name} ${app.envs[promoted[0]]!.promoteFrom} ${promoted[0]}`)}`
    : '';
  const howTo = `Name both, ${suggestedCommand(`/release ${app.name} <from-env> <to-env>`)}, or set \`promote_from\` on the target env in the config.`;
  let from: string;
  let to: string;
  if (parts.length === 2) {
    [from, to] = parts as [string, string];
    if (from === to)
      return { kind: 'error', message: `A release goes from one env to another; both are ${typed(from)}.${example || ` ${howTo}`}` };
  } else if (parts.length === 1) {
    const one = parts[0]!;
    const fed = promoted.filter((e) => app.envs[e]!.promoteFrom === one);
    if (app.envs[one]!.promoteFrom !== undefined) [from, to] = [app.envs[one]!.promoteFrom!, one];
    else if (fed.length === 1) [from, to] = [one, fed[0]!];
    else
      return {
        kind: 'error',
        message: `Where does ${typed(one)} go? ${fed.length > 1 ? `${list(fed)} are promoted from it.` : 'No env names it in `promote_from`, and it has none itself.'} ${howTo}`,
      };
  } else {
    if (promoted.length !== 1) {
      return {
        kind: 'error',
        message: `Which release of \`${app.name}\`? ${promoted.length === 0 ? 'No env of it has `promote_from`.' : `${list(promoted)} all have \`promote_from\`.`} ${howTo}`,
      };
    }
    to = promoted[0]!;
    from = app.envs[to]!.promoteFrom!;
  }
  return { kind: 'ok', value: { kind: 'open', app: app.name, from, to, force } };
}

/** `/release help`: how to use it, with this config's own pipeline as the example. */
export function releaseHelp(config: FerryConfig): string {
  const pipelines = config.appNames.flatMap((a) =>
    config.apps[a]!.envNames.filter((e) => config.apps[a]!.envs[e]!.promoteFrom).map(
      (e) => `\`${a}\`: ${config.apps[a]!.envs[e]!.promoteFrom} → ${e}`,
    ),
  );
  return [
    `*Release:* ${RELEASE_USAGE}`,
    'Posts what the target env is about to receive: the commits between the SHA running there and the one running on the source env, their authors, and the compare link. Each author says *OK to ship* (from the message or the DM I send them); anyone can put it on *Hold…* with a reason. When every OK is in and no hold stands, it ships that exact SHA through the normal deploy queue, by itself or with *Ship*, as the target env is configured.',
    pipelines.length
      ? `Releases set up (\`promote_from\`): ${pipelines.join('; ')}.`
      : 'No env has `promote_from` yet, so name both envs: `/release <app> <from-env> <to-env>`.',
    "`force` opens a release even when the source has diverged from the target (the target's extra commits would be lost).",
    '`/release cancel <id>` cancels an open release (its opener or an admin).',
  ].join('\n');
}
