import type { Redis } from 'ioredis';
import type { Logger } from 'pino';

/** A follower's subscription: `next()` resolves when a webhook about its run arrives. */
export interface CiWakeWatch {
  /** Resolves at the next wake (one per wake; wakes between calls are kept as one). */
  next(): Promise<void>;
  /** The wait that called next() is over: a wake from now on is kept for the next call. */
  idle(): void;
  stop(): void;
}

/**
 * Lets a worker following a CI run look at it again the moment GitHub says it changed, instead of
 * at its next poll. The app role publishes a webhook's keys (core/ci/wake.ts: `gha-run:<id>`,
 * `deployment:<id>`, `sha:<repo>:<sha>`) on `<prefix>:ci-wake`; every worker listens on its
 * subscriber connection. Polling is what counts: a lost message costs one poll interval.
 */
export class CiWake {
  private readonly watching = new Map<string, Set<() => void>>();

  constructor(subscriber: Redis, channel: string, log: Logger) {
    subscriber.on('message', (ch: string, msg: string) => {
      if (ch !== channel) return;
      for (const wake of this.watching.get(msg) ?? []) wake();
    });
    subscriber
      .subscribe(channel)
      .catch((err: Error) => log.warn({ err: err.message }, 'could not subscribe to CI webhooks; following CI runs polls only'));
  }

  watch(keys: readonly string[]): CiWakeWatch {
    let pending = false;
    let resolve: (() => void) | undefined;
    const wake = () => {
      if (resolve) {
        resolve();
        resolve = undefined;
      } else pending = true;
    };
    for (const key of keys) {
      const set = this.watching.get(key) ?? new Set();
      set.add(wake);
      this.watching.set(key, set);
    }
    return {
      next: () => {
        if (pending) {
          pending = false;
          return Promise.resolve();
        }
        return new Promise((r) => (resolve = r));
      },
      idle: () => {
        resolve = undefined;
      },
      stop: () => {
        for (const key of keys) {
          const set = this.watching.get(key);
          set?.delete(wake);
          if (set?.size === 0) this.watching.delete(key);
        }
      },
    };
  }
}
