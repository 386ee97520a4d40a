import type { z } from 'zod';
import type { circleci, githubActions, githubDeployment, gitTag } from './schema-drivers';

type Value = string | number | boolean;

/**
 * An env's CI driver as the code sees it (see docs/ci-drivers.md). Strings may hold placeholders
 * ({sha} ...), filled per deploy by core/ci/placeholders.ts.
 */
export type CiConfig =
  | {
      driver: 'github_actions';
      /** The workflow's file name in .github/workflows (or its id). */
      workflow: string;
      /** The ref the workflow file is read from; undefined: the app's default branch. */
      ref?: string;
      inputs: Record<string, Value>;
    }
  | {
      driver: 'circleci';
      /** vcs/org/repo, e.g. gh/acme/web. */
      project: string;
      /** The branch whose config runs; undefined: the app's default branch. */
      branch?: string;
      parameters: Record<string, Value>;
      /** The worker's variable holding the API token (never passed to commands). */
      tokenEnv: string;
    }
  | {
      driver: 'git_tag';
      /** The tag moved to the deployed SHA. */
      name: string;
      follow: 'checks' | 'statuses' | 'none';
      /** Only these check runs / status contexts count; undefined: every one after the move. */
      checks?: string[];
    }
  | {
      driver: 'github_deployment';
      follow: 'statuses';
      /** GitHub's environment name; undefined: the env's own name. */
      environment?: string;
      task: string;
      payload: Record<string, Value>;
    };

interface ParsedDrivers {
  github_actions?: z.output<typeof githubActions> | undefined;
  circleci?: z.output<typeof circleci> | undefined;
  git_tag?: z.output<typeof gitTag> | undefined;
  github_deployment?: z.output<typeof githubDeployment> | undefined;
}

/** The env's driver, or undefined when it runs a command (`deploy:`). The schema lets at most one be set. */
export function normalizeCi(e: ParsedDrivers): CiConfig | undefined {
  if (e.github_actions) {
    const g = e.github_actions;
    return { driver: 'github_actions', workflow: g.workflow, ...(g.ref !== undefined && { ref: g.ref }), inputs: g.inputs };
  }
  if (e.circleci) {
    const c = e.circleci;
    return {
      driver: 'circleci',
      project: c.project,
      ...(c.branch !== undefined && { branch: c.branch }),
      parameters: c.parameters,
      tokenEnv: c.token_env,
    };
  }
  if (e.git_tag) {
    const t = e.git_tag;
    return { driver: 'git_tag', name: t.name, follow: t.follow, ...(t.checks && { checks: [...new Set(t.checks)] }) };
  }
  if (e.github_deployment) {
    const g = e.github_deployment;
    return {
      driver: 'github_deployment',
      follow: g.follow,
      ...(g.environment !== undefined && { environment: g.environment }),
      task: g.task,
      payload: g.payload,
    };
  }
  return undefined;
}
