import type { Octokit, OctokitOptions } from '@octokit/core';
import { sleep } from '../util/deadline';
import type { WritePacer } from './github-writes';

/** What a limit handler is told about the request: its method and URL. */
export interface LimitedRequest {
  method: string;
  url: string;
}

export interface GitHubLimitsOptions {
  /** Spaces writes (POST, PATCH, PUT, DELETE) as GitHub asks; absent: writes go as they come. */
  writes?: WritePacer;
  /** Primary rate limit (remaining 0): wait `retryAfterS` and send again when this says true. */
  onRateLimit(retryAfterS: number, r: LimitedRequest, retryCount: number): boolean | Promise<boolean>;
  /** Secondary rate limit (too many requests at once, or writes too close): the same. */
  onSecondaryRateLimit(retryAfterS: number, r: LimitedRequest, retryCount: number): boolean | Promise<boolean>;
  /** Statuses never retried as errors (4xx that won't change); others, and network errors, are retried. */
  doNotRetry: readonly number[];
  /** How often an error is retried (a request may say otherwise with `request.retries`); default 3. */
  retries?: number;
  /** Retry n waits n² times this (1, 4, 9 s by default). */
  retryBaseMs?: number;
  /** At most this many requests in flight per process (GitHub asks clients not to flood it); default 10. */
  maxConcurrent?: number;
  /** Told each request's result, each try counted (ferry_github_api_calls_total). */
  count?: (result: 'ok' | '4xx' | '5xx' | 'rate_limited' | 'network') => void;
}

declare module '@octokit/core' {
  interface OctokitOptions {
    /** Ferry's GitHub limits (githubLimits). */
    limits?: GitHubLimitsOptions;
  }
}

/** A secondary rate limit without retry-after: GitHub says to wait at least a minute. */
const SECONDARY_FALLBACK_S = 60;

interface RequestOptions {
  method: string;
  url: string;
  request?: { retries?: number };
}

interface ApiError {
  name?: string;
  /** Set on Octokit's RequestError: the request that failed. */
  request?: unknown;
  status?: number;
  message?: string;
  response?: { headers?: Record<string, string | undefined>; data?: { errors?: { type?: string }[] } };
}

/**
 * An Octokit plugin with what @octokit/plugin-throttling and plugin-retry gave Ferry (writes spaced,
 * rate limits waited out as the handlers decide, 5xx and network errors retried after 1, 4 and 9 s,
 * at most 10 requests at once) without their three Bottleneck queues, which cost every request
 * some 15 ms of timers on an idle client (an 11-page compare: 50-85 ms).
 */
export function githubLimits(octokit: Octokit, options: OctokitOptions): Record<string, never> {
  const o = options.limits;
  if (!o) return {};
  const slots = new Slots(o.maxConcurrent ?? 10);
  octokit.hook.wrap('request', async (request, opts) => {
    const req = opts as unknown as RequestOptions;
    const write = isWrite(req);
    for (let limited = 0, failed = 0; ; ) {
      if (write && o.writes) await o.writes.turn();
      let waitMs: number;
      await slots.take();
      try {
        const res = await request(opts);
        o.count?.('ok');
        return res;
      } catch (e) {
        const err = e as ApiError;
        const limit = await limitWait(o, err, req, limited);
        o.count?.(limit === undefined ? resultOf(err) : 'rate_limited');
        if (limit === false) throw e;
        if (limit !== undefined) {
          limited++;
          waitMs = limit * 1000;
        } else {
          const retries = req.request?.retries ?? o.retries ?? 3;
          if (!retryable(err, o.doNotRetry) || failed >= retries) throw e;
          failed++;
          waitMs = failed * failed * (o.retryBaseMs ?? 1_000);
        }
      } finally {
        slots.give();
      }
      await sleep(waitMs);
    }
  });
  return {};
}

/** A failed request's result: GitHub's 4xx or 5xx, or no answer (a network error or a timeout, which Octokit reports without a response). */
function resultOf(err: ApiError): '4xx' | '5xx' | 'network' {
  if (err.name === 'AbortError' || !err.response || typeof err.status !== 'number') return 'network';
  return err.status >= 500 ? '5xx' : '4xx';
}

/** Seconds to wait before sending again for a rate limit; false: give up; undefined: not a rate limit. */
async function limitWait(o: GitHubLimitsOptions, err: ApiError, req: RequestOptions, count: number): Promise<number | false | undefined> {
  if (err.status !== 403 && err.status !== 429) return undefined;
  const headers = err.response?.headers ?? {};
  const r = { method: req.method, url: req.url };
  if (/\bsecondary rate\b/i.test(err.message ?? '')) {
    const after = Number(headers['retry-after']) || SECONDARY_FALLBACK_S;
    return (await o.onSecondaryRateLimit(after, r, count)) ? after : false;
  }
  if (headers['x-ratelimit-remaining'] === '0' || (err.response?.data?.errors ?? []).some((x) => x.type === 'RATE_LIMITED')) {
    const reset = Number(headers['x-ratelimit-reset'] ?? 0) * 1000;
    const after = Math.max(Math.ceil((reset - Date.now()) / 1000) + 1, 0);
    return (await o.onRateLimit(after, r, count)) ? after : false;
  }
  return undefined;
}

/**
 * An HTTP error GitHub may not give again (5xx, or a network error, which Octokit reports as 500).
 * Not an aborted request (a timeout: Octokit throws it as it is, with status 500, but no `request`).
 */
function retryable(err: ApiError, doNotRetry: readonly number[]): boolean {
  if (err.name === 'AbortError' || err.request === undefined) return false;
  return typeof err.status === 'number' && err.status >= 400 && !doNotRetry.includes(err.status);
}

/** Writes and GraphQL queries count against GitHub's content limits; token requests of a GitHub App don't. */
function isWrite(req: RequestOptions): boolean {
  if (req.method === 'GET' || req.method === 'HEAD') return false;
  const path = new URL(req.url, 'http://github.test').pathname;
  return !/^\/app\/installations\/[^/]+\/access_tokens$/.test(path);
}

/** A counting semaphore without timers: a request waits only when `max` are in flight. */
class Slots {
  private used = 0;
  private readonly waiting: (() => void)[] = [];
  constructor(private readonly max: number) {}

  take(): Promise<void> | void {
    if (this.used < this.max) {
      this.used++;
      return;
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  give(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.used = Math.max(0, this.used - 1);
  }
}
