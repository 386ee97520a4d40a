import type { Logger } from 'pino';
import type { FerryEnv } from '../config/env';
import type { CiDeploy, CiDriver } from '../core/ci/types';
import type { AppConfig, EnvConfig } from '../core/config/types';
import type { GitHubClient } from '../source/github';
import { CircleCiDriver } from './circleci';
import { GitHubActionsDriver } from './github-actions';
import { GitHubDeploymentDriver } from './github-deployment';
import { GitTagDriver } from './git-tag';

/** What the drivers are built from: the GitHub client (repo: apps), the worker's environment (CircleCI's address and tokens). */
export interface DriverDeps {
  github?: GitHubClient;
  env: Pick<FerryEnv, 'circleciApiUrl' | 'githubApiUrl' | 'processEnv'>;
  log: Logger;
}

/** The env's CI driver (config `github_actions:` ...), or undefined for an env that runs a command. */
export function driverFor(app: AppConfig, env: EnvConfig, d: DriverDeps): CiDriver | undefined {
  const ci = env.ci;
  if (!ci) return undefined;
  const log = d.log.child({ driver: ci.driver });
  if (ci.driver === 'circleci') return new CircleCiDriver(ci, app, { env: d.env, log });
  if (!d.github || !app.repo)
    throw new Error(`${ci.driver} needs GitHub: set GITHUB_TOKEN (or the GitHub App's variables) and the app's repo:`);
  const gh = { github: d.github, repo: app.repo, log };
  if (ci.driver === 'github_actions') return new GitHubActionsDriver(ci, app, gh);
  if (ci.driver === 'git_tag') return new GitTagDriver(ci, gh, { app: app.name, env: env.name });
  return new GitHubDeploymentDriver(ci, gh, { app: app.name, env: env.name });
}

/** The deploy as drivers see it. */
export function ciDeploy(dep: { id: number; app: string; env: string; sha: string; ref: string; user: string }, app: AppConfig): CiDeploy {
  return { id: dep.id, app: dep.app, env: dep.env, sha: dep.sha, ref: dep.ref, user: dep.user, ...(app.repo && { repo: app.repo }) };
}
