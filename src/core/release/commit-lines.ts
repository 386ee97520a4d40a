/** A release's commits as mrkdwn lines: `abc1234` subject (or its pull request) — author, bounded. Pure. */
import { shortSha } from '../deploy';
import { code, esc, fitLines, link, linkable, plural } from './budget';
import type { Commit } from './types';

export type CommitUrl = (sha: string) => string | undefined;

/** Lines shown at most, however much room there is. */
export const MAX_COMMIT_LINES = 40;

/** The commit's page, when the caller knows it (a throwing callback counts as not knowing). */
export function urlOf(sha: string, commitUrl?: CommitUrl): string | undefined {
  try {
    return commitUrl?.(sha);
  } catch {
    return undefined;
  }
}

/** A short SHA, linked to its commit when the URL is known, else as code. */
export function shaRef(sha: string, url?: string): string {
  return linkable(url) ? link(url, esc(shortSha(sha), 7)) : code(shortSha(sha), 7);
}

/** "Fix login (#123)", linked to the pull request when its URL is known. */
export function prText(pr: NonNullable<Commit['pr']>, max = 120): string {
  return link(pr.url, `${esc(pr.title, max)} (#${esc(String(pr.number), 12)})`);
}

/** Whether the subject is just the pull request's title (a squash merge's "Title (#123)"). */
const sameAsPr = (c: Commit): boolean =>
  !!c.pr &&
  c.subject
    .replace(/\s*\(#\d+\)\s*$/, '')
    .trim()
    .toLowerCase() === c.pr.title.trim().toLowerCase();

/** "`abc1234` subject — Ana", with the pull request's title when the commit came from one. */
export function commitLine(c: Commit, commitUrl?: CommitUrl, withAuthor = true): string {
  const what = !c.pr
    ? esc(c.subject, 140) || '_(no subject)_'
    : sameAsPr(c)
      ? prText(c.pr)
      : `${esc(c.subject, 100)} · ${prText(c.pr, 80)}`;
  const by = withAuthor ? ` — ${esc(c.authorName || c.authorLogin || c.authorEmail || 'unknown', 40)}` : '';
  return `• ${shaRef(c.sha, urlOf(c.sha, commitUrl))} ${what}${by}`;
}

/**
 * The commits, oldest first, as many as fit `budget` characters (and MAX_COMMIT_LINES), then
 * "…and N more commits — see the compare link". `total` counts commits not in `commits` (a
 * stored list may be only part of the range).
 */
export function commitLines(
  commits: readonly Commit[],
  o: {
    total: number;
    budget: number;
    commitUrl?: CommitUrl | undefined;
    compareUrl?: string | undefined;
    withAuthor?: boolean;
    what?: string;
  },
): string[] {
  const total = Math.max(o.total, commits.length);
  const what = o.what ?? 'commit';
  const see = linkable(o.compareUrl) ? ` — see the ${link(o.compareUrl, 'compare link')}` : '';
  // Only lines that can be shown are made (one more than the most, so fitLines sees there are more): a thousand commits cost no more than forty.
  const lines = commits.slice(0, MAX_COMMIT_LINES + 1).map((c) => commitLine(c, o.commitUrl, o.withAuthor ?? true));
  const unlisted = total - lines.length;
  const more = (hidden: number) => `_…and ${plural(hidden + unlisted, `more ${what}`)}${see}_`;
  return fitLines(lines, o.budget, MAX_COMMIT_LINES, more, unlisted > 0);
}
