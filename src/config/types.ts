import type { ScheduledFreeze } from '../core/freeze-schedule';
import type { ReleasePolicy } from '../core/release/types';
import type { WeeklySpan } from '../core/weekly';

/** Ferry's validated configuration, as the rest of the code sees it. */
export interface EnvConfig {
  name: string;
  /** argv of the deploy command; argv[0] is absolute when the file named a relative path. */
  deploy: string[];
  lock: boolean;
  lockTtlMs: number;
  timeoutMs: number;
  onWorkerLost: 'fail' | 'retry';
  /** Extra variables of the worker's own environment passed to the deploy command. */
  passEnv: string[];
  /** When deploys here may start (`window:`), read in `tz` (the env's time_zone, else the top-level one). */
  window?: { spans: WeeklySpan[]; tz: string; text: string };
  /**
   * Who may do what here (`permissions:`): Slack user IDs (U…/W…) and user group IDs (S…). An
   * action without a list is open to everyone, except `override` (see src/core/permissions.ts).
   */
  permissions: { deploy?: string[]; lock?: string[]; freeze?: string[]; override?: string[] };
  /** `auto_deploy:`: every push to this branch of the app's GitHub repository deploys here (see src/services/auto-deploy.ts). */
  autoDeploy?: string;
  /**
   * `auto_release:` (with `release_tags:`, default `v*`): a new tag (`tags`) or a published GitHub
   * release (`releases`) whose name matches opens a release of the tag's commit to this env (see
   * src/services/auto-release.ts). Only on envs with promoteFrom, of repo: apps.
   */
  autoRelease?: { on: 'tags' | 'releases'; tags: string };
  /** `require_checks:`: GitHub statuses and check runs that must be green before a deploy here starts ('all' or names; repo: apps only). */
  requireChecks?: 'all' | string[];
  /** `checks_timeout:`: how long a queued deploy waits for pending required checks before it fails. */
  checksTimeoutMs: number;
  /** The env releases to this one come from (`promote_from:`); `/release` proposes its SHA here. */
  promoteFrom?: string;
  /** How releases to this env are approved and shipped (`release:`; defaults when only promote_from is set). */
  release: ReleasePolicy;
  /** `smoke:`: argv run after a successful deploy command, in the same checkout (see src/worker/smoke.ts). */
  smoke?: string[];
  smokeTimeoutMs: number;
  /** `url:`: the env's URL, given to the smoke command as FERRY_URL. */
  url?: string;
  /** `owners:`: Slack user IDs (U…/W…) and user group IDs (S…) told when a smoke check fails here. */
  owners: string[];
  /** `on_smoke_failure:`: what Ferry does when the smoke check fails (besides failing the deploy). */
  onSmokeFailure: ('freeze' | 'rollback')[];
  /** `promote_to:`: the env a green deploy here goes to next (see src/services/promotion.ts). */
  promoteTo?: string;
  /** `promote:`: auto sends every green deploy here on to promoteTo; manual does nothing by itself. */
  promote: 'auto' | 'manual';
}

export interface AppConfig {
  name: string;
  /** GitHub owner/name, when the app's commits come from GitHub. */
  repo?: string;
  /** Local repository path, when they come from a local git repository. */
  path?: string;
  /** What the worker clones: clone_url, else the local path, else GitHub's https URL. */
  cloneUrl: string;
  defaultBranch: string;
  envs: Record<string, EnvConfig>;
  envNames: string[];
}

/** Apps whose deploys to the same env never run at the same time (`exclusive_groups:`). */
export interface ExclusiveGroup {
  /** Its `name:`, else its apps joined with + (shop+payments). */
  name: string;
  apps: string[];
}

export interface FerryConfig {
  file: string;
  feedChannel: string;
  workspaceDir: string;
  /** Every Redis key Ferry writes starts with this, so several Ferrys can share one Redis. */
  redisPrefix: string;
  lockReminderMs: number;
  /** How long a released env is held for the next person on its wait-list to take. */
  lockHandoffMs: number;
  /**
   * How long a running deploy's env lease lives unless renewed: a worker killed mid-deploy frees
   * its env, and its deploy is reported, within about twice this.
   */
  leaseTtlMs: number;
  /** On SIGTERM, how long a worker lets its running deploy finish before stopping it. */
  shutdownGraceMs: number;
  logLines: number;
  /** How long a deploy log page link works: from the deploy's creation (feed) or from `/deploy log`. */
  logLinkTtlMs: number;
  apps: Record<string, AppConfig>;
  appNames: string[];
  /** IANA zone people's times (`/freeze ... until 17:00`) and schedules are read in; default UTC. */
  timeZone: string;
  /** Scheduled freezes (`freezes:`), in file order. */
  freezes: ScheduledFreeze[];
  /** Slack user IDs (U…/W…) and user group IDs (S…) who may do everything everywhere (`admins:`). */
  admins: string[];
  /** GitHub login or email (lower-case) -> Slack user ID (`people:`): who wrote a release's commits. */
  people: Record<string, string>;
  /** `exclusive_groups:`, in file order. */
  exclusiveGroups: ExclusiveGroup[];
  /**
   * The exclusive group of each app that is in one (app -> group name; null prototype). An app's
   * deploys hold their env lease in its group's name, so the group's apps run one at a time per env.
   */
  exclusiveGroupOf: Record<string, string>;
}
