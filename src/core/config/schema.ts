import { z } from 'zod';
import { checkPromoteTo, checkPromotions } from './pipeline-checks';
import { app, checkCiTokens } from './schema-env';
import { duration, name, principal, timeZone } from './schema-fields';
import { checkFreezes, freeze } from './schema-freezes';
import { checkExclusiveGroups, exclusiveGroup } from './schema-groups';

export { promotionCycle } from './pipeline-checks';
export { releaseRules } from './schema-env';
export { exclusiveGroupName } from './schema-groups';

/**
 * ferry.yml's schema: what the file may say, its defaults and every message about it. The sections
 * are in schema-*.ts; checks across sections in pipeline-checks.ts, schema-freezes.ts and
 * schema-groups.ts. What the rest of Ferry sees is made from its output by normalize.ts.
 */
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
    delivery_retention: duration
      .prefault('180d')
      .refine(
        (ms) => ms >= 90 * 86_400_000,
        'must be at least 90d (the delivery figures look 90 days back; 180d keeps the 90 before them too)',
      ),
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
  .superRefine(checkPromoteTo)
  .superRefine(checkCiTokens);

export type RawConfig = z.input<typeof configSchema>;
export type ParsedConfig = z.output<typeof configSchema>;
