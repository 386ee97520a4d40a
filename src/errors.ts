/**
 * Every error Ferry reports on purpose, in one place. The message is written for the person who
 * will read it (in Slack or at start-up) and says how to fix the problem.
 */
export const ERROR_CODES = {
  CONFIG_INVALID: 'the config file is missing or invalid',
  ENV_MISSING: 'required environment variables are not set',
  UNKNOWN_REF: 'the ref does not exist in the repository',
  UNKNOWN_SHA: 'a deployed commit is no longer in the repository (force-pushed away?)',
  SOURCE_UNAVAILABLE: 'GitHub or the local repository did not answer',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export class FerryError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'FerryError';
  }
}

export function isFerryError(err: unknown, code?: ErrorCode): err is FerryError {
  return err instanceof FerryError && (code === undefined || err.code === code);
}
