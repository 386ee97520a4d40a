import { EventEmitter } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { type WebSocket, WebSocketServer } from 'ws';

export interface ApiCall {
  method: string;
  body: Record<string, unknown>;
  auth?: string;
}

/** A message Slack refused for breaking one of its limits (see slackLimitError); it was not posted. */
export interface Rejection {
  method: string;
  error: string;
  reason: string;
  body: Record<string, unknown>;
}

export interface MessageVersion {
  text: string;
  blocks: unknown[];
}

export interface PostedMessage {
  channel: string;
  ts: string;
  thread_ts?: string;
  versions: MessageVersion[];
}

interface Failure {
  method: string;
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

/**
 * Slack played over loopback: the Web API methods Ferry calls (at SLACK_API_URL) and the
 * response_url endpoints. Every request is recorded; waitFor() re-checks on each one, so tests wait
 * on events, never on timers.
 */
export class FakeSlack {
  readonly calls: ApiCall[] = [];
  readonly responses = new Map<string, Record<string, unknown>[]>();
  readonly messages: PostedMessage[] = [];
  /** Slack user groups (S… -> member IDs), answered by usergroups.users.list; others are no_such_subteam. */
  readonly usergroups = new Map<string, string[]>();
  /** Workspace members by email, answered by users.lookupByEmail; others are users_not_found. */
  readonly emails = new Map<string, string>();
  /** Names users.info gives (display names); a user not here is user_not_found. */
  readonly names = new Map<string, string>();
  /**
   * Messages refused for breaking Slack's limits (chat.postMessage, chat.update, chat.postEphemeral,
   * response_url): answered { ok: false, error } like Slack does, and not recorded as messages.
   */
  readonly rejected: Rejection[] = [];
  private readonly failures: Failure[] = [];
  private readonly events = new EventEmitter();
  private server!: http.Server;
  private wss?: WebSocketServer;
  private sockets: WebSocket[] = [];
  /** Acks received over Socket Mode, by envelope id. */
  readonly socketAcks = new Map<string, Record<string, unknown>>();
  private envelopes = 0;
  private seq = 0;
  port = 0;

  async start(): Promise<this> {
    this.events.setMaxListeners(100);
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        // A body that is not what Slack's API takes (e.g. another process's request to a port this
        // stand-in reused) is answered 400, as Slack answers it, instead of throwing.
        try {
          this.handle(req, res, Buffer.concat(chunks).toString('utf8'));
        } catch (err) {
          if (!(err instanceof SyntaxError) || res.headersSent) throw err;
          res.writeHead(400, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ ok: false, error: 'invalid_json' }));
        }
      });
    });
    // Socket Mode: apps.connections.open hands out ws://.../link; Slack says hello, then sends envelopes.
    this.wss = new WebSocketServer({ server: this.server, path: '/link' });
    this.wss.on('connection', (ws) => {
      this.sockets.push(ws);
      ws.on('message', (data) => {
        let msg: { envelope_id?: string; payload?: Record<string, unknown> };
        try {
          msg = JSON.parse(String(data)) as typeof msg;
        } catch {
          return; // not an envelope ack: Slack ignores it too
        }
        if (msg.envelope_id) this.socketAcks.set(msg.envelope_id, msg.payload ?? {});
        this.events.emit('request');
      });
      ws.send(
        JSON.stringify({
          type: 'hello',
          num_connections: 1,
          debug_info: { host: 'fake', approximate_connection_time: 3600 },
          connection_info: { app_id: 'A0FERRY' },
        }),
      );
      this.events.emit('request');
    });
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  /** Sends a Socket Mode envelope to the connected app; resolves with the ack's payload. */
  async sendEnvelope(type: string, payload: Record<string, unknown>): Promise<Record<string, unknown>> {
    const ws = await this.waitFor('a Socket Mode connection', () => this.sockets.find((s) => s.readyState === 1));
    const id = `env-${++this.envelopes}`;
    ws.send(JSON.stringify({ envelope_id: id, type, accepts_response_payload: true, payload }));
    return this.waitFor(`the ack of ${id}`, () => this.socketAcks.get(id));
  }

  /** Sends any text over the Socket Mode connection, as a message from Slack; resolves once sent. */
  async sendRaw(text: string): Promise<void> {
    const ws = await this.waitFor('a Socket Mode connection', () => this.sockets.find((s) => s.readyState === 1));
    await new Promise<void>((resolve, reject) => ws.send(text, (err) => (err ? reject(err) : resolve())));
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.terminate();
    this.wss?.close();
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }

  get apiUrl(): string {
    return `http://127.0.0.1:${this.port}/api/`;
  }

  responseUrl(id: string): string {
    return `http://127.0.0.1:${this.port}/respond/${id}`;
  }

  /** The next `count` calls of `method` fail with this status (e.g. 429 with Retry-After). */
  failNext(method: string, status: number, opts: { count?: number; retryAfterS?: number; error?: string } = {}): void {
    for (let i = 0; i < (opts.count ?? 1); i++) {
      this.failures.push({
        method,
        status,
        headers: opts.retryAfterS !== undefined ? { 'retry-after': String(opts.retryAfterS) } : {},
        body: { ok: false, error: opts.error ?? (status === 429 ? 'ratelimited' : 'internal_error') },
      });
    }
  }

  /** Resolves with pick()'s first defined value, re-checked on every request Slack receives. */
  waitFor<T>(what: string, pick: () => T | undefined | false, timeoutMs = 30_000): Promise<T> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const v = pick();
        if (v === undefined || v === false) return false;
        cleanup();
        resolve(v);
        return true;
      };
      const timer = setTimeout(() => {
        cleanup();
        const refused = this.rejected.map((r) => `\n  ${r.method} refused (${r.error}): ${r.reason}`).join('');
        reject(new Error(`timed out waiting for ${what}; Slack saw: ${this.calls.map((c) => c.method).join(', ')}${refused}`));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        this.events.off('request', check);
      };
      if (!check()) this.events.on('request', check);
    });
  }

  /** The answer posted to a command's response_url. */
  waitForResponse(id: string, n = 1): Promise<Record<string, unknown>> {
    return this.waitFor(`response #${n} to ${id}`, () => this.responses.get(id)?.[n - 1]);
  }

  /** The feed message of deploy #id (top-level message whose text names it). */
  feedMessage(id: number): PostedMessage | undefined {
    return this.messages.find((m) => !m.thread_ts && m.versions.some((v) => v.text.includes(`Deploy #${id} `)));
  }

  /** Waits until deploy #id's feed message reads `status` (e.g. "succeeded"). */
  waitForFeed(id: number, status: string, timeoutMs?: number): Promise<PostedMessage> {
    return this.waitFor(
      `deploy #${id}'s feed message to say ${status}`,
      () => {
        const m = this.feedMessage(id);
        return m && latest(m).text.includes(`: ${status}`) ? m : undefined;
      },
      timeoutMs,
    );
  }

  dmsTo(user: string): ApiCall[] {
    return this.calls.filter((c) => c.method === 'chat.postMessage' && c.body.channel === user);
  }

  /** Slack's answer to a message that breaks one of its limits (recorded in `rejected`), or undefined when it is fine. */
  private refuse(method: string, body: Record<string, unknown>): { ok: false; error: string } | undefined {
    const broken = slackLimitError(body);
    if (!broken) return undefined;
    this.rejected.push({ method, ...broken, body });
    // Said at once, so a refusal shows even in a test that never waits for the message.
    process.stderr.write(`FakeSlack refused ${method} (${broken.error}): ${broken.reason}\n`);
    return { ok: false, error: broken.error };
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse, raw: string): void {
    const url = req.url ?? '/';
    const reply = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(body));
      this.events.emit('request');
    };
    if (url.startsWith('/respond/')) {
      const id = url.slice('/respond/'.length);
      const answer = JSON.parse(raw) as Record<string, unknown>;
      const refused = this.refuse(`response_url ${id}`, answer);
      if (refused) return reply(200, refused);
      const list = this.responses.get(id) ?? [];
      list.push(answer);
      this.responses.set(id, list);
      return reply(200, { ok: true });
    }
    const method = url.replace(/^\/api\//, '').split('?')[0]!;
    const body = parseBody(req.headers['content-type'] ?? '', raw);
    const failIdx = this.failures.findIndex((f) => f.method === method);
    if (failIdx >= 0) {
      const f = this.failures.splice(failIdx, 1)[0]!;
      this.calls.push({ method: `${method}!${f.status}`, body });
      return reply(f.status, f.body, f.headers);
    }
    if (LIMITED_METHODS.has(method)) {
      const refused = this.refuse(method, body);
      if (refused) {
        this.calls.push({ method: `${method}!${refused.error}`, body });
        return reply(200, refused);
      }
    }
    this.calls.push({ method, body, ...(req.headers.authorization && { auth: req.headers.authorization }) });
    switch (method) {
      case 'auth.test':
        return reply(200, {
          ok: true,
          url: 'https://acme.slack.test/',
          team: 'Acme',
          user_id: 'UFERRYBOT',
          bot_id: 'BFERRY',
          team_id: 'T0TEST',
          user: 'ferry',
        });
      case 'chat.postMessage': {
        const ts = `${1_700_000_000 + ++this.seq}.000100`;
        const channel = String(body.channel);
        this.messages.push({ channel, ts, ...(body.thread_ts ? { thread_ts: String(body.thread_ts) } : {}), versions: [version(body)] });
        // Like Slack, a message to a user ID goes to the DM with them, whose channel ID starts with D.
        return reply(200, { ok: true, channel: dmChannel(channel), ts, message: { text: body.text } });
      }
      case 'chat.update': {
        const m = this.messages.find((x) => x.ts === body.ts && (x.channel === body.channel || dmChannel(x.channel) === body.channel));
        if (!m) return reply(200, { ok: false, error: 'message_not_found' });
        m.versions.push(version(body));
        return reply(200, { ok: true, channel: m.channel, ts: m.ts });
      }
      case 'apps.connections.open':
        return reply(200, { ok: true, url: `ws://127.0.0.1:${this.port}/link` });
      case 'usergroups.users.list': {
        const users = this.usergroups.get(String(body.usergroup));
        return reply(200, users ? { ok: true, users } : { ok: false, error: 'no_such_subteam' });
      }
      case 'users.info': {
        const name = this.names.get(String(body.user));
        return reply(
          200,
          name
            ? { ok: true, user: { id: body.user, name: name.toLowerCase(), profile: { display_name: name } } }
            : { ok: false, error: 'user_not_found' },
        );
      }
      case 'users.lookupByEmail': {
        const id = this.emails.get(String(body.email).toLowerCase());
        return reply(200, id ? { ok: true, user: { id, is_bot: false, deleted: false } } : { ok: false, error: 'users_not_found' });
      }
      case 'views.open':
        return reply(200, { ok: true, view: { id: `V${++this.seq}`, ...(body.view as object) } });
      case 'chat.getPermalink':
        return reply(200, {
          ok: true,
          permalink: `https://acme.slack.test/archives/${String(body.channel)}/p${String(body.message_ts).replace('.', '')}`,
        });
      default:
        return reply(200, { ok: true });
    }
  }
}

/** The Web API methods whose messages Slack checks against its limits. */
const LIMITED_METHODS = new Set(['chat.postMessage', 'chat.update', 'chat.postEphemeral']);

/**
 * Slack's documented limits for a message (Block Kit reference, docs.slack.dev/reference/block-kit;
 * the same numbers are in @slack/types' JSDoc):
 * - blocks: at most 50 in a message (docs.slack.dev/reference/block-kit/blocks)
 * - section: text 1..3,000 characters; fields at most 10, each at most 2,000 (blocks/section-block)
 * - header: plain_text of at most 150 characters (blocks/header-block)
 * - actions: at most 25 elements (blocks/actions-block)
 * - context: at most 10 elements (blocks/context-block); a text object at most 3,000
 * - button: text at most 75, value at most 2,000, url at most 3,000 (block-elements/button-element);
 *   its confirm dialog: title 100, text 300, confirm and deny 30 (composition-objects/confirmation-dialog-object)
 * - block_id and action_id: at most 255
 * - markdown blocks: 12,000 characters for all of them in one payload (blocks/markdown-block)
 * - top-level text: Slack truncates past 40,000 characters (chat.postMessage); refused here as msg_too_long
 * Slack also refuses blocks whose text adds up to too much (msg_blocks_too_long); the number is not
 * in the reference, but Slack's SDK maintainers give it as 12,000 characters of text
 * (github.com/slackapi/bolt-js/issues/2509, #2867), counted here over every `text` string.
 * Returns Slack's error code and what broke, or undefined when the message is within every limit.
 */
export function slackLimitError(body: Record<string, unknown>): { error: string; reason: string } | undefined {
  if (typeof body.text === 'string' && body.text.length > 40_000)
    return { error: 'msg_too_long', reason: `text is ${body.text.length} characters (max 40,000)` };
  const blocks = body.blocks;
  if (blocks === undefined) return undefined;
  if (!Array.isArray(blocks)) return { error: 'invalid_blocks_format', reason: 'blocks is not an array' };
  const bad = (reason: string) => ({ error: 'invalid_blocks', reason });
  if (blocks.length > 50) return bad(`${blocks.length} blocks (max 50)`);
  let markdown = 0;
  for (const [i, raw] of blocks.entries()) {
    const b = (raw ?? {}) as Block;
    const at = `blocks[${i}] (${String(b.type)})`;
    if (typeof b.block_id === 'string' && b.block_id.length > 255)
      return bad(`${at}.block_id is ${b.block_id.length} characters (max 255)`);
    switch (b.type) {
      case 'section': {
        if (b.text !== undefined) {
          const n = textOf(b.text).length;
          if (n < 1 || n > 3_000) return bad(`${at}.text is ${n} characters (1 to 3,000)`);
        } else if (!Array.isArray(b.fields)) return bad(`${at} has neither text nor fields`);
        if (Array.isArray(b.fields)) {
          if (b.fields.length > 10) return bad(`${at} has ${b.fields.length} fields (max 10)`);
          const long = b.fields.findIndex((f) => textOf(f).length > 2_000);
          if (long >= 0) return bad(`${at}.fields[${long}] is ${textOf(b.fields[long]).length} characters (max 2,000)`);
        }
        if (b.accessory) {
          const e = elementError(b.accessory as Block);
          if (e) return bad(`${at}.accessory: ${e}`);
        }
        break;
      }
      case 'header': {
        const n = textOf(b.text).length;
        if ((b.text as Block | undefined)?.type !== 'plain_text') return bad(`${at}.text must be plain_text`);
        if (n < 1 || n > 150) return bad(`${at}.text is ${n} characters (1 to 150)`);
        break;
      }
      case 'actions': {
        const els = Array.isArray(b.elements) ? (b.elements as Block[]) : [];
        if (els.length < 1 || els.length > 25) return bad(`${at} has ${els.length} elements (1 to 25)`);
        for (const [j, el] of els.entries()) {
          const e = elementError(el);
          if (e) return bad(`${at}.elements[${j}]: ${e}`);
        }
        break;
      }
      case 'context': {
        const els = Array.isArray(b.elements) ? (b.elements as Block[]) : [];
        if (els.length < 1 || els.length > 10) return bad(`${at} has ${els.length} elements (1 to 10)`);
        const long = els.findIndex((el) => (el.type === 'mrkdwn' || el.type === 'plain_text') && textOf(el).length > 3_000);
        if (long >= 0) return bad(`${at}.elements[${long}] is ${textOf(els[long]).length} characters (max 3,000)`);
        break;
      }
      case 'markdown':
        markdown += typeof b.text === 'string' ? b.text.length : 0;
        break;
      default:
        break;
    }
  }
  if (markdown > 12_000) return bad(`markdown blocks add up to ${markdown} characters (max 12,000)`);
  const total = textChars(blocks);
  if (total > 12_000) return { error: 'msg_blocks_too_long', reason: `the blocks' text adds up to ${total} characters (max 12,000)` };
  return undefined;
}

type Block = Record<string, unknown>;

/** A text object's text ('' when it is not one). */
function textOf(t: unknown): string {
  const v = (t as { text?: unknown } | undefined)?.text;
  return typeof v === 'string' ? v : '';
}

/** What breaks a button's limits (other elements are only checked for their action_id). */
function elementError(el: Block): string | undefined {
  if (typeof el.action_id === 'string' && el.action_id.length > 255) return `action_id is ${el.action_id.length} characters (max 255)`;
  if (el.type !== 'button') return undefined;
  const n = textOf(el.text).length;
  if (n < 1 || n > 75) return `button text ${JSON.stringify(textOf(el.text))} is ${n} characters (1 to 75)`;
  if (typeof el.value === 'string' && el.value.length > 2_000) return `button value is ${el.value.length} characters (max 2,000)`;
  if (typeof el.url === 'string' && el.url.length > 3_000) return `button url is ${el.url.length} characters (max 3,000)`;
  const c = el.confirm as Block | undefined;
  if (c) {
    for (const [k, max] of [
      ['title', 100],
      ['text', 300],
      ['confirm', 30],
      ['deny', 30],
    ] as const) {
      const len = textOf(c[k]).length;
      if (len > max) return `confirm.${k} is ${len} characters (max ${max})`;
    }
  }
  return undefined;
}

/** Characters of every `text` string in the blocks, at any depth. */
function textChars(v: unknown): number {
  if (Array.isArray(v)) return v.reduce((n: number, x) => n + textChars(x), 0);
  if (!v || typeof v !== 'object') return 0;
  let n = 0;
  for (const [k, x] of Object.entries(v)) n += k === 'text' && typeof x === 'string' ? x.length : textChars(x);
  return n;
}

/** The DM channel Slack gives a message posted to a user ID (U0ANA -> DU0ANA); other channels are themselves. */
export const dmChannel = (channel: string): string => (/^[UW]/.test(channel) ? `D${channel}` : channel);

export const latest = (m: PostedMessage): MessageVersion => m.versions[m.versions.length - 1]!;

function version(body: Record<string, unknown>): MessageVersion {
  return { text: String(body.text ?? ''), blocks: (body.blocks as unknown[]) ?? [] };
}

function parseBody(type: string, raw: string): Record<string, unknown> {
  if (type.includes('application/json')) return raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
  const out: Record<string, unknown> = {};
  for (const [k, v] of new URLSearchParams(raw)) {
    out[k] = (k === 'blocks' || k === 'attachments') && v.startsWith('[') ? JSON.parse(v) : v;
  }
  return out;
}
