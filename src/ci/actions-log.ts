import { logLines } from '../core/ci/run-text';

/**
 * A GitHub Actions job log as the logs endpoint gives it (text, or bytes after the redirect to its
 * download), as lines without their timestamps ("2026-12-03T10:00:00.0000000Z "): the log page has its own.
 */
export function actionsLogLines(data: unknown): string[] {
  const text = typeof data === 'string' ? data : data instanceof ArrayBuffer ? Buffer.from(data).toString('utf8') : '';
  return logLines(text.replace(/^\d{4}-\d\d-\d\dT[\d:.]+Z ?/gm, ''));
}
