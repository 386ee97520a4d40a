import type { Logger } from 'pino';
import { Background } from '../util/background';

/**
 * What happens to a deploy, as the parts that move it (requests, cancel, the worker) tell it.
 * Subscribers decide what follows: the feed message, the GitHub Deployments mirror, the
 * after-deploy job (releases, smoke failure actions, promotion). Events are in-process and
 * best-effort; a follow-up that must not be lost is a retried BullMQ job that a subscriber enqueues.
 */
export type DeployEvent =
  /** A new deploy is queued (its feed message is to be posted). */
  | { type: 'accepted'; deployId: number; app: string; env: string }
  /** A queued deploy left its env's line without running (replaced, cancelled): those behind it move up. */
  | { type: 'left-line'; deployId: number; app: string; env: string }
  /** What the deploy's message shows changed: what it waits for, a hold, a note. */
  | { type: 'changed'; deployId: number }
  /** Its command is about to run: it left the line, and the deploy behind it is next. */
  | { type: 'started'; deployId: number; app: string; env: string }
  /**
   * Its outcome is recorded (or found recorded by a re-run job). `followUps`: whether anything may
   * follow it (a release it ships or moves, smoke failure actions, a promotion).
   */
  | { type: 'finished'; deployId: number; app: string; env: string; followUps: boolean };

export type DeployEventType = DeployEvent['type'];
type Of<T extends DeployEventType> = Extract<DeployEvent, { type: T }>;
export type DeploySubscriber<T extends DeployEventType = DeployEventType> = (event: Of<T>) => Promise<unknown> | undefined;

/** Where a part that moves a deploy tells it; all it needs to know of what follows. */
export interface DeployEventSink {
  emit(event: DeployEvent): void;
}

/**
 * The in-process event bus of deploy lifecycle events. emit() never waits and never throws: each
 * subscriber runs in the background, its failure logged with the deploy's id; drain() waits for
 * all of them (a stopping process finishes its Slack updates first).
 */
export class DeployEvents implements DeployEventSink {
  private readonly subscribers = new Map<DeployEventType, { name: string; run: DeploySubscriber }[]>();
  private readonly running = new Background();

  constructor(private readonly log: Logger) {}

  /** Subscribes `run` to the given events; `name` says what failed in the log. */
  on<T extends DeployEventType>(types: T | readonly T[], name: string, run: DeploySubscriber<T>): this {
    for (const type of typeof types === 'string' ? [types] : types) {
      const list = this.subscribers.get(type) ?? [];
      list.push({ name, run: run as unknown as DeploySubscriber }); // only ever called with events of its types
      this.subscribers.set(type, list);
    }
    return this;
  }

  emit(event: DeployEvent): void {
    for (const s of this.subscribers.get(event.type) ?? []) {
      this.running.add(
        Promise.resolve()
          .then(() => s.run(event))
          .catch((err: Error) => this.log.error({ deployId: event.deployId, event: event.type, err: err.message }, `${s.name} failed`)),
      );
    }
  }

  /** Subscribers still running. */
  get pending(): number {
    return this.running.pending;
  }

  /** Waits until no subscriber runs (including ones started by those it waited for). */
  drain(): Promise<void> {
    return this.running.drain();
  }
}
