import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { verifyStatsToken } from '../core/delivery/stats-link';
import type { DeliveryFiguresSource, EnvFigures, PeriodDays } from '../core/delivery/types';
import { type LogLinks, parseLogToken } from '../core/log-link';
import { PAGE_HEADERS } from './log-page';
import { renderStatsError, renderStatsPage } from './stats-page-html';
import type { WebAssets } from './web-assets';

export interface StatsPageDeps {
  links: LogLinks;
  delivery: DeliveryFiguresSource;
  /** The apps of the config: a link to an app no longer in it gets a 404 saying so. */
  apps: readonly string[];
  /** A deploy's log page link (its record read for the signature), or undefined when it has none. */
  logUrl: (deployId: number) => Promise<string | undefined>;
  commitUrl: (app: string, sha: string) => string | undefined;
  assets: WebAssets;
  log: Logger;
  now?: () => number;
}

/** App names (the config's NAME rule), so anything else is refused before any work. */
const ROUTE = /^\/stats\/([a-z0-9][a-z0-9_-]{0,39})$/;
const MAX_QUERY = 1_024;
const DAYS: Record<string, PeriodDays> = { '7': 7, '30': 30, '90': 90 };

/**
 * The stats page: `GET /stats/<app>?days=7|30|90&t=<token>` (the app's delivery figures and charts,
 * no script) and its stylesheet. The token (src/core/delivery/stats-link.ts) is checked before any
 * figure is read; a missing, altered, other app's or expired one gets a 403 page saying to ask
 * `/deploys stats` for a fresh link. Anything else odd gets its own 4xx; never a 500.
 */
export class StatsPage {
  private readonly now: () => number;

  constructor(private readonly d: StatsPageDeps) {
    this.now = d.now ?? Date.now;
  }

  /** Serves `path` if it is the stats page's; false if it is not. */
  async handle(req: IncomingMessage, res: ServerResponse, path: string, search: string): Promise<boolean> {
    if (path === '/assets/stats-page.css') {
      this.d.assets.serve(res, 'stats-page.css');
      return true;
    }
    if (!path.startsWith('/stats/')) return false;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { ...STATS_HEADERS, allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' });
      res.end('Use GET or HEAD here.\n');
      return true;
    }
    const m = ROUTE.exec(path);
    if (!m) {
      this.problem(
        req,
        res,
        404,
        'No such page',
        'A stats page is <code>/stats/&lt;app&gt;?days=30&amp;t=…</code>; get a link with <code>/deploys stats</code> in Slack.',
      );
      return true;
    }
    const app = m[1]!;
    if (search.length > MAX_QUERY) {
      this.problem(
        req,
        res,
        414,
        'This link is too long',
        'A stats page link is short; this one has more after the <code>?</code> than any Ferry makes. Get a fresh one with <code>/deploys stats</code> in Slack.',
      );
      return true;
    }
    const query = new URLSearchParams(search);
    const daysText = query.get('days') ?? '30';
    const days = Object.hasOwn(DAYS, daysText) ? DAYS[daysText]! : undefined;
    if (days === undefined) {
      this.problem(
        req,
        res,
        400,
        'No such period',
        'The stats page shows the last 7, 30 or 90 days: put <code>days=7</code>, <code>days=30</code> or <code>days=90</code> in the link.',
      );
      return true;
    }
    await this.page(req, res, app, days, query.get('t'));
    return true;
  }

  private async page(req: IncomingMessage, res: ServerResponse, app: string, days: PeriodDays, token: string | null): Promise<void> {
    const ask = `type <code>/deploys stats ${app}</code> in Slack for a fresh one`;
    if (!token)
      return this.problem(
        req,
        res,
        403,
        'This link is incomplete',
        `A stats page link ends in a key (<code>t=…</code>) and this one has none; it may have been cut off when it was copied. ${cap(ask)}.`,
      );
    const check = parseLogToken(token)
      ? verifyStatsToken(this.d.links, app, token, this.now())
      : ({ ok: false, reason: 'malformed' } as const);
    if (!check.ok && check.reason === 'expired')
      return this.problem(
        req,
        res,
        403,
        'This link has expired',
        `This link to the figures of <code>${app}</code> has expired. Ask Ferry for a fresh one: ${ask}.`,
      );
    if (!check.ok)
      return this.problem(
        req,
        res,
        403,
        'This link is not valid',
        `This link is not valid for <code>${app}</code>; it may have been changed or cut off when it was copied. ${cap(ask)}.`,
      );
    if (!this.d.apps.includes(app))
      return this.problem(
        req,
        res,
        404,
        'No such app',
        `<code>${app}</code> is not in this Ferry's config any more, so it has no figures to show.`,
      );
    const now = this.now();
    let envs: EnvFigures[];
    try {
      envs = await Promise.all(this.d.delivery.envsOf(app).map((env) => this.d.delivery.figures(app, env, days, now)));
    } catch (err) {
      this.d.log.warn({ app, days, err: (err as Error).message }, 'stats page could not read the figures');
      return this.problem(
        req,
        res,
        503,
        'Ferry cannot read its figures just now',
        'Reload the page in a minute; if it keeps happening, tell whoever runs Ferry (its <code>/healthz</code> says whether Redis answers).',
      );
    }
    const ids = [...new Set(envs.flatMap((e) => e.failed.map((f) => f.deployId)))];
    const urls = await Promise.all(ids.map(async (id) => [id, await this.d.logUrl(id).catch(() => undefined)] as const));
    const logUrls = new Map(urls.filter((u): u is readonly [number, string] => u[1] !== undefined));
    const html = renderStatsPage({
      app,
      days,
      envs,
      token,
      logUrls,
      commitUrl: (sha) => this.d.commitUrl(app, sha),
      linkExpiresAt: check.expiresAt,
      now,
    });
    send(req, res, 200, html);
  }

  private problem(req: IncomingMessage, res: ServerResponse, status: number, title: string, messageHtml: string): void {
    send(req, res, status, renderStatsError(title, messageHtml));
  }
}

/** The log page's headers with a stricter policy: the stats page runs no script and fetches nothing. */
export const STATS_HEADERS: Readonly<Record<string, string>> = {
  ...PAGE_HEADERS,
  'content-security-policy': "default-src 'none'; style-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
};

const cap = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);

function send(req: IncomingMessage, res: ServerResponse, status: number, html: string): void {
  const body = Buffer.from(html, 'utf8');
  res.writeHead(status, { ...STATS_HEADERS, 'content-type': 'text/html; charset=utf-8', 'content-length': String(body.length) });
  res.end(req.method === 'HEAD' ? undefined : body);
}
