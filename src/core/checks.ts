/**
 * Required checks (`require_checks:`): whether a commit's GitHub statuses and check runs let a
 * deploy start. Pure: the caller fetches them (src/services/checks.ts).
 */
import { escapeMrkdwn, slackLink } from './slack-format';

/** A commit status (`GET /repos/{o}/{r}/commits/{ref}/status`, one per context, newest). */
export interface CommitStatus {
  context: string;
  state: 'success' | 'pending' | 'failure' | 'error' | string;
  targetUrl?: string;
}

/** A check run (`GET /repos/{o}/{r}/commits/{ref}/check-runs`). */
export interface CheckRun {
  name: string;
  status: 'queued' | 'in_progress' | 'completed' | string;
  /** Set once completed: success, neutral, skipped, failure, cancelled, timed_out, action_required, stale... */
  conclusion?: string | null;
  htmlUrl?: string;
}

export interface NamedCheck {
  name: string;
  url?: string;
}

export type ChecksVerdict =
  | { kind: 'green' }
  /** `unknown`: GitHub did not answer, so nothing is known (never taken as green). */
  | { kind: 'pending'; pending: NamedCheck[]; unknown?: string }
  | { kind: 'failed'; failed: NamedCheck[]; pending: NamedCheck[] };

type One = 'green' | 'pending' | 'failed';

function statusState(s: CommitStatus): One {
  if (s.state === 'success') return 'green';
  if (s.state === 'pending') return 'pending';
  return 'failed';
}

function runState(r: CheckRun): One {
  if (r.status !== 'completed') return 'pending';
  if (r.conclusion === 'success' || r.conclusion === 'neutral' || r.conclusion === 'skipped') return 'green';
  if (!r.conclusion) return 'pending';
  return 'failed';
}

/**
 * `all`: every status context and check run on the commit must be green (success; for check runs
 * also neutral or skipped); a commit with none at all is pending (nothing has reported yet). A
 * list: each name (a status context or a check run name) must be there and green; a name not
 * reported yet is pending. Where one name has several results (a status and a check run, or a
 * re-run), a failure wins over pending, and pending over green.
 */
export function decideChecks(
  required: 'all' | readonly string[],
  statuses: readonly CommitStatus[],
  runs: readonly CheckRun[],
): ChecksVerdict {
  const found = new Map<string, { state: One; url?: string }>();
  const add = (name: string, state: One, url: string | undefined) => {
    const rank = { green: 0, pending: 1, failed: 2 } as const;
    const had = found.get(name);
    if (had && rank[had.state] >= rank[state]) return;
    found.set(name, { state, ...(url && { url }) });
  };
  // A context reported twice counts by its newest: GitHub's combined status lists each context once.
  const seen = new Set<string>();
  for (const s of statuses) {
    if (seen.has(s.context)) continue;
    seen.add(s.context);
    add(s.context, statusState(s), s.targetUrl);
  }
  for (const r of runs) add(r.name, runState(r), r.htmlUrl);
  const names = required === 'all' ? [...found.keys()] : [...new Set(required)];
  if (required === 'all' && names.length === 0)
    return { kind: 'pending', pending: [{ name: 'any check (none has reported on this commit yet)' }] };
  const failed: NamedCheck[] = [];
  const pending: NamedCheck[] = [];
  for (const name of names) {
    const f = found.get(name);
    const named = { name, ...(f?.url && { url: f.url }) };
    if (!f || f.state === 'pending') pending.push(named);
    else if (f.state === 'failed') failed.push(named);
  }
  if (failed.length > 0) return { kind: 'failed', failed, pending };
  if (pending.length > 0) return { kind: 'pending', pending };
  return { kind: 'green' };
}

/** "ci/test (<link|details>), lint": names in code-free mrkdwn, each with its link when known. */
export function checkList(checks: readonly NamedCheck[], links = true): string {
  return checks.map((c) => `${escapeMrkdwn(c.name)}${links && c.url ? ` (${slackLink(c.url, 'details')})` : ''}`).join(', ');
}

/** Plain names for the audit log: "ci/test, lint". */
export function checkNames(checks: readonly NamedCheck[]): string {
  return checks.map((c) => c.name).join(', ');
}

/** What the feed says while a deploy waits for checks. */
export function waitingForChecksText(v: Extract<ChecksVerdict, { kind: 'pending' }>): string {
  const unknown = v.unknown ? ` (${escapeMrkdwn(v.unknown)}; Ferry asks again shortly)` : '';
  return `waiting for checks: ${checkList(v.pending, false)}${unknown}`;
}
