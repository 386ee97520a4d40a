import { randomBytes } from 'node:crypto';
import { APP_ID, BOT_ID, BOT_USER, TEAM_ID, type Workspace } from './workspace';

export interface ApiResult {
  status: number;
  body: Record<string, unknown>;
  headers?: Record<string, string>;
}

/** Where a response_url leads: the person and channel of the command or click, and its message. */
export interface ResponseTarget {
  user: string;
  channel: string;
  /** The message whose button was clicked, for replace_original / delete_original. */
  messageId?: string;
  createdAt: number;
  uses: number;
}

const TRIGGER_TTL_MS = 3_000;
const RESPONSE_URL_TTL_MS = 30 * 60_000;
const RESPONSE_URL_USES = 5;

/**
 * The Slack Web API methods Ferry (or any bot) calls, over the playground's workspace, with Slack's
 * own answers and error codes. Also the response_url endpoints and trigger IDs they hand out.
 */
export class WebApi {
  private readonly triggers = new Map<string, { user: string; at: number }>();
  private readonly responseTargets = new Map<string, ResponseTarget>();

  constructor(
    private readonly ws: Workspace,
    private readonly botToken: string,
    private readonly pageUrl: () => string,
    private readonly now: () => number = Date.now,
  ) {}

  /** A fresh trigger_id for what `user` just did; views.open accepts it for 3 seconds. */
  trigger(user: string): string {
    const id = `${Math.floor(this.now() / 1000)}.${randomBytes(4).readUInt32BE()}.${randomBytes(16).toString('hex')}`;
    this.triggers.set(id, { user, at: this.now() });
    return id;
  }

  /** A fresh response_url id for a command or click. */
  responseTarget(t: Omit<ResponseTarget, 'createdAt' | 'uses'>): string {
    const id = randomBytes(12).toString('hex');
    this.responseTargets.set(id, { ...t, createdAt: this.now(), uses: 0 });
    return id;
  }

  call(method: string, args: Record<string, unknown>, authorization: string | undefined): ApiResult {
    const token = authorization?.replace(/^Bearer\s+/i, '') ?? (typeof args.token === 'string' ? args.token : undefined);
    if (!token) return fail('not_authed');
    if (token !== this.botToken) return fail('invalid_auth');
    const handler = this.methods[method];
    if (!handler) return fail('unknown_method', 404);
    return handler(args);
  }

  /** POST to a response_url (https://api.slack.com/interactivity/handling#message_responses). */
  respond(id: string, body: Record<string, unknown>): ApiResult {
    const t = this.responseTargets.get(id);
    if (!t || this.now() - t.createdAt > RESPONSE_URL_TTL_MS) return { status: 404, body: { ok: false, error: 'expired_url' } };
    if (++t.uses > RESPONSE_URL_USES) return { status: 404, body: { ok: false, error: 'used_url' } };
    const original = t.messageId ? this.ws.byId(t.messageId) : undefined;
    const content = { text: str(body.text), blocks: arr(body.blocks) };
    if (body.delete_original === true || body.delete_original === 'true') {
      if (original) this.ws.remove(original);
      return { status: 200, body: { ok: true } };
    }
    if ((body.replace_original === true || body.replace_original === 'true') && original) {
      this.ws.update(original, content);
      return { status: 200, body: { ok: true } };
    }
    const inChannel = body.response_type === 'in_channel';
    this.ws.post({
      channel: t.channel,
      author: BOT_USER,
      ...content,
      ...(!inChannel && { ephemeralTo: t.user }),
      ...(typeof body.thread_ts === 'string' && { threadTs: body.thread_ts }),
    });
    return { status: 200, body: { ok: true } };
  }

  private readonly methods: Record<string, (a: Record<string, unknown>) => ApiResult> = {
    'auth.test': () =>
      ok({
        url: this.pageUrl(),
        team: 'Playground',
        user: 'ferry',
        team_id: TEAM_ID,
        user_id: BOT_USER,
        bot_id: BOT_ID,
        is_enterprise_install: false,
      }),
    'chat.postMessage': (a) => {
      const channel = this.ws.resolveChannel(str(a.channel));
      if (!channel) return fail('channel_not_found');
      if (!a.text && !arr(a.blocks).length) return fail('no_text');
      const threadTs = str(a.thread_ts) || undefined;
      if (threadTs && !this.ws.find(channel.id, threadTs)) return fail('thread_not_found');
      const m = this.ws.post({
        channel: channel.id,
        author: BOT_USER,
        text: str(a.text),
        blocks: arr(a.blocks),
        ...(threadTs && { threadTs }),
      });
      return ok({ channel: channel.id, ts: m.ts, message: { type: 'message', text: m.text, user: BOT_USER, bot_id: BOT_ID, ts: m.ts } });
    },
    'chat.postEphemeral': (a) => {
      const channel = this.ws.resolveChannel(str(a.channel));
      const user = str(a.user);
      if (!channel) return fail('channel_not_found');
      if (!this.ws.people.has(user) || !this.ws.canSee(user, channel)) return fail('user_not_in_channel');
      const m = this.ws.post({ channel: channel.id, author: BOT_USER, text: str(a.text), blocks: arr(a.blocks), ephemeralTo: user });
      return ok({ message_ts: m.ts });
    },
    'chat.update': (a) => {
      const channel = this.ws.resolveChannel(str(a.channel));
      const m = channel && this.ws.find(channel.id, str(a.ts));
      if (!m) return fail('message_not_found');
      if (m.author !== BOT_USER) return fail('cant_update_message');
      this.ws.update(m, { text: a.text === undefined ? m.text : str(a.text), blocks: a.blocks === undefined ? m.blocks : arr(a.blocks) });
      return ok({ channel: m.channel, ts: m.ts, text: m.text });
    },
    'chat.delete': (a) => {
      const channel = this.ws.resolveChannel(str(a.channel));
      const m = channel && this.ws.find(channel.id, str(a.ts));
      if (!m) return fail('message_not_found');
      if (m.author !== BOT_USER) return fail('cant_delete_message');
      this.ws.remove(m);
      return ok({ channel: m.channel, ts: m.ts });
    },
    'chat.getPermalink': (a) => {
      const channel = this.ws.resolveChannel(str(a.channel));
      const m = channel && this.ws.find(channel.id, str(a.message_ts));
      if (!m) return fail('message_not_found');
      return ok({ channel: m.channel, permalink: `${this.pageUrl()}archives/${m.channel}/p${m.ts.replace('.', '')}` });
    },
    'conversations.open': (a) => {
      const users = str(a.users).split(',').filter(Boolean);
      const dm = users.length === 1 ? this.ws.resolveChannel(users[0]!) : undefined;
      if (!dm) return fail(users.length === 1 ? 'user_not_found' : 'not_supported');
      return ok({ channel: { id: dm.id, is_im: true, user: dm.dmWith } });
    },
    'conversations.info': (a) => {
      const c = this.ws.resolveChannel(str(a.channel));
      if (!c) return fail('channel_not_found');
      return ok({ channel: { id: c.id, name: c.name, is_im: !!c.dmWith, is_member: true } });
    },
    'users.info': (a) => {
      const p = this.ws.people.get(str(a.user));
      if (!p) return fail('user_not_found');
      return ok({ user: userJson(p) });
    },
    'users.lookupByEmail': (a) => {
      const p = [...this.ws.people.values()].find((x) => x.email === str(a.email).toLowerCase());
      if (!p) return fail('users_not_found');
      return ok({ user: userJson(p) });
    },
    'usergroups.users.list': () => ok({ users: [] }),
    'views.open': (a) => {
      const t = this.triggers.get(str(a.trigger_id));
      if (!t) return fail('invalid_trigger_id');
      if (this.now() - t.at > TRIGGER_TTL_MS) return fail('expired_trigger_id');
      this.triggers.delete(str(a.trigger_id));
      const view = obj(a.view);
      if (view?.type !== 'modal') return fail('invalid_arguments');
      const open = this.ws.openView(t.user, view);
      return ok({ view: viewJson(open.id, open.view) });
    },
    'views.update': (a) => {
      const view = obj(a.view);
      const open = view ? this.ws.replaceView(str(a.view_id), view) : undefined;
      if (!open) return fail('not_found');
      return ok({ view: viewJson(open.id, open.view) });
    },
  };
}

export function viewJson(id: string, view: Record<string, unknown>, values: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id,
    team_id: TEAM_ID,
    type: 'modal',
    app_id: APP_ID,
    bot_id: BOT_ID,
    root_view_id: id,
    previous_view_id: null,
    hash: `${id}-hash`,
    private_metadata: '',
    callback_id: '',
    ...view,
    state: { values },
  };
}

function userJson(p: { id: string; name: string; realName: string; email: string }): Record<string, unknown> {
  return {
    id: p.id,
    team_id: TEAM_ID,
    name: p.name,
    real_name: p.realName,
    tz: 'Europe/London',
    is_bot: false,
    profile: { real_name: p.realName, display_name: p.name, email: p.email },
  };
}

const ok = (body: Record<string, unknown>): ApiResult => ({ status: 200, body: { ok: true, ...body } });
const fail = (error: string, status = 200): ApiResult => ({ status, body: { ok: false, error } });
const str = (v: unknown): string => (typeof v === 'string' ? v : v === undefined || v === null ? '' : String(v));
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const obj = (v: unknown): Record<string, unknown> | undefined =>
  v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
