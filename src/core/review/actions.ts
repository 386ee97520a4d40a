/** The review app feed message's buttons; their value is `<app>:<pr>`. */
export const REVIEW_TEARDOWN_ACTION = 'review_teardown';
export const REVIEW_REDEPLOY_ACTION = 'review_redeploy';
export const REVIEW_ACTIONS = [REVIEW_TEARDOWN_ACTION, REVIEW_REDEPLOY_ACTION] as const;

export const reviewActionValue = (app: string, pr: number): string => `${app}:${pr}`;

/** A button's `<app>:<pr>`, or undefined for anything else (a junk value changes nothing). */
export function parseReviewActionValue(value: string | undefined): { app: string; pr: number } | undefined {
  const m = /^([a-z0-9][a-z0-9_-]{0,39}):([1-9][0-9]{0,8})$/.exec(value ?? '');
  return m ? { app: m[1]!, pr: Number(m[2]) } : undefined;
}

/** What `/deploy pr-42`, `/deploys review` and the buttons answer when this Ferry runs without its review app service. */
export const REVIEW_NOT_SET_UP =
  'Review apps are not set up here: this Ferry runs without its review app service, so nothing was deployed, torn down or listed. Ask whoever runs Ferry.';
