/**
 * The short human summary posted in a product channel once a release shipped: what changed, as
 * pull-request titles (one per PR) or, for commits without one, their subjects. Pure, bounded.
 */
import { ago, code, context, esc, fitLines, link, linkable, packSections, plural, section, TOTAL_BUDGET, who } from './budget';
import { type CommitUrl, prText, shaRef, urlOf } from './commit-lines';
import type { ReleaseMessage } from './summary';
import type { Commit, Release } from './types';

export interface ProductPostContext {
  /** Slack user ID of who shipped it. */
  shipper: string;
  commitUrl?: CommitUrl | undefined;
}

/** Changes listed at most; the rest are counted. */
export const MAX_ITEMS = 15;

export function renderProductPost(r: Release, commits: Commit[], ctx: ProductPostContext): ReleaseMessage {
  const items = changes(commits, ctx.commitUrl);
  const unlisted = Math.max(0, r.commitCount - commits.length);
  const see = linkable(r.compareUrl) ? ` — see the ${link(r.compareUrl, 'compare link')}` : '';
  const more = (hidden: number) =>
    `_…and ${plural(hidden, 'more change')}${unlisted ? ` (${plural(r.commitCount, 'commit')} in all)` : ''}${see}_`;
  const head = [
    `:rocket: *Shipped to ${esc(r.to, 60)}*: ${code(r.app, 60)}${r.fields.version?.trim() ? ` · version ${code(r.fields.version, 60)}` : ''}`,
  ];
  if (r.fields.description?.trim()) head.push(esc(r.fields.description, 700, true));
  const listed = fitLines(items, TOTAL_BUDGET - 3_000, MAX_ITEMS, more, unlisted > 0);
  const compare = linkable(r.compareUrl) ? ` · ${link(r.compareUrl, `compare ${plural(r.commitCount, 'commit')}`)}` : '';
  const foot = `Shipped by ${who(ctx.shipper)}${r.shippedAt !== undefined ? ` ${ago(r.shippedAt)}` : ''}${r.deployId !== undefined ? ` as deploy #${r.deployId}` : ''} · release #${r.id}${compare}`;
  return {
    text: `Shipped to ${esc(r.to, 40)}: ${esc(r.app, 60)} (${unlisted ? plural(r.commitCount, 'commit') : plural(items.length, 'change')})`,
    blocks: [section(head.join('\n')), ...packSections(listed).map(section), context(foot)],
  };
}

/** One bullet per pull request (its title, first seen first) and per commit that came from none (its subject). */
function changes(commits: readonly Commit[], commitUrl?: CommitUrl): string[] {
  const seen = new Set<number>();
  const out: string[] = [];
  for (const c of commits) {
    if (c.pr) {
      if (seen.has(c.pr.number)) continue;
      seen.add(c.pr.number);
      out.push(`• ${prText(c.pr, 150)}`);
    } else {
      out.push(`• ${esc(c.subject, 150) || '_(no subject)_'} (${shaRef(c.sha, urlOf(c.sha, commitUrl))})`);
    }
  }
  return out;
}
