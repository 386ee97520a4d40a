import type { FerryConfig } from '../config/types';

/** Whether any env of the config deploys through a CI driver. */
export function usesCi(config: Pick<FerryConfig, 'appNames' | 'apps'>): boolean {
  return config.appNames.some((a) => Object.values(config.apps[a]!.envs).some((e) => e.ci !== undefined));
}
