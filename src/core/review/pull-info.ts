// Placeholder until the review-github branch lands (its file replaces this one).
import type { PullInfo } from './review-app';

export interface PullEvent {
  action: string;
  repo: string;
  pull: PullInfo;
  sender: string;
  label?: string;
  before?: string;
  after?: string;
}

export function parsePullRequestEvent(_payload: unknown): PullEvent | string {
  return 'not yet';
}
