import type { Logger } from 'pino';

/** One request waits at most this long for CircleCI's answer. */
export const REQUEST_TIMEOUT_MS = 15_000;
/** A 429 is waited out (its Retry-After, at most MAX_RATE_WAIT_MS) this many times, then given up. */
export const RATE_WAITS = 2;
export const MAX_RATE_WAIT_MS = 60_000;
/** Without a Retry-After, a 429 is waited out this long. */
const DEFAULT_RATE_WAIT_MS = 2_000;

/** CircleCI answered with an error status: `status`, and its own message (`{"message": ...}`). */
export class CircleCiHttpError extends Error {
  constructor(
    readonly status: number,
    readonly apiMessage: string,
    what: string,
  ) {
    super(`CircleCI answered ${what} with HTTP ${status}${apiMessage ? `: ${apiMessage}` : ''}`);
    this.name = 'CircleCiHttpError';
  }
}

export interface CircleCiClientOptions {
  /** API v2's address, e.g. https://circleci.com/api/v2 (no trailing slash). */
  baseUrl: string;
  token: string;
  log: Logger;
  timeoutMs?: number;
  /** How a 429 is waited out (tests may shorten it). */
  sleep?: (ms: number) => Promise<void>;
}

/**
 * CircleCI's REST API on Node's fetch: API v2 (`get`, `post`), API v1.1 (`getV1`, for job step
 * output) and a step's output URL (`getOutput`). The token goes in the `Circle-Token` header, and
 * only to the API (an output URL is a signed download address, often elsewhere: it gets no token). Headers are never logged. A 429 is waited out (Retry-After, bounded) and the request sent
 * again: CircleCI did not accept it. Nothing else is retried here.
 */
export class CircleCiClient {
  private readonly v1: string;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly o: CircleCiClientOptions) {
    this.v1 = o.baseUrl.replace(/\/v2$/, '/v1.1');
    this.sleep = o.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  }

  get<T>(path: string): Promise<T> {
    return this.send<T>('GET', `${this.o.baseUrl}${path}`, true).then((r) => r.data);
  }

  /** A POST, sent once (again only after a 429, which CircleCI did not accept). */
  post<T>(path: string, body: unknown): Promise<{ status: number; data: T }> {
    return this.send<T>('POST', `${this.o.baseUrl}${path}`, true, body);
  }

  getV1<T>(path: string): Promise<T> {
    return this.send<T>('GET', `${this.v1}${path}`, true).then((r) => r.data);
  }

  /**
   * A step's output (API v1.1 output_url): a signed download address, which gets no token. It comes
   * from CircleCI's answer, so only an https address on a named host (or CircleCI's own origin) is
   * fetched: never a plain-http or bare-IP address inside the worker's network.
   */
  getOutput<T>(url: string): Promise<T> {
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      return Promise.reject(new Error('CircleCI gave a step output address that is not a URL'));
    }
    const sameOrigin = u.origin === new URL(this.v1).origin;
    const named = u.protocol === 'https:' && !/^[\d.]+$|^\[|^localhost$/i.test(u.hostname);
    if (!sameOrigin && !named)
      return Promise.reject(new Error(`not fetching the step output at ${u.origin}: not an https address on a named host`));
    return this.send<T>('GET', url, false).then((r) => r.data);
  }

  private async send<T>(method: string, url: string, withToken: boolean, body?: unknown): Promise<{ status: number; data: T }> {
    const path = new URL(url).pathname;
    const what = `${method} ${path}`;
    for (let waits = 0; ; waits++) {
      let res: Response;
      try {
        res = await fetch(url, {
          method,
          headers: {
            accept: 'application/json',
            ...(body !== undefined && { 'content-type': 'application/json' }),
            ...(withToken && { 'Circle-Token': this.o.token }),
          },
          ...(body !== undefined && { body: JSON.stringify(body) }),
          signal: AbortSignal.timeout(this.o.timeoutMs ?? REQUEST_TIMEOUT_MS),
        });
      } catch (err) {
        const e = err as Error & { cause?: { message?: string } };
        const why =
          e.name === 'TimeoutError'
            ? `no answer within ${(this.o.timeoutMs ?? REQUEST_TIMEOUT_MS) / 1000}s`
            : (e.cause?.message ?? e.message);
        throw new Error(`could not reach CircleCI (${what}): ${why}`);
      }
      const text = await res.text().catch(() => '');
      this.o.log.debug({ method, path, status: res.status }, 'circleci');
      if (res.status === 429 && waits < RATE_WAITS) {
        const ms = retryAfterMs(res.headers.get('retry-after'));
        this.o.log.warn({ path, waitMs: ms }, 'CircleCI rate-limited a request (429); waiting');
        await this.sleep(ms);
        continue;
      }
      const data = parse(text);
      if (!res.ok) throw new CircleCiHttpError(res.status, messageOf(data, text), what);
      return { status: res.status, data: data as T };
    }
  }
}

/** Retry-After (seconds or an HTTP date) in ms, at most MAX_RATE_WAIT_MS. */
export function retryAfterMs(header: string | null, now = Date.now()): number {
  if (!header) return DEFAULT_RATE_WAIT_MS;
  const secs = Number(header);
  const ms = Number.isFinite(secs) ? secs * 1000 : Date.parse(header) - now;
  return Number.isFinite(ms) ? Math.min(Math.max(ms, 0), MAX_RATE_WAIT_MS) : DEFAULT_RATE_WAIT_MS;
}

function parse(text: string): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** CircleCI's own message (`{"message": "Project not found"}`), or the start of a non-JSON body. */
function messageOf(data: unknown, text: string): string {
  const m = data && typeof data === 'object' ? (data as { message?: unknown }).message : undefined;
  return typeof m === 'string' ? m.slice(0, 300) : text.slice(0, 200).replace(/\s+/g, ' ').trim();
}
