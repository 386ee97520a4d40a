import { z } from 'zod';
import { DEFAULT_POOL, POOL_HINT, POOL_NAME } from '../pools';
import { argv, deployWindow, duration, name, passEnv, principals, timeZone } from './schema-fields';
import { nudge } from './schema-nudge';
import { REVIEW_ALL, REVIEW_ENV, reviewApps } from './schema-review';
import { digest } from './schema-digest';
import { drivers } from './schema-drivers';
import { CI_DRIVERS } from '../ci/types';

/** `apps:` and each app's `environments:` (with `permissions:` and `release:` rules). */

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

export const environment = z
  .object({
    // How a deploy runs: a command in a checkout (deploy:), or one of the CI drivers (schema-drivers.ts).
    deploy: argv.optional(),
    ...drivers,
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
    // The worker pool whose workers run deploys here (src/core/pools.ts; FERRY_WORKER_POOLS on the worker).
    pool: z
      .string({ error: `must be the name of the worker pool that runs deploys here, e.g. prod; ${POOL_HINT}` })
      .regex(POOL_NAME, `must be a worker pool's name; ${POOL_HINT}`)
      .default(DEFAULT_POOL),
    pass_env: passEnv,
  })
  .strict()
  .superRefine(oneWayToDeploy);

/** An env deploys one way: `deploy:` (a command) or exactly one CI driver. */
function oneWayToDeploy(e: { deploy?: unknown } & Partial<Record<(typeof CI_DRIVERS)[number], unknown>>, ctx: z.RefinementCtx): void {
  const set = (['deploy', ...CI_DRIVERS] as const).filter((k) => e[k] !== undefined);
  if (set.length === 1) return;
  ctx.addIssue({
    code: 'custom',
    path: set.length ? [set[1]!] : [],
    message: set.length
      ? `an env deploys one way: it has both ${set.join(' and ')}; keep one`
      : 'needs a way to deploy: deploy: [commands/deploy.sh] (a command), or one of github_actions:, circleci:, git_tag:, github_deployment: (see docs/ci-drivers.md)',
  });
}

export const app = z
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
    review_apps: reviewApps.optional(),
    nudge: nudge.optional(),
    digest: digest.optional(),
  })
  .strict()
  .refine((a) => (a.repo === undefined) !== (a.path === undefined), {
    message: 'needs exactly one of repo (GitHub owner/name) or path (a local git repository)',
  })
  .superRefine(checkReviewApps)
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
      for (const driver of ['github_actions', 'git_tag', 'github_deployment'] as const) {
        if (e[driver] === undefined) continue;
        ctx.addIssue({
          code: 'custom',
          path: ['environments', env, driver],
          message: `needs the app to come from GitHub (repo: owner/name): ${driver} works through the repository's GitHub API, and a path: app has none; use repo:, or deploy: [a command]`,
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

/** Review apps follow GitHub's pull requests, so they need `repo:`; their env names (`pr-<n>`, `review`) are theirs alone. */
function checkReviewApps(
  a: { repo?: string | undefined; review_apps?: unknown; environments: Record<string, unknown> },
  ctx: z.RefinementCtx,
): void {
  if (a.review_apps === undefined) return;
  if (a.repo === undefined)
    ctx.addIssue({
      code: 'custom',
      path: ['review_apps'],
      message:
        'needs the app to come from GitHub (repo: owner/name): review apps follow pull request webhooks, and a path: app has none; remove review_apps or use repo:',
    });
  for (const env of Object.keys(a.environments)) {
    if (env !== REVIEW_ALL && !REVIEW_ENV.test(env)) continue;
    ctx.addIssue({
      code: 'custom',
      path: ['environments', env],
      message: `is a review app's name (pr-<number> is a pull request's review app, review all of them); with review_apps, call this env something else, e.g. ${env === REVIEW_ALL ? 'qa' : `preview-${env.slice(3)}`}`,
    });
  }
}

/** The part of the parsed config checkCiTokens reads. */
interface TokenUse {
  apps: Record<
    string,
    {
      environments: Record<string, { pass_env: string[]; circleci?: { token_env: string } | undefined }>;
      review_apps?: { pass_env: string[] } | undefined;
    }
  >;
}

/**
 * A CI driver's token variable (circleci.token_env) is Ferry's to use: no deploy command, smoke
 * check or review app may get it through pass_env, in any app (every command runs on the same workers).
 */
export function checkCiTokens(c: TokenUse, ctx: z.RefinementCtx): void {
  const tokens = new Map<string, string>();
  for (const [a, app] of Object.entries(c.apps))
    for (const [env, e] of Object.entries(app.environments))
      if (e.circleci && !tokens.has(e.circleci.token_env)) tokens.set(e.circleci.token_env, `apps.${a}.environments.${env}`);
  if (!tokens.size) return;
  const check = (names: string[], path: (string | number)[]) =>
    names.forEach((n, i) => {
      const owner = tokens.get(n);
      if (!owner) return;
      ctx.addIssue({
        code: 'custom',
        path: [...path, 'pass_env', i],
        message: `is the variable holding the CircleCI API token (circleci.token_env of ${owner}), which deploy commands never get: Ferry triggers CircleCI itself; remove it from pass_env, and give a command that needs CircleCI a token of its own under another name`,
      });
    });
  for (const [a, app] of Object.entries(c.apps)) {
    for (const [env, e] of Object.entries(app.environments)) check(e.pass_env, ['apps', a, 'environments', env]);
    if (app.review_apps) check(app.review_apps.pass_env, ['apps', a, 'review_apps']);
  }
}
