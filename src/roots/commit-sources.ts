import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { childBaseEnv, type FerryEnv, githubWebUrl } from '../config/env';
import type { FerryConfig } from '../core/config/types';
import type { GitHubCallCounter } from '../metrics/ferry-metrics';
import { createGitHubClient, type GitHubClient, GitHubSource } from '../source/github';
import { RedisWritePacer } from '../source/github-writes';
import { LocalGitSource } from '../source/local-git';
import { RevisionResolver } from '../source/revision-resolver';
import type { CommitSource } from '../source/types';
import type { Keys } from '../store/keys';

/** The GitHub client (token or App), when an app comes from GitHub. */
export function githubClient(
  env: FerryEnv,
  config: FerryConfig,
  redis: Redis,
  k: Keys,
  log: Logger,
  count?: GitHubCallCounter,
): GitHubClient | undefined {
  if (!config.appNames.some((a) => config.apps[a]!.repo)) return undefined;
  return createGitHubClient({
    baseUrl: env.githubApiUrl,
    log: log.child({ component: 'github' }),
    // Writes a second apart across every process (GitHub counts the token's, not a process's).
    writes: new RedisWritePacer(redis, k.githubWriteSlot),
    ...(count && { count }),
    ...(env.githubToken && { token: env.githubToken }),
    ...(env.githubApp && { app: env.githubApp }),
  });
}

/** Each app's commits: GitHub for `repo:` apps, a local repository for `path:` ones. */
export interface CommitSources {
  sources: Record<string, CommitSource>;
  /** Ends the local repositories' long-lived git processes. */
  close(): void;
}

export function commitSources(env: FerryEnv, config: FerryConfig, github: GitHubClient | undefined): CommitSources {
  const sources: Record<string, CommitSource> = {};
  const web = githubWebUrl(env.githubApiUrl);
  const gitEnv = childBaseEnv(env.processEnv);
  // One long-lived git per repository, however many apps deploy it (see source/revision-resolver.ts).
  const revisions = new Map<string, RevisionResolver>();
  for (const name of config.appNames) {
    const app = config.apps[name]!;
    if (app.repo) {
      sources[name] = new GitHubSource(github!, app.repo, web);
      continue;
    }
    let resolver = revisions.get(app.path!);
    if (!resolver) {
      resolver = new RevisionResolver(app.path!, gitEnv);
      revisions.set(app.path!, resolver);
    }
    sources[name] = new LocalGitSource(app.path!, gitEnv, resolver);
  }
  return {
    sources,
    close() {
      for (const r of revisions.values()) r.close();
    },
  };
}
