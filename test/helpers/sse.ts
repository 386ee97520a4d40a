import { EventEmitter } from 'node:events';

export interface SseEvent {
  event: string;
  data: string;
  id?: string;
}

/**
 * A server-sent events client for tests: reads the stream as it arrives and lets a test wait for
 * the event it expects (re-checked on every event and at the end of the stream), never on a timer.
 */
export class SseClient {
  readonly events: SseEvent[] = [];
  /** Comment lines (`: keepalive`), without the colon. */
  readonly comments: string[] = [];
  ended = false;
  private readonly emitter = new EventEmitter();
  private readonly abort = new AbortController();

  private constructor(
    readonly status: number,
    readonly headers: Headers,
  ) {}

  static async open(url: string, headers: Record<string, string> = {}): Promise<SseClient> {
    const ctl = new AbortController();
    const res = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: ctl.signal });
    const c = new SseClient(res.status, res.headers);
    c.abort.signal.addEventListener('abort', () => ctl.abort());
    if (res.body) void c.read(res.body);
    else c.finish();
    return c;
  }

  /** The parsed data of every event of this type so far. */
  all<T>(event: string): T[] {
    return this.events.filter((e) => e.event === event).map((e) => JSON.parse(e.data) as T);
  }

  /** Resolves with pick()'s first defined value, checked now and after every event. */
  waitFor<T>(what: string, pick: () => T | undefined | false, timeoutMs = 20_000): Promise<T> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const v = pick();
        if (v !== undefined && v !== false) {
          done();
          resolve(v);
        } else if (this.ended) {
          done();
          reject(new Error(`the stream ended before ${what}; events: ${JSON.stringify(this.events.map((e) => e.event))}`));
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`timed out waiting for ${what}; events: ${JSON.stringify(this.events.map((e) => e.event))}`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        this.emitter.off('change', check);
      };
      this.emitter.on('change', check);
      check();
    });
  }

  /** Resolves when the server has closed the stream. */
  closed(): Promise<true> {
    return this.waitFor('the server to close the stream', () => (this.ended ? (true as const) : undefined));
  }

  close(): void {
    this.abort.abort();
  }

  private async read(body: ReadableStream<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder();
    let buf = '';
    try {
      for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
        buf += decoder.decode(chunk, { stream: true });
        for (let end = buf.indexOf('\n\n'); end >= 0; end = buf.indexOf('\n\n')) {
          this.parse(buf.slice(0, end));
          buf = buf.slice(end + 2);
        }
      }
    } catch {
      // aborted by close(), or the connection dropped: either way the stream is over
    }
    this.finish();
  }

  private parse(block: string): void {
    const e: SseEvent = { event: 'message', data: '' };
    const data: string[] = [];
    let any = false;
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) {
        this.comments.push(line.slice(1).trim());
        this.emitter.emit('change');
        continue;
      }
      const i = line.indexOf(':');
      const field = i < 0 ? line : line.slice(0, i);
      const value = i < 0 ? '' : line.slice(i + 1).replace(/^ /, '');
      if (field === 'event') e.event = value;
      else if (field === 'data') data.push(value);
      else if (field === 'id') e.id = value;
      else continue;
      any = true;
    }
    if (!any || data.length === 0) return;
    e.data = data.join('\n');
    this.events.push(e);
    this.emitter.emit('change');
  }

  private finish(): void {
    this.ended = true;
    this.emitter.emit('change');
  }
}
