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
