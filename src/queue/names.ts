/** BullMQ queue names: one queue per app and env (at most one job of it runs at a time), one for timers. */
export const deployQueueName = (app: string, env: string): string => `deploy.${app}.${env}`;
export const TIMERS_QUEUE = 'timers';
export const deployJobId = (id: number): string => `d${id}`;

export interface DeployJobData {
  deployId: number;
  /** So a worker knows the env's lease without reading the deploy first. */
  app: string;
  env: string;
}

export type TimerJobData =
  | { kind: 'lock-expire'; app: string; env: string; token: number }
  | { kind: 'lock-remind'; app: string; env: string; token: number }
  /** The end of a freeze with an end time: lifts it (if it still stands) and says so. */
  | { kind: 'freeze-expire'; app: string; env: string; token: number }
  /** A scheduled freeze (config `freezes:`) begins or ends at `at`: the feed is told, and the next edge scheduled. */
  | { kind: 'schedule-edge'; name: string; at: number }
  /** A release's authors who have not answered are reminded (round n counts from 0). */
  | { kind: 'release-remind'; id: number; round: number }
  /** An open release that has not shipped by now is cancelled. */
  | { kind: 'release-expire'; id: number }
  /** A ship attempt is looked at again (its deploy's end, or the work after it, may have been lost); `at` tells repeats apart. */
  | { kind: 'release-settle'; id: number; attempt: number; at?: number }
  /** What follows a deploy's end (its release, smoke failure actions, promotion), retried until it is done. */
  | { kind: 'after-deploy'; deployId: number }
  /** A review app with no push since `at` is torn down if its ttl has passed (a newer push has its own timer). */
  | { kind: 'review-idle'; app: string; pr: number; at: number }
  /** A review app's failed teardown is tried again (its `tries`-th failure scheduled it). */
  | { kind: 'review-retry'; app: string; pr: number; tries: number }
  /** Review apps are compared with GitHub's open pull requests (at start, then every few hours). */
  | { kind: 'review-reconcile'; at: number }
  /** An app's undeployed-change nudge due at `at` (config `nudge:`); it schedules the next one. */
  | { kind: 'nudge'; app: string; at: number }
  /** An app's weekly digest of its delivery figures (config `digest:`), due at `at`; the next one is scheduled when it runs. */
  | { kind: 'digest'; app: string; at: number }
  /** A direct message, sent (and retried) by a worker; `key` makes sending it twice a no-op. */
  | { kind: 'dm'; user: string; text: string; key: string };
