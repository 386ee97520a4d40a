import { isNotConnectionError } from 'bullmq';
import type { Redis, RedisOptions } from 'ioredis';
import type { Logger } from 'pino';
import { formatDuration } from '../core/duration';

/** While Redis stays unreachable, a reminder this often (not a line per connection and per retry). */
const REMIND_MS = 60_000;

/**
 * Reconnect back-off for every connection Ferry makes (and BullMQ's copies of them): 0.2 s,
 * 0.4 s, ... up to 5 s between tries, with jitter so that the connections of a process (two per
 * env's queue) do not all knock at once. Set here rather than left to the client's default, so an
 * outage costs a few connection attempts a second however long it lasts.
 */
export const RECONNECT: Pick<RedisOptions, 'retryStrategy'> = {
  retryStrategy: (times: number) => Math.min(100 * 2 ** times, 5_000) + Math.floor(Math.random() * 250),
};

/** A connection error (Redis down or unreachable), as opposed to an error Redis answered with. */
export function isConnectionError(err: Error): boolean {
  return (
    !isNotConnectionError(err) ||
    /ECONNRESET|ETIMEDOUT|EPIPE|EHOSTUNREACH|ENOTFOUND|EAI_AGAIN|Connection is closed|Stream isn't writeable|max retries per request|All sentinels are unreachable|None of startup nodes is available|Failed to refresh slots cache|CLUSTERDOWN/i.test(
      `${(err as NodeJS.ErrnoException).code ?? ''} ${err.message}`,
    )
  );
}

/**
 * One process's view of Redis's reachability across its connections. An outage is logged once
 * when it starts (every connection and every BullMQ queue on it would otherwise log each retry),
 * then every minute while it lasts, and once when Redis answers again.
 */
export class RedisOutage {
  private readonly down = new Map<string, string>();
  private since: number | undefined;
  private remindedAt = 0;

  constructor(
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
    /** What to check, by the setting that says where Redis is (Sentinel and Cluster have their own). */
    private readonly check = 'that REDIS_URL points at it',
  ) {}

  /** Follows one connection (named in the log, e.g. "worker"). */
  watch<C extends Pick<Redis, 'on'>>(client: C, name: string): C {
    client.on('error', (err: Error) => this.failed(name, err));
    client.on('ready', () => this.back(name));
    return client;
  }

  /** True while a watched connection has failed and not reconnected. */
  get unreachable(): boolean {
    return this.down.size > 0;
  }

  /** Since when, and why (for a shutdown's report). */
  describe(): string {
    const why = [...new Set(this.down.values())].join('; ');
    return this.since === undefined ? 'Redis reachable' : `Redis unreachable for ${formatDuration(this.now() - this.since)} (${why})`;
  }

  private failed(name: string, err: Error): void {
    this.down.set(name, err.message);
    const now = this.now();
    if (this.since === undefined) {
      this.since = this.remindedAt = now;
      this.log.warn(
        { err: err.message, connection: name },
        `Redis is unreachable; retrying with back-off (up to 5 s apart). Deploys wait, and Slack commands fail, until it answers: check that Redis is running and ${this.check}`,
      );
    } else if (now - this.remindedAt >= REMIND_MS) {
      this.remindedAt = now;
      this.log.warn(
        { err: err.message, connections: [...this.down.keys()] },
        `Redis still unreachable after ${formatDuration(now - this.since!)}; still retrying`,
      );
    }
  }

  private back(name: string): void {
    if (!this.down.delete(name) || this.down.size > 0 || this.since === undefined) return;
    this.log.info({ after: formatDuration(this.now() - this.since) }, 'Redis is reachable again');
    this.since = undefined;
  }
}
