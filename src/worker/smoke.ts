import { formatDuration } from '../core/duration';

/** Marks where the smoke check's output starts in a deploy's log. */
export const SMOKE_MARKER = '--- smoke check ---';

/** The smoke command's variables: the deploy's own, plus the env's URL and the phase. */
export function smokeEnv(deployEnv: Record<string, string>, url: string | undefined): Record<string, string> {
  return { ...deployEnv, FERRY_URL: url ?? '', FERRY_PHASE: 'smoke' };
}

/** How a smoke run ended, as the deploy's outcome (the deploy command itself had succeeded). */
/**
 * A smoke check stopped from outside (a cancel, a worker shutting down) did not fail: the deploy
 * ends failed, but as `stopped`, so on_smoke_failure (rollback, freeze) is not set off by it.
 */
export function smokeOutcome(
  r: { exitCode: number; timedOut: boolean; stoppedBecause?: string },
  timeoutMs: number,
): { status: 'succeeded' | 'failed'; exitCode: number; error?: string; smoke: 'passed' | 'failed' | 'stopped' } {
  if (r.timedOut)
    return {
      status: 'failed',
      exitCode: r.exitCode,
      error: `the smoke check timed out after ${formatDuration(timeoutMs)} (the env's smoke_timeout)`,
      smoke: 'failed',
    };
  if (r.stoppedBecause)
    return { status: 'failed', exitCode: r.exitCode, error: `the smoke check was stopped: ${r.stoppedBecause}`, smoke: 'stopped' };
  if (r.exitCode !== 0)
    return { status: 'failed', exitCode: r.exitCode, error: `the smoke check failed (exit ${r.exitCode})`, smoke: 'failed' };
  return { status: 'succeeded', exitCode: 0, smoke: 'passed' };
}
