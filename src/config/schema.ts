import { z } from 'zod';
import { DURATION_HINT, parseDuration } from '../core/duration';
import { principalProblem } from '../core/permissions';
import { closest } from '../core/suggest';
import { checkPromoteTo, checkPromotions } from './pipeline-checks';

export { promotionCycle } from './pipeline-checks';
import { canonicalZone, formatWall, isTimeZone, parseDateTime, zonedInstant, zoneProblem, ZONE_HINT } from '../core/time-zone';
import { parseWeeklySpan, parseWindow, type WeeklySpan } from '../core/weekly';

/** A duration string in the file ("4h"), turned into milliseconds. */
const duration = z.string().transform((text, ctx) => {
  const ms = parseDuration(text);
  if (ms === undefined) {
    ctx.addIssue({ code: 'custom', message: `${JSON.stringify(text)} is not a duration; ${DURATION_HINT}` });
    return z.NEVER;
  }
  return ms;
});

const FERRY_SECRETS = [
  'SLACK_BOT_TOKEN',
  'SLACK_SIGNING_SECRET',
  'SLACK_APP_TOKEN',
  'GITHUB_TOKEN',
  'FERRY_LINK_SECRET',
  'GITHUB_WEBHOOK_SECRET',
  'FERRY_ALERT_TOKEN',
  'GITHUB_APP_PRIVATE_KEY',
  'GITHUB_APP_PRIVATE_KEY_FILE',
];

const NAME = /^[a-z0-9][a-z0-9_-]{0,39}$/;
const nameHint = 'names use lower-case letters, digits, - and _ (at most 40), e.g. web, api-gateway';
/** Words of `/deploy` itself, which an app or env may not be called (`/deploy log 42` must mean one thing). */
const RESERVED = ['log', 'cancel'];
const name = z
  .string()
  .regex(NAME, nameHint)
  .refine((n) => !RESERVED.includes(n), {
    error: (iss) =>
      `is reserved: \`log\` and \`cancel\` are words of /deploy (\`/deploy log <id>\` asks for a deploy's log, \`/deploy cancel <id>\` cancels one); call it something else, e.g. ${iss.input === 'cancel' ? 'cancellations' : 'logs or logging'}`,
  })
  .refine((n) => n !== 'all', { message: 'is reserved: `/freeze all` means every environment; call it something else' })
  .refine((n) => n !== 'audit', { message: 'is reserved: `/deploys audit` shows the audit log; call it something else, e.g. audits' });

/** An IANA time zone name, spelled as the platform spells it (europe/london -> Europe/London). */
const timeZone = z.string({ error: `must be a time zone name; ${ZONE_HINT}` }).transform((tz, ctx) => {
  if (!isTimeZone(tz)) {
    ctx.addIssue({ code: 'custom', message: zoneProblem(tz) });
    return z.NEVER;
  }
  return canonicalZone(tz);
});

/** `Fri 16:00 to Mon 08:00`: a weekly span of local time. */
const weeklySpan = z.string({ error: 'must be a weekly span such as Fri 16:00 to Mon 08:00' }).transform((text, ctx): WeeklySpan => {
  const p = parseWeeklySpan(text);
  if (!p.ok) {
    ctx.addIssue({ code: 'custom', message: p.message });
    return z.NEVER;
  }
  return p.span;
});

/** `Mon-Thu 09:30-17:00`, or a list of such: when deploys to an env may start. */
const deployWindow = z
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
const localDateTime = z.string({ error: 'must be a date and time such as 2026-11-27 09:00' }).transform((text, ctx) => {
  const w = parseDateTime(text);
  if (typeof w === 'string') {
    ctx.addIssue({ code: 'custom', message: w });
    return z.NEVER;
  }
  return w;
});

const nameList = (what: string) =>
  z
    .array(z.string(), { error: `must be a list of ${what} names, e.g. [${what === 'app' ? 'web' : 'production'}]` })
    .min(1, `list at least one ${what}, or leave the key out for every ${what}`)
    .optional();

const freeze = z
  .object({
    name: z
      .string({ error: 'every freeze needs a name, e.g. weekend' })
      .regex(NAME, 'freeze names use lower-case letters, digits, - and _ (at most 40), e.g. weekend, black-friday'),
    reason: z
      .string({ error: 'every freeze needs a reason, e.g. no deploys at weekends (people see it when a deploy is refused)' })
      .trim()
      .min(1, 'may not be empty: say why, e.g. no deploys at weekends (people see it when a deploy is refused)')
      .max(200, 'keep it to 200 characters at most'),
    every: weeklySpan.optional(),
    start: localDateTime.optional(),
    end: localDateTime.optional(),
    time_zone: timeZone.optional(),
    apps: nameList('app'),
    environments: nameList('environment'),
  })
  .strict()
  .superRefine((f, ctx) => {
    if (f.every !== undefined && (f.start !== undefined || f.end !== undefined)) {
      ctx.addIssue({
        code: 'custom',
        message: 'has both every and start/end; a freeze is either weekly (every: Fri 16:00 to Mon 08:00) or one-off (start and end)',
      });
    } else if (f.every === undefined && f.start === undefined && f.end === undefined) {
      ctx.addIssue({
        code: 'custom',
        message:
          'needs every (weekly, e.g. every: Fri 16:00 to Mon 08:00) or start and end (one-off, e.g. start: 2026-11-27 00:00, end: 2026-11-30 08:00)',
      });
    } else if (f.every === undefined && f.start === undefined) {
      ctx.addIssue({ code: 'custom', path: ['start'], message: 'is required with end: when the freeze begins, e.g. 2026-11-27 00:00' });
    } else if (f.every === undefined && f.end === undefined) {
      ctx.addIssue({ code: 'custom', path: ['end'], message: 'is required with start: when the freeze ends, e.g. 2026-11-30 08:00' });
    }
  });

/** `exclusive_groups:` entries: apps whose deploys to the same env never run at the same time. */
const exclusiveGroup = z
  .object({
    name: z
      .string({ error: 'must be a name, e.g. storefront' })
      .regex(NAME, 'group names use lower-case letters, digits, - and _ (at most 40), e.g. storefront')
      .optional(),
    apps: z
      .array(z.string({ error: 'must be an app name' }), { error: 'must be a list of app names, e.g. [shop, payments]' })
      .min(2, 'list at least two apps: deploys of one app to an env already run one at a time'),
  })
  .strict();

const argv = z
  .array(z.string().min(1, 'an argument may not be empty'), {
    error: 'must be a list of arguments run without a shell, e.g. [commands/local-deploy.sh, --verbose]',
  })
  .min(1, 'needs at least the program to run, e.g. [commands/local-deploy.sh]');

/** A Slack user ID (U…/W…) or user group ID (S…), as `admins:` and `permissions:` lists hold them. */
const principal = z.string({ error: 'must be a Slack user ID (U…) or user group ID (S…), e.g. U0123ABCD' }).superRefine((id, ctx) => {
  const problem = principalProblem(id);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

const principals = (what: string, emptyMeans: string) =>
  z
    .array(principal, { error: `must be a list of Slack user IDs (U…) and user group IDs (S…) ${what}, e.g. [S0123RELEASE, U0123ABCD]` })
    .min(1, `is empty; list who ${what} (user IDs U…, user group IDs S…), or leave the key out ${emptyMeans}`);

const permissions = z
  .object({
    deploy: principals('may deploy here (and roll back)', 'to let everyone').optional(),
    lock: principals('may lock this env', 'to let everyone').optional(),
    freeze: principals('may freeze and unfreeze this env', 'to let everyone').optional(),
    override: principals('may override its deploy window', 'for admins only (or, without admins, whoever may deploy)').optional(),
  })
  .strict();

/** `release:` under a target env: how releases to it are approved and shipped (see src/core/release/types.ts ReleasePolicy). */
export const releaseRules = z
  .object({
    ship: z.enum(['auto', 'button'], { error: 'must be auto (ships once every ack is in) or button (waits for Ship)' }).default('button'),
    freeze_source: z.boolean({ error: 'must be true or false' }).default(false),
    approvers: principals('must approve each release (one of them)', 'when no approver is required').optional(),
    self_approval: z.boolean({ error: 'must be true or false' }).default(true),
    unmapped: z
      .enum(['approver', 'none'], {
        error: 'must be approver (an approver acks for bots and authors with no Slack user) or none (they are shown only)',
      })
      .default('none'),
    remind_after: duration.prefault('4h'),
    remind_every: duration.prefault('4h'),
    reminders: z.number({ error: 'must be a number of reminders, e.g. 2' }).int().min(0).max(20).default(2),
    expire_after: duration.prefault('3d'),
    product_channel: z
      .string()
      .regex(/^[CG][A-Z0-9]{2,20}$/, 'must be a Slack channel ID like C0123PRODUCT (not a #name)')
      .optional(),
  })
  .strict();

const environment = z
  .object({
    deploy: argv,
    promote_from: z.string({ error: 'must be the name of the env releases come from, e.g. staging' }).optional(),
    release: releaseRules.optional(),
    permissions: permissions.optional(),
    window: deployWindow.optional(),
    time_zone: timeZone.optional(),
    auto_deploy: z
      .string({ error: 'must be the branch whose pushes deploy here, e.g. main' })
      .min(1, 'must be the branch whose pushes deploy here, e.g. main')
      .refine((b) => !/[\s~^:?*[\\]/.test(b) && !b.startsWith('refs/'), {
        message: 'must be a branch name as pushed, e.g. main (not refs/heads/main)',
      })
      .optional(),
    // Releases opened by a new tag or a published GitHub release (src/services/auto-release.ts).
    auto_release: z
      .enum(['tags', 'releases'], { error: 'must be tags (a new tag opens a release) or releases (a published GitHub release does)' })
      .optional(),
    release_tags: z
      .string({ error: 'must be a tag pattern, e.g. v* (* matches any run of characters except /)' })
      .min(1, 'must be a tag pattern, e.g. v* (* matches any run of characters except /)')
      .refine((t) => !/\s/.test(t) && !t.startsWith('refs/'), {
        message: 'must be a tag pattern as the tag is named, e.g. v* (not refs/tags/v*)',
      })
      .optional(),
    // Required checks: GitHub statuses and check runs that must be green before a deploy starts (src/core/checks.ts).
    require_checks: z
      .union(
        [
          z.literal('all'),
          z.array(z.string().min(1, 'must be a check name, e.g. ci/test')).min(1, 'must list at least one check, or be all'),
        ],
        {
          error: 'must be all (every status and check run on the commit) or a list of check names, e.g. [ci/test, build]',
        },
      )
      .optional(),
    checks_timeout: duration.prefault('30m'),
    lock: z.boolean().default(false),
    lock_ttl: duration.prefault('4h'),
    timeout: duration.prefault('30m'),
    on_worker_lost: z.enum(['fail', 'retry'], { error: 'must be fail or retry' }).default('fail'),
    // Smoke checks and promotion (see src/worker/smoke.ts, src/services/promotion.ts).
    smoke: argv.optional(),
    smoke_timeout: duration.prefault('5m'),
    url: z
      .string({ error: "must be the env's URL, e.g. https://staging.example.com" })
      .regex(/^https?:\/\/\S+$/, "must be the env's URL, e.g. https://staging.example.com")
      .optional(),
    owners: principals('own this env (told when its smoke check fails)', 'when nobody is').optional(),
    on_smoke_failure: z
      .array(z.enum(['freeze', 'rollback'], { error: 'must be freeze or rollback' }), {
        error: 'must be a list of what to do when the smoke check fails, e.g. [freeze, rollback]',
      })
      .default([]),
    promote_to: z.string({ error: 'must be the name of the env a green deploy here goes to next, e.g. staging' }).optional(),
    promote: z.enum(['auto', 'manual'], { error: 'must be auto (a green deploy here goes on to promote_to) or manual' }).default('manual'),
    pass_env: z
      .array(
        z
          .string()
          .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name')
          .refine((n) => !FERRY_SECRETS.includes(n), {
            message: "is one of Ferry's own secrets, which deploy commands never get; give the command its own credential instead",
          }),
      )
      .default([]),
  })
  .strict();

const app = z
  .object({
    repo: z
      .string()
      .regex(/^[\w.-]+\/[\w.-]+$/, 'must be a GitHub owner/name, e.g. acme/web')
      .optional(),
    path: z.string().min(1).optional(),
    clone_url: z.string().min(1).optional(),
    default_branch: z.string().min(1).default('main'),
    environments: z.record(name, environment).refine((e) => Object.keys(e).length > 0, {
      message: 'needs at least one environment, e.g. dev: { deploy: [commands/local-deploy.sh] }',
    }),
  })
  .strict()
  .refine((a) => (a.repo === undefined) !== (a.path === undefined), {
    message: 'needs exactly one of repo (GitHub owner/name) or path (a local git repository)',
  })
  .superRefine((a, ctx) => {
    if (a.repo !== undefined) return;
    for (const [env, e] of Object.entries(a.environments)) {
      if (e.auto_release !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['environments', env, 'auto_release'],
          message:
            'needs the app to come from GitHub (repo: owner/name): releases from tags follow GitHub webhooks, and a path: app has none; remove auto_release or use repo:',
        });
      }
      if (e.require_checks !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['environments', env, 'require_checks'],
          message:
            "needs the app to come from GitHub (repo: owner/name): required checks are GitHub's commit statuses and check runs, and a path: app has none; remove require_checks or use repo:",
        });
      }
      if (e.auto_deploy === undefined) continue;
      ctx.addIssue({
        code: 'custom',
        path: ['environments', env, 'auto_deploy'],
        message:
          'needs the app to come from GitHub (repo: owner/name): auto deploys follow GitHub push webhooks, and a path: app has none; remove auto_deploy or use repo:',
      });
    }
  });

export const configSchema = z
  .object({
    feed_channel: z.string().regex(/^[CDG][A-Z0-9]{2,20}$/, 'must be a Slack channel ID like C0123DEPLOYS (not a #name)'),
    workspace_dir: z.string().default('.ferry/work'),
    redis_prefix: z
      .string()
      .regex(/^[A-Za-z0-9_.-]{1,40}$/, 'use letters, digits, ., _ and - (at most 40)')
      .default('ferry'),
    lock_reminder: duration.prefault('15m'),
    lock_handoff: duration.prefault('10m'),
    lease_ttl: duration.prefault('20s').refine((ms) => ms >= 3_000, 'must be at least 3s (workers renew it every sixth of it)'),
    shutdown_grace: duration.prefault('5m'),
    log_lines: z.number().int().min(100).max(100_000).default(5_000),
    log_link_ttl: duration
      .prefault('7d')
      .refine((ms) => ms >= 60_000, 'must be at least 1m')
      .refine((ms) => ms <= 90 * 86_400_000, 'must be at most 90d (a log page link lives this long; /deploy log <id> gives a fresh one)'),
    time_zone: timeZone.prefault('UTC'),
    freezes: z.array(freeze, { error: 'must be a list of freezes, each with a name, a reason and every (or start and end)' }).default([]),
    admins: z
      .array(principal, {
        error: 'must be a list of Slack user IDs (U…) and user group IDs (S…) who may do everything, e.g. [U0123ADMIN, S0123OPS]',
      })
      .default([]),
    people: z
      .record(
        z.string().min(1),
        z
          .string({ error: 'must be a Slack user ID, e.g. U0123ABCD' })
          .regex(/^[UW][A-Z0-9]{2,20}$/, 'must be a Slack user ID (U… or W…), e.g. U0123ABCD'),
        { error: 'must map GitHub logins or emails to Slack user IDs, e.g. { octocat: U0123ABCD, ana@example.com: U0456EFGH }' },
      )
      .default({}),
    exclusive_groups: z
      .array(exclusiveGroup, {
        error: 'must be a list of groups, each with apps (and an optional name), e.g. [{ name: storefront, apps: [shop, payments] }]',
      })
      .default([]),
    apps: z.record(name, app).refine((a) => Object.keys(a).length > 0, {
      message: 'needs at least one app',
    }),
  })
  .strict()
  .superRefine(checkFreezes)
  .superRefine(checkExclusiveGroups)
  .superRefine(checkPromotions)
  .superRefine(checkPromoteTo);

type Shape = {
  time_zone: string;
  freezes: z.output<typeof freeze>[];
  exclusive_groups: z.output<typeof exclusiveGroup>[];
  admins: string[];
  apps: Record<
    string,
    {
      environments: Record<
        string,
        {
          promote_from?: string | undefined;
          auto_release?: string | undefined;
          release_tags?: string | undefined;
          release?: { unmapped: string; approvers?: string[] | undefined } | undefined;
        }
      >;
    }
  >;
};

/** An exclusive group's name: its own, else its apps joined with + (shop+payments). */
export const exclusiveGroupName = (g: { name?: string | undefined; apps: string[] }): string => g.name ?? g.apps.join('+');

/** The apps of an exclusive group must exist, each once; an app is in one group at most; names are unique. */
function checkExclusiveGroups(c: Shape, ctx: z.RefinementCtx): void {
  const appNames = Object.keys(c.apps);
  const groupOf = new Map<string, number>();
  const named = new Map<string, number>();
  const label = (i: number) => `exclusive_groups.${i} (${exclusiveGroupName(c.exclusive_groups[i]!)})`;
  c.exclusive_groups.forEach((g, i) => {
    const at = (...p: (string | number)[]) => ['exclusive_groups', i, ...p];
    // (Two groups named by default alike list the same apps, which is reported below.)
    if (g.name !== undefined) {
      const first = named.get(g.name);
      if (first !== undefined)
        ctx.addIssue({
          code: 'custom',
          path: at('name'),
          message: `${JSON.stringify(g.name)} is also the name of ${label(first)}; give each group its own name`,
        });
      else named.set(g.name, i);
    }
    const listed = new Set<string>();
    g.apps.forEach((a, j) => {
      if (!Object.hasOwn(c.apps, a)) {
        const guess = closest(a, appNames);
        ctx.addIssue({
          code: 'custom',
          path: at('apps', j),
          message: `there is no app ${JSON.stringify(a)}; ${guess ? `did you mean ${guess}? ` : ''}apps: ${appNames.join(', ')}`,
        });
        return;
      }
      if (listed.has(a)) {
        ctx.addIssue({
          code: 'custom',
          path: at('apps', j),
          message: `${JSON.stringify(a)} is listed twice in this group; list each app once`,
        });
        return;
      }
      listed.add(a);
      const other = groupOf.get(a);
      if (other !== undefined && other !== i) {
        ctx.addIssue({
          code: 'custom',
          path: at('apps', j),
          message: `${JSON.stringify(a)} is also in ${label(other)}; an app may be in one exclusive group only, so merge the two groups into one (apps: [${[...new Set([...c.exclusive_groups[other]!.apps, ...g.apps])].join(', ')}])`,
        });
      } else groupOf.set(a, i);
    });
  });
}

/** What a freeze names must exist; a one-off freeze must end after it starts; names are unique. */
function checkFreezes(c: Shape, ctx: z.RefinementCtx): void {
  const appNames = Object.keys(c.apps);
  const seen = new Map<string, number>();
  const list = (names: string[]) => names.join(', ');
  c.freezes.forEach((f, i) => {
    const at = (...p: (string | number)[]) => ['freezes', i, ...p];
    const first = seen.get(f.name);
    if (first !== undefined)
      ctx.addIssue({
        code: 'custom',
        path: at('name'),
        message: `${JSON.stringify(f.name)} is also the name of freezes.${first}; give each freeze its own name`,
      });
    else seen.set(f.name, i);
    const apps = f.apps ?? appNames;
    (f.apps ?? []).forEach((a, j) => {
      if (Object.hasOwn(c.apps, a)) return;
      const guess = a === '*' || a === 'all' ? undefined : closest(a, appNames);
      const every = a === '*' || a === 'all' ? 'leave apps out for every app; ' : '';
      ctx.addIssue({
        code: 'custom',
        path: at('apps', j),
        message: `there is no app ${JSON.stringify(a)}; ${every}${guess ? `did you mean ${guess}? ` : ''}apps: ${list(appNames)}`,
      });
    });
    const envNames = [...new Set(apps.filter((a) => Object.hasOwn(c.apps, a)).flatMap((a) => Object.keys(c.apps[a]!.environments)))];
    (f.environments ?? []).forEach((e, j) => {
      if (e === '*' || envNames.includes(e)) return;
      const guess = e === 'all' ? undefined : closest(e, envNames);
      const every = e === 'all' ? 'leave environments out for every environment; ' : '';
      const whose = f.apps ? (f.apps.length === 1 ? `${f.apps[0]} has` : `${list(f.apps)} have`) : 'the apps have';
      ctx.addIssue({
        code: 'custom',
        path: at('environments', j),
        message: `there is no environment ${JSON.stringify(e)}; ${every}${guess ? `did you mean ${guess}? ` : ''}${whose} ${list(envNames)}`,
      });
    });
    if (f.start && f.end) {
      const tz = f.time_zone ?? c.time_zone;
      const start = zonedInstant(f.start, tz);
      if (zonedInstant(f.end, tz) <= start)
        ctx.addIssue({ code: 'custom', path: at('end'), message: `must be after start (${formatWall(start, tz)} ${tz})` });
    }
  });
}

export type RawConfig = z.input<typeof configSchema>;
export type ParsedConfig = z.output<typeof configSchema>;
