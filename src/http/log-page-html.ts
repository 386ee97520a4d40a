import { escapeHtml, pageShell } from './page-shell';
import type { Deploy, DeployStatus } from '../core/deploy';
import { shortSha } from '../core/deploy';
import { formatDuration } from '../core/duration';
import type { Redactor } from '../core/redact';
import { mrkdwnToPlain } from '../core/slack-format';

/**
 * The deploy log page and its error pages, as HTML strings. Pure: everything shown comes in as
 * arguments, and every value from outside is escaped. No inline scripts or styles (the page's
 * Content-Security-Policy forbids them): behaviour comes from /assets/log-page.js, looks from
 * /assets/log-page.css, both linked relatively so a public URL with a path prefix works.
 */

/** What the page and its event stream say about a deploy: its record, redacted, failure reason as plain text. */
export interface DeployFacts {
  id: number;
  app: string;
  env: string;
  ref: string;
  sha: string;
  user: string;
  /** The requester's name in Slack, when it could be looked up (the page shows it instead of the member ID). */
  userName?: string;
  status: DeployStatus;
  attempt: number;
  createdAt: number;
  startedAt?: number;
  finishedAt?: number;
  exitCode?: number;
  error?: string;
  worker?: string;
  /** The release this deploy ships, if any (its ref is then Ferry's own `release-<id>`). */
  release?: number;
}

export function deployFacts(d: Deploy, redact: Redactor, userName?: string): DeployFacts {
  const f: DeployFacts = {
    id: d.id,
    app: d.app,
    env: d.env,
    ref: redact(d.ref),
    sha: d.sha,
    user: d.user,
    status: d.status,
    attempt: d.attempt,
    createdAt: d.createdAt,
  };
  if (d.startedAt !== undefined) f.startedAt = d.startedAt;
  if (d.finishedAt !== undefined) f.finishedAt = d.finishedAt;
  if (d.exitCode !== undefined) f.exitCode = d.exitCode;
  if (d.error) f.error = redact(mrkdwnToPlain(d.error));
  if (d.worker) f.worker = redact(d.worker);
  if (d.release) f.release = d.release.id;
  if (userName) f.userName = userName;
  return f;
}

export const isFinished = (s: DeployStatus): boolean => s === 'succeeded' || s === 'failed' || s === 'cancelled';

export interface LogPageView {
  facts: DeployFacts;
  commitUrl?: string;
  /** The log (already redacted): lines numbered from `first`. */
  first: number;
  lines: string[];
  /** The event stream's address relative to the page (it carries the token). */
  eventsUrl: string;
  /** When the link used to open the page stops working. */
  linkExpiresAt: number;
  now: number;
  /** Logs are kept for this long after their last line; an older deploy may have none left. */
  logTtlMs: number;
}

function time(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return '—';
  const iso = new Date(ms).toISOString();
  return `<time datetime="${iso}">${iso.replace('T', ' ').slice(0, 19)} UTC</time>`;
}

/** A finished deploy's run time, or how long a running one has been going. */
export function durationText(f: Pick<DeployFacts, 'status' | 'startedAt' | 'finishedAt'>, now: number): string {
  if (f.startedAt === undefined) return '—';
  if (f.finishedAt !== undefined) return formatDuration(f.finishedAt - f.startedAt);
  return f.status === 'running' ? `${formatDuration(now - f.startedAt)} so far` : '—';
}

/** One log line: its number comes from CSS (data-n), so copying the log copies only the text. */
export function lineHtml(n: number, text: string): string {
  return `<span class="l" id="L${n}" data-n="${n}">${escapeHtml(text)}\n</span>`;
}

function fact(label: string, valueHtml: string, id?: string, hidden = false): string {
  return `<div class="fact"${id ? ` id="row-${id}"` : ''}${hidden ? ' hidden' : ''}><dt>${label}</dt><dd${id ? ` id="f-${id}"` : ''}>${valueHtml}</dd></div>`;
}

function shell(title: string, body: string): string {
  return pageShell({ title, stylesheet: 'log-page.css', script: 'log-page.js', body });
}

export function renderLogPage(v: LogPageView): string {
  const f = v.facts;
  const sha = `<code title="${escapeHtml(f.sha)}">${escapeHtml(shortSha(f.sha))}</code>`;
  const commit = v.commitUrl ? `<a href="${escapeHtml(v.commitUrl)}" rel="noreferrer noopener">${sha}</a>` : sha;
  const finished = isFinished(f.status);
  const next = v.first + v.lines.length;
  const trimmed =
    v.first > 1
      ? `<p class="note" id="log-trimmed">Lines 1–${v.first - 1} are no longer kept: Ferry keeps the newest lines of each log (<code>log_lines</code> in its config).</p>`
      : '';
  const gone = v.lines.length === 0 && finished && f.finishedAt !== undefined && v.now - f.finishedAt > v.logTtlMs;
  const empty = gone
    ? `This log is no longer kept: Ferry deletes logs ${formatDuration(v.logTtlMs)} after their last line.`
    : finished
      ? 'The deploy printed nothing.'
      : 'Nothing printed yet.';
  const title = `Deploy #${f.id} · ${f.app} to ${f.env} · ${f.status}`;
  const body = `<main id="page" data-deploy="${f.id}" data-status="${f.status}" data-next="${next}" data-events="${escapeHtml(v.eventsUrl)}" data-now="${v.now}">
<header class="top">
  <h1>Deploy #${f.id} <span class="target">${escapeHtml(f.app)} to ${escapeHtml(f.env)}</span></h1>
  <span id="status" class="badge badge-${f.status}">${f.status}</span>
  <span id="live" class="live" hidden></span>
</header>
<dl class="facts">
${fact('App', escapeHtml(f.app))}
${fact('Environment', escapeHtml(f.env))}
${f.release === undefined ? fact('Ref', `<code>${escapeHtml(f.ref)}</code>`) : fact('Release', `release #${f.release} (ref <code>${escapeHtml(f.ref)}</code>)`)}
${fact('Commit', commit)}
${fact('Requested by', f.userName ? `<span title="${escapeHtml(f.user)}">${escapeHtml(f.userName)}</span>` : `<code>${escapeHtml(f.user)}</code>`)}
${fact('Queued', time(f.createdAt))}
${fact('Started', time(f.startedAt), 'started')}
${fact('Finished', time(f.finishedAt), 'finished')}
${fact('Duration', durationText(f, v.now), 'duration')}
${fact('Attempt', String(f.attempt), 'attempt', f.attempt <= 1)}
${fact('Ran on', escapeHtml(f.worker ?? ''), 'worker', !f.worker)}
${fact('Exit code', f.exitCode === undefined ? '' : String(f.exitCode), 'exit', f.exitCode === undefined)}
${fact('Failure', escapeHtml(f.error ?? ''), 'error', !f.error)}
</dl>
<section class="log-box" aria-label="Log">
${trimmed}<p class="note" id="log-empty"${v.lines.length ? ' hidden' : ''}>${empty}</p>
<pre id="log" class="log">${v.lines.map((l, i) => lineHtml(v.first + i, l)).join('')}</pre>
</section>
<footer class="foot">
  <p>This link works until ${time(v.linkExpiresAt)}. Anyone who has it can read this log; <code>/deploy log ${f.id}</code> in Slack gives a fresh one.</p>
</footer>
</main>`;
  return shell(`${title} — Ferry`, body);
}

/** A page that says what was wrong and what to do; `messageHtml` is built from escaped parts. */
export function renderErrorPage(title: string, messageHtml: string): string {
  return shell(
    `${title} — Ferry`,
    `<main id="page" class="error-page">
<h1>${escapeHtml(title)}</h1>
<p>${messageHtml}</p>
</main>`,
  );
}

/**
 * Why a link did not open the page, in words for the person holding it. Always a 403: a token is
 * checked against the deploy's record, so a deploy with no record (wiped, or never on this Ferry)
 * gets "not valid" like any wrong link, and no answer says whether a deploy exists.
 */
export function linkProblem(
  id: number,
  problem: { reason: 'missing' | 'malformed' | 'bad-signature' | 'expired'; expiresAt?: number },
): { status: number; title: string; messageHtml: string } {
  const ask = `type <code>/deploy log ${id}</code> in Slack`;
  switch (problem.reason) {
    case 'expired':
      return {
        status: 403,
        title: 'This link has expired',
        messageHtml: `This link to the log of deploy #${id} has expired (it was valid until ${time(problem.expiresAt)}). Ask Ferry for a fresh one: ${ask}.`,
      };
    case 'missing':
      return {
        status: 403,
        title: 'This link is incomplete',
        messageHtml: `A deploy log link ends in a key (<code>?t=…</code>) and this one has none; it may have been cut off when it was copied. Use the link in deploy #${id}'s feed message, or ${ask}.`,
      };
    default:
      return {
        status: 403,
        title: 'This link is not valid',
        messageHtml: `This link is not valid for deploy #${id} — it may have been changed or cut off when it was copied. Use the link in the deploy's feed message, or ${ask}.`,
      };
  }
}
