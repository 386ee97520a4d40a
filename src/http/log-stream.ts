import { once } from 'node:events';
import type { ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { Redactor } from '../core/redact';
import type { LogStore } from '../store/logs';
import { deployFacts, isFinished } from './log-page-html';

export interface LogStreamDeps {
  logs: LogStore;
  redact: Redactor;
  log: Logger;
  now: () => number;
  /** How often an open stream reads Redis. */
  pollMs: number;
  /** A comment is sent after this long without any event, so proxies keep the connection. */
  keepaliveMs: number;
  /** Streams open at once, in this process; one more is refused with a 503. */
  maxStreams: number;
}

export interface StreamRequest {
  id: number;
  /** The record's creation time, which the link was checked against: another record under this id (Redis wiped) ends the stream. */
  createdAt: number;
  /** The first line the client lacks. */
  from: number;
  /** When the link that opened the stream stops working; the stream ends then. */
  expiresAt: number;
}

/** Lines sent in one `lines` event at most; a long backlog goes out in several. */
const CHUNK_LINES = 1_000;

/** One server-sent event; JSON data has no newlines, so it fits one `data:` field. */
export function sseEvent(event: string, data: unknown, id?: number): string {
  return `${id === undefined ? '' : `id: ${id}\n`}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

/**
 * The deploy log's event streams: each polls Redis (one round trip: new lines and the deploy's
 * record) and sends `lines` (id = number of the last line, so a reconnecting EventSource resumes
 * with Last-Event-ID), `deploy` when the record changes, and `end` once the deploy has finished and
 * every line was sent (or, with reason 'gone', once the record the link was made for is no longer
 * there); then it closes. Stops when the client goes away, or at close().
 */
export class LogStreams {
  private readonly open = new Map<ServerResponse, AbortController>();

  constructor(private readonly d: LogStreamDeps) {}

  get size(): number {
    return this.open.size;
  }

  /** Starts a stream on `res` (headers already chosen by the caller); false when too many are open. */
  start(res: ServerResponse, headers: Record<string, string>, r: StreamRequest): boolean {
    if (this.open.size >= this.d.maxStreams) return false;
    const ctl = new AbortController();
    this.open.set(res, ctl);
    res.on('close', () => ctl.abort());
    // Connection: close, so an ended stream's socket goes too (nothing waits on an idle keep-alive at shutdown).
    res.writeHead(200, { ...headers, 'content-type': 'text/event-stream; charset=utf-8', 'x-accel-buffering': 'no', connection: 'close' });
    this.run(res, r, ctl.signal)
      .catch((err: Error) => {
        if (!ctl.signal.aborted) this.d.log.warn({ deployId: r.id, err: err.message }, 'log stream failed');
      })
      .finally(() => {
        this.open.delete(res);
        if (!res.writableEnded) res.end();
      });
    return true;
  }

  /** Ends every open stream (at shutdown); browsers reconnect to another process or later. */
  closeAll(): void {
    for (const [res, ctl] of this.open) {
      ctl.abort();
      if (!res.writableEnded) res.end();
    }
    this.open.clear();
  }

  private async run(res: ServerResponse, r: StreamRequest, signal: AbortSignal): Promise<void> {
    const { d } = this;
    let lastWrite = d.now();
    const send = async (chunk: string) => {
      if (signal.aborted || res.writableEnded) throw new Error('stream closed');
      lastWrite = d.now();
      if (!res.write(chunk)) await once(res, 'drain', { signal });
    };
    await send('retry: 3000\n\n');
    let next = Math.max(1, r.from);
    let rev = -1;
    let failing = false;
    while (!signal.aborted) {
      let read: Awaited<ReturnType<LogStore['sinceWithDeploy']>>;
      try {
        read = await d.logs.sinceWithDeploy(r.id, next, CHUNK_LINES);
        failing = false;
      } catch (err) {
        if (!failing) d.log.warn({ deployId: r.id, err: (err as Error).message }, 'log stream could not read Redis; retrying');
        failing = true;
        await sleep(d.pollMs * 4, undefined, { signal });
        continue;
      }
      const { slice, deploy } = read;
      // The link was made for one record: if it is gone, or replaced by another under the same id,
      // nothing more is sent, not even lines that another deploy wrote.
      if (!deploy || deploy.createdAt !== r.createdAt) {
        await send(sseEvent('end', { reason: 'gone' }));
        return;
      }
      if (slice.lines.length > 0) {
        const last = slice.first + slice.lines.length - 1;
        await send(sseEvent('lines', { first: slice.first, lines: slice.lines.map(d.redact) }, last));
        next = last + 1;
      } else next = Math.max(next, slice.first);
      if (deploy.rev !== rev) {
        rev = deploy.rev;
        await send(sseEvent('deploy', deployFacts(deploy, d.redact)));
      }
      const behind = next <= slice.total;
      if (!behind && isFinished(deploy.status)) {
        await send(sseEvent('end', { status: deploy.status, total: slice.total }));
        return;
      }
      if (d.now() >= r.expiresAt) {
        await send(sseEvent('expired', { expiresAt: r.expiresAt }));
        return;
      }
      if (behind) continue;
      if (d.now() - lastWrite >= d.keepaliveMs) await send(': keepalive\n\n');
      await sleep(d.pollMs, undefined, { signal });
    }
  }
}
