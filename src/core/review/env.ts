import type { AppConfig, EnvConfig } from '../config/types';
import { REVIEW_ALL, REVIEW_ENV } from '../config/schema-review';

export { REVIEW_ALL, REVIEW_ENV };

/** The pull request number a review app's env names (`pr-42` -> 42), or undefined for any other env. */
export function reviewPr(env: string): number | undefined {
  const m = REVIEW_ENV.exec(env);
  return m ? Number(m[1]) : undefined;
}

export const reviewEnvName = (pr: number): string => `pr-${pr}`;

/** Whether `env` is one of the app's review apps (`pr-<n>`, when it has review_apps). */
export const isReviewEnv = (app: AppConfig | undefined, env: string): boolean =>
  app?.reviewApps !== undefined && reviewPr(env) !== undefined && !Object.hasOwn(app.envs, env);

/** The review app's URL: the config's `url` with {number} filled in. */
export const reviewUrl = (template: string, pr: number): string => template.replaceAll('{number}', String(pr));

/**
 * The rules of an env of the app: a configured one, or a review app's (`pr-42`, made from
 * `review_apps:`, its URL with the PR's number); undefined when the app has no such env.
 */
export function envOf(app: AppConfig | undefined, env: string): EnvConfig | undefined {
  if (!app) return undefined;
  if (Object.hasOwn(app.envs, env)) return app.envs[env];
  const pr = reviewPr(env);
  if (pr === undefined || !app.reviewApps) return undefined;
  return { ...app.reviewApps.env, name: env, url: reviewUrl(app.reviewApps.url, pr) };
}

/**
 * The rules that apply to an env name a command may hold: envOf's, and for `review` (all of an
 * app's review apps at once, as `/freeze review` and `/freeze all` name them) the review apps' own.
 */
export function rulesOf(app: AppConfig | undefined, env: string): EnvConfig | undefined {
  if (env === REVIEW_ALL && app?.reviewApps && !Object.hasOwn(app.envs, env)) return { ...app.reviewApps.env, name: REVIEW_ALL };
  return envOf(app, env);
}
