import type { AuditEntry } from './audit-entry';
import { code, MAX_BLOCKS, pack, type Rendered, section, when } from './board-blocks';
import { isUserId } from './permissions';
import { clipText, escapeMrkdwn, mention, mrkdwnToPlain } from './slack-format';

/** `/deploys audit ...`: the audit log, as Slack Block Kit. Pure. */

export interface AuditInput {
  /** mrkdwn: what the list is of, e.g. "`web` dev" or "<@U123>". */
  of: string;
  now: number;
  /** Newest first. */
  entries: readonly AuditEntry[];
}

const ACTION_ICON: Record<string, string> = {
  deploy: ':rocket:',
  rollback: ':rewind:',
  cancel: ':no_entry_sign:',
  lock: ':lock:',
  unlock: ':unlock:',
  freeze: ':snowflake:',
  unfreeze: ':sunny:',
  override: ':warning:',
  refused: ':no_entry:',
};

/** `/deploys audit ...`: the entries, newest first: when, who, action, target, detail. */
export function renderAudit(a: AuditInput): Rendered {
  if (a.entries.length === 0) {
    const text = `The audit log has nothing for ${a.of} yet.`;
    return { text: mrkdwnToPlain(text), blocks: [section(text)] };
  }
  const title = `*Audit log: ${a.of}*, last ${a.entries.length}, newest first`;
  const body = pack(
    a.entries.map((e) => auditLine(e, a.now)),
    '\n',
    MAX_BLOCKS - 1,
    'entries',
    false,
  );
  return { text: mrkdwnToPlain(`Audit log: ${a.of}`), blocks: [section(title), ...body.map(section)] };
}

function auditLine(e: AuditEntry, now: number): string {
  const who = e.user === 'ferry' ? 'Ferry' : isUserId(e.user) ? mention(e.user) : escapeMrkdwn(e.user);
  const parts = [when(e.at, now), who, `${ACTION_ICON[e.action] ? `${ACTION_ICON[e.action]} ` : ''}*${escapeMrkdwn(e.action)}*`];
  const target = [e.app ? code(e.app) : '', e.env ? escapeMrkdwn(e.env) : '', e.deployId !== undefined ? `#${e.deployId}` : '']
    .filter(Boolean)
    .join(' ');
  if (target) parts.push(target);
  if (e.detail) parts.push(escapeMrkdwn(clipText(e.detail.replace(/\s+/g, ' '), 300)));
  return parts.join(' · ');
}
