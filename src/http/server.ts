import http, { type IncomingMessage, type RequestListener, type ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { Inflight } from './inflight';
import type { GuardVerdict } from './slack-guard';

const MAX_BODY = 1024 * 1024;

export interface HttpDeps {
  /** Bolt's HTTP receiver (absent in Socket Mode). */
  slack?: { listener: RequestListener; guard: (req: IncomingMessage, body: Buffer) => Promise<GuardVerdict> };
  /** Slack requests waiting for their ack (after-ack work gives way to them). */
  inflight?: Inflight;
  /** True when Redis answers. */
  healthy: () => Promise<boolean>;
  log: Logger;
}

/**
 * Ferry's own HTTP server: POST /slack/events (to Bolt, after the signature and replay checks),
 * GET /healthz. Ferry owns the server so the same routes exist in HTTP and Socket Mode.
 */
export function createHttpServer(d: HttpDeps): http.Server {
  return http.createServer((req, res) => {
    route(req, res, d).catch((err: Error) => {
      d.log.error({ err: err.message, url: req.url }, 'HTTP handler failed');
      if (!res.headersSent) send(res, 500, 'Internal error');
    });
  });
}

async function route(req: IncomingMessage, res: ServerResponse, d: HttpDeps): Promise<void> {
  const path = (req.url ?? '/').split('?')[0];
  if (path === '/healthz' && (req.method === 'GET' || req.method === 'HEAD')) {
    const ok = await d.healthy();
    res.writeHead(ok ? 200 : 503, { 'content-type': 'application/json' });
    res.end(JSON.stringify(ok ? { ok: true } : { ok: false, error: 'Redis is not answering' }));
    return;
  }
  if (path === '/slack/events') {
    if (!d.slack) return send(res, 404, 'Ferry runs in Socket Mode (SLACK_APP_TOKEN is set); Slack events arrive over the socket, not here.');
    if (req.method !== 'POST') return send(res, 405, 'Slack sends POST requests here.');
    d.inflight?.track(res);
    const body = await readBody(req);
    if (!body) return send(res, 413, 'Request body too large.');
    const verdict = await d.slack.guard(req, body);
    if (!verdict.ok) return send(res, verdict.status, verdict.message);
    (req as IncomingMessage & { rawBody?: Buffer }).rawBody = body;
    d.slack.listener(req, res);
    return;
  }
  send(res, 404, 'Not found. Ferry serves POST /slack/events and GET /healthz.');
}

function send(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' });
  res.end(`${text}\n`);
}

async function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}
