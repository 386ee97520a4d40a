import { Octokit } from '@octokit/rest';
import { githubLimits } from './github-limits';

/** Octokit with GitHub's limits (github-limits.ts); its own file so that github.ts and github-compare.ts do not import each other. */
export const FerryOctokit = Octokit.plugin(githubLimits);
export type GitHubClient = InstanceType<typeof FerryOctokit>;
