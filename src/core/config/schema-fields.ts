import { z } from 'zod';
import { DURATION_HINT, parseDuration } from '../duration';
import { principalProblem } from '../permissions';
import { canonicalZone, isTimeZone, parseDateTime, ZONE_HINT, zoneProblem } from '../time-zone';
import { parseWeeklySpan, parseWindow, type WeeklySpan } from '../weekly';

/** The values ferry.yml's sections are made of (durations, names, time zones, spans, argv, Slack IDs), each with its own messages. */

/** A duration string in the file ("4h"), turned into milliseconds. */
export const duration = z.string().transform((text, ctx) => {
  const ms = parseDuration(text);
  if (ms === undefined) {
    ctx.addIssue({ code: 'custom', message: `${JSON.stringify(text)} is not a duration; ${DURATION_HINT}` });
    return z.NEVER;
  }
  return ms;
});

export const NAME = /^[a-z0-9][a-z0-9_-]{0,39}$/;
const nameHint = 'names use lower-case letters, digits, - and _ (at most 40), e.g. web, api-gateway';
/** Words of `/deploy` itself, which an app or env may not be called (`/deploy log 42` must mean one thing). */
const RESERVED = ['log', 'cancel'];
export const name = z
  .string()
  .regex(NAME, nameHint)
  .refine((n) => !RESERVED.includes(n), {
    error: (iss) =>
      `is reserved: \`log\` and \`cancel\` are words of /deploy (\`/deploy log <id>\` asks for a deploy's log, \`/deploy cancel <id>\` cancels one); call it something else, e.g. ${iss.input === 'cancel' ? 'cancellations' : 'logs or logging'}`,
  })
  .refine((n) => n !== 'all', { message: 'is reserved: `/freeze all` means every environment; call it something else' })
  .refine((n) => n !== 'audit', { message: 'is reserved: `/deploys audit` shows the audit log; call it something else, e.g. audits' });

/** An IANA time zone name, spelled as the platform spells it (europe/london -> Europe/London). */
export const timeZone = z.string({ error: `must be a time zone name; ${ZONE_HINT}` }).transform((tz, ctx) => {
  if (!isTimeZone(tz)) {
    ctx.addIssue({ code: 'custom', message: zoneProblem(tz) });
    return z.NEVER;
  }
  return canonicalZone(tz);
});

/** `Fri 16:00 to Mon 08:00`: a weekly span of local time. */
export const weeklySpan = z.string({ error: 'must be a weekly span such as Fri 16:00 to Mon 08:00' }).transform((text, ctx): WeeklySpan => {
  const p = parseWeeklySpan(text);
  if (!p.ok) {
    ctx.addIssue({ code: 'custom', message: p.message });
    return z.NEVER;
  }
  return p.span;
});

/** `Mon-Thu 09:30-17:00`, or a list of such: when deploys to an env may start. */
export const deployWindow = z
  .union([z.string(), z.array(z.string()).min(1)], { error: 'must be a window such as Mon-Thu 09:30-17:00, or a list of them' })
  .transform((value, ctx): { spans: WeeklySpan[]; text: string } => {
    const texts = Array.isArray(value) ? value : [value];
    const spans: WeeklySpan[] = [];
    texts.forEach((text, i) => {
      const p = parseWindow(text);
      if (p.ok) spans.push(...p.spans);
      else ctx.addIssue({ code: 'custom', message: p.message, path: Array.isArray(value) ? [i] : [] });
    });
    return { spans, text: texts.map((t) => t.trim()).join(', ') };
  });

/** `2026-11-27 09:00` as a local date and time (read in the freeze's time zone later). */
export const localDateTime = z.string({ error: 'must be a date and time such as 2026-11-27 09:00' }).transform((text, ctx) => {
  const w = parseDateTime(text);
  if (typeof w === 'string') {
    ctx.addIssue({ code: 'custom', message: w });
    return z.NEVER;
  }
  return w;
});

export const nameList = (what: string) =>
  z
    .array(z.string(), { error: `must be a list of ${what} names, e.g. [${what === 'app' ? 'web' : 'production'}]` })
    .min(1, `list at least one ${what}, or leave the key out for every ${what}`)
    .optional();

export const argv = z
  .array(z.string().min(1, 'an argument may not be empty'), {
    error: 'must be a list of arguments run without a shell, e.g. [commands/local-deploy.sh, --verbose]',
  })
  .min(1, 'needs at least the program to run, e.g. [commands/local-deploy.sh]');

/** A Slack user ID (U…/W…) or user group ID (S…), as `admins:` and `permissions:` lists hold them. */
export const principal = z
  .string({ error: 'must be a Slack user ID (U…) or user group ID (S…), e.g. U0123ABCD' })
  .superRefine((id, ctx) => {
    const problem = principalProblem(id);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

export const principals = (what: string, emptyMeans: string) =>
  z
    .array(principal, { error: `must be a list of Slack user IDs (U…) and user group IDs (S…) ${what}, e.g. [S0123RELEASE, U0123ABCD]` })
    .min(1, `is empty; list who ${what} (user IDs U…, user group IDs S…), or leave the key out ${emptyMeans}`);

const FERRY_SECRETS = [
  'SLACK_BOT_TOKEN',
  'SLACK_SIGNING_SECRET',
  'SLACK_APP_TOKEN',
  'GITHUB_TOKEN',
  'FERRY_LINK_SECRET',
  'GITHUB_WEBHOOK_SECRET',
  'GITHUB_WEBHOOK_SECRET_PREVIOUS',
  'FERRY_ALERT_TOKEN',
  'FERRY_METRICS_TOKEN',
  'GITHUB_APP_PRIVATE_KEY',
  'GITHUB_APP_PRIVATE_KEY_FILE',
];

/** `pass_env:`: variables of the worker's environment a deploy command gets (never Ferry's own secrets). */
export const passEnv = z
  .array(
    z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name')
      .refine((n) => !FERRY_SECRETS.includes(n), {
        message: "is one of Ferry's own secrets, which deploy commands never get; give the command its own credential instead",
      }),
  )
  .default([]);
