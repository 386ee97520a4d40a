import http, { type IncomingMessage, type RequestListener, type ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { ackIfUnanswered, answerWithoutBolt } from '../slack/receiver-guards';
import { FORM_TYPE, screenHttp } from '../slack/request-shape';
import type { MetricsEndpoint } from '../metrics/endpoint';
import type { Inflight } from './inflight';
import type { LogPage } from './log-page';
import type { StatsPage } from './stats-page';
import type { GuardVerdict } from './slack-guard';

const MAX_BODY = 1024 * 1024;
/** GitHub sends webhook payloads of up to 25 MB (a big push), and does not retry a refused one. */
const MAX_WEBHOOK_BODY = 25 * 1024 * 1024;

export interface HttpDeps {
  /** Bolt's HTTP receiver (absent in Socket Mode). */
  slack?: { listener: RequestListener; guard: (req: IncomingMessage, body: Buffer) => Promise<GuardVerdict> };
  /** Slack requests waiting for their ack (after-ack work gives way to them). */
  inflight?: Inflight;
  /** The deploy log page (GET /deploys/<id>), when FERRY_PUBLIC_URL is set. */
  logPage?: LogPage;
  /** The stats page (GET /stats/<app>), when FERRY_PUBLIC_URL is set and Ferry has a delivery figures source. */
  statsPage?: StatsPage;
  /** POST /github/webhook (when GITHUB_WEBHOOK_SECRET is set): GitHub's deliveries, with their raw body for the signature. */
  githubWebhook?: BodyHandler;
  /** POST /alerts/<app>/<env> (when FERRY_ALERT_TOKEN is set): alerts that freeze and unfreeze an env. */
  alerts?: BodyHandler;
  /** GET /metrics (Prometheus' text format). */
  metrics?: MetricsEndpoint;
  /** Told how long each Slack request to /slack/events took from received to answered, in seconds (ferry_ack_seconds). */
  ackTime?: (seconds: number) => void;
  /** True when Redis answers. */
  healthy: () => Promise<boolean>;
  log: Logger;
}

/** A route that needs the whole (bounded) body; `path` is the request's path without its query. */
export interface BodyHandler {
  handle(req: IncomingMessage, res: ServerResponse, body: Buffer, path: string): Promise<void>;
}

/**
 * Ferry's own HTTP server: POST /slack/events (to Bolt, after the signature and replay checks),
 * GET /healthz, and the deploy log page (GET /deploys/<id>?t=<token>, its event stream and assets).
 * Ferry owns the server so the same routes exist in HTTP and Socket Mode.
 */
export function createHttpServer(d: HttpDeps): http.Server {
  return http.createServer((req, res) => {
    route(req, res, d).catch((err: Error) => {
      if (err instanceof UnreadableBody) {
        d.log.debug({ err: err.message }, 'a request body could not be read');
        if (!res.headersSent)
          send(res, 400, 'The request body could not be read (the connection broke off, or its framing is wrong); send it again.');
        return;
      }
      // The path only: a log page's query holds its token.
      d.log.error({ err: err.message, path: (req.url ?? '').split('?')[0] }, 'HTTP handler failed');
      if (!res.headersSent) send(res, 500, 'Internal error');
    });
  });
}

async function route(req: IncomingMessage, res: ServerResponse, d: HttpDeps): Promise<void> {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  const search = q < 0 ? '' : url.slice(q + 1);
  if (path === '/healthz' && (req.method === 'GET' || req.method === 'HEAD')) {
    const ok = await d.healthy();
    res.writeHead(ok ? 200 : 503, { 'content-type': 'application/json' });
    res.end(JSON.stringify(ok ? { ok: true } : { ok: false, error: 'Redis is not answering' }));
    return;
  }
  if (path === '/metrics' && d.metrics) return d.metrics.handle(req, res);
  if (path === '/slack/events') {
    if (!d.slack)
      return send(res, 404, 'Ferry runs in Socket Mode (SLACK_APP_TOKEN is set); Slack events arrive over the socket, not here.');
    if (req.method !== 'POST') return send(res, 405, 'Slack sends POST requests here.');
    const received = process.hrtime.bigint();
    d.inflight?.track(res);
    const body = await readBody(req);
    if (!body) return send(res, 413, 'Request body too large.');
    const verdict = await d.slack.guard(req, body);
    if (!verdict.ok) return send(res, verdict.status, verdict.message);
    // Slack's requests only (signed): from received to the ack's last byte handed to the socket.
    const ackTime = d.ackTime;
    if (ackTime) res.once('finish', () => ackTime(Number(process.hrtime.bigint() - received) / 1e9));
    // Bolt gets only a request one of Ferry's listeners takes, in a shape they can read (request-shape.ts).
    const shape = screenHttp(req.headers['content-type'], body);
    if (shape.kind !== 'bolt') return answerWithoutBolt(res, shape, d.log);
    req.headers['content-type'] = FORM_TYPE; // Bolt reads a form only under exactly this Content-Type.
    (req as IncomingMessage & { rawBody?: Buffer }).rawBody = body;
    d.slack.listener(req, res);
    ackIfUnanswered(res, d.log);
    return;
  }
  if (path === '/github/webhook' || path.startsWith('/alerts/')) {
    const h = path === '/github/webhook' ? d.githubWebhook : d.alerts;
    const off =
      path === '/github/webhook'
        ? "GitHub webhooks are off on this Ferry: set GITHUB_WEBHOOK_SECRET (the webhook's secret) and restart it."
        : 'Alerts are off on this Ferry: set FERRY_ALERT_TOKEN and restart it.';
    if (!h) return send(res, 404, off);
    if (req.method !== 'POST') return send(res, 405, 'Send POST requests here.');
    const body = await readBody(req, path === '/github/webhook' ? MAX_WEBHOOK_BODY : MAX_BODY);
    if (!body) return send(res, 413, 'Request body too large.');
    return h.handle(req, res, body, path);
  }
  // Browsers ask for it with every page; Ferry has none, and a 404 would be logged in their console.
  if (path === '/favicon.ico') {
    res.writeHead(204, { 'cache-control': 'max-age=86400' });
    res.end();
    return;
  }
  if (d.statsPage && (await d.statsPage.handle(req, res, path, search))) return;
  if (!d.statsPage && path.startsWith('/stats/')) {
    return send(
      res,
      404,
      'The stats page is off on this Ferry: it needs FERRY_PUBLIC_URL (the address where Slack users reach Ferry) and the delivery figures, which this Ferry does not have yet.',
    );
  }
  if (d.logPage && (await d.logPage.handle(req, res, path, new URLSearchParams(search)))) return;
  if (!d.logPage && path.startsWith('/deploys/')) {
    return send(
      res,
      404,
      "The deploy log page is off on this Ferry: set FERRY_PUBLIC_URL to the address where Slack users reach Ferry's HTTP port (e.g. https://ferry.acme.com) and restart it.",
    );
  }
  send(
    res,
    404,
    "Not found. Ferry serves POST /slack/events, GET /healthz, GET /metrics and GET /deploys/<id>?t=<token> (a deploy's log page; get a link with /deploy log <id> in Slack).",
  );
}

function send(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' });
  res.end(`${text}\n`);
}

/** The client broke off its request, or sent a body the HTTP parser refused: that request's 400. */
class UnreadableBody extends Error {}

async function readBody(req: IncomingMessage, max = MAX_BODY): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size > max) return undefined;
      chunks.push(chunk as Buffer);
    }
  } catch (err) {
    throw new UnreadableBody((err as Error).message);
  }
  return Buffer.concat(chunks);
}
