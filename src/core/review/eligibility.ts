import type { AppConfig } from '../config/types';
import type { PullInfo } from './review-app';

type Rules = NonNullable<AppConfig['reviewApps']>;

/** Why a pull request gets no review app: it is a draft, comes from a fork, or lacks a label. */
export type Ineligible = 'draft' | 'fork' | 'label';

/**
 * Whether a pull request may have a review app now. Forks never run commands unless `forks: true`
 * (their code would run on Ferry's workers with the deploy's credentials); with `labels:`, only
 * pull requests carrying one of them; drafts wait until they are ready for review (unless a person
 * asks: `person`).
 */
export function ineligible(pull: Pick<PullInfo, 'draft' | 'fork' | 'labels'>, rules: Rules, person = false): Ineligible | undefined {
  if (pull.fork && !rules.forks) return 'fork';
  if (rules.labels && !pull.labels.some((l) => rules.labels!.includes(l))) return 'label';
  if (pull.draft && !person) return 'draft';
  return undefined;
}

/** What a person is told when the pull request gets no review app, with how to change that. */
export function ineligibleText(why: Ineligible, pr: number, rules: Rules): string {
  switch (why) {
    case 'fork':
      return `PR #${pr} comes from a fork, and review apps never run a fork's code here (\`review_apps.forks\` is false). Nothing was queued.`;
    case 'label':
      return `PR #${pr} has none of the labels review apps need (${rules.labels!.map((l) => `\`${l}\``).join(', ')}); add one on GitHub, and its review app deploys. Nothing was queued.`;
    case 'draft':
      return `PR #${pr} is a draft; its review app deploys when it is marked ready for review. Nothing was queued.`;
  }
}

/** What a pull_request webhook's action asks of its review app. */
export type PullAction = 'deploy' | 'teardown' | 'labels' | 'none';

export function pullAction(action: string): PullAction {
  switch (action) {
    case 'opened':
    case 'reopened':
    case 'ready_for_review':
    case 'synchronize':
      return 'deploy';
    case 'closed':
      return 'teardown';
    case 'labeled':
    case 'unlabeled':
      return 'labels';
    default:
      return 'none';
  }
}
