/**
 * A pull request's review app, as Ferry keeps it (store/review-apps.ts): where it stands, what the
 * pull request is, what it runs, and where its PR comment and feed message are.
 */

/**
 * - waiting: in line for a place (the app's `max` review apps are live); nothing runs yet
 * - deploying: a deploy of it is queued or running
 * - live: its newest deploy succeeded (at `url`)
 * - failed: its newest deploy failed (it keeps its place until it is torn down)
 * - tearing-down: its teardown is queued or running
 * - teardown-failed: its teardown failed; Ferry tries again (see ReviewApp.teardownTries)
 * - gone: torn down (or it never ran anything); `gone` says why
 */
export type ReviewState = 'waiting' | 'deploying' | 'live' | 'failed' | 'tearing-down' | 'teardown-failed' | 'gone';

/** Why a review app went away: its PR closed or merged, no push for `ttl`, a person asked, its label was removed. */
export type GoneReason = 'closed' | 'merged' | 'idle' | 'person' | 'label';

export interface ReviewApp {
  app: string;
  pr: number;
  /** `pr-<number>` */
  env: string;
  state: ReviewState;
  /** The pull request's title, its author's GitHub login, its head branch and head SHA (as GitHub last told). */
  title: string;
  author: string;
  branch: string;
  headSha: string;
  /** The head is in a fork of the repository. */
  fork: boolean;
  /** The review app's URL (review_apps.url). */
  url: string;
  /** When Ferry first heard of it, and of its newest push (ttl counts from there). */
  openedAt: number;
  lastPushAt: number;
  updatedAt: number;
  /** While waiting: its place in line (1: next). */
  place?: number;
  /** The newest deploy (or teardown) of it Ferry accepted. */
  deployId?: number;
  /** What it runs: the SHA of its newest deploy that succeeded, and that deploy (its GitHub deployment goes inactive at teardown). */
  deployedSha?: string;
  deployedId?: number;
  /** Why the newest deploy or teardown failed (Slack mrkdwn written by Ferry). */
  error?: string;
  /** Teardowns that failed in a row; the next try is scheduled. */
  teardownTries: number;
  /** Why it went away, when, and who asked (a Slack user ID, for `person`). */
  gone?: { reason: GoneReason; at: number; by?: string };
  /** Its comment on the pull request (GitHub's id), and its feed message. */
  commentId?: number;
  feedChannel?: string;
  feedTs?: string;
}

/** A review app still there (or about to be): it holds or waits for a place, and a teardown must follow. */
export const isAround = (r: Pick<ReviewApp, 'state'>): boolean => r.state !== 'gone';

/** What a pull_request webhook (or GitHub's API, on a reconcile) says of the pull request. */
export interface PullInfo {
  repo: string;
  number: number;
  title: string;
  author: string;
  branch: string;
  headSha: string;
  draft: boolean;
  fork: boolean;
  labels: string[];
  state: 'open' | 'closed';
  merged: boolean;
}

/** What deploying a pull request's head needs of it (from GitHub, or from its review app's record). */
export type PullHead = Pick<PullInfo, 'number' | 'title' | 'author' | 'branch' | 'headSha' | 'fork'>;
