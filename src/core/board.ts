/**
 * `/deploys`: the status board of an app's envs, as Slack Block Kit within Slack's limits (at most
 * 50 blocks, 3,000 characters per section). Pure. An env's history is in board-history.ts, the
 * audit log in board-audit.ts.
 */
import { shortSha } from './deploy';
import { ago, code, context, MAX_BLOCKS, pack, type Rendered, section, shaText, splitLines, timeOf, when } from './board-blocks';
import { formatRelative } from './duration';
import { noWorkerText } from './pools';
import { isUserId } from './permissions';
import { clipText, escapeMrkdwn, mention, typed } from './slack-format';

export { renderAudit, type AuditInput } from './board-audit';
export { MAX_BLOCKS, type Rendered, SECTION_MAX } from './board-blocks';
export { briefError, renderHistory, type HistoryInput } from './board-history';

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
  /** The env's worker pool, when no worker of it is live: its deploys wait until one starts. */
  noWorker?: string;
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
  if (e.noWorker !== undefined) lines.push(`:warning: ${noWorkerLine(e)}`);
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
  if (e.noWorker !== undefined) parts.push(noWorkerLine(e));
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

/** "no worker of pool `prod` is running: 2 deploys waiting for a worker of pool `prod`" */
function noWorkerLine(e: BoardEnv): string {
  const pool = e.noWorker!;
  const waiting = e.queue.waiting;
  const what =
    waiting > 0 ? `${waiting} ${waiting === 1 ? 'deploy' : 'deploys'} ${noWorkerText(pool)}` : 'deploys here wait until one starts';
  return `no worker of pool \`${escapeMrkdwn(pool)}\` is running: ${what}`;
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
