import pino from 'pino';
import { driverFor } from '../ci/drivers';
import type { FerryEnv } from '../config/env';
import type { CheckProblem } from '../core/ci/types';
import type { FerryConfig } from '../core/config/types';
import { createGitHubClient, type GitHubClient } from '../source/github';

/** One line `ferry check` prints about a driver: where in ferry.yml, and what. */
export interface DriverFinding extends CheckProblem {
  path: string;
}

/**
 * `ferry check`'s look at each env's CI driver, asking the CI itself (is the workflow there, is the
 * token variable set, may the token see the project). Each finding names its key path in ferry.yml.
 */
export async function checkDrivers(config: FerryConfig, env: FerryEnv): Promise<DriverFinding[]> {
  const log = pino({ level: 'silent' });
  let github: GitHubClient | undefined;
  const findings: DriverFinding[] = [];
  for (const appName of config.appNames) {
    const app = config.apps[appName]!;
    for (const e of Object.values(app.envs)) {
      if (!e.ci) continue;
      const path = `apps.${appName}.environments.${e.name}.${e.ci.driver}`;
      if (e.ci.driver !== 'circleci' && !env.githubToken && !env.githubApp) {
        findings.push({ path, key: '', message: 'needs GitHub: set GITHUB_TOKEN (or GITHUB_APP_ID and its key) where Ferry runs' });
        continue;
      }
      github ??= githubFor(env, log);
      try {
        const driver = driverFor(app, e, { ...(github && { github }), env, log });
        for (const p of (await driver?.check()) ?? []) findings.push({ ...p, path });
      } catch (err) {
        findings.push({ path, key: '', message: (err as Error).message });
      }
    }
  }
  return findings;
}

function githubFor(env: FerryEnv, log: pino.Logger): GitHubClient | undefined {
  if (!env.githubToken && !env.githubApp) return undefined;
  return createGitHubClient({
    baseUrl: env.githubApiUrl,
    log,
    ...(env.githubToken && { token: env.githubToken }),
    ...(env.githubApp && { app: env.githubApp }),
  });
}
