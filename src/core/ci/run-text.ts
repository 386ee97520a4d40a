import type { JobView } from './types';

/** At most this many lines of one job's log go into the deploy's log (the newest ones). */
export const MAX_JOB_LOG_LINES = 5_000;

/** A run's state in words, with its jobs: "in progress: build ✓, deploy running". */
export function jobsText(state: string, jobs: readonly JobView[]): string {
  if (!jobs.length) return state;
  const job = (j: JobView) => `${j.name} ${j.ended ? (j.conclusion === 'success' ? '✓' : (j.conclusion ?? 'ended')) : 'running'}`;
  const shown = jobs.slice(0, 8).map(job);
  return `${state}: ${shown.join(', ')}${jobs.length > 8 ? `, +${jobs.length - 8} more` : ''}`;
}

/** A job's log text as lines (no trailing empty line), the newest MAX_JOB_LOG_LINES of them. */
export function logLines(text: string): string[] {
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  if (lines.at(-1) === '') lines.pop();
  return lines.length > MAX_JOB_LOG_LINES
    ? [`… ${lines.length - MAX_JOB_LOG_LINES} earlier lines left out`, ...lines.slice(-MAX_JOB_LOG_LINES)]
    : lines;
}
