import { z } from 'zod';
import { DURATION_HINT, parseDuration } from '../core/duration';

/** A duration string in the file ("4h"), turned into milliseconds. */
const duration = z.string().transform((text, ctx) => {
  const ms = parseDuration(text);
  if (ms === undefined) {
    ctx.addIssue({ code: 'custom', message: `${JSON.stringify(text)} is not a duration; ${DURATION_HINT}` });
    return z.NEVER;
  }
  return ms;
});

const FERRY_SECRETS = ['SLACK_BOT_TOKEN', 'SLACK_SIGNING_SECRET', 'SLACK_APP_TOKEN', 'GITHUB_TOKEN', 'FERRY_LINK_SECRET'];

const NAME = /^[a-z0-9][a-z0-9_-]{0,39}$/;
const nameHint = 'names use lower-case letters, digits, - and _ (at most 40), e.g. web, api-gateway';
/** Words of `/deploy` itself, which an app or env may not be called (`/deploy log 42` must mean one thing). */
const RESERVED = ['log'];
const name = z
  .string()
  .regex(NAME, nameHint)
  .refine((n) => !RESERVED.includes(n), { message: 'is reserved: `/deploy log <id>` asks for a deploy\'s log; call it something else, e.g. logs or logging' });

const argv = z
  .array(z.string().min(1, 'an argument may not be empty'), {
    error: 'must be a list of arguments run without a shell, e.g. [commands/local-deploy.sh, --verbose]',
  })
  .min(1, 'needs at least the program to run, e.g. [commands/local-deploy.sh]');

const environment = z
  .object({
    deploy: argv,
    lock: z.boolean().default(false),
    lock_ttl: duration.prefault('4h'),
    timeout: duration.prefault('30m'),
    on_worker_lost: z.enum(['fail', 'retry'], { error: 'must be fail or retry' }).default('fail'),
    pass_env: z
      .array(
        z
          .string()
          .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name')
          .refine((n) => !FERRY_SECRETS.includes(n), { message: "is one of Ferry's own secrets, which deploy commands never get; give the command its own credential instead" }),
      )
      .default([]),
  })
  .strict();

const app = z
  .object({
    repo: z.string().regex(/^[\w.-]+\/[\w.-]+$/, 'must be a GitHub owner/name, e.g. acme/web').optional(),
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
  });

export const configSchema = z
  .object({
    feed_channel: z.string().regex(/^[CDG][A-Z0-9]{2,20}$/, 'must be a Slack channel ID like C0123DEPLOYS (not a #name)'),
    workspace_dir: z.string().default('.ferry/work'),
    redis_prefix: z.string().regex(/^[A-Za-z0-9_.-]{1,40}$/, 'use letters, digits, ., _ and - (at most 40)').default('ferry'),
    lock_reminder: duration.prefault('15m'),
    lock_handoff: duration.prefault('10m'),
    lease_ttl: duration.prefault('20s').refine((ms) => ms >= 3_000, 'must be at least 3s (workers renew it every sixth of it)'),
    shutdown_grace: duration.prefault('5m'),
    log_lines: z.number().int().min(100).max(100_000).default(5_000),
    log_link_ttl: duration
      .prefault('7d')
      .refine((ms) => ms >= 60_000, 'must be at least 1m')
      .refine((ms) => ms <= 90 * 86_400_000, 'must be at most 90d (a log page link lives this long; /deploy log <id> gives a fresh one)'),
    apps: z.record(name, app).refine((a) => Object.keys(a).length > 0, {
      message: 'needs at least one app',
    }),
  })
  .strict();

export type RawConfig = z.input<typeof configSchema>;
export type ParsedConfig = z.output<typeof configSchema>;
