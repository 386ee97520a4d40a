import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { WebAssets } from '../http/web-assets';
import { findAction } from './find-action';
import { eventFor, pageMessage, pageView } from './page-events';
import { pageHtml } from './page-html';
import { ToFerry } from './to-ferry';
import { viewStateValues } from './view-state';
import { WebApi } from './web-api';
import { FEED_CHANNEL, PEOPLE, SLACKBOT, type Workspace } from './workspace';

export interface StandInOptions {
  ws: Workspace;
  botToken: string;
  signingSecret: string;
  /** Ferry's request URL for slash commands and interactivity (…/slack/events). */
  eventsUrl: string;
  /** The slash commands the app's manifest declares, e.g. ["/deploy", "/lock"]. */
  commands: string[];
  log: Logger;
  assets?: WebAssets;
}

const MAX_BODY = 1024 * 1024;
const KEEPALIVE_MS = 15_000;

/**
 * The playground's Slack: the Web API at /api/<method>, response_url at /respond/<id>, and the
 * page people use at / (with its own small JSON API under /ui/ and live updates at /ui/events).
 * Listens on 127.0.0.1 only.
 */
export class StandIn {
  readonly api: WebApi;
  private readonly toFerry: ToFerry;
  private readonly server: http.Server;
  private readonly assets: WebAssets;
  private readonly streams = new Set<ServerResponse>();
  port = 0;

  constructor(private readonly o: StandInOptions) {
    this.api = new WebApi(o.ws, o.botToken, () => this.url);
    this.toFerry = new ToFerry({
      ws: o.ws,
      api: this.api,
      eventsUrl: o.eventsUrl,
      signingSecret: o.signingSecret,
      responseBase: () => `${this.base()}/respond/`,
    });
    this.assets = o.assets ?? new WebAssets();
    this.server = http.createServer((req, res) => {
      this.route(req, res).catch((err: Error) => {
        o.log.error({ err: err.message, url: req.url }, 'stand-in request failed');
        if (!res.headersSent) json(res, 500, { ok: false, error: 'internal_error' });
      });
    });
  }

  get url(): string {
    return `${this.base()}/`;
  }

  async listen(port: number): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, '127.0.0.1', resolve);
    });
    this.port = (this.server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    for (const s of this.streams) s.end();
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }

  private base(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const p = url.pathname;
    if (req.method === 'POST' && p.startsWith('/api/')) {
      const args = parseArgs(req.headers['content-type'] ?? '', await readBody(req));
      const r = this.api.call(p.slice('/api/'.length), args, req.headers.authorization);
      if (r.body.ok === false) this.o.log.warn({ method: p.slice(5), error: r.body.error }, 'Web API call refused');
      return json(res, r.status, r.body);
    }
    if (req.method === 'POST' && p.startsWith('/respond/')) {
      const r = this.api.respond(
        p.slice('/respond/'.length),
        parseArgs(req.headers['content-type'] ?? 'application/json', await readBody(req)),
      );
      return json(res, r.status, r.body);
    }
    // The page and its API are for a browser on this machine only (a DNS-rebinding page gets nothing).
    if (!/^(127\.0\.0\.1|localhost|\[::1\])(:\d+)?$/.test(req.headers.host ?? ''))
      return json(res, 421, { ok: false, error: 'Open the playground at http://127.0.0.1' });
    if (req.method === 'GET' && p === '/') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', 'content-security-policy': CSP });
      res.end(pageHtml());
      return;
    }
    // A Slack permalink (archives/<channel>/p<ts without its dot>) opens the page at that message.
    const link = req.method === 'GET' ? /^\/archives\/([A-Z0-9]+)\/p(\d+)(\d{6})$/.exec(p) : null;
    if (link) return void res.writeHead(302, { location: `/#${link[1]}/${link[2]}.${link[3]}` }).end();
    if (req.method === 'GET' && p === '/favicon.ico') return void res.writeHead(204).end();
    if (req.method === 'GET' && p.startsWith('/assets/')) return this.assets.serve(res, p.slice('/assets/'.length));
    if (req.method === 'GET' && p === '/ui/events') return this.events(url.searchParams.get('user') ?? '', res);
    if (req.method === 'POST' && p.startsWith('/ui/')) {
      // Only the page itself may act: JSON (which a cross-site form can't send without a
      // preflight this server never grants) from this origin.
      const site = req.headers['sec-fetch-site'];
      const origin = req.headers.origin;
      if (
        !String(req.headers['content-type'] ?? '').startsWith('application/json') ||
        (site && site !== 'same-origin') ||
        (origin && origin !== `http://${req.headers.host}`)
      ) {
        return json(res, 403, { ok: false, error: 'Only the playground page may do that.' });
      }
      return this.ui(p.slice(4), JSON.parse((await readBody(req)).toString('utf8') || '{}') as Record<string, unknown>, res);
    }
    json(res, 404, { ok: false, error: 'not_found' });
  }

  /** Live updates for one person's page: a snapshot, then every change they may see. */
  private events(asked: string, res: ServerResponse): void {
    const ws = this.o.ws;
    const userId = ws.people.has(asked) ? asked : PEOPLE[0]!.id;
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
    const send = (event: string, data: unknown) => res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    send('snapshot', {
      me: userId,
      people: PEOPLE,
      channels: [...ws.channels.values()].filter((c) => ws.canSee(userId, c)),
      feedChannel: FEED_CHANNEL.id,
      commands: this.o.commands,
      messages: ws.visibleTo(userId).map((m) => pageMessage(ws, m)),
      views: [...ws.views.values()].filter((v) => v.user === userId).map((v) => pageView(ws, v)),
    });
    const onChange = (c: Parameters<typeof eventFor>[2]) => {
      const e = eventFor(ws, userId, c);
      if (e) send(e.event, e.data);
    };
    ws.on('change', onChange);
    const keepalive = setInterval(() => res.write(': keepalive\n\n'), KEEPALIVE_MS);
    this.streams.add(res);
    res.on('close', () => {
      ws.off('change', onChange);
      clearInterval(keepalive);
      this.streams.delete(res);
    });
  }

  private async ui(what: string, body: Record<string, unknown>, res: ServerResponse): Promise<void> {
    const ws = this.o.ws;
    const user = ws.people.get(String(body.user));
    if (!user) return json(res, 400, { ok: false, error: 'Pick who you are first.' });
    switch (what) {
      case 'command': {
        const channel = ws.channels.get(String(body.channel));
        const text = String(body.text ?? '').trim();
        if (!channel || !ws.canSee(user.id, channel)) return json(res, 400, { ok: false, error: 'No such channel.' });
        if (!text) return json(res, 400, { ok: false, error: 'Type a message or a command.' });
        if (!text.startsWith('/')) {
          ws.post({
            channel: channel.id,
            author: user.id,
            text,
            blocks: [],
            ...(typeof body.threadTs === 'string' && { threadTs: body.threadTs }),
          });
          return json(res, 200, { ok: true });
        }
        const command = text.split(/\s+/, 1)[0]!;
        if (!this.o.commands.includes(command)) {
          ws.post({
            channel: channel.id,
            author: SLACKBOT,
            text: `\`${command}\` is not a valid command. The app's commands are ${this.o.commands.map((c) => `\`${c}\``).join(', ')}.`,
            blocks: [],
            ephemeralTo: user.id,
          });
          return json(res, 200, { ok: true });
        }
        const d = await this.toFerry.command(user, channel.id, command, text.slice(command.length).trim());
        return json(res, 200, { ok: !d.error, ...(d.error && { error: d.error }) });
      }
      case 'action': {
        const message = ws.byId(String(body.messageId));
        if (!message || (message.ephemeralTo && message.ephemeralTo !== user.id))
          return json(res, 404, { ok: false, error: 'That message is gone.' });
        const found = findAction(message.blocks, String(body.blockId ?? ''), String(body.actionId ?? ''));
        if (!found) return json(res, 404, { ok: false, error: 'That button is no longer on the message.' });
        const d = await this.toFerry.action(user, message, found);
        return json(res, 200, { ok: !d.error, ...(d.error && { error: d.error }) });
      }
      case 'view-submit':
      case 'view-close': {
        const open = ws.views.get(String(body.viewId));
        if (!open || open.user !== user.id) return json(res, 404, { ok: false, error: 'That dialog is closed.' });
        if (what === 'view-close') {
          ws.closeView(open.id);
          await this.toFerry.closeView(user, open);
          return json(res, 200, { ok: true });
        }
        const values = viewStateValues(open.view.blocks, (body.values ?? {}) as Record<string, unknown>);
        const d = await this.toFerry.submitView(user, open, values);
        if (d.error) return json(res, 200, { ok: false, error: `Ferry didn't answer in time (${d.error}).` });
        const action = d.body?.response_action;
        if (action === 'errors') return json(res, 200, { ok: false, errors: d.body?.errors ?? {} });
        if ((action === 'update' || action === 'push') && d.body?.view) ws.replaceView(open.id, d.body.view as Record<string, unknown>);
        else ws.closeView(open.id);
        return json(res, 200, { ok: true });
      }
      default:
        return json(res, 404, { ok: false, error: 'not_found' });
    }
  }
}

const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify(body));
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > MAX_BODY) throw new Error('request body too large');
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks);
}

/** Fields Slack decodes from JSON in a form-encoded Web API call; every other field stays a string. */
const JSON_FIELDS = new Set(['blocks', 'attachments', 'view', 'metadata']);

/** Web API arguments: JSON, or a form whose object-valued fields (blocks, view, …) are JSON strings. */
function parseArgs(type: string, raw: Buffer): Record<string, unknown> {
  const text = raw.toString('utf8');
  if (type.includes('application/json')) return text ? (JSON.parse(text) as Record<string, unknown>) : {};
  const out: Record<string, unknown> = {};
  for (const [k, v] of new URLSearchParams(text)) out[k] = JSON_FIELDS.has(k) ? tryJson(v) : v;
  return out;
}

function tryJson(v: string): unknown {
  try {
    return JSON.parse(v);
  } catch {
    return v;
  }
}
