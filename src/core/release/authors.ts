import type { AckBy, Author, Commit } from './types';

/** A commit made by a bot account (dependabot[bot], github-actions), which can't click a button. */
export function isBot(c: Pick<Commit, 'authorName' | 'authorEmail' | 'authorLogin'>): boolean {
  return [c.authorLogin ?? '', c.authorName, c.authorEmail].some((s) => /\[bot\]/i.test(s));
}

/** `12345+octocat@users.noreply.github.com` -> `octocat`: GitHub's private commit email names the login. */
export function loginOfNoreplyEmail(email: string): string | undefined {
  const m = /^(?:\d+\+)?([a-z0-9-]+)@users\.noreply\.github\.com$/i.exec(email.trim());
  return m ? m[1]!.toLowerCase() : undefined;
}

/**
 * The release's authors, in order of their first commit, and the commits marked with their
 * author's key: commits of one Slack user are one author whatever email or name they used; others
 * are grouped by email. `slackOf` gives the Slack user of a commit's author where known. Mapped
 * people ack for themselves; bots and people with no Slack user are acked by an approver or only
 * shown, as `unmapped` says.
 */
export function groupAuthors(
  commits: readonly Commit[],
  slackOf: (c: Commit) => string | undefined,
  unmapped: 'approver' | 'none',
): { authors: Author[]; commits: Commit[] } {
  const byKey = new Map<string, Author>();
  const keyed = commits.map((c) => {
    const slack = slackOf(c);
    const email = c.authorEmail.trim().toLowerCase();
    const key = slack ? `slack:${slack}` : email ? `email:${email}` : `name:${c.authorName}`;
    const found = byKey.get(key);
    if (found) found.commits++;
    else {
      const ackBy: AckBy = slack ? 'self' : unmapped;
      byKey.set(key, {
        key,
        name: c.authorName || email || 'unknown',
        ...(slack && { slack }),
        bot: !slack && isBot(c),
        commits: 1,
        ackBy,
      });
    }
    return { ...c, authorKey: key };
  });
  return { authors: [...byKey.values()], commits: keyed };
}

/** The commits of one author. */
export function commitsOf(author: Pick<Author, 'key'>, commits: readonly Commit[]): Commit[] {
  return commits.filter((c) => c.authorKey === author.key);
}
