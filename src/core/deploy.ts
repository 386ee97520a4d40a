import type { CiRecord } from './ci/types';

/** A deploy: one attempt to put one SHA on one env. */
export type DeployStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';

export interface Deploy {
  id: number;
  app: string;
  env: string;
  ref: string;
  sha: string;
  /** Slack user ID of the requester. */
  user: string;
  status: DeployStatus;
  createdAt: number;
  startedAt?: number;
  finishedAt?: number;
  /** Which worker process runs or ran it. */
  worker?: string;
  exitCode?: number;
  previousSha?: string;
  /** Why it failed, in words for people: Slack mrkdwn written by Ferry, with outside text escaped. */
  error?: string;
  /** Why a queued deploy waits (a freeze, the deploy window), in Slack mrkdwn written by Ferry. */
  waitingFor?: string;
  /** Someone authorised chose to start it outside the env's deploy window, and why. */
  override?: { by: string; reason: string };
  /** The required checks the override went past when it was accepted ("ci/test failed, build pending"). */
  overrideChecks?: string;
  /** Who asked to cancel it while it ran (Slack user ID), and when; its worker then stops it. */
  cancelRequestedBy?: string;
  cancelRequestedAt?: number;
  /**
   * A rollback: the deploy whose SHA it puts back (its id, e.g. "41"), or the SHA itself when
   * the person named a commit no deploy of the env ran.
   */
  rollbackOf?: string;
  /**
   * The release this deploy ships, and which of its ship attempts: written when the deploy is
   * accepted, so its end finds the release however fast it comes.
   */
  release?: { id: number; attempt: number };
  /**
   * An automatic deploy, asked for by a GitHub push (`auto_deploy:`): the pusher's GitHub login,
   * the oldest carried push's `before` SHA, and how many pushes and commits it carries (more than
   * one push when newer pushes replaced queued ones).
   */
  auto?: { by: string; from: string; pushes: number; commits: number };
  /**
   * The env's smoke check (`smoke:`), when it ran after the deploy command succeeded. 'failed'
   * fails the deploy, yet its SHA is installed: it is what the env runs (see FINISH).
   */
  smoke?: 'passed' | 'failed' | 'stopped';
  /** A pull request's review app (env `pr-<n>`): whether this runs its deploy or its teardown command, and the PR's branch. */
  review?: ReviewRun;
  /** A deploy through the env's CI driver: the run it dispatched, its state in words, the jobs whose logs are in. */
  ci?: CiRecord;
  /** When it first waited for its required checks (a held deploy that went on waiting). */
  checksWaitSince?: number;
  /** The feed message, once posted. */
  feedChannel?: string;
  feedTs?: string;
  /** Bumped on every change; the feed uses it to know when it is up to date. */
  rev: number;
  attempt: number;
}

export const shortSha = (sha: string): string => sha.slice(0, 7);

/** What a review app's deploy record says it runs: `review_apps.deploy` or `.teardown`, for the PR's branch. */
export interface ReviewRun {
  action: 'deploy' | 'teardown';
  branch: string;
}
