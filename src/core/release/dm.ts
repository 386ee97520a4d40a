/**
 * What an author gets in a DM: the release asks for their OK on their own commits, with the same
 * OK to ship / Hold… buttons as the summary; and the reminders after it. Pure, within Slack's limits.
 */
import { answerButtons } from './buttons';
import { ago, at, type Block, code, esc, link, linkable, packSections, section, TOTAL_BUDGET, who } from './budget';
import { commitLines } from './commit-lines';
import { envName, staleLine, statusLine } from './release-text';
import type { ReleaseMessage, SummaryContext } from './summary';
import type { Author, Commit, Release } from './types';

/** What the author's commit list may take (the rest of a DM is a few short lines). */
const LIST_BUDGET = TOTAL_BUDGET - 2_500;

const answerBlock = (r: Release): Block => ({ type: 'actions', block_id: `release-${r.id}-answer`, elements: answerButtons(r) });

/** The DM to one author: their commits in the release and "OK to ship?"; once they said OK, or it ended, no buttons. */
export function renderAuthorDm(r: Release, author: Author, commits: Commit[], ctx: SummaryContext): ReleaseMessage {
  const n = Math.max(author.commits, commits.length);
  const ack = r.acks[author.key];
  const open = r.status === 'open';
  const release = `*Release #${r.id}* of ${code(r.app, 60)} to ${envName(r.to)}`;
  const compare = linkable(r.compareUrl) ? ` · ${link(r.compareUrl, 'compare')}` : '';
  const lines = [
    `${release} includes ${n} of your commits${ack ? '.' : '; OK to ship?'}`,
    `Requested by ${who(r.requester)} ${ago(r.createdAt)}${compare}`,
  ];
  if (ack)
    lines.push(
      `:white_check_mark: ${author.slack !== undefined && ack.by === author.slack ? 'You' : who(ack.by)} said OK to ship ${ago(ack.at)}.`,
    );
  if (!ack || !open) lines.push(statusLine(r, ctx.policy, ctx.state, ctx.shipDeployUrl));
  const stale = staleLine(r);
  if (stale) lines.push(stale);
  const list = commitLines(commits, {
    total: n,
    budget: LIST_BUDGET,
    commitUrl: ctx.commitUrl,
    compareUrl: r.compareUrl,
    withAuthor: false,
  });
  const answer = open && !ack && !r.stale;
  const plain = `Release #${r.id} of ${esc(r.app, 60)} to ${esc(r.to, 40)}`;
  const now = open ? 'open' : esc(r.status, 20);
  return {
    text: answer ? `${plain} includes ${n} of your commits; OK to ship?` : ack ? `${plain}: you said OK (${now})` : `${plain} is ${now}`,
    blocks: [
      section(lines.join('\n')),
      ...packSections(['*Your commits*, oldest first', ...list]).map(section),
      ...(answer ? [answerBlock(r)] : []),
    ],
  };
}

/**
 * A reminder to an author who has not answered: "Release #12 to production is still waiting for
 * your OK (opened 2 hours ago)". `sinceMs` is when the wait began (ms since the epoch, normally
 * the release's createdAt); Slack shows it relative to each reader's now.
 */
export function renderReminder(r: Release, author: Author, sinceMs: number): ReleaseMessage {
  const what = `Release #${r.id} to ${envName(r.to)}`;
  const app = `${code(r.app, 60)}: ${author.commits} of your commits`;
  if (r.status !== 'open' || r.acks[author.key]) {
    const done = r.acks[author.key] ? 'has your OK, thanks' : `is ${esc(r.status, 20)}`;
    return { text: `Release #${r.id} to ${esc(r.to, 40)} ${done}`, blocks: [section(`${what} ${done}.`)] };
  }
  const line = `${what} is still waiting for your OK (opened ${ago(sinceMs)})`;
  return {
    text: `Release #${r.id} to ${esc(r.to, 40)} is still waiting for your OK (opened ${at(sinceMs, '{ago}')})`,
    blocks: [section(`:wave: ${line}\n${app}`), answerBlock(r)],
  };
}
