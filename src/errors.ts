/**
 * Every error Ferry reports on purpose, in one place. The message is written for the person who
 * will read it (in Slack or at start-up) and says how to fix the problem.
 */
export const ERROR_CODES = {
  CONFIG_INVALID: 'the config file is missing or invalid',
  ENV_MISSING: 'required environment variables are not set',
  BAD_INPUT: 'a command was typed wrongly',
  UNKNOWN_APP: 'no such app in the config',
  UNKNOWN_ENV: 'no such environment for the app',
  BAD_REF: 'a ref with characters git or a shell would misread',
  UNKNOWN_REF: 'the ref does not exist in the repository',
  SOURCE_UNAVAILABLE: 'GitHub or the local repository did not answer',
  LOCKED: 'the environment is locked by someone else',
  NOT_LOCK_HOLDER: 'only the lock holder may release it',
  NOT_LOCKED: 'there is no lock to release',
  DEPLOY_FAILED: 'the deploy command failed',
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
