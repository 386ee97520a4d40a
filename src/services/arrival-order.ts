import type { Logger } from 'pino';

/** How long a request waits for an earlier one to join the queue before it goes ahead anyway. */
const MAX_WAIT_MS = 30_000;

/**
 * Arrival order is queue order. Each request that may queue a deploy takes a place when it arrives
 * (in the listener, before its ack; when a webhook is received), and its deploy is accepted and
 * queued only after every earlier request for the same env, and every earlier one whose env is not
 * known yet, has been accepted or refused. The work before that (permissions, the ref's SHA,
 * checks) runs in parallel; only "take a number and join the queue" goes in arrival order.
 *
 * Per process: requests that reach different app replicas are in order within each replica. A
 * request that hangs before joining holds the ones after it back at most `maxWaitMs`.
 */
export class ArrivalOrder {
  private seq = 0;
  private readonly places = new Set<Place>();

  constructor(
    private readonly log?: Logger,
    readonly maxWaitMs = MAX_WAIT_MS,
  ) {}

  /** A place in line, taken now; `line` is the env's key when it is known already. */
  arrive(line?: string): Place {
    const place = new Place(this, ++this.seq, line);
    this.places.add(place);
    return place;
  }

  /** How many requests have a place and have not joined the queue yet. */
  get pending(): number {
    return this.places.size;
  }

  /** How many of them are waiting for an earlier one (their own work is done). */
  held = 0;

  /** @internal The earliest place that holds `place` back: earlier, and for its line or for a line not known yet. */
  blocker(place: Place): Place | undefined {
    for (const other of this.places) {
      if (other.arrival >= place.arrival) break; // a Set iterates in insertion (= arrival) order
      if (other.line === undefined || other.line === place.line) return other;
    }
    return undefined;
  }

  /** @internal */
  remove(place: Place): void {
    if (this.places.delete(place)) place.wakeWaiters();
  }

  /** @internal */
  gaveUpOn(place: Place, blocker: Place): void {
    this.log?.warn(
      { line: place.line, blockedBy: blocker.line ?? 'an env not known yet', waitedMs: this.maxWaitMs },
      'an earlier request took too long to join the queue; a later one goes ahead of it',
    );
    this.remove(blocker);
  }
}

/** One request's place in line; see ArrivalOrder. */
export class Place {
  private wake: (() => void) | undefined;
  private done = false;
  /** Later places waiting for this one. */
  private readonly waiters = new Set<Place>();

  constructor(
    private readonly order: ArrivalOrder,
    readonly arrival: number,
    private lineKey: string | undefined,
  ) {}

  get line(): string | undefined {
    return this.lineKey;
  }

  /** Names the line (the env) as soon as it is known, so requests for other envs stop waiting for this one. */
  name(line: string): void {
    if (this.lineKey === line) return;
    this.lineKey = line;
    this.wakeWaiters(); // those held back because its line was not known look again
  }

  /** Names the line (the env) and waits until every earlier request for it, or for an env not known yet, has joined or left. */
  async turn(line: string): Promise<void> {
    this.name(line);
    const deadline = Date.now() + this.order.maxWaitMs;
    for (let blocker = this.order.blocker(this); blocker && !this.done; blocker = this.order.blocker(this)) {
      const left = deadline - Date.now();
      if (left <= 0) {
        this.order.gaveUpOn(this, blocker);
        continue;
      }
      blocker.waiters.add(this);
      this.order.held++;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = undefined;
      this.order.held--;
      blocker.waiters.delete(this);
    }
  }

  /** Joined the queue (accepted and queued), refused, or failed: the requests after it may go. Safe to repeat. */
  leave(): void {
    if (this.done) return;
    this.done = true;
    this.order.remove(this);
  }

  /** @internal */
  wakeWaiters(): void {
    for (const w of this.waiters) w.wake?.();
  }
}
