import { CANCEL_ACTION, cancelConfirmText } from './cancel';
import { ciFeedLine } from './ci/feed-line';
import { promotedFrom } from './promotion';
import type { Deploy } from './deploy';
import { shortSha } from './deploy';
import { formatDuration } from './duration';
import { estimateRemaining } from './estimate';
import { carriesText, pushedBy } from './github-push';
import { rollbackLabel } from './rollback';
import { escapeMrkdwn, mention, slackLink, slackTime } from './slack-format';

/** How many deploys at the front of an env's line are refreshed when one leaves it from the middle (a cancel). */
export const FRONT_OF_LINE = 10;

export interface FeedContext {
  now: number;
  /** Place among the deploys waiting for the env, 1 = next; only for queued deploys. */
  position?: number;
  /** The deploy running on the env ahead of this one, if any. */
  runningAhead?: number;
  /** The deploy waiting right ahead of this one in the env's line (for position 2 and on). */
  waitingAhead?: number;
  recentDurationsMs?: readonly number[];
  commitUrl?: string;
  /** The deploy's log page (when FERRY_PUBLIC_URL is set); must be the same for every render of a deploy. */
  logUrl?: string;
}

export interface SlackMessage {
  text: string;
  blocks: Record<string, unknown>[];
}

const ICON: Record<Deploy['status'], string> = {
  queued: ':hourglass_flowing_sand:',
  running: ':rocket:',
  succeeded: ':white_check_mark:',
  failed: ':x:',
  cancelled: ':no_entry_sign:',
};

/** The deploy's one feed message, as it should read right now. Pure: same deploy, same message. */
export function renderDeployMessage(d: Deploy, ctx: FeedContext): SlackMessage {
  const title = `Deploy #${d.id} · ${d.app} to ${d.env}`;
  const state = describeState(d, ctx);
  const sha = ctx.commitUrl ? `<${ctx.commitUrl}|${shortSha(d.sha)}>` : `\`${shortSha(d.sha)}\``;
  const promoted = promotedFrom(d);
  const facts = [`${refText(d)} at ${sha}`, promoted ? `promoted by Ferry` : d.auto ? pushedBy(d) : `requested by ${mention(d.user)}`];
  if (d.previousSha && d.previousSha !== d.sha) facts.push(`replacing \`${shortSha(d.previousSha)}\``);
  if (d.attempt > 1) facts.push(`attempt ${d.attempt}`);
  if (d.override && d.overrideChecks)
    facts.push(
      `:warning: checks overridden by ${mention(d.override.by)}: ${escapeMrkdwn(d.override.reason)} (${escapeMrkdwn(d.overrideChecks)})`,
    );
  else if (d.override) facts.push(`:warning: outside its window, by ${mention(d.override.by)}: ${escapeMrkdwn(d.override.reason)}`);
  if (ctx.logUrl) facts.push(slackLink(ctx.logUrl, 'full log'));
  return {
    text: `${ICON[d.status]} ${title}${d.rollbackOf ? ` (rollback to ${shortSha(d.sha)})` : ''}: ${state.plain}`,
    blocks: [
      {
        type: 'section',
        text: {
          type: 'mrkdwn',
          text: `${ICON[d.status]} *${escapeMrkdwn(title)}*\n${d.rollbackOf ? `:rewind: ${rollbackLabel(d)}\n` : ''}${autoLine(d)}${ciFeedLine(d)}${state.mrkdwn}`,
        },
      },
      { type: 'context', elements: [{ type: 'mrkdwn', text: facts.join(' · ') }] },
      ...cancelBlock(d),
    ],
  };
}

/**
 * What is deployed: the ref, or for a release's ship "release #12 of `main`": the release and the
 * ref (or tag) its source env ran (ships recorded before this named only the release, `release-12`).
 */
function refText(d: Deploy): string {
  const ref = `\`${escapeMrkdwn(d.ref)}\``;
  if (!d.release) return ref;
  return d.ref === `release-${d.release.id}` ? `release #${d.release.id}` : `release #${d.release.id} of ${ref}`;
}

/** An automatic deploy's origin: the push (and, when newer pushes replaced queued ones, what it carries). */
function autoLine(d: Deploy): string {
  if (!d.auto) return '';
  const promoted = promotedFrom(d);
  if (promoted) return `:arrow_right: promoted from ${escapeMrkdwn(promoted.env)} deploy #${promoted.id} (promote: auto)\n`;
  const carries = carriesText(d);
  return `:arrow_up: from a push to \`${escapeMrkdwn(d.ref)}\` (auto deploy)${carries ? `, ${carries}` : ''}\n`;
}

/** A Cancel button while the deploy is queued, or running and nobody has asked to cancel it yet. */
function cancelBlock(d: Deploy): Record<string, unknown>[] {
  if (d.status !== 'queued' && !(d.status === 'running' && !d.cancelRequestedBy)) return [];
  return [
    {
      type: 'actions',
      block_id: `deploy-${d.id}-actions`,
      elements: [
        {
          type: 'button',
          action_id: CANCEL_ACTION,
          text: { type: 'plain_text', text: 'Cancel' },
          style: 'danger',
          value: String(d.id),
          confirm: {
            title: { type: 'plain_text', text: `Cancel deploy #${d.id}?` },
            text: { type: 'plain_text', text: cancelConfirmText(d) },
            confirm: { type: 'plain_text', text: 'Cancel deploy' },
            deny: { type: 'plain_text', text: 'Keep it' },
            style: 'danger',
          },
        },
      ],
    },
  ];
}

function describeState(d: Deploy, ctx: FeedContext): { plain: string; mrkdwn: string } {
  switch (d.status) {
    case 'queued': {
      if (d.waitingFor) return { plain: 'queued, waiting', mrkdwn: `queued, waiting: ${d.waitingFor}` };
      // What it says stays true while the line moves (so a start costs one update, of the new
      // first in line, not one per deploy waiting): who it waits behind, not its number in line.
      if (ctx.position === undefined) return same('queued');
      if (ctx.position === 1)
        return same(
          ctx.runningAhead !== undefined ? `queued, next in line, behind #${ctx.runningAhead} (running)` : 'queued, starting next',
        );
      return same(ctx.waitingAhead !== undefined ? `queued behind #${ctx.waitingAhead}` : 'queued');
    }
    case 'running': {
      const started = d.startedAt ?? ctx.now;
      const est = estimateRemaining(ctx.recentDurationsMs ?? [], ctx.now - started);
      let eta = '';
      if (est) {
        eta =
          est.leftMs > 0
            ? ` · usually takes ${formatDuration(est.typicalMs)}, done around ${slackTime(started + est.typicalMs, '{time}')}`
            : ` · taking longer than the usual ${formatDuration(est.typicalMs)}`;
      }
      const plain = `running since ${new Date(started).toISOString().slice(11, 19)} UTC`;
      if (d.cancelRequestedBy)
        return {
          plain: `${plain}, stopping (cancelled)`,
          mrkdwn: `running since ${slackTime(started, '{time}')} · *stopping*: cancelled by ${mention(d.cancelRequestedBy)}`,
        };
      if (d.waitingFor) return { plain: `${plain}, waiting`, mrkdwn: `running since ${slackTime(started, '{time}')} · ${d.waitingFor}` };
      // The worker's host:pid means nothing to a reader here; the log page and Ferry's logs name it.
      return { plain, mrkdwn: `running since ${slackTime(started, '{time}')}${eta}` };
    }
    case 'succeeded':
      return same(`succeeded in ${formatDuration(elapsed(d))}`);
    case 'failed': {
      const how = d.exitCode !== undefined ? ` (exit ${d.exitCode})` : '';
      const after = d.startedAt ? ` after ${formatDuration(elapsed(d))}` : '';
      return { plain: `failed${after}${how}`, mrkdwn: failedSentence(d, after) };
    }
    case 'cancelled':
      // Ferry's own reasons read "cancelled by <@U> after 12s"; others follow "cancelled: ".
      if (d.error?.startsWith('cancelled ')) return same(d.error);
      return same(`cancelled${d.error ? `: ${d.error}` : ''}`);
  }
}

/**
 * One sentence that pings the requester: "@ana your deploy *failed* after 42s: the deploy command
 * exited with 3." The exit code is given once: not again when the error already says it.
 */
function failedSentence(d: Deploy, after: string): string {
  const code = d.exitCode !== undefined && !d.error?.includes(`exited with ${d.exitCode}`) ? ` (exit ${d.exitCode})` : '';
  const why = d.error ? `${code}: ${d.error}` : d.exitCode !== undefined ? ` with exit code ${d.exitCode}` : '';
  const sentence = `*failed*${after}${why}`;
  const end = /[.!?]$/.test(sentence) ? '' : '.';
  const to = /^[A-Z0-9]+$/.test(d.user) ? `${mention(d.user)} your deploy ` : '';
  return `${to}${sentence}${end}`;
}

const same = (s: string) => ({ plain: s, mrkdwn: s });
const elapsed = (d: Deploy): number => (d.finishedAt ?? 0) - (d.startedAt ?? d.createdAt);
