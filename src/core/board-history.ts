import type { Deploy } from './deploy';
import { formatDuration } from './duration';
import { code, MAX_BLOCKS, pack, type Rendered, section, context, shaText, when } from './board-blocks';
import { escapeMrkdwn, mention, mrkdwnToPlain, typed } from './slack-format';

/** `/deploys [app] <env>`: an env's deploy history, as Slack Block Kit. Pure. */

export interface HistoryInput {
  app: string;
  env: string;
  now: number;
  /** Newest first. */
  deploys: readonly Deploy[];
  commitUrl?: (sha: string) => string | undefined;
}

const ICON: Record<string, string> = {
  queued: ':hourglass_flowing_sand:',
  running: ':rocket:',
  succeeded: ':white_check_mark:',
  failed: ':x:',
  cancelled: ':no_entry_sign:',
};

/** `/deploys [app] <env>`: the env's last deploys, newest first. */
export function renderHistory(h: HistoryInput): Rendered {
  const target = `${code(h.app)} *${escapeMrkdwn(h.env)}*`;
  if (h.deploys.length === 0) {
    const text = `No deploys to ${target} yet. ${code(`/deploy ${h.app} ${h.env} <ref>`)} queues one.`;
    return { text: mrkdwnToPlain(text), blocks: [section(text)] };
  }
  const title = `*Last ${h.deploys.length === 1 ? 'deploy' : `${h.deploys.length} deploys`} to ${code(h.app)} ${escapeMrkdwn(h.env)}*, newest first`;
  const lines = h.deploys.map((d) => historyLine(d, h));
  const body = pack(lines, '\n', MAX_BLOCKS - 2, 'deploys', false);
  return {
    text: `Last ${h.deploys.length} deploys to ${h.app} ${h.env}`,
    blocks: [
      section(title),
      ...body.map(section),
      context(`${code(`/deploy log <id>`)} a deploy's log · ${code(`/deploys audit ${h.app} ${h.env}`)} who did what here`),
    ],
  };
}

function historyLine(d: Deploy, h: HistoryInput): string {
  const parts = [`*#${d.id}* ${ICON[d.status] ?? ''} ${outcome(d, h.now)}`];
  // A rollback names the deploy whose SHA it put back, or (a commit no deploy ran) the SHA.
  if (d.rollbackOf) parts.push(`:rewind: rollback${/^\d+$/.test(d.rollbackOf) ? ` to #${d.rollbackOf}'s commit` : ''}`);
  parts.push(`${typed(d.ref, 60)}@${shaText(d.sha, h.commitUrl?.(d.sha))}`);
  parts.push(mention(d.user));
  parts.push(when(d.createdAt, h.now));
  return parts.join(' · ');
}

function outcome(d: Deploy, now: number): string {
  const took = d.startedAt !== undefined && d.finishedAt !== undefined ? ` in ${formatDuration(d.finishedAt - d.startedAt)}` : '';
  switch (d.status) {
    case 'queued':
      return 'queued';
    case 'running':
      return `running for ${formatDuration(now - (d.startedAt ?? now))}${d.cancelRequestedBy ? `, stopping: cancelled by ${mention(d.cancelRequestedBy)}` : ''}`;
    case 'succeeded':
      return `succeeded${took}`;
    case 'failed': {
      const exit = d.exitCode !== undefined ? ` (exit ${d.exitCode})` : '';
      const after = d.startedAt !== undefined && d.finishedAt !== undefined ? ` after ${formatDuration(d.finishedAt - d.startedAt)}` : '';
      return `failed${after}${exit}${d.error ? `: ${briefError(d.error)}` : ''}`;
    }
    case 'cancelled': {
      const by = d.cancelRequestedBy ?? /^cancelled by <@([UW][A-Z0-9]+)>/.exec(d.error ?? '')?.[1];
      const after =
        d.startedAt !== undefined && d.finishedAt !== undefined
          ? ` after ${formatDuration(d.finishedAt - d.startedAt)}`
          : ' before it started';
      if (by) return `cancelled by ${mention(by)}${after}`;
      return `cancelled${after}${d.error ? `: ${briefError(d.error)}` : ''}`;
    }
    default:
      return escapeMrkdwn(String(d.status));
  }
}

/**
 * A deploy's failure reason, short: Ferry writes it as mrkdwn; it is shown as escaped plain text
 * (at most `max` characters) keeping only its mentions.
 */
export function briefError(error: string, max = 140): string {
  const parts = error.replace(/\s+/g, ' ').split(/<@([UW][A-Z0-9]+)(?:\|[^>]*)?>/);
  let out = '';
  let len = 0;
  for (let i = 0; i < parts.length; i++) {
    if (i % 2 === 1) {
      out += mention(parts[i]!);
      len += parts[i]!.length + 1;
      continue;
    }
    const plain = mrkdwnToPlain(parts[i]!);
    if (len + plain.length > max) return out + escapeMrkdwn(`${plain.slice(0, Math.max(0, max - len - 1))}…`);
    out += escapeMrkdwn(plain);
    len += plain.length;
  }
  return out;
}
