import type { FerryConfig } from '../config/types';
import { typed } from '../slack-format';
import { closest } from '../suggest';
import { parseStats, type StatsRequest } from './stats';
import { type Parse, readTarget, words } from './target';

export const DEPLOYS_USAGE = '`/deploys [app] [env]`';
export const AUDIT_USAGE = '`/deploys audit [app] [env]` or `/deploys audit @person`';
export const REVIEW_USAGE = '`/deploys review [app]`';
export const STATS_USAGE = '`/deploys stats [app] [7d|30d|90d]`';

/** Whose (or which env's) audit entries to show. */
export type AuditScope =
  | { kind: 'all' }
  | { kind: 'app'; app: string }
  | { kind: 'env'; app: string; env: string }
  /** A person's entries; with `app`, only those about that app. */
  | { kind: 'user'; user: string; app?: string };

export type DeploysRequest =
  /** The status board: one app in detail, or (no app, several apps) every app compactly. */
  | { kind: 'board'; app?: string }
  /** An env's last deploys. */
  | { kind: 'history'; app: string; env: string }
  | { kind: 'audit'; scope: AuditScope }
  /** The review apps that are around: of one app, or (no app) of every app with review_apps. */
  | { kind: 'review'; app?: string }
  | StatsRequest;

const list = (names: readonly string[]): string => names.map((n) => `\`${n}\``).join(', ');

/**
 * `/deploys [app]`, `/deploys [app] <env>`, `/deploys audit [app] [env]`,
 * `/deploys audit <@U123|name>` (or a bare `U123`, or `me`: `user` is who typed it).
 * `/deploys review [app]`. `audit`, `review` and `help` are words of the command, never an app or env.
 */
export function parseDeploys(text: string | undefined, config: FerryConfig, user: string): Parse<DeploysRequest> {
  // The manifest sets should_escape: Slack sends mentions as <@U123|name> and escapes &, < and >.
  const t = unescapeSlack(text ?? '').trim();
  if (t === '') return { kind: 'ok', value: { kind: 'board', ...(config.appNames.length === 1 && { app: config.appNames[0]! }) } };
  const w = words(t, DEPLOYS_USAGE);
  if (w.kind !== 'ok') return w;
  const [first, ...rest] = w.value;
  if (first!.toLowerCase() === 'audit') return parseAudit(rest, config, user);
  if (first!.toLowerCase() === 'review' && !namedReview(config)) return parseReview(rest, config);
  if (first!.toLowerCase() === 'stats' && !named('stats', config)) return parseStats(rest, config);
  const one = w.value.length === 1 ? config.apps[first!] : undefined;
  if (one) return { kind: 'ok', value: { kind: 'board', app: one.name } };
  if (mentionedUser(first!) || first!.startsWith('@')) {
    return {
      kind: 'error',
      message: `To see what someone did, ask the audit log: ${typed(`/deploys audit ${first}`)}. Usage: ${DEPLOYS_USAGE} (status and history), ${AUDIT_USAGE}`,
    };
  }
  const only = envOfOneApp(w.value, config, '/deploys');
  if (only) return only.kind === 'ok' ? { kind: 'ok', value: { kind: 'history', ...only.value } } : only;
  const target = readTarget(w.value, config, DEPLOYS_USAGE);
  if (target.kind !== 'ok') return target;
  const { app, env, rest: extra } = target.value;
  if (extra.length > 0) {
    return {
      kind: 'error',
      message: `I don't know what to do with ${typed(extra.join(' '))}: \`/deploys\` takes an app and an environment. Usage: ${DEPLOYS_USAGE}`,
    };
  }
  return { kind: 'ok', value: { kind: 'history', app: app.name, env } };
}

/**
 * Whether `review` names an app or env of a config without review apps (a config from before them):
 * `/deploys review` is then that app or env, as it was.
 */
function namedReview(config: FerryConfig): boolean {
  const apps = config.appNames.map((a) => config.apps[a]!);
  return !apps.some((a) => a.reviewApps) && named('review', config);
}

/** Whether an app or env of the config is called `word` (a config from before that word became a subcommand). */
function named(word: string, config: FerryConfig): boolean {
  return config.appNames.some((a) => a === word || Object.hasOwn(config.apps[a]!.envs, word));
}

function parseReview(parts: string[], config: FerryConfig): Parse<DeploysRequest> {
  const withReview = config.appNames.filter((a) => config.apps[a]!.reviewApps);
  if (parts.length > 1)
    return {
      kind: 'error',
      message: `I don't know what to do with ${typed(parts.slice(1).join(' '))}: it takes one app. Usage: ${REVIEW_USAGE}`,
    };
  if (withReview.length === 0)
    return {
      kind: 'error',
      message:
        'No app here has review apps. Add `review_apps:` (deploy, teardown and url) to an app in ferry.yml to get one per pull request.',
    };
  const name = parts[0];
  if (name === undefined) return { kind: 'ok', value: { kind: 'review', ...(withReview.length === 1 && { app: withReview[0]! }) } };
  const app = config.apps[name];
  if (app?.reviewApps) return { kind: 'ok', value: { kind: 'review', app: app.name } };
  const have = `${withReview.length === 1 ? 'Only' : 'Apps with review apps:'} ${list(withReview)}${withReview.length === 1 ? ' has them' : ''}`;
  if (app)
    return {
      kind: 'error',
      message: `\`${app.name}\` has no review apps (no \`review_apps:\` in ferry.yml). ${have}: e.g. ${typed(`/deploys review ${withReview[0]}`)}.`,
    };
  const guess = closest(name, withReview);
  return {
    kind: 'error',
    message: `There is no app ${typed(name, 40)} with review apps.${guess ? ` Did you mean \`${guess}\`?` : ''} ${have}. Usage: ${REVIEW_USAGE}`,
  };
}

function parseAudit(parts: string[], config: FerryConfig, user: string): Parse<DeploysRequest> {
  if (parts.length === 0) return { kind: 'ok', value: { kind: 'audit', scope: { kind: 'all' } } };
  // A person, alone or after an app: `audit @ana`, `audit web @ana`.
  const personAt = parts.findIndex((p) => mentionedUser(p) || p.toLowerCase() === 'me' || p.startsWith('@'));
  if (personAt >= 0) {
    const word = parts[personAt]!;
    const who = word.toLowerCase() === 'me' ? user : mentionedUser(word);
    if (!who) {
      return {
        kind: 'error',
        message: `I can't tell who ${typed(word, 40)} is: Slack sends a person's ID only when you pick them from the @ suggestions as you type. Pick them from the list, or give their member ID (their profile, then ⋮, then Copy member ID), e.g. \`/deploys audit U0123ABCD\`.`,
      };
    }
    const before = parts.slice(0, personAt);
    const after = parts.slice(personAt + 1);
    if (after.length > 0)
      return { kind: 'error', message: `I don't know what to do with ${typed(after.join(' '))} after the person. Usage: ${AUDIT_USAGE}` };
    if (before.length === 0) return { kind: 'ok', value: { kind: 'audit', scope: { kind: 'user', user: who } } };
    if (before.length === 1 && config.apps[before[0]!])
      return { kind: 'ok', value: { kind: 'audit', scope: { kind: 'user', user: who, app: before[0]! } } };
    if (before.length === 1) return { kind: 'error', message: unknownApp(before[0]!, config) };
    return {
      kind: 'error',
      message: `A person's audit log can be narrowed to an app, not an env: ${typed(`/deploys audit ${before[0]} ${word}`)}. Usage: ${AUDIT_USAGE}`,
    };
  }
  if (parts.length === 1 && config.apps[parts[0]!]) {
    const app = config.apps[parts[0]!]!;
    // With one app, `audit web` is the app; an env that shares the app's name is `audit web web`.
    return { kind: 'ok', value: { kind: 'audit', scope: { kind: 'app', app: app.name } } };
  }
  const only = envOfOneApp(parts, config, '/deploys audit');
  if (only) return only.kind === 'ok' ? { kind: 'ok', value: { kind: 'audit', scope: { kind: 'env', ...only.value } } } : only;
  const target = readTarget(parts, config, AUDIT_USAGE);
  if (target.kind !== 'ok') return target;
  if (target.value.rest.length > 0) {
    return {
      kind: 'error',
      message: `I don't know what to do with ${typed(target.value.rest.join(' '))}: the audit log takes an app and an environment, or a person. Usage: ${AUDIT_USAGE}`,
    };
  }
  return { kind: 'ok', value: { kind: 'audit', scope: { kind: 'env', app: target.value.app.name, env: target.value.env } } };
}

/**
 * With several apps, an env named alone is read as that env of the one app that has it (these
 * answers only read, so there is no harm in guessing); when several apps have it, which one?
 * Undefined when that doesn't apply (readTarget then says what is wrong).
 */
function envOfOneApp(parts: string[], config: FerryConfig, command: string): Parse<{ app: string; env: string }> | undefined {
  if (parts.length !== 1 || config.appNames.length < 2) return undefined;
  const env = parts[0]!;
  const apps = config.appNames.filter((a) => config.apps[a]!.envs[env]);
  if (apps.length === 1) return { kind: 'ok', value: { app: apps[0]!, env } };
  if (apps.length > 1)
    return { kind: 'error', message: `Which app? ${list(apps)} have ${typed(env)}; e.g. ${typed(`${command} ${apps[0]} ${env}`)}.` };
  return undefined;
}

/** The user ID in `<@U123|name>`, `<@U123>` or a bare `U123`/`W123`; undefined for anything else. */
export function mentionedUser(word: string): string | undefined {
  const m = /^<@([UW][A-Z0-9]{2,})(?:\|[^>]*)?>$/.exec(word) ?? /^([UW][A-Z0-9]{2,})$/.exec(word);
  return m?.[1];
}

function unknownApp(word: string, config: FerryConfig): string {
  const guess = closest(word, config.appNames);
  return `There is no app ${typed(word, 40)}.${guess ? ` Did you mean \`${guess}\`?` : ''} Apps: ${list(config.appNames)}. Usage: ${AUDIT_USAGE}`;
}

/** Undoes Slack's escaping of &, < and > in command text (mentions arrive as real <@...> tokens). */
function unescapeSlack(text: string): string {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

export function deploysHelp(config: FerryConfig): string {
  const a = config.appNames[0]!;
  const env = config.apps[a]!.envNames[0]!;
  const one = config.appNames.length === 1;
  const pre = one ? '' : `${a} `;
  return [
    `*Status:* ${DEPLOYS_USAGE}`,
    `\`/deploys${one ? '' : ` ${a}`}\`: every environment${one ? '' : ` of \`${a}\``}: what runs there (commit, ref, who, when), its lock, its queue, and freezes and deploy windows where they apply.${one ? '' : ' Without an app: every app, one line per environment.'}`,
    `\`/deploys ${pre}${env}\`: the last 20 deploys to ${env}, newest first, with outcomes and durations.`,
    ...reviewHelp(config),
    `*Delivery figures:* ${STATS_USAGE}: deploy frequency, lead time, change failure rate and time to restore of ${one ? 'the app' : 'an app'}'s environments over the last 7, 30 (the default) or 90 days, beside the period before, with a link to their charts.`,
    `*Audit log:* ${AUDIT_USAGE}`,
    `\`/deploys audit ${pre}${env}\`: who deployed, locked, unlocked (and more) on ${env}; \`/deploys audit @person\` (pick them from the @ suggestions) or \`/deploys audit me\`: what one person did; \`/deploys audit\`: everything, newest first.`,
    '*Nudges:* `/deploys nudges off` (or `on`): whether the daily nudges about commits waiting to reach production mention you.',
    'Only you see the answers.',
  ].join('\n');
}

function reviewHelp(config: FerryConfig): string[] {
  const apps = config.appNames.filter((a) => config.apps[a]!.reviewApps);
  if (apps.length === 0) return [];
  return [
    `*Review apps:* ${REVIEW_USAGE}: the pull requests' review apps that are around${apps.length > 1 ? ` (${list(apps)}; without an app, all of them)` : ''}: PR, title, author, age, state and URL.`,
  ];
}
