import type { ScheduledFreeze } from '../freeze-schedule';
import type { NudgeRule } from '../nudge/schedule';
import { PERM_ACTIONS, type PermRules } from '../permissions';
import type { ReleasePolicy } from '../release/types';
import { zonedInstant } from '../time-zone';
import type { ParsedConfig } from './schema';
import { environment, releaseRules } from './schema-env';
import { type CiConfig, normalizeCi } from './normalize-ci';
import { exclusiveGroupName } from './schema-groups';

/**
 * The schema's output (ferry.yml's own names, defaults filled in) made into the configuration the
 * rest of Ferry sees: camelCase, durations in ms, lists without repeats, null-prototype maps. Its
 * return type is FerryConfig (types.ts). Paths are resolved by `place`, which the loader gives
 * (relative to the file's folder), so this stays pure.
 */
export interface Place {
  /** The config file, as the loader names it. */
  file: string;
  /** A path written in the file, made absolute (relative to the file's folder). */
  resolvePath: (p: string) => string;
  /** GitHub's web URL: repo: apps are cloned from it. */
  githubWebUrl: string;
}

type ParsedApp = ParsedConfig['apps'][string];
type ParsedEnv = ParsedApp['environments'][string];

export function normalizeConfig(c: ParsedConfig, place: Place) {
  // Null-prototype maps: a name typed in Slack ("constructor", "__proto__") finds nothing here.
  const apps = Object.create(null) as Record<string, ReturnType<typeof normalizeApp>>;
  for (const [name, a] of Object.entries(c.apps)) apps[name] = normalizeApp(name, a, c.time_zone, place);
  return {
    file: place.file,
    feedChannel: c.feed_channel,
    workspaceDir: place.resolvePath(c.workspace_dir),
    /** Every Redis key Ferry writes starts with this, so several Ferrys can share one Redis. */
    redisPrefix: c.redis_prefix,
    lockReminderMs: c.lock_reminder,
    /** How long a released env is held for the next person on its wait-list to take. */
    lockHandoffMs: c.lock_handoff,
    /**
     * How long a running deploy's env lease lives unless renewed: a worker killed mid-deploy frees
     * its env, and its deploy is reported, within about twice this.
     */
    leaseTtlMs: c.lease_ttl,
    /** On SIGTERM, how long a worker lets its running deploy finish before stopping it. */
    shutdownGraceMs: c.shutdown_grace,
    logLines: c.log_lines,
    /** How long a deploy log page link works: from the deploy's creation (feed) or from `/deploy log`. */
    logLinkTtlMs: c.log_link_ttl,
    /**
     * How long finished deploys (records, logs), the delivery history and audit entries are kept
     * (`delivery_retention:`, default 180d, at least 90d): see docs/delivery-figures.md.
     */
    deliveryRetentionMs: c.delivery_retention,
    apps,
    appNames: Object.keys(apps),
    /** IANA zone people's times (`/freeze ... until 17:00`) and schedules are read in; default UTC. */
    timeZone: c.time_zone,
    /** Scheduled freezes (`freezes:`), in file order. */
    freezes: c.freezes.map((f) => normalizeFreeze(f, c.time_zone)),
    /** Slack user IDs (U…/W…) and user group IDs (S…) who may do everything everywhere (`admins:`). */
    admins: [...new Set(c.admins)],
    /** GitHub login or email (lower-case) -> Slack user ID (`people:`): who wrote a release's commits. */
    people: normalizePeople(c.people),
    ...normalizeExclusiveGroups(c.exclusive_groups),
  };
}

function normalizeApp(name: string, a: ParsedApp, defaultZone: string, place: Place) {
  const localPath = a.path === undefined ? undefined : place.resolvePath(a.path);
  const cloneUrl = a.clone_url
    ? /^[a-z+]+:\/\//.test(a.clone_url)
      ? a.clone_url
      : place.resolvePath(a.clone_url)
    : (localPath ?? `${place.githubWebUrl.replace(/\/$/, '')}/${a.repo}.git`);
  const envs = Object.create(null) as Record<string, ReturnType<typeof normalizeEnv>>;
  for (const [envName, e] of Object.entries(a.environments)) envs[envName] = normalizeEnv(envName, e, defaultZone, place);
  return {
    name,
    /** GitHub owner/name, when the app's commits come from GitHub. */
    ...(a.repo !== undefined && { repo: a.repo }),
    /** Local repository path, when they come from a local git repository. */
    ...(localPath !== undefined && { path: localPath }),
    /** What the worker clones: clone_url, else the local path, else GitHub's https URL. */
    cloneUrl,
    defaultBranch: a.default_branch,
    envs,
    envNames: Object.keys(envs),
    /** `review_apps:`: a short-lived env `pr-<number>` per pull request (see src/core/review/env.ts envOf). */
    ...(a.review_apps !== undefined && { reviewApps: normalizeReviewApps(a.review_apps, defaultZone, place) }),
    /** `nudge:`: a daily message about commits waiting to reach production (see src/services/nudges.ts). */
    ...(a.nudge !== undefined && { nudge: normalizeNudge(a.nudge, defaultZone) }),
    /** `digest:`: the app's delivery figures posted weekly at `day` `minute` in `tz`, to `channel` or the feed. */
    ...(a.digest !== undefined && {
      digest: {
        day: a.digest.at.day,
        minute: a.digest.at.minute,
        text: a.digest.at.text,
        tz: a.digest.time_zone ?? defaultZone,
        ...(a.digest.channel !== undefined && { channel: a.digest.channel }),
      },
    }),
  };
}

/** `nudge:` with its zone filled in (see src/core/nudge/schedule.ts NudgeRule). */
function normalizeNudge(n: NonNullable<ParsedApp['nudge']>, defaultZone: string): NudgeRule {
  return {
    afterMs: n.after,
    atMinute: n.at,
    days: n.days,
    tz: n.time_zone ?? defaultZone,
    ...(n.channel !== undefined && { channel: n.channel }),
  };
}

type ParsedReview = NonNullable<ParsedApp['review_apps']>;

function normalizeReviewApps(r: ParsedReview, defaultZone: string, place: Place) {
  // Every review app's env: an env of the file's own shape with the review app's rules, its name and URL filled in per PR by envOf.
  const parsed = environment.parse({
    deploy: r.deploy,
    pool: r.pool,
    pass_env: r.pass_env,
    ...(r.require_checks !== undefined && { require_checks: r.require_checks }),
    ...(r.permissions !== undefined && { permissions: r.permissions }),
  });
  return {
    /** The env every review app's env is made from (name `pr-{number}`; see envOf). */
    env: { ...normalizeEnv('pr-{number}', parsed, defaultZone, place), timeoutMs: r.timeout, checksTimeoutMs: r.checks_timeout },
    /** argv run when a review app goes away, in the checkout of what it ran. */
    teardown: program(r.teardown, place),
    /** The review app's URL, with {number} to fill in (reviewUrl). */
    url: r.url,
    /** Torn down after this long without a new push. */
    ttlMs: r.ttl,
    /** Review apps live at once; more wait in line. */
    max: r.max,
    /** Pull requests from forks get one too (their code runs on Ferry's workers). */
    forks: r.forks,
    /** Only pull requests with one of these labels get one; undefined: every pull request. */
    ...(r.labels !== undefined && { labels: [...new Set(r.labels)] }),
  };
}

/** A path in the file is relative to the file's folder; a bare program name (bash) is left to PATH. */
function program(argv: string[], place: Place): string[] {
  const [first, ...args] = argv;
  return [first!.includes('/') ? place.resolvePath(first!) : first!, ...args];
}

/** `{ ci }` when the env has a CI driver, else nothing. */
function ciOf(e: ParsedEnv): { ci?: CiConfig } {
  const ci = normalizeCi(e);
  return ci ? { ci } : {};
}

function normalizeEnv(name: string, e: ParsedEnv, defaultZone: string, place: Place) {
  return {
    name,
    /** argv of the deploy command (`deploy:`); argv[0] is absolute when the file named a relative path. Undefined with a CI driver. */
    ...(e.deploy !== undefined && { deploy: program(e.deploy, place) }),
    /** The CI driver the env deploys through instead (`github_actions:`, `circleci:`, `git_tag:`, `github_deployment:`). */
    ...ciOf(e),
    lock: e.lock,
    lockTtlMs: e.lock_ttl,
    timeoutMs: e.timeout,
    onWorkerLost: e.on_worker_lost,
    /** Extra variables of the worker's own environment passed to the deploy command (read on the worker that runs it). */
    passEnv: e.pass_env,
    /** `pool:`: the worker pool whose workers run deploys here (FERRY_WORKER_POOLS; see src/core/pools.ts). */
    pool: e.pool,
    /** When deploys here may start (`window:`), read in `tz` (the env's time_zone, else the top-level one). */
    ...(e.window !== undefined && { window: { spans: e.window.spans, tz: e.time_zone ?? defaultZone, text: e.window.text } }),
    /**
     * Who may do what here (`permissions:`): Slack user IDs (U…/W…) and user group IDs (S…). An
     * action without a list is open to everyone, except `override` (see src/core/permissions.ts).
     */
    permissions: normalizePermissions(e.permissions),
    /** The env releases to this one come from (`promote_from:`); `/release` proposes its SHA here. */
    ...(e.promote_from !== undefined && { promoteFrom: e.promote_from }),
    /** `auto_deploy:`: every push to this branch of the app's GitHub repository deploys here (see src/services/auto-deploy.ts). */
    ...(e.auto_deploy !== undefined && { autoDeploy: e.auto_deploy }),
    /**
     * `auto_release:` (with `release_tags:`, default `v*`): a new tag (`tags`) or a published GitHub
     * release (`releases`) whose name matches opens a release of the tag's commit to this env (see
     * src/services/auto-release.ts). Only on envs with promoteFrom, of repo: apps.
     */
    ...(e.auto_release !== undefined && { autoRelease: { on: e.auto_release, tags: e.release_tags ?? 'v*' } }),
    /** `require_checks:`: GitHub statuses and check runs that must be green before a deploy here starts ('all' or names; repo: apps only). */
    ...(e.require_checks !== undefined && { requireChecks: e.require_checks }),
    /** `checks_timeout:`: how long a queued deploy waits for pending required checks before it fails. */
    checksTimeoutMs: e.checks_timeout,
    /** How releases to this env are approved and shipped (`release:`; defaults when only promote_from is set). */
    release: normalizeRelease(e.release),
    /** `smoke:`: argv run after a successful deploy command, in the same checkout (see src/worker/smoke.ts). */
    ...(e.smoke !== undefined && { smoke: program(e.smoke, place) }),
    smokeTimeoutMs: e.smoke_timeout,
    /** `url:`: the env's URL, given to the smoke command as FERRY_URL. */
    ...(e.url !== undefined && { url: e.url }),
    /** `owners:`: Slack user IDs (U…/W…) and user group IDs (S…) told when a smoke check fails here. */
    owners: [...new Set(e.owners ?? [])],
    /** `on_smoke_failure:`: what Ferry does when the smoke check fails (besides failing the deploy). */
    onSmokeFailure: [...new Set(e.on_smoke_failure)],
    /** `promote_to:`: the env a green deploy here goes to next (see src/services/promotion.ts). */
    ...(e.promote_to !== undefined && { promoteTo: e.promote_to }),
    /** `promote:`: auto sends every green deploy here on to promoteTo; manual does nothing by itself. */
    promote: e.promote,
  };
}

const releaseDefaults = releaseRules.parse({});

/** Release rules with their defaults (an env without `release:` gets them all). */
function normalizeRelease(r: ParsedEnv['release']): ReleasePolicy {
  const d = r ?? releaseDefaults;
  return {
    ship: d.ship,
    freezeSource: d.freeze_source,
    approvers: [...new Set(d.approvers ?? [])],
    selfApproval: d.self_approval,
    unmapped: d.unmapped,
    remindAfterMs: d.remind_after,
    remindEveryMs: d.remind_every,
    reminders: d.reminders,
    expireAfterMs: d.expire_after,
    ...(d.product_channel !== undefined && { productChannel: d.product_channel }),
  };
}

/** Keys are matched without case (GitHub logins and emails are case-insensitive). */
function normalizePeople(p: Record<string, string>): Record<string, string> {
  const out = Object.create(null) as Record<string, string>;
  for (const [k, v] of Object.entries(p)) out[k.trim().toLowerCase()] = v;
  return out;
}

function normalizeExclusiveGroups(list: ParsedConfig['exclusive_groups']) {
  /** `exclusive_groups:`, in file order; a group's name is its `name:`, else its apps joined with + (shop+payments). */
  const exclusiveGroups = list.map((g) => ({ name: exclusiveGroupName(g), apps: g.apps }));
  /**
   * The exclusive group of each app that is in one (app -> group name; null prototype). An app's
   * deploys hold their env lease in its group's name, so the group's apps run one at a time per env.
   */
  const exclusiveGroupOf = Object.create(null) as Record<string, string>;
  for (const g of exclusiveGroups) for (const app of g.apps) exclusiveGroupOf[app] = g.name;
  return { exclusiveGroups, exclusiveGroupOf };
}

/** Only the lists the file has (an action without one is open; see src/core/permissions.ts), without repeats. */
function normalizePermissions(p: ParsedEnv['permissions']): PermRules {
  const out: PermRules = {};
  for (const action of PERM_ACTIONS) {
    const list = p?.[action];
    if (list) out[action] = [...new Set(list)];
  }
  return out;
}

function normalizeFreeze(f: ParsedConfig['freezes'][number], defaultZone: string): ScheduledFreeze {
  const tz = f.time_zone ?? defaultZone;
  return {
    name: f.name,
    reason: f.reason,
    tz,
    ...(f.every !== undefined && { weekly: f.every }),
    ...(f.start !== undefined && { start: zonedInstant(f.start, tz) }),
    ...(f.end !== undefined && { end: zonedInstant(f.end, tz) }),
    apps: f.apps ?? ['*'],
    envs: f.environments ?? ['*'],
  };
}
