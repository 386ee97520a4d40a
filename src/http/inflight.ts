import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';

/**
 * Tells whether Slack requests are arriving: busy while any is waiting for its ack, and for
 * `quietMs` after the last one arrived (requests of a burst arrive a few at a time). Says 'idle'
 * when that ends. Slow after-ack work waits for idle, so acks are never queued behind it.
 */
export class Inflight extends EventEmitter {
  private count = 0;
  private lastArrival = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly quietMs = 20) {
    super();
  }

  track(res: ServerResponse): void {
    this.count++;
    this.lastArrival = Date.now();
    res.once('close', () => {
      this.count--;
      this.scheduleIdle();
    });
  }

  get busy(): boolean {
    return this.count > 0 || Date.now() - this.lastArrival < this.quietMs;
  }

  private scheduleIdle(): void {
    if (this.count > 0 || this.timer) return;
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        if (!this.busy) this.emit('idle');
        else this.scheduleIdle();
      },
      Math.max(1, this.lastArrival + this.quietMs - Date.now()),
    );
  }
}
