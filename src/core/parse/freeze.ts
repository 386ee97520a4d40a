import { REVIEW_ALL } from '../review/env';
import type { AppConfig, FerryConfig } from '../config/types';
import { DURATION_HINT, parseDuration } from '../duration';
import { describeSchedule } from '../freeze-schedule';
import { escapeMrkdwn, typed } from '../slack-format';
import { addDays, formatWall, parseClock, parseDateTime, TIME_HINT, wallClock, zonedInstant } from '../time-zone';
import { dayNumber } from '../weekly';
import { MAX_REASON } from './lock';
import { type Parse, readTarget, words } from './target';

export const FREEZE_USAGE = '`/freeze [app] &lt;env&gt;|all [for &lt;duration&gt; | until &lt;time&gt;] [reason]`';
export const UNFREEZE_USAGE = '`/unfreeze [app] &lt;env&gt;|all`';
export const MAX_FREEZE_MS = 90 * 86_400_000;
const UNTIL_FORMS = '`until 17:00`, `until tomorrow 09:00`, `until mon 09:00` or `until 2026-11-23 09:00`';

export interface FreezeRequest {
  app: string;
  /** One env, or every env of the app for `all`. */
  envs: string[];
  /** No end: until `/unfreeze`. */
  until?: number;
  /** May be empty; at most MAX_REASON characters. */
  reason: string;
}

type Err = { kind: 'error'; message: string };
const error = (message: string): Err => ({ kind: 'error', message });

/**
 * `/freeze [app] <env>|all [for <duration> | until <time>] [reason]`; no words: list the freezes.
 * Times are read in `tz` (the config's time_zone).
 */
export function parseFreeze(text: string | undefined, config: FerryConfig, now: number, tz: string): Parse<FreezeRequest | { list: true }> {
  if ((text ?? '').trim() === '') return { kind: 'ok', value: { list: true } };
  const w = words(text, FREEZE_USAGE);
  if (w.kind !== 'ok') return w;
  const t = readEnvs(w.value, config, FREEZE_USAGE);
  if (t.kind !== 'ok') return t;
  const { app, envs, rest } = t.value;

  let until: number | undefined;
  let reasonWords = rest;
  const first = rest[0]?.toLowerCase();
  if (first === 'until') {
    const u = readUntil(rest.slice(1), now, tz);
    if ('kind' in u) return u;
    until = u.at;
    reasonWords = rest.slice(1 + u.used);
  } else if (first === 'for' && rest.length === 1) {
    return error(`For how long? e.g. \`for 2h\`, or ${UNTIL_FORMS}. Usage: ${FREEZE_USAGE}`);
  } else if (first === 'for' && /^\d/.test(rest[1]!)) {
    const ms = readDuration(rest[1]!);
    if (typeof ms !== 'number') return ms;
    until = now + ms;
    reasonWords = rest.slice(2);
  } else if (first !== undefined && /^\d/.test(first)) {
    if (parseClock(first) !== undefined || /^\d{4}-\d/.test(first)) {
      return error(
        `To freeze until a time, say so: ${typed(`until ${rest[0]!}`, 40)}. A number right after the env is read as a duration, such as 2h. Usage: ${FREEZE_USAGE}`,
      );
    }
    const ms = readDuration(rest[0]!);
    if (typeof ms !== 'number') return ms;
    until = now + ms;
    reasonWords = rest.slice(1);
  }
  const next = reasonWords[0]?.toLowerCase();
  if (until !== undefined && (next === 'until' || (next === 'for' && /^\d/.test(reasonWords[1] ?? '')))) {
    return error(`Give the freeze one end: a duration (\`for 2h\`) or a time (\`until 17:00\`), not both. Usage: ${FREEZE_USAGE}`);
  }
  const reason = reasonWords.join(' ');
  if (reason.length > MAX_REASON) return error(`That reason is ${reason.length} characters; keep it to ${MAX_REASON} at most.`);
  return { kind: 'ok', value: { app: app.name, envs, ...(until !== undefined && { until }), reason } };
}

/** `/unfreeze [app] <env>|all` */
export function parseUnfreeze(text: string | undefined, config: FerryConfig): Parse<{ app: string; envs: string[] }> {
  const w = words(text, UNFREEZE_USAGE);
  if (w.kind !== 'ok') return w;
  const t = readEnvs(w.value, config, UNFREEZE_USAGE);
  if (t.kind !== 'ok') return t;
  if (t.value.rest.length > 0) {
    return error(
      `\`/unfreeze\` takes only the app and env (or \`all\`); I don't know what to do with ${typed(t.value.rest.join(' '))}. Usage: ${UNFREEZE_USAGE}`,
    );
  }
  return { kind: 'ok', value: { app: t.value.app.name, envs: t.value.envs } };
}

/** Every env of the app `all` means: its named envs, and all its review apps if it has them. */
const everyEnv = (app: AppConfig): string[] => [...app.envNames, ...(app.reviewApps ? [REVIEW_ALL] : [])];

/** `[app] <env>` as readTarget reads it, `[app] review` (every review app), or `[app] all`: every env of the app. */
function readEnvs(parts: string[], config: FerryConfig, usage: string): Parse<{ app: AppConfig; envs: string[]; rest: string[] }> {
  const [first, second] = parts as [string, string?];
  if (first.toLowerCase() === 'all') {
    if (config.appNames.length === 1) {
      const app = config.apps[config.appNames[0]!]!;
      return { kind: 'ok', value: { app, envs: everyEnv(app), rest: parts.slice(1) } };
    }
    const command = usage.replace(/`/g, '').split(' ')[0];
    const apps = config.appNames.map((a) => `\`${a}\``).join(', ');
    return error(`Which app? \`all\` means every environment of one app; e.g. \`${command} ${config.appNames[0]} all\`. Apps: ${apps}.`);
  }
  const named = config.apps[first];
  if (named && second?.toLowerCase() === 'all') return { kind: 'ok', value: { app: named, envs: everyEnv(named), rest: parts.slice(2) } };
  // `review`: every review app of the app, those to come too.
  const single = config.appNames.length === 1 ? config.apps[config.appNames[0]!] : undefined;
  if (named?.reviewApps && second === REVIEW_ALL) return { kind: 'ok', value: { app: named, envs: [REVIEW_ALL], rest: parts.slice(2) } };
  if (single?.reviewApps && first === REVIEW_ALL) return { kind: 'ok', value: { app: single, envs: [REVIEW_ALL], rest: parts.slice(1) } };
  const t = readTarget(parts, config, usage);
  if (t.kind !== 'ok') return t;
  return { kind: 'ok', value: { app: t.value.app, envs: [t.value.env], rest: t.value.rest } };
}

function readDuration(word: string): number | Err {
  const ms = parseDuration(word);
  if (ms === undefined) return error(`${typed(word, 40)} is not a duration; ${DURATION_HINT}, or ${UNTIL_FORMS}. Usage: ${FREEZE_USAGE}`);
  if (ms > MAX_FREEZE_MS)
    return error(`A freeze can be set for at most 90d; ${typed(word, 40)} is longer. Leave the end out to freeze until \`/unfreeze\`.`);
  return ms;
}

/** A word that was meant as a time of day, right or wrong: 17:00, 25:00, 5pm, 17h. */
const looksLikeTime = (word: string): boolean => /^\d{1,2}([:.h]\d{0,2})?\s*(am|pm)?$/i.test(word);

/** The words after `until`: the instant they name, read in `tz`, and how many words it took. */
function readUntil(w: string[], now: number, tz: string): { at: number; used: number } | Err {
  const [first, second] = w;
  if (first === undefined) return error(`Until when? e.g. ${UNTIL_FORMS}. Usage: ${FREEZE_USAGE}`);
  const today = wallClock(now, tz);
  const lower = first.toLowerCase();
  const notTime = (word: string) => error(`${typed(word, 40)} is not a time; ${TIME_HINT} (read in ${tz}). Usage: ${FREEZE_USAGE}`);

  let at: number;
  let used: number;
  let shown: string;
  if (/^\d{4}-\d{1,2}-\d{1,2}t/i.test(first)) {
    const d = parseDateTime(first);
    if (typeof d === 'string')
      return error(`${typed(first, 40)} is not a date and time; write it as 2026-11-23 09:00 or 2026-11-23T09:00.`);
    [at, used, shown] = [zonedInstant(d, tz), 1, first];
  } else if (/^\d{4}-\d{1,2}-\d{1,2}$/.test(first)) {
    const d = parseDateTime(first);
    if (typeof d === 'string') return error(`${typed(first, 40)} is not a date; write it as YYYY-MM-DD, e.g. \`until 2026-11-23 09:00\`.`);
    const minute = second === undefined ? undefined : parseClock(second);
    if (minute === undefined)
      return second !== undefined && looksLikeTime(second)
        ? notTime(second)
        : error(`At what time on ${typed(first)}? e.g. \`until ${first} 09:00\` (24-hour, ${tz}).`);
    [at, used, shown] = [atMinute(d, minute, tz), 2, `${first} ${second}`];
  } else if (lower === 'today' || lower === 'tomorrow' || dayNumber(lower) !== undefined) {
    const minute = second === undefined ? undefined : parseClock(second);
    if (minute === undefined)
      return second !== undefined && looksLikeTime(second)
        ? notTime(second)
        : error(
            `At what time ${lower === 'today' || lower === 'tomorrow' ? lower : `on ${typed(first)}`}? e.g. \`until ${lower} 09:00\` (24-hour, ${tz}).`,
          );
    shown = `${first} ${second}`;
    used = 2;
    if (lower === 'today' || lower === 'tomorrow') {
      at = atMinute(addDays(today, lower === 'today' ? 0 : 1), minute, tz);
      if (at <= now)
        return error(
          `${typed(shown)} has passed: it is ${formatWall(now, tz)} in ${tz}. Give a later time, e.g. \`until tomorrow ${second}\`.`,
        );
    } else {
      // The next such day and time: later today when the day is today and the time is still ahead.
      at = atMinute(addDays(today, (dayNumber(lower)! - today.weekday + 7) % 7), minute, tz);
      if (at <= now) at = atMinute(addDays(today, 7), minute, tz);
    }
  } else if (parseClock(first) !== undefined) {
    // Today, or tomorrow when that time has passed.
    const minute = parseClock(first)!;
    at = atMinute(today, minute, tz);
    if (at <= now) at = atMinute(addDays(today, 1), minute, tz);
    [used, shown] = [1, first];
  } else if (looksLikeTime(first)) {
    return notTime(first);
  } else {
    return error(
      `I can't read ${typed(first, 40)} as a time; use e.g. ${UNTIL_FORMS} (24-hour, ${tz}). To freeze with no end, leave \`until\` out.`,
    );
  }
  if (at <= now)
    return error(`${typed(shown)} is in the past: it is ${formatWall(now, tz)} in ${tz}. Give a later time, e.g. ${UNTIL_FORMS}.`);
  if (at - now > MAX_FREEZE_MS) {
    return error(
      `${typed(shown)} is more than 90 days ahead; a freeze can be set for at most 90d. Leave the end out to freeze until \`/unfreeze\`.`,
    );
  }
  return { at, used };
}

const atMinute = (date: { year: number; month: number; day: number }, minute: number, tz: string): number =>
  zonedInstant({ year: date.year, month: date.month, day: date.day, hour: Math.floor(minute / 60), minute: minute % 60 }, tz);

export function freezeHelp(config: FerryConfig): string {
  const app = config.apps[config.appNames[0]!]!;
  const prefix = config.appNames.length === 1 ? '' : `${app.name} `;
  const env = app.envNames[app.envNames.length - 1]!;
  const lines = [
    `*Freeze:* ${FREEZE_USAGE}`,
    `Stops deploys from starting on an environment, or on \`all\` of an app's environments, until the end you give or until \`/unfreeze\`, e.g. \`/freeze ${prefix}${env} 2h release testing\` or \`/freeze ${prefix}all until 17:00 incident review\`.`,
    `An end is a duration (\`2h\` or \`for 2h\`, at most 90d) or a time, read in ${config.timeZone}: ${UNTIL_FORMS} (\`until 17:00\` is today, or tomorrow once 17:00 has passed).`,
    '`/freeze` alone lists the freezes in force.',
    `*Unfreeze:* ${UNFREEZE_USAGE} lifts a freeze set with \`/freeze\`.`,
  ];
  if (config.freezes.length > 0) {
    lines.push('*Scheduled freezes* (from the config):');
    for (const f of config.freezes) {
      const where = `${f.apps.includes('*') ? 'every app' : f.apps.join(', ')}: ${f.envs.includes('*') ? 'every environment' : f.envs.join(', ')}`;
      lines.push(`• *${escapeMrkdwn(f.name)}* (${escapeMrkdwn(f.reason)}) ${describeSchedule(f)}, on ${where}`);
    }
  }
  const windows = config.appNames.flatMap((a) =>
    config.apps[a]!.envNames.flatMap((e) => {
      const w = config.apps[a]!.envs[e]!.window;
      return w ? [`• \`${a}\` *${e}*: ${escapeMrkdwn(w.text)} (${w.tz})`] : [];
    }),
  );
  if (windows.length > 0) lines.push('*Deploy windows* (deploys start only within them):', ...windows);
  return lines.join('\n');
}
