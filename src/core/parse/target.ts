import { envOf } from '../review/env';
import type { AppConfig, FerryConfig } from '../config/types';
import { typed } from '../slack-format';
import { closest } from '../suggest';

/** The app and env a command names, with the words after them. */
export interface Target {
  app: AppConfig;
  env: string;
  rest: string[];
}

export type Parse<T> = { kind: 'ok'; value: T } | { kind: 'help' } | { kind: 'error'; message: string };

export const MAX_TEXT = 300;
const list = (names: readonly string[]): string => names.map((n) => `\`${n}\``).join(', ');

/** Splits command text into words, refusing what no command could mean. */
export function words(text: string | undefined, usage: string): Parse<string[]> {
  const t = (text ?? '').trim();
  if (t.length > MAX_TEXT)
    return { kind: 'error', message: `That is ${t.length} characters; a command here is at most ${MAX_TEXT}. Usage: ${usage}` };
  if (t === '') return { kind: 'error', message: `Tell me what to do. Usage: ${usage}` };
  const parts = t.split(/\s+/);
  if (parts.length === 1 && ['help', '-h', '--help', '?'].includes(parts[0]!.toLowerCase())) return { kind: 'help' };
  return { kind: 'ok', value: parts };
}

/** Reads `[app] <env>` from the front of the words. `app` may be left out when there is one app. */
export function readTarget(parts: string[], config: FerryConfig, usage: string): Parse<Target> {
  const [first, second] = parts;
  const firstApp = first === undefined ? undefined : config.apps[first];
  if (firstApp && second !== undefined && envOf(firstApp, second)) {
    return { kind: 'ok', value: { app: firstApp, env: second, rest: parts.slice(2) } };
  }
  if (firstApp && config.appNames.length > 1) {
    if (second === undefined)
      return { kind: 'error', message: `Which environment of \`${firstApp.name}\`? It has ${list(firstApp.envNames)}. Usage: ${usage}` };
    return { kind: 'error', message: unknownEnv(firstApp, second, usage) };
  }
  if (config.appNames.length === 1) {
    const app = config.apps[config.appNames[0]!]!;
    if (firstApp && second !== undefined && !envOf(app, first!)) return { kind: 'error', message: unknownEnv(app, second, usage) };
    if (first !== undefined && envOf(app, first)) return { kind: 'ok', value: { app, env: first, rest: parts.slice(1) } };
    if (firstApp) return { kind: 'error', message: `Which environment of \`${app.name}\`? It has ${list(app.envNames)}. Usage: ${usage}` };
    return { kind: 'error', message: unknownEnv(app, first ?? '', usage) };
  }
  const withEnv = config.appNames.filter((a) => envOf(config.apps[a], first ?? ''));
  if (withEnv.length > 0) {
    const command = usage.replace(/`/g, '').split(' ')[0];
    return {
      kind: 'error',
      message: `Which app? ${list(withEnv)} ${withEnv.length > 1 ? 'have' : 'has'} ${typed(first ?? '')}; e.g. ${typed(`${command} ${withEnv[0]} ${first}`)}.`,
    };
  }
  const guess = closest(first ?? '', config.appNames);
  return {
    kind: 'error',
    message: `There is no app ${typed(first ?? '')}.${guess ? ` Did you mean \`${guess}\`?` : ''} Apps: ${list(config.appNames)}. Usage: ${usage}`,
  };
}

function unknownEnv(app: AppConfig, env: string, usage: string): string {
  const guess = closest(env, app.envNames);
  const review = app.reviewApps ? ', and a review app `pr-<number>` per pull request' : '';
  return `\`${app.name}\` has no environment ${typed(env)}.${guess ? ` Did you mean \`${guess}\`?` : ''} It has ${list(app.envNames)}${review}. Usage: ${usage}`;
}
