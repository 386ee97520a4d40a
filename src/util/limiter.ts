export interface LimiterOptions {
  /** While this says true (Slack requests waiting for their ack), no new task starts... */
  busy?: () => boolean;
  /** ...unless the oldest waiting task has waited this long. */
  maxDeferMs?: number;
}

/**
 * Runs at most `max` tasks at once, in the order they were given, and gives way to acks: a task
 * starts only when no Slack request is waiting for its ack (or it has waited maxDeferMs), and on a
 * later turn of the event loop, so a burst of commands is acked first and worked on after.
 * Call wake() when busy() may have turned false.
 */
export class Limiter {
  private active = 0;
  private readonly waiting: { since: number; start: () => void }[] = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly busy: () => boolean;
  private readonly maxDeferMs: number;

  constructor(
    private readonly max: number,
    opts: LimiterOptions = {},
  ) {
    this.busy = opts.busy ?? (() => false);
    this.maxDeferMs = opts.maxDeferMs ?? 1_000;
  }

  run<T>(task: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const start = () =>
        task()
          .then(resolve, reject)
          .finally(() => {
            this.active--;
            this.wake();
          });
      this.waiting.push({ since: Date.now(), start });
      this.wake();
    });
  }

  /** Starts what may start now; if acks are pending, looks again when the oldest task's wait is up. */
  wake(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    while (this.active < this.max && this.waiting.length > 0) {
      const waited = Date.now() - this.waiting[0]!.since;
      if (this.busy() && waited < this.maxDeferMs) {
        this.timer = setTimeout(() => this.wake(), this.maxDeferMs - waited);
        return;
      }
      this.active++;
      setImmediate(this.waiting.shift()!.start);
    }
  }
}
