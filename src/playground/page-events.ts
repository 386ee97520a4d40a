import { messageToHtml, viewToHtml } from './render/blocks';
import type { Names } from './render/mrkdwn';
import type { Change, Message, OpenView, Workspace } from './workspace';
import type { PageMessage, PageView } from '../web/page-types';

/** One server-sent event for the page: its name and JSON data. */
export interface PageEvent {
  event: 'message' | 'view' | 'view-closed';
  data: unknown;
}

export function names(ws: Workspace): Names {
  return {
    user: (id) => ws.displayName(id),
    channel: (id) => ws.channels.get(id)?.name ?? id,
  };
}

export function pageMessage(ws: Workspace, m: Message): PageMessage {
  return {
    id: m.id,
    channel: m.channel,
    ts: m.ts,
    ...(m.threadTs && { threadTs: m.threadTs }),
    author: m.author,
    authorName: ws.displayName(m.author),
    bot: !ws.people.has(m.author),
    ephemeral: !!m.ephemeralTo,
    edited: m.edited,
    deleted: m.deleted,
    html: m.deleted ? '' : messageToHtml({ text: m.text, blocks: m.blocks }, { names: names(ws) }),
  };
}

export function pageView(ws: Workspace, v: OpenView): PageView {
  return { id: v.id, html: viewToHtml(v.view, { names: names(ws) }) };
}

/** What `user`'s page should hear about a change, if anything: others' ephemerals and DMs stay theirs. */
export function eventFor(ws: Workspace, user: string, c: Change): PageEvent | undefined {
  switch (c.kind) {
    case 'message': {
      const m = c.message;
      if (m.ephemeralTo && m.ephemeralTo !== user) return undefined;
      if (!ws.canSee(user, ws.channels.get(m.channel)!)) return undefined;
      return { event: 'message', data: pageMessage(ws, m) };
    }
    case 'view':
      return c.view.user === user ? { event: 'view', data: pageView(ws, c.view) } : undefined;
    case 'view-closed':
      return c.user === user ? { event: 'view-closed', data: { id: c.viewId } } : undefined;
  }
}
