import { FerryError } from '../errors';

/** What a failed GitHub request says of itself (Octokit's RequestError, or an abort). */
interface ApiError {
  name?: string;
  status?: number;
  message?: string;
  response?: { headers?: Record<string, string | undefined> };
}

/** The HTTP status of a failed GitHub request, if GitHub answered. */
export const statusOf = (err: unknown): number | undefined => (err as ApiError | undefined)?.status;

/** GitHub's rate limit (primary or secondary) refused the request. */
export function isRateLimited(err: unknown): boolean {
  const e = err as ApiError | undefined;
  if (e?.status !== 403 && e?.status !== 429) return false;
  return e.response?.headers?.['x-ratelimit-remaining'] === '0' || /rate limit/i.test(e.message ?? '');
}

/**
 * A GitHub request that failed, as a FerryError that says what Ferry was doing and what to do
 * (`details.status`: GitHub's HTTP status; `details.rateLimited`). `what` finishes "Ferry tried
 * to ...", e.g. "list the open pull requests of acme/web"; `needs` the permission it takes.
 */
export function githubFailure(err: unknown, what: string, needs: string): FerryError {
  const e = err as ApiError | undefined;
  const status = statusOf(err);
  const details = { status, rateLimited: isRateLimited(err), cause: e?.message };
  if (details.rateLimited) {
    return new FerryError(
      'SOURCE_UNAVAILABLE',
      `GitHub's rate limit was reached when Ferry tried to ${what}; it works again once the limit resets.`,
      details,
    );
  }
  if (status === 401 || status === 403) {
    return new FerryError(
      'SOURCE_UNAVAILABLE',
      `GitHub refused when Ferry tried to ${what} (HTTP ${status}); give Ferry's GitHub token or App ${needs}.`,
      details,
    );
  }
  if (e?.name === 'AbortError' || /abort|timeout/i.test(e?.message ?? '')) {
    return new FerryError('SOURCE_UNAVAILABLE', `GitHub did not answer when Ferry tried to ${what}; try again in a minute.`, details);
  }
  return new FerryError(
    'SOURCE_UNAVAILABLE',
    `GitHub failed when Ferry tried to ${what} (${status ? `HTTP ${status}` : (e?.message ?? 'no answer')}); try again in a minute.`,
    details,
  );
}
