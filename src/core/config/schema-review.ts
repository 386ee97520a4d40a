import { z } from 'zod';
import { DEFAULT_POOL, POOL_HINT, POOL_NAME } from '../pools';
import { argv, duration, passEnv, principals } from './schema-fields';

/**
 * `review_apps:` under an app: every pull request deployed to its own short-lived env `pr-<number>`
 * (see src/services/review-apps.ts). The deploy and teardown commands run in the PR head's
 * checkout; `url` holds `{number}`, the PR's.
 */
export const reviewApps = z
  .object({
    deploy: argv,
    teardown: argv,
    url: z
      .string({ error: "must be the review app's URL, with {number} for the pull request, e.g. https://pr-{number}.review.example.com" })
      .regex(/^https?:\/\/\S+$/, 'must be an http(s) URL, e.g. https://pr-{number}.review.example.com')
      .refine((u) => u.includes('{number}'), {
        message: 'must name the pull request with {number}, e.g. https://pr-{number}.review.example.com, so each review app has its own',
      }),
    ttl: duration.prefault('3d').refine((ms) => ms >= 1_000, 'must be at least 1s'),
    max: z.number({ error: 'must be how many review apps may be live at once, e.g. 10' }).int().min(1).max(500).default(10),
    require_checks: z
      .union([z.literal('all'), z.array(z.string().min(1, 'must be a check name, e.g. ci/test')).min(1)], {
        error: 'must be all (every status and check run on the commit) or a list of check names, e.g. [ci/test, build]',
      })
      .optional(),
    checks_timeout: duration.prefault('30m'),
    timeout: duration.prefault('30m'),
    pool: z
      .string({ error: `must be the name of the worker pool that runs review apps, e.g. review; ${POOL_HINT}` })
      .regex(POOL_NAME, `must be a worker pool's name; ${POOL_HINT}`)
      .default(DEFAULT_POOL),
    forks: z.boolean({ error: 'must be true (pull requests from forks deploy too) or false' }).default(false),
    labels: z
      .array(z.string().min(1, 'must be a label name, e.g. preview'), {
        error: 'must be a list of labels, e.g. [preview]: only pull requests with one of them get a review app',
      })
      .min(1, 'must list at least one label, or be left out (every pull request gets one)')
      .optional(),
    pass_env: passEnv,
    permissions: z
      .object({ deploy: principals('may redeploy and tear down review apps', 'to let everyone').optional() })
      .strict()
      .optional(),
  })
  .strict();

/** The env of a pull request's review app: `pr-42`. */
export const REVIEW_ENV = /^pr-([1-9][0-9]{0,8})$/;
/** `/freeze web review`: every review app of the app at once (and what `/freeze all` covers besides the named envs). */
export const REVIEW_ALL = 'review';
