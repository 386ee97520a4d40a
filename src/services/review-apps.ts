import type { Answer } from './queue-deploy';

/** What Slack asks of review apps: `/deploy pr-42 [ref]`, `/deploy pr-42 teardown` and the feed message's Teardown button. */
export interface ReviewCommands {
  /** Redeploys the review app of PR `pr` (its head, or `ref`), as `user` (review_apps.permissions.deploy). */
  personDeploy(app: string, pr: number, ref: string | undefined, user: string): Promise<Answer>;
  /** Tears the review app of PR `pr` down, as `user`. */
  personTeardown(app: string, pr: number, user: string): Promise<Answer>;
}
