import { jobsText } from './run-text';
import type { JobView, RunView } from './types';

/**
 * `git_tag:` following, pure: which of a commit's check suites and statuses are the tag push's,
 * and how they stand as one run. The adapter (src/ci/git-tag.ts) reads them from GitHub.
 */

/** A check suite as GET /repos/{o}/{r}/commits/{sha}/check-suites lists it (the fields read). */
export interface TagSuite {
  id: number;
  head_branch: string | null;
  status: string | null;
  conclusion: string | null;
  created_at: string;
  app?: { slug?: string; name?: string } | null;
}

/** A check run as GET /repos/{o}/{r}/check-suites/{id}/check-runs lists it. */
export interface TagCheckRun {
  id: number;
  name: string;
  status: string;
  conclusion: string | null;
  html_url?: string | null;
}

/** A commit status as GET /repos/{o}/{r}/commits/{sha}/statuses lists it (newest first). */
export interface TagStatus {
  id?: number;
  context: string;
  state: string;
  created_at: string;
  description?: string | null;
  target_url?: string | null;
}

/** GitHub's clock and Ferry's may differ a little: what was created this long before the move still counts. */
export const CLOCK_SKEW_MS = 5_000;

/** Conclusions that let a deploy succeed. */
const PASSING = new Set(['success', 'neutral', 'skipped']);

/**
 * When the tag moved: GitHub's time (less the skew allowance), and the highest suite or status id
 * the commit had just before (GitHub's ids only grow: anything with a higher id came after, whatever the clocks say).
 */
export interface Moved {
  at: number;
  afterId?: number;
}

/** Made after the move. */
const since = (x: { id?: number; created_at: string }, m: Moved): boolean =>
  Date.parse(x.created_at) >= m.at - CLOCK_SKEW_MS && (m.afterId === undefined || (x.id ?? 0) > m.afterId);

/**
 * The suites the tag's push started: GitHub sets a tag push's head_branch to the tag's name, so the
 * branch's own suites on the same SHA never count; older suites of an earlier push of the tag don't either.
 */
export function tagSuites<T extends TagSuite>(suites: readonly T[], tag: string, moved: Moved): T[] {
  return suites.filter((s) => s.head_branch === tag && since(s, moved));
}

/** A suite's check runs, with the suite they belong to. */
export interface SuiteRuns {
  suite: TagSuite;
  runs: TagCheckRun[];
}

/**
 * How the tag push's checks stand: waiting until a counted check run exists; running while any is
 * not completed (or its suite is not: a later job may still come); ended when all are, succeeded
 * if every one passed (success, neutral, skipped). With `names`, only those check runs count, and
 * the run ends when each has completed (or every suite has ended without some: those failed to run).
 */
export function checksView(found: readonly SuiteRuns[], names: readonly string[] | undefined, tag: string): RunView {
  const counted = found.flatMap(({ suite, runs }) => runs.filter((r) => !names || names.includes(r.name)).map((run) => ({ suite, run })));
  const jobs: JobView[] = counted.map(({ run }) => ({
    id: String(run.id),
    name: run.name,
    ended: run.status === 'completed',
    ...(run.conclusion && { conclusion: run.conclusion }),
  }));
  const url = counted.find(({ run }) => run.html_url)?.run.html_url ?? undefined;
  const base = { jobs, ...(url && { url }) };
  if (!counted.length && found.length && !found.some((f) => f.suite.status !== 'completed'))
    return { ...suitesEnded(found, names), ...base };
  if (!counted.length) {
    const waiting = found.length
      ? `the tag's push started ${found.length} check suite${found.length === 1 ? '' : 's'}, no ${names ? names.join(', ') : 'check'} run yet`
      : `waiting for the checks the push of tag ${tag} starts`;
    return { phase: 'waiting', text: waiting, ...base };
  }
  const allDone = jobs.every((j) => j.ended);
  const missing = names ? names.filter((n) => !jobs.some((j) => j.name === n)) : [];
  const ended = allDone && ((names && !missing.length) || !found.some(stillOpen));
  if (!ended) return { phase: 'running', text: jobsText('in progress', jobs), ...base };
  return { ...endedView(jobs, missing), ...base };
}

/**
 * A suite that may still add or run checks: not completed, and with check runs (or GitHub Actions',
 * which makes its jobs' runs at once). Another app's empty suite may stay queued for ever (an app
 * installed that runs nothing on this push): it holds nothing up.
 */
const stillOpen = (f: SuiteRuns): boolean => f.suite.status !== 'completed' && (f.runs.length > 0 || f.suite.app?.slug === GITHUB_ACTIONS);

/** The app slug of GitHub Actions' check suites. */
export const GITHUB_ACTIONS = 'github-actions';

/** Every suite of the push completed without a check run that counts (a workflow that could not start, or named checks that never ran). */
function suitesEnded(
  found: readonly SuiteRuns[],
  names: readonly string[] | undefined,
): Pick<RunView, 'phase' | 'outcome' | 'conclusion' | 'text'> {
  if (names) return endedView([], [...names]);
  const bad = found.filter((f) => !PASSING.has(f.suite.conclusion ?? ''));
  if (!bad.length) return { phase: 'ended', outcome: 'succeeded', conclusion: 'success', text: 'success (no check runs)' };
  const which = bad.map((f) => `${f.suite.app?.name ?? f.suite.app?.slug ?? 'a'} suite (${f.suite.conclusion ?? 'no conclusion'})`);
  return { phase: 'ended', outcome: 'failed', conclusion: `failure: ${which.join(', ')}`, text: 'failure (no check runs)' };
}

/** An ended run's outcome from its jobs' conclusions (and the named checks that never ran). */
function endedView(jobs: JobView[], missing: string[]): Pick<RunView, 'phase' | 'outcome' | 'conclusion' | 'text'> {
  const bad = jobs.filter((j) => !PASSING.has(j.conclusion ?? ''));
  if (!bad.length && !missing.length)
    return { phase: 'ended', outcome: 'succeeded', conclusion: 'success', text: jobsText('success', jobs) };
  const failed = [...bad.map((j) => `${j.name} (${j.conclusion ?? 'no conclusion'})`), ...missing.map((n) => `${n} (never ran)`)];
  const cancelled = !missing.length && bad.every((j) => j.conclusion === 'cancelled');
  const word = cancelled ? 'cancelled' : 'failure';
  return {
    phase: 'ended',
    outcome: cancelled ? 'cancelled' : 'failed',
    conclusion: `${word}: ${failed.join(', ')}`,
    text: jobsText(word, jobs),
  };
}

/**
 * How the commit statuses posted since the move stand: the newest per context (filtered by
 * `names`); waiting until one exists, running while any is pending, ended when none is (with
 * `names`: when each named context has a final state), failed if any is failure or error.
 */
export function statusesView(statuses: readonly TagStatus[], names: readonly string[] | undefined, moved: Moved): RunView {
  const latest = new Map<string, TagStatus>();
  for (const s of statuses) {
    if (!since(s, moved) || (names && !names.includes(s.context))) continue;
    const had = latest.get(s.context);
    if (!had || Date.parse(s.created_at) > Date.parse(had.created_at)) latest.set(s.context, s);
  }
  const jobs: JobView[] = [...latest.values()].map((s) => ({
    id: `status:${s.context}`,
    name: s.context,
    ended: s.state !== 'pending',
    ...(s.state !== 'pending' && { conclusion: s.state }),
  }));
  const url = [...latest.values()].find((s) => s.target_url)?.target_url ?? undefined;
  const base = { jobs, ...(url && { url }) };
  if (!jobs.length)
    return { phase: 'waiting', text: `waiting for ${names ? names.join(', ') : 'a commit status'} posted after the tag moved`, ...base };
  const missing = names ? names.filter((n) => !latest.has(n)) : [];
  if (missing.length || jobs.some((j) => !j.ended)) return { phase: 'running', text: jobsText('in progress', jobs), ...base };
  return { ...endedView(jobs, []), ...base };
}
