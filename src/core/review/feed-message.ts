import type { Deploy } from '../deploy';
import { shortSha } from '../deploy';
import { formatDuration } from '../duration';
import { escapeMrkdwn, mention, slackLink, slackTime } from '../slack-format';
import { REVIEW_REDEPLOY_ACTION, REVIEW_TEARDOWN_ACTION, reviewActionValue } from './actions';
import type { GoneReason, ReviewApp, ReviewState } from './review-app';

/** What a review app's feed message shows besides its record. */
export interface ReviewFeedContext {
  /** The repository, owner/name (for the pull request's link). */
  repo: string;
  now: number;
  /** The review app's newest deploy or teardown (ReviewApp.deployId). */
  deploy?: Deploy;
  /** That deploy's log page. */
  logUrl?: string;
  /** The PR author's Slack user ID, when `people:` maps their GitHub login. */
  authorSlack?: string;
  /** GitHub's web URL (GitHub Enterprise's); default https://github.com. */
  webUrl?: string;
  /** review_apps.ttl and .max. */
  ttlMs: number;
  max: number;
}

export interface ReviewFeedMessage {
  text: string;
  blocks: Record<string, unknown>[];
}

const ICON: Record<ReviewState, string> = {
  waiting: ':hourglass:',
  deploying: ':rocket:',
  live: ':large_green_circle:',
  failed: ':x:',
  'tearing-down': ':construction:',
  'teardown-failed': ':warning:',
  gone: ':white_circle:',
};

/** A pull request's page on GitHub (or GitHub Enterprise, at `webUrl`). */
export const pullUrl = (repo: string, pr: number, webUrl = 'https://github.com'): string =>
  `${webUrl.replace(/\/$/, '')}/${repo}/pull/${pr}`;

/** Outside text (a branch) as inline code: escaped, with backticks that would end the span swapped for '. */
const code = (text: string): string => `\`${escapeMrkdwn(text.replace(/`/g, "'"))}\``;

/**
 * A review app's one feed message, updated through its life: which pull request (linked), its
 * author and branch, one line for where it stands, and while it is around the Tear down button
 * (and Redeploy when it is live or failed). Pure: same record and context, same message.
 */
export function reviewFeedMessage(r: ReviewApp, c: ReviewFeedContext): ReviewFeedMessage {
  const name = `#${r.pr} ${r.title}`.trim();
  const pull = c.repo ? slackLink(pullUrl(c.repo, r.pr, c.webUrl), name) : escapeMrkdwn(name);
  const author = c.authorSlack ? mention(c.authorSlack) : escapeMrkdwn(r.author);
  const status = statusLine(r, c);
  const header = `${ICON[r.state]} *Review app for ${pull}* (\`${r.app}\`)`;
  const facts = `by ${author} · branch ${code(r.branch)}${r.fork ? ' (from a fork)' : ''}`;
  return {
    text: `${ICON[r.state]} Review app for #${r.pr} (${r.app}): ${status}`,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: `${header}\n${status}` } },
      { type: 'context', elements: [{ type: 'mrkdwn', text: facts }] },
      ...buttons(r),
    ],
  };
}

function statusLine(r: ReviewApp, c: ReviewFeedContext): string {
  const dep = c.deploy && c.deploy.id === r.deployId ? c.deploy : undefined;
  const log = c.logUrl && dep ? ` · ${slackLink(c.logUrl, 'log')}` : '';
  switch (r.state) {
    case 'waiting':
      return `waiting for a place: ${r.place !== undefined ? `#${r.place} in line` : 'in line'} (at most ${c.max} review apps of \`${r.app}\` are live at once)`;
    case 'deploying':
      return `deploying ${code(shortSha(dep?.sha ?? r.headSha))}: ${progress(dep, c.now)}${log}`;
    case 'live': {
      const sha = r.deployedSha ?? dep?.sha;
      const since = dep?.finishedAt ?? r.updatedAt;
      const url = r.url ? slackLink(r.url, r.url) : 'its URL';
      return `live at ${url}${sha ? ` · ${code(shortSha(sha))}` : ''} since ${slackTime(since)} · torn down after ${formatDuration(c.ttlMs)} without a push`;
    }
    case 'failed': {
      const why = r.error ?? dep?.error;
      return `*deploy failed*${dep ? ` (${code(shortSha(dep.sha))})` : ''}${why ? `: ${why}` : ''}${log}`;
    }
    case 'tearing-down':
      return `tearing down: ${progress(dep, c.now)}${log}`;
    case 'teardown-failed': {
      const why = r.error ?? dep?.error;
      const tries = r.teardownTries === 1 ? '1 try' : `${r.teardownTries} tries`;
      return `*teardown failed* (${tries})${why ? `: ${why}` : ''}; Ferry tries again${log}`;
    }
    case 'gone':
      return `torn down${r.gone ? `: ${goneText(r.gone.reason, r.gone.by, c.ttlMs)}, ${slackTime(r.gone.at)}` : ''}`;
  }
}

/**
 * A deploy or teardown on its way: queued, or running since when (a time, not "for 12s": the
 * message changes when the deploy does, not every second, so what it says stays true).
 */
function progress(dep: Deploy | undefined, now: number): string {
  if (dep?.status === 'running') return `running since ${slackTime(dep.startedAt ?? now, '{time}')}`;
  return 'queued';
}

function goneText(reason: GoneReason, by: string | undefined, ttlMs: number): string {
  switch (reason) {
    case 'merged':
      return 'the pull request was merged';
    case 'closed':
      return 'the pull request was closed';
    case 'idle':
      return `idle for ${formatDuration(ttlMs)} without a push`;
    case 'person':
      return by ? `by ${mention(by)}` : 'asked for in Slack';
    case 'label':
      return 'its label was removed';
  }
}

function buttons(r: ReviewApp): Record<string, unknown>[] {
  if (r.state === 'gone') return [];
  const value = reviewActionValue(r.app, r.pr);
  const redeploy =
    r.state === 'live' || r.state === 'failed'
      ? [{ type: 'button', action_id: REVIEW_REDEPLOY_ACTION, text: { type: 'plain_text', text: 'Redeploy' }, value }]
      : [];
  const teardown = {
    type: 'button',
    action_id: REVIEW_TEARDOWN_ACTION,
    text: { type: 'plain_text', text: 'Tear down' },
    style: 'danger',
    value,
    confirm: {
      title: { type: 'plain_text', text: `Tear down ${r.env}?` },
      text: {
        type: 'plain_text',
        text: `Ferry runs the teardown command of pull request #${r.pr}'s review app (${r.app}) and it goes away.`,
      },
      confirm: { type: 'plain_text', text: 'Tear down' },
      deny: { type: 'plain_text', text: 'Keep it' },
      style: 'danger',
    },
  };
  return [{ type: 'actions', block_id: `review-${r.app}-${r.pr}-actions`, elements: [...redeploy, teardown] }];
}
