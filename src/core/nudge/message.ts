/** The daily nudge about commits waiting to reach production: its text, blocks and Release button. */
import { formatDuration } from '../duration';
import type { Author } from '../release/types';
import { escapeMrkdwn, mention, slackLink } from '../slack-format';

/** The Release button's action id; its value is the app's name. */
export const NUDGE_RELEASE = 'nudge_release';
export const NUDGE_ACTIONS: readonly string[] = [NUDGE_RELEASE];

export interface NudgeFacts {
  app: string;
  /** The env (or, without a promotion chain, the branch) whose commits wait. */
  from: { kind: 'env' | 'branch'; name: string };
  /** Production. */
  to: string;
  commitCount: number;
  /** In order of their first commit. */
  authors: readonly Pick<Author, 'name' | 'slack' | 'commits'>[];
  /** The oldest waiting commit's time (ms). */
  oldestAt: number;
  compareUrl?: string;
  /** Whether a release from `from` to `to` can be opened (a promotion chain): the Release button. */
  releasable: boolean;
}

type Block = Record<string, unknown>;

/** An author as said: a mention, or (no Slack user, or opted out of nudge mentions) their name. */
function authorLabel(a: Pick<Author, 'name' | 'slack' | 'commits'>, optedOut: ReadonlySet<string>): string {
  const who = a.slack && !optedOut.has(a.slack) ? mention(a.slack) : escapeMrkdwn(a.name);
  return `${who} (${a.commits})`;
}

/** "3 commits by <@U1> (2) and Ana (1)": the waiting commits and who wrote them. */
export function nudgeSummary(f: NudgeFacts, optedOut: ReadonlySet<string>): string {
  const labels = f.authors.map((a) => authorLabel(a, optedOut));
  const by = labels.length <= 1 ? labels.join('') : `${labels.slice(0, -1).join(', ')} and ${labels[labels.length - 1]}`;
  return `${f.commitCount} commit${f.commitCount === 1 ? '' : 's'}${by ? ` by ${by}` : ''}`;
}

/** The message: what waits, since when, the compare link and (with a promotion chain) the Release button. */
export function nudgeMessage(f: NudgeFacts, optedOut: ReadonlySet<string>, now: number): { text: string; blocks: Block[] } {
  const source = f.from.kind === 'env' ? `*${escapeMrkdwn(f.from.name)}*` : `\`${escapeMrkdwn(f.from.name)}\``;
  const age = formatDuration(Math.max(0, now - f.oldestAt));
  const compare = f.compareUrl ? ` ${slackLink(f.compareUrl, 'Compare')}` : '';
  const text = `:alarm_clock: \`${escapeMrkdwn(f.app)}\`: ${nudgeSummary(f, optedOut)} on ${source} ${f.commitCount === 1 ? 'is' : 'are'} not on *${escapeMrkdwn(f.to)}* yet; the oldest has waited ${age}.${compare}`;
  const blocks: Block[] = [{ type: 'section', text: { type: 'mrkdwn', text } }];
  if (f.releasable)
    blocks.push({
      type: 'actions',
      block_id: `nudge-${f.app}-actions`,
      elements: [
        {
          type: 'button',
          action_id: NUDGE_RELEASE,
          text: { type: 'plain_text', text: 'Release' },
          style: 'primary',
          value: f.app,
        },
      ],
    });
  else
    blocks.push({
      type: 'context',
      elements: [{ type: 'mrkdwn', text: `Deploy \`${escapeMrkdwn(f.from.name)}\` to ${escapeMrkdwn(f.to)} to ship them.` }],
    });
  return { text, blocks };
}
