/**
 * `/deploys`: the status board of an app's envs, an env's deploy history and the audit log, as
 * Slack Block Kit within Slack's limits (at most 50 blocks, 3,000 characters per section). Pure.
 */
import type { AuditEntry } from '../store/audit';
import type { Deploy } from './deploy';
import { shortSha } from './deploy';
import { formatDuration, formatRelative } from './duration';
import { isUserId } from './permissions';
import { clipText, escapeMrkdwn, mention, mrkdwnToPlain, slackLink, slackTime, typed } from './slack-format';

/** A freeze standing on an env, as the board shows it (the freeze feature's FreezeState fits). */
export interface BoardFreeze {
  /** A Slack user ID for a freeze set by a person; otherwise the name of what froze it. */
  by: string;
  reason: string;
  /** No end: until someone lifts it. */
  until?: number;
  /** 'manual' for a person's freeze; 'schedule', 'alert', 'release', ... otherwise. */
  source: string;
}

/** The env's deploy window right now. */
export interface BoardWindow {
  open: boolean;
  /** As written in the config, e.g. "Mon-Thu 09:30-17:00". */
  text: string;
  /** When it closes (open) or opens (closed) next. */
  changesAt?: number;
}

export interface BoardEnv {
  env: string;
  /** What runs on the env: the last deploy that succeeded there. */
  running?: { deployId: number; sha: string; ref: string; user: string; at: number; commitUrl?: string };
  lock?: { holder: string; reason: string; until: number; reserved?: boolean };
  queue: {
    /** Deploys in line (waiting, prioritized, and held by a freeze or window). */
    waiting: number;
    /** Of those, held by a freeze or a closed window. */
    held?: number;
    /** The deploy running now, if any. */
    runningId?: number;
    /**
     * Taken by a worker but not running yet: it waits for the env lease its exclusive group
     * shares (shown instead of runningId).
     */
    startingId?: number;
  };
  /** Shown only when given (the freeze feature supplies it). */
  freeze?: BoardFreeze;
  /** Shown only when given (the deploy window feature supplies it). */
  window?: BoardWindow;
}

export interface BoardApp {
  app: string;
  envs: BoardEnv[];
}

/** One app is shown in detail (a section per env); several are shown compactly (a section per app). */
export interface BoardInput {
  now: number;
  apps: BoardApp[];
}

export interface Rendered {
  text: string;
  blocks: Record<string, unknown>[];
}

/** Slack's limits, with room to spare. */
export const MAX_BLOCKS = 50;
export const SECTION_MAX = 2_900;

const section = (text: string) => ({ type: 'section', text: { type: 'mrkdwn', text } });
const context = (text: string) => ({ type: 'context', elements: [{ type: 'mrkdwn', text }] });
const code = (name: string) => `\`${escapeMrkdwn(name)}\``;
const ago = (at: number, now: number): string => `${formatDuration(Math.max(0, now - at))} ago`;
/** "2h ago (<date token>)". */
const when = (at: number, now: number): string => `${ago(at, now)} (${slackTime(at)})`;
/** A time: just the clock within a day, else with the date. */
const timeOf = (at: number, now: number): string =>
  slackTime(at, Math.abs(at - now) < 20 * 3_600_000 ? '{time}' : '{date_short_pretty} {time}');
const shaText = (sha: string, url?: string): string => (url ? slackLink(url, shortSha(sha)) : `\`${shortSha(sha)}\``);

export function renderBoard(input: BoardInput): Rendered {
  const { now, apps } = input;
  if (apps.length === 1) {
    const a = apps[0]!;
    const chunks = a.envs.map((e) => envDetail(e, now));
    const foot = context(
      `${code(`/deploys ${a.app} <env>`)} an env's last deploys · ${code(`/deploys audit ${a.app} <env>`)} who did what · ${code(`/deploy ${a.app} <env> <ref>`)} deploy`,
    );
    const body = pack(chunks.length ? chunks : ['No environments.'], '\n\n', MAX_BLOCKS - 2, 'environments');
    return {
      text: `Deploys of ${a.app}: ${a.envs.map((e) => `${e.env} ${e.running ? `runs ${shortSha(e.running.sha)}` : 'has nothing deployed yet'}`).join(', ')}`,
      blocks: [{ type: 'header', text: { type: 'plain_text', text: clipText(`Deploys · ${a.app}`, 150) } }, ...body.map(section), foot],
    };
  }
  // Several apps: a compact section each (an app too long for one is split by lines).
  const chunks = apps.flatMap((a) => splitLines([`*${escapeMrkdwn(a.app)}*`, ...a.envs.map((e) => envLine(e, now))]));
  const body = pack(chunks, '\n\n', MAX_BLOCKS - 2, 'parts of the board');
  return {
    text: `Deploys of ${apps.map((a) => a.app).join(', ')}`,
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: 'Deploys' } },
      ...body.map(section),
      context(
        `${code('/deploys <app>')} one app in detail · ${code('/deploys <app> <env>')} an env's last deploys · ${code('/deploys audit')} who did what`,
      ),
    ],
  };
}

/** One env in detail: what runs, the lock, the queue, and the freeze and window when known. */
function envDetail(e: BoardEnv, now: number): string {
  const lines = [`*${escapeMrkdwn(e.env)}*`];
  lines.push(`:package: ${runningText(e, now)}`);
  lines.push(lockText(e, now, false));
  lines.push(`:inbox_tray: queue: ${queueText(e)}`);
  if (e.freeze) lines.push(freezeText(e.freeze, now));
  if (e.window) lines.push(windowText(e.window, now));
  return lines.join('\n');
}

/** One env on one line, for the several-apps board. */
function envLine(e: BoardEnv, now: number): string {
  const r = e.running;
  const parts = [r ? `${shaText(r.sha, r.commitUrl)} ${typed(r.ref, 40)} by ${mention(r.user)} ${ago(r.at, now)}` : 'nothing deployed yet'];
  parts.push(lockText(e, now, true));
  const q = queueText(e);
  parts.push(q === 'empty' ? 'queue empty' : q);
  if (e.freeze) parts.push(freezeText(e.freeze, now));
  if (e.window) parts.push(windowText(e.window, now));
  return `• *${escapeMrkdwn(e.env)}*: ${parts.join(' · ')}`;
}

function runningText(e: BoardEnv, now: number): string {
  const r = e.running;
  if (!r) return 'nothing deployed by Ferry yet';
  return `runs ${shaText(r.sha, r.commitUrl)} ${typed(r.ref, 60)} (deploy #${r.deployId}) by ${mention(r.user)}, ${when(r.at, now)}`;
}

function lockText(e: BoardEnv, now: number, compact: boolean): string {
  const l = e.lock;
  if (!l) return compact ? 'free' : ':white_circle: lock: free';
  if (l.reserved) return `:hourglass: held for ${mention(l.holder)}, next on the wait-list, until ${timeOf(l.until, now)}`;
  const reason = l.reason ? ` (${escapeMrkdwn(compact ? clipText(l.reason, 60) : l.reason)})` : '';
  return `:lock: locked by ${mention(l.holder)}${reason} until ${timeOf(l.until, now)}${compact ? '' : ` (in ${formatRelative(l.until - now)})`}`;
}

function queueText(e: BoardEnv): string {
  const { waiting, held, runningId, startingId } = e.queue;
  const parts: string[] = [];
  if (runningId !== undefined) parts.push(`#${runningId} running`);
  if (startingId !== undefined) parts.push(`#${startingId} next, waiting for another app of its exclusive group`);
  if (waiting > 0) parts.push(`${waiting} waiting${held ? ` (${held} held by a freeze or window)` : ''}`);
  return parts.length ? parts.join(', ') : 'empty';
}

/** "frozen by @ana (QA on the release) until 17:00" */
export function freezeText(f: BoardFreeze, now: number): string {
  const who =
    f.source === 'manual' || isUserId(f.by)
      ? mention(f.by)
      : f.by === f.source
        ? `the ${escapeMrkdwn(f.source)}`
        : `the ${escapeMrkdwn(f.source)} *${escapeMrkdwn(f.by)}*`;
  const reason = f.reason ? ` (${escapeMrkdwn(f.reason)})` : '';
  const end = f.until === undefined ? ', until someone lifts it' : ` until ${timeOf(f.until, now)}`;
  return `:snowflake: frozen by ${who}${reason}${end}`;
}

/** "window Mon-Thu 09:30-17:00: open until 17:00" or "...: closed, opens Mon 09:30" */
export function windowText(w: BoardWindow, now: number): string {
  const head = `:clock3: window ${escapeMrkdwn(w.text)}`;
  if (w.open) return `${head}: open${w.changesAt !== undefined ? ` until ${timeOf(w.changesAt, now)}` : ''}`;
  return `${head}: closed${w.changesAt !== undefined ? `, opens ${timeOf(w.changesAt, now)}` : ''}`;
}

// ---- an env's history ---------------------------------------------------------------------------

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

// ---- the audit log ------------------------------------------------------------------------------

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

// ---- fitting into Slack's limits ----------------------------------------------------------------

/** Joins lines into chunks of at most SECTION_MAX characters, never splitting a line (long ones are clipped). */
function splitLines(lines: readonly string[]): string[] {
  return greedy(
    lines.map((l) => clipText(l, SECTION_MAX)),
    '\n',
    Infinity,
    SECTION_MAX,
  ).out;
}

/**
 * Packs chunks into at most `room` section texts of at most SECTION_MAX characters each: one
 * chunk per section while they fit in `room` (`oneEach`), else as many per section as fit. What still doesn't
 * fit is left off, and the last section says how many `what` were.
 */
function pack(chunks: readonly string[], sep: string, room: number, what: string, oneEach = true): string[] {
  const clipped = chunks.map((c) => clipText(c, SECTION_MAX));
  if (oneEach && clipped.length <= room) return clipped;
  const all = greedy(clipped, sep, room, SECTION_MAX);
  if (all.shown === clipped.length) return all.out;
  // Keep room in the last section for the note.
  const cut = greedy(clipped, sep, room, SECTION_MAX - 120);
  const note = `_…and ${clipped.length - cut.shown} more ${what} that don't fit in one Slack message._`;
  if (cut.out.length < room) return [...cut.out, note];
  const last = cut.out.length - 1;
  cut.out[last] += sep + note;
  return cut.out;
}

/** Greedy packing into at most `maxOut` texts; the last may hold at most `lastLimit` characters. */
function greedy(chunks: readonly string[], sep: string, maxOut: number, lastLimit: number): { out: string[]; shown: number } {
  const out: string[] = [];
  let shown = 0;
  const limitAt = (i: number) => (i === maxOut - 1 ? lastLimit : SECTION_MAX);
  for (const c of chunks) {
    const i = out.length - 1;
    if (i >= 0 && out[i]!.length + sep.length + c.length <= limitAt(i)) out[i] += sep + c;
    else if (out.length < maxOut && c.length <= limitAt(out.length)) out.push(c);
    else break;
    shown++;
  }
  return { out, shown };
}
