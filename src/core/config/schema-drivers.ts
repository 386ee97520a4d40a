import { z } from 'zod';
import { PLACEHOLDERS, unknownPlaceholder } from '../ci/placeholders';

/**
 * An env's deploy driver, when it deploys through the team's CI instead of a command (`deploy:`):
 * `github_actions:`, `circleci:`, `git_tag:` or `github_deployment:` (see docs/ci-drivers.md).
 * Their strings may hold the placeholders {sha} {ref} {app} {env} {deploy_id} {user}, nothing else.
 */

const PLACEHOLDER_HINT = `use only ${PLACEHOLDERS.map((p) => `{${p}}`).join(' ')}`;

/** A string that may hold placeholders, and no other `{...}`. */
const templated = (what: string) =>
  z
    .string({ error: `must be ${what}` })
    .min(1, `must be ${what}`)
    .superRefine((s, ctx) => {
      const bad = unknownPlaceholder(s);
      if (bad) ctx.addIssue({ code: 'custom', message: `has ${bad}, which is not a placeholder; ${PLACEHOLDER_HINT}` });
    });

const value = z.union([templated('a value, e.g. "{sha}"'), z.number(), z.boolean()], {
  error: `must be a string (placeholders: ${PLACEHOLDERS.map((p) => `{${p}}`).join(' ')}), a number or true/false`,
});

/** A branch or tag name as git spells it (not refs/..., no spaces or ~^:?*[\). */
const refName = (what: string) =>
  templated(what).refine((b) => !/[\s~^:?*[\\]/.test(b) && !b.startsWith('refs/') && !b.startsWith('/') && !b.endsWith('/'), {
    message: `must be ${what} as git names it (no spaces or ~^:?*[\\, not refs/...)`,
  });

export const githubActions = z
  .object({
    workflow: z
      .string({ error: 'must be the workflow file name in .github/workflows, e.g. deploy.yml (or its numeric id)' })
      .regex(/^([\w.-]+\.ya?ml|\d+)$/, 'must be the workflow file name in .github/workflows, e.g. deploy.yml (or its numeric id)'),
    ref: refName('the branch or tag the workflow file is read from, e.g. main').optional(),
    inputs: z
      .record(z.string(), value, { error: 'must map input names to values, e.g. { environment: production, sha: "{sha}" }' })
      .default({}),
  })
  .strict();

export const circleci = z
  .object({
    project: z
      .string({ error: 'must be the CircleCI project slug, e.g. gh/acme/web' })
      .regex(/^(gh|github|bb|bitbucket|circleci)\/[\w.-]+\/[\w.-]+$/, 'must be the CircleCI project slug, e.g. gh/acme/web (vcs/org/repo)'),
    branch: refName('the branch whose .circleci/config.yml runs the pipeline, e.g. main').optional(),
    parameters: z
      .record(z.string(), value, { error: 'must map pipeline parameters to values, e.g. { deploy_env: dev, sha: "{sha}" }' })
      .default({}),
    token_env: z
      .string({ error: 'must be the name of the variable holding the CircleCI API token, e.g. CIRCLECI_TOKEN' })
      .regex(/^[A-Z_][A-Z0-9_]*$/, 'must be the name of the variable holding the CircleCI API token, e.g. CIRCLECI_TOKEN')
      .default('CIRCLECI_TOKEN'),
  })
  .strict();

export const gitTag = z
  .object({
    name: refName('the tag to move to the deployed commit, e.g. deploy-demo'),
    follow: z
      .enum(['checks', 'statuses', 'none'], {
        error: "must be checks (the check runs the tag's push starts), statuses (commit statuses posted after the move) or none",
      })
      .default('checks'),
    /** Only these check runs or status contexts count (default: every one the tag's push starts). */
    checks: z.array(z.string().min(1, 'must be a check name, e.g. deploy')).min(1, 'must list at least one check name').optional(),
  })
  .strict();

export const githubDeployment = z
  .object({
    follow: z.enum(['statuses'], { error: 'must be statuses (the CD system reports through deployment statuses)' }).default('statuses'),
    /** The GitHub environment name (default: the env's own name). */
    environment: templated('the GitHub environment name, e.g. qa').optional(),
    task: templated('the deployment task, e.g. deploy').default('deploy'),
    payload: z.record(z.string(), value, { error: 'must map payload keys to values, e.g. { region: eu }' }).default({}),
  })
  .strict();

/** The driver keys of an env, each optional; the env's refinement lets exactly one of them (or deploy:) be set. */
export const drivers = {
  github_actions: githubActions.optional(),
  circleci: circleci.optional(),
  git_tag: gitTag.optional(),
  github_deployment: githubDeployment.optional(),
};
