import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { Deploy } from '../core/deploy';
import { type LogLinks, type LogTokenCheck, parseLogToken, verifyLogToken } from '../core/log-link';
import type { Redactor } from '../core/redact';
import type { DeployStore } from '../store/deploys';
import { LOG_TTL_MS, type LogStore } from '../store/logs';
import { deployFacts, linkProblem, renderErrorPage, renderLogPage } from './log-page-html';
import { LogStreams } from './log-stream';
import type { WebAssets } from './web-assets';

export interface LogPageDeps {
  links: LogLinks;
  /** Where the event stream reads a deploy's record, which its token is checked against. */
  deploys: Pick<DeployStore, 'get'>;
  logs: LogStore;
  /** Where people can look at a commit (GitHub apps), if anywhere. */
  commitUrl: (app: string, sha: string) => string | undefined;
  redact: Redactor;
  /** The requester's Slack name for a member ID (UserNames.nameOf); without it the page shows the ID. */
  nameOf?: (userId: string) => Promise<string | undefined>;
  assets: WebAssets;
  log: Logger;
  now?: () => number;
  pollMs?: number;
  keepaliveMs?: number;
  maxStreams?: number;
}

/** Headers of every log page response: the token is in the URL, so no referrer, no caching, no framing. */
export const PAGE_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'x-robots-tag': 'noindex, nofollow',
};

const ROUTE = /^\/deploys\/(\d{1,15})(\/events)?$/;
const ASSETS = new Set(['log-page.js', 'log-page.css']);

/**
 * The deploy log page: `GET /deploys/<id>?t=<token>` (the whole log as HTML, readable without
 * JavaScript), `GET /deploys/<id>/events?t=<token>&from=<n>` (server-sent events that stream it)
 * and its script and stylesheet under /assets/. A token is checked against the deploy's record
 * (it signs the instance's redis_prefix and the record's id and creation time), so the record is
 * read first. A token that is missing, altered, for another deploy or record or instance, or
 * expired gets a 403 page saying what to do; so does any token for a deploy that has no record,
 * since nothing can be checked without it. Whether a deploy exists is never told.
 */
export class LogPage {
  private readonly streams: LogStreams;
  private readonly now: () => number;

  constructor(private readonly d: LogPageDeps) {
    this.now = d.now ?? Date.now;
    this.streams = new LogStreams({
      logs: d.logs,
      redact: d.redact,
      log: d.log,
      now: this.now,
      pollMs: d.pollMs ?? 400,
      keepaliveMs: d.keepaliveMs ?? 15_000,
      maxStreams: d.maxStreams ?? 200,
    });
  }

  /** Serves `path` if it is one of the log page's routes; false if it is not. */
  async handle(req: IncomingMessage, res: ServerResponse, path: string, query: URLSearchParams): Promise<boolean> {
    if (path.startsWith('/assets/') && ASSETS.has(path.slice(8))) {
      this.d.assets.serve(res, path.slice(8));
      return true;
    }
    const m = ROUTE.exec(path);
    if (!m) return false;
    const id = Number(m[1]);
    const events = m[2] !== undefined;
    const allowed = events ? ['GET'] : ['GET', 'HEAD'];
    if (!allowed.includes(req.method ?? '')) {
      res.writeHead(405, { ...PAGE_HEADERS, allow: allowed.join(', '), 'content-type': 'text/plain; charset=utf-8' });
      res.end(`Use ${allowed.join(' or ')} here.\n`);
      return true;
    }
    const token = query.get('t');
    // Refused before Redis is read: no token, or something that is not one.
    if (!token) this.problem(req, res, id, { reason: 'missing' });
    else if (!parseLogToken(token)) this.problem(req, res, id, { reason: 'malformed' });
    else if (events) await this.events(req, res, id, token, query);
    else await this.page(req, res, id, token);
    return true;
  }

  /** Ends the open event streams (at shutdown). */
  close(): void {
    this.streams.closeAll();
  }

  get openStreams(): number {
    return this.streams.size;
  }

  /**
   * The token checked against the deploy's record. Without a record there is nothing to check it
   * against: any token is then "not valid", the same answer as a wrong one, so a link never tells
   * whether a deploy exists (the HMAC is computed either way).
   */
  private check(
    id: number,
    deploy: Deploy | undefined,
    token: string,
  ): { ok: true; expiresAt: number; deploy: Deploy } | Extract<LogTokenCheck, { ok: false }> {
    const check = verifyLogToken(this.d.links, { id, createdAt: deploy?.createdAt ?? 0 }, token, this.now());
    if (!deploy) return { ok: false, reason: 'bad-signature' };
    return check.ok ? { ...check, deploy } : check;
  }

  private async page(req: IncomingMessage, res: ServerResponse, id: number, token: string): Promise<void> {
    let read: Awaited<ReturnType<LogStore['sinceWithDeploy']>>;
    try {
      read = await this.d.logs.sinceWithDeploy(id, 1);
    } catch (err) {
      this.d.log.warn({ deployId: id, err: (err as Error).message }, 'log page could not read Redis');
      return sendHtml(
        req,
        res,
        503,
        renderErrorPage(
          'Ferry cannot reach its database',
          'Ferry could not read this deploy from Redis just now. Reload the page in a minute; if it keeps happening, tell whoever runs Ferry (its <code>/healthz</code> says whether Redis answers).',
        ),
      );
    }
    const { slice } = read;
    const check = this.check(id, read.deploy, token);
    if (!check.ok) return this.problem(req, res, id, check);
    const { deploy } = check;
    const commitUrl = this.d.commitUrl(deploy.app, deploy.sha);
    const userName = await this.d.nameOf?.(deploy.user).catch(() => undefined);
    const html = renderLogPage({
      facts: deployFacts(deploy, this.d.redact, userName),
      ...(commitUrl !== undefined && { commitUrl }),
      first: slice.first,
      lines: slice.lines.map(this.d.redact),
      eventsUrl: `${id}/events?t=${encodeURIComponent(token)}`,
      linkExpiresAt: check.expiresAt,
      now: this.now(),
      logTtlMs: LOG_TTL_MS,
    });
    sendHtml(req, res, 200, html);
  }

  private async events(req: IncomingMessage, res: ServerResponse, id: number, token: string, query: URLSearchParams): Promise<void> {
    let deploy: Deploy | undefined;
    try {
      deploy = await this.d.deploys.get(id);
    } catch (err) {
      this.d.log.warn({ deployId: id, err: (err as Error).message }, 'log stream could not read Redis');
      res.writeHead(503, { ...PAGE_HEADERS, 'content-type': 'text/plain; charset=utf-8', 'retry-after': '60' });
      res.end('Ferry could not read this deploy from Redis just now. Reload the page in a minute.\n');
      return;
    }
    const check = this.check(id, deploy, token);
    if (!check.ok) return this.problem(req, res, id, check);
    // A reconnecting EventSource sends the id of the last event it got: the number of its last line.
    const lastId = Number(req.headers['last-event-id']);
    const from = Number.isSafeInteger(lastId) && lastId >= 0 ? lastId + 1 : Math.max(1, Number(query.get('from')) || 1);
    if (!this.streams.start(res, PAGE_HEADERS, { id, createdAt: check.deploy.createdAt, from, expiresAt: check.expiresAt })) {
      res.writeHead(503, { ...PAGE_HEADERS, 'content-type': 'text/plain; charset=utf-8', 'retry-after': '60' });
      res.end('Too many log streams are open on this Ferry. Reload the page in a minute; it shows the whole log without streaming.\n');
    }
  }

  private problem(req: IncomingMessage, res: ServerResponse, id: number, p: Parameters<typeof linkProblem>[1]): void {
    const { status, title, messageHtml } = linkProblem(id, p);
    sendHtml(req, res, status, renderErrorPage(title, messageHtml));
  }
}

function sendHtml(req: IncomingMessage, res: ServerResponse, status: number, html: string): void {
  const body = Buffer.from(html, 'utf8');
  res.writeHead(status, { ...PAGE_HEADERS, 'content-type': 'text/html; charset=utf-8', 'content-length': String(body.length) });
  res.end(req.method === 'HEAD' ? undefined : body);
}
