import { EventEmitter } from 'node:events';

/** A person of the playground's workspace. IDs look like Slack's so Ferry treats them as real. */
export interface Person {
  id: string;
  name: string;
  realName: string;
  email: string;
}

export interface Channel {
  id: string;
  name: string;
  /** A DM between Ferry and one person: only that person sees it. */
  dmWith?: string;
}

export interface Message {
  /** The playground's own id of the message (ts repeats across channels in real Slack too). */
  id: string;
  channel: string;
  ts: string;
  threadTs?: string;
  /** Who wrote it: a person's ID, or the bot's. */
  author: string;
  text: string;
  blocks: unknown[];
  /** Seen only by this person ("Only visible to you"). */
  ephemeralTo?: string;
  edited: boolean;
  deleted: boolean;
}

export interface OpenView {
  id: string;
  user: string;
  view: Record<string, unknown>;
}

export type Change =
  | { kind: 'message'; message: Message }
  | { kind: 'view'; view: OpenView }
  | { kind: 'view-closed'; user: string; viewId: string };

export const BOT_USER = 'UFERRYBOT0';
export const BOT_ID = 'BFERRYBOT0';
export const SLACKBOT = 'USLACKBOT';
export const TEAM_ID = 'T0PLAYGRND';
export const APP_ID = 'A0PLAYFERRY';

export const PEOPLE: readonly Person[] = [
  { id: 'U0ALICE001', name: 'alice', realName: 'Alice Moreau', email: 'alice@playground.test' },
  { id: 'U0BOB00002', name: 'bob', realName: 'Bob Okafor', email: 'bob@playground.test' },
  { id: 'U0CAROL003', name: 'carol', realName: 'Carol Lindqvist', email: 'carol@playground.test' },
];

export const FEED_CHANNEL: Channel = { id: 'C0DEPLOYS1', name: 'deploys' };
const OTHER_CHANNELS: Channel[] = [{ id: 'C0GENERAL1', name: 'general' }];

/**
 * The playground's Slack workspace in memory: people, channels, DMs with Ferry, messages (with
 * their edits, threads and ephemerals) and open modals. Every change is emitted as a `Change`.
 */
export class Workspace extends EventEmitter<{ change: [Change] }> {
  readonly people = new Map(PEOPLE.map((p) => [p.id, p]));
  readonly channels = new Map<string, Channel>([FEED_CHANNEL, ...OTHER_CHANNELS].map((c) => [c.id, c]));
  readonly messages: Message[] = [];
  readonly views = new Map<string, OpenView>();
  private seq = 0;
  private lastTs = 0;

  constructor() {
    super();
    this.setMaxListeners(0);
    for (const p of PEOPLE) this.channels.set(dmId(p.id), { id: dmId(p.id), name: p.name, dmWith: p.id });
  }

  /** The channel a Web API `channel` argument means: a channel ID, a DM ID, or a person's ID (their DM). */
  resolveChannel(idOrUser: string): Channel | undefined {
    if (this.people.has(idOrUser)) return this.channels.get(dmId(idOrUser));
    return this.channels.get(idOrUser);
  }

  /** Whether `user` sees messages of `channel`. */
  canSee(user: string, channel: Channel): boolean {
    return !channel.dmWith || channel.dmWith === user;
  }

  post(m: Omit<Message, 'id' | 'ts' | 'edited' | 'deleted'>): Message {
    const msg: Message = { ...m, id: `m${++this.seq}`, ts: this.nextTs(), edited: false, deleted: false };
    this.messages.push(msg);
    this.emit('change', { kind: 'message', message: msg });
    return msg;
  }

  find(channel: string, ts: string): Message | undefined {
    return this.messages.find((m) => m.channel === channel && m.ts === ts && !m.ephemeralTo && !m.deleted);
  }

  byId(id: string): Message | undefined {
    return this.messages.find((m) => m.id === id && !m.deleted);
  }

  update(msg: Message, change: { text: string; blocks: unknown[] }): void {
    Object.assign(msg, change, { edited: true });
    this.emit('change', { kind: 'message', message: msg });
  }

  remove(msg: Message): void {
    msg.deleted = true;
    this.emit('change', { kind: 'message', message: msg });
  }

  openView(user: string, view: Record<string, unknown>): OpenView {
    const open: OpenView = { id: `V${String(++this.seq).padStart(8, '0')}`, user, view };
    this.views.set(open.id, open);
    this.emit('change', { kind: 'view', view: open });
    return open;
  }

  replaceView(id: string, view: Record<string, unknown>): OpenView | undefined {
    const open = this.views.get(id);
    if (!open) return undefined;
    open.view = view;
    this.emit('change', { kind: 'view', view: open });
    return open;
  }

  closeView(id: string): void {
    const open = this.views.get(id);
    if (!open) return;
    this.views.delete(id);
    this.emit('change', { kind: 'view-closed', user: open.user, viewId: id });
  }

  /** Everything `user` can see, oldest first. */
  visibleTo(user: string): Message[] {
    return this.messages.filter(
      (m) => !m.deleted && (!m.ephemeralTo || m.ephemeralTo === user) && this.canSee(user, this.channels.get(m.channel)!),
    );
  }

  displayName(id: string): string {
    if (id === BOT_USER) return 'Ferry';
    if (id === SLACKBOT) return 'Slackbot';
    return this.people.get(id)?.realName ?? id;
  }

  /** Slack timestamps: seconds with six digits of sequence, unique and increasing. */
  private nextTs(): string {
    const micros = Math.max(Date.now() * 1000, this.lastTs + 1);
    this.lastTs = micros;
    return `${Math.floor(micros / 1e6)}.${String(micros % 1e6).padStart(6, '0')}`;
  }
}

export const dmId = (user: string): string => `D${user.slice(1)}`;
