import { shortSha } from '../deploy';
import { formatDuration } from '../duration';
import type { ReviewApp } from './review-app';
import { reviewEnvName } from './env';
import { mdLink as link, mrkdwnToMarkdown } from './markdown';

/**
 * A review app's comment on its pull request (GitHub markdown): one per app and pull request,
 * found again by its marker and edited in place (src/source/github-comments.ts), saying at a
 * glance where the review app stands and what a reviewer can do.
 */

/** The HTML comment (invisible on GitHub) that marks the app's review comment on a pull request. */
export function reviewCommentMarker(app: string): string {
  return `<!-- ferry:review-app:${app.replace(/[^A-Za-z0-9_-]/g, '_')} -->`;
}

export interface CommentContext {
  /** The deploy's log page, when there is one. */
  logUrl?: string;
  /** The repository on GitHub, e.g. https://github.com/acme/web (commits are linked there). */
  repoUrl: string;
  /** review_apps.ttl and .max of the app. */
  ttlMs: number;
  max: number;
  now: number;
}

/** The longest error shown (GitHub takes 65,536 characters; a reviewer reads a few lines). */
const ERROR_MAX = 1_500;

export function reviewCommentBody(r: ReviewApp, o: CommentContext): string {
  const lines = [reviewCommentMarker(r.app), ...status(r, o)];
  if (o.logUrl) lines.push('', link('Deploy log', o.logUrl));
  return lines.join('\n');
}

/** The headline and what follows it, per state. */
function status(r: ReviewApp, o: CommentContext): string[] {
  const name = `\`${r.app}\``;
  switch (r.state) {
    case 'waiting':
      return [
        `⏳ **Review app ${name}: waiting for a place** (${placeText(r.place)})`,
        '',
        `At most ${o.max} review app${o.max === 1 ? '' : 's'} of ${name} are live at once; this one deploys when one closes.`,
      ];
    case 'deploying':
      return [`🚀 **Review app ${name}: deploying** ${commit(r.headSha, o)}`, ...nowRunning(r, o)];
    case 'live':
      return [
        `✅ **Review app ${name} is live: ${link(r.url, r.url)}**`,
        '',
        `Running ${commit(r.deployedSha ?? r.headSha, o)}. ${idleText(r, o)}`,
      ];
    case 'failed':
      return [
        `❌ **Review app ${name}: the deploy of ${commit(r.headSha, o)} failed**`,
        ...errorText(r.error),
        '',
        `Push again to retry.${r.deployedSha ? ` ${link(r.url, r.url)} still runs ${commit(r.deployedSha, o)}.` : ''}`,
      ];
    case 'tearing-down':
      return [`🧹 **Review app ${name}: tearing down**`];
    case 'teardown-failed':
      return [
        `⚠️ **Review app ${name}: the teardown failed** (${r.teardownTries} ${r.teardownTries === 1 ? 'try' : 'tries'} so far)`,
        ...errorText(r.error),
        '',
        'Ferry tries again.',
      ];
    case 'gone':
      return [`🗑️ **Review app ${name}: torn down**`, '', goneText(r, o)];
  }
}

function placeText(place: number | undefined): string {
  if (place === undefined) return 'in line';
  return place === 1 ? 'next in line' : `number ${place} in line`;
}

/** While a new push deploys, what the review app still runs. */
function nowRunning(r: ReviewApp, o: CommentContext): string[] {
  if (!r.deployedSha || r.deployedSha === r.headSha) return [];
  return ['', `${link(r.url, r.url)} runs ${commit(r.deployedSha, o)} until then.`];
}

function idleText(r: ReviewApp, o: CommentContext): string {
  const ttl = formatDuration(o.ttlMs);
  const at = r.lastPushAt + o.ttlMs;
  const when = at <= o.now ? 'soon' : `at ${utc(at)}`;
  return `It is torn down after ${ttl} without a push (${when}, unless a commit is pushed).`;
}

function goneText(r: ReviewApp, o: CommentContext): string {
  const env = reviewEnvName(r.pr);
  const back = `push a commit, or \`/deploy ${env}\` in Slack, to bring it back.`;
  switch (r.gone?.reason) {
    case 'merged':
      return 'The pull request was merged.';
    case 'closed':
      return 'The pull request was closed.';
    case 'idle':
      return `After ${formatDuration(o.ttlMs)} without a push; ${back}`;
    case 'person':
      return `Someone tore it down from Slack; ${back}`;
    case 'label':
      return 'The label that gives this pull request a review app was removed; add it back to bring the review app back.';
    default:
      return `Nothing runs for this pull request; ${back}`;
  }
}

/** Ferry's error (Slack mrkdwn) as a quote in GitHub markdown. */
function errorText(error: string | undefined): string[] {
  if (!error) return [];
  const md = mrkdwnToMarkdown(error.length > ERROR_MAX ? `${error.slice(0, ERROR_MAX)}…` : error);
  return [
    '',
    ...md
      .trim()
      .split('\n')
      .map((l) => `> ${l}`.trimEnd()),
  ];
}

/** A commit's short SHA, linked to it on GitHub. */
function commit(sha: string, o: Pick<CommentContext, 'repoUrl'>): string {
  return `[\`${shortSha(sha)}\`](${o.repoUrl.replace(/\/+$/, '')}/commit/${sha})`;
}

/** "6 Dec 2026 17:00 UTC": the comment is not edited as time passes, so an absolute time. */
function utc(ms: number): string {
  const d = new Date(ms);
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const hh = String(d.getUTCHours()).padStart(2, '0');
  const mm = String(d.getUTCMinutes()).padStart(2, '0');
  return `${d.getUTCDate()} ${months[d.getUTCMonth()]} ${d.getUTCFullYear()} ${hh}:${mm} UTC`;
}
