import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { CancelAsked, CancelStore } from '../store/cancel';

/** One running deploy, watched for a cancel request. */
export interface DeployCancel {
  /** Aborted once someone has asked to cancel the deploy; the reason is "cancelled by <@U>". */
  readonly signal: AbortSignal;
  /** The request, once noticed. */
  request(): CancelAsked | undefined;
  /** Reads the deploy's record now (the lease-renew tick calls this, in case a message was missed). */
  check(): Promise<void>;
  stop(): void;
}

/**
 * Lets a worker process notice within moments that a deploy it runs was cancelled. The app records
 * the request in the deploy's record, then publishes the id on `<prefix>:cancel`; every worker
 * process listens on a subscriber connection of its own. The record is what counts: a message only
 * makes the worker read it now, and the lease-renew tick reads it too, so a message lost while the
 * subscriber reconnects costs one tick of delay, not the cancel.
 */
export class CancelWatch {
  private readonly watching = new Map<number, Set<() => Promise<void>>>();

  constructor(
    private readonly subscriber: Redis,
    private readonly cancels: CancelStore,
    private readonly channel: string,
    private readonly log: Logger,
  ) {
    subscriber.on('message', (ch: string, msg: string) => {
      if (ch !== this.channel) return;
      for (const check of this.watching.get(Number(msg)) ?? []) void check();
    });
    // ioredis queues this until connected, and subscribes again after every reconnect.
    subscriber
      .subscribe(channel)
      .catch((err: Error) => log.warn({ err: err.message }, 'could not subscribe to cancel requests; the lease tick still checks them'));
  }

  watch(id: number): DeployCancel {
    const ctl = new AbortController();
    let request: CancelAsked | undefined;
    let checking: Promise<void> | undefined;
    const check = (): Promise<void> => {
      if (ctl.signal.aborted) return Promise.resolve();
      checking ??= this.cancels
        .requested(id)
        .then((r) => {
          if (r && !ctl.signal.aborted) {
            request = r;
            this.log.info({ deployId: id, by: r.by }, 'deploy cancelled; stopping it');
            ctl.abort(`cancelled by <@${r.by}>`);
          }
        })
        .catch((err: Error) => this.log.warn({ deployId: id, err: err.message }, 'could not read the cancel request'))
        .finally(() => {
          checking = undefined;
        });
      return checking;
    };
    let set = this.watching.get(id);
    if (!set) {
      set = new Set();
      this.watching.set(id, set);
    }
    set.add(check);
    // A request made between the deploy starting and this watch would have had no listener.
    void check();
    return {
      signal: ctl.signal,
      request: () => request,
      check,
      stop: () => {
        set.delete(check);
        if (set.size === 0 && this.watching.get(id) === set) this.watching.delete(id);
      },
    };
  }

  close(): void {
    this.subscriber.disconnect();
  }
}
