import { makeRedactor } from '../redact';
import type { JobView, RunView } from './types';

/**
 * A GitHub deployment followed through its statuses (`github_deployment:`): what the statuses an
 * outside CD system posted (newest first, as GitHub lists them) say of the run, in Ferry's words.
 * Pure: the statuses are outside input, so their text is cut short and token-shaped strings in it
 * are redacted before it reaches the feed or the deploy's error.
 */

/** A deployment status as GitHub lists it (the fields Ferry reads). */
export interface DeploymentStatus {
  id: number;
  state: string;
  description?: string | null;
  log_url?: string | null;
  target_url?: string | null;
  environment_url?: string | null;
  created_at?: string | null;
}

/** The states that end a deployment; the first one posted is its end (a later inactive or a late cancel changes nothing). */
const ENDS = new Set(['success', 'failure', 'error', 'inactive']);

/** How the status Ferry posts to ask a CD system to stop starts its description (view() tells it from the CD system's own). */
export const FERRY_CANCEL_MARK = 'Cancelled by Ferry';

/** The description of the status Ferry posts to cancel a deployment (GitHub takes at most 140 characters). */
export function cancelDescription(deployId: number, why?: string): string {
  return `${FERRY_CANCEL_MARK} (deploy #${deployId})${why ? `: ${why}` : ''}`.slice(0, 140);
}

const tokens = makeRedactor([]);
/** Outside text for the feed and the deploy's error: one line, short, no token-shaped strings. */
const clean = (s: string | null | undefined): string =>
  tokens(String(s ?? ''))
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 160);

const httpUrl = (s: string | null | undefined): string | undefined => (s && /^https?:\/\//i.test(s) ? s : undefined);

/** Where a person sees the CD system's run: the newest status's log_url (or target_url, its older name). */
export function statusUrl(s: DeploymentStatus): string | undefined {
  return httpUrl(s.log_url) ?? httpUrl(s.target_url);
}

/** The run as the statuses tell it; `environment` is GitHub's environment name (said when a newer deployment replaced this one). */
export function deploymentView(newestFirst: readonly DeploymentStatus[], environment: string): RunView {
  const oldestFirst = [...newestFirst].reverse();
  const url = newestFirst.map(statusUrl).find((u) => u !== undefined);
  const jobs: JobView[] = oldestFirst.map((s) => ({ id: String(s.id), name: `deployment status: ${s.state}`, ended: true }));
  const base = { ...(url && { url }), jobs };
  const end = oldestFirst.find((s) => ENDS.has(s.state));
  const said = (s: DeploymentStatus, words: string) => (clean(s.description) ? `${words}: ${clean(s.description)}` : words);
  if (end) {
    const text = said(end, end.state);
    if (end.state === 'success') return { ...base, phase: 'ended', outcome: 'succeeded', conclusion: 'success', text };
    if (end.state === 'inactive') {
      const conclusion = `inactive (a newer deployment to ${environment} replaced it before the CD system reported its end)`;
      return { ...base, phase: 'ended', outcome: 'failed', conclusion, text };
    }
    if (String(end.description ?? '').startsWith(FERRY_CANCEL_MARK))
      return { ...base, phase: 'ended', outcome: 'cancelled', conclusion: 'cancelled by Ferry', text };
    const conclusion = clean(end.description) ? `${end.state} (${clean(end.description)})` : end.state;
    return { ...base, phase: 'ended', outcome: 'failed', conclusion, text };
  }
  const newest = newestFirst[0];
  if (!newest) return { ...base, phase: 'waiting', text: 'waiting for the CD system to pick it up' };
  if (newest.state === 'in_progress') return { ...base, phase: 'running', text: said(newest, 'in progress') };
  return { ...base, phase: 'waiting', text: said(newest, newest.state) };
}

/** What one status puts in the deploy's log: its time, state and description, and its links (never fetched: they are outside addresses). */
export function statusLogLines(s: DeploymentStatus): string[] {
  const lines = [`${s.created_at ? `${s.created_at} ` : ''}${s.state}${s.description ? `: ${s.description}` : ''}`];
  const log = httpUrl(s.log_url) ?? httpUrl(s.target_url);
  if (log) lines.push(`log: ${log}`);
  if (httpUrl(s.environment_url)) lines.push(`environment: ${s.environment_url}`);
  return lines;
}
