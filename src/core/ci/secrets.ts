import type { FerryConfig } from '../config/types';

/**
 * The worker's variables that hold a CI driver's token (circleci.token_env): their values are
 * redacted from every log line and message, as Ferry's own secrets are.
 */
export function ciTokenVariables(config: Pick<FerryConfig, 'appNames' | 'apps'>): string[] {
  const names = new Set<string>();
  for (const a of config.appNames)
    for (const e of Object.values(config.apps[a]!.envs)) if (e.ci?.driver === 'circleci') names.add(e.ci.tokenEnv);
  return [...names];
}
