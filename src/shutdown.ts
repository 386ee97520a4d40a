import pino, { type Logger } from 'pino';
import { formatDuration } from './core/duration';
import { withDeadline } from './util/deadline';

/**
 * After the shutdown grace, what the final steps may take before the process gives up and exits:
 * stopping the running commands (the kill grace, added on top) and recording their outcome, then
 * closing the BullMQ workers and queues, sending the last feed updates and quitting Redis, each
 * with a bound of its own well inside this.
 */
export const FINAL_STEPS_MS = 20_000;

/** The hard deadline after a SIGTERM: the grace, the kill grace of the commands it stops, and the final steps. */
export function shutdownDeadlineMs(graceMs: number, killGraceMs: number): number {
  return graceMs + killGraceMs + FINAL_STEPS_MS;
}

/**
 * One shutdown's record of what it is still waiting on and what it gave up on. Every close step
 * runs with a bound of its own (bounded()); what it could not finish is logged when it is given
 * up on (gaveUp()), saying what follows from it, and the process then exits 1.
 */
export class ShutdownReport {
  readonly unfinished: string[] = [];
  private readonly waiting = new Map<number, string>();
  private seq = 0;
  /** Told whenever what it waits on changes (the worker thread tells the process's main thread). */
  onChange?: (waitingOn: string[]) => void;

  constructor(readonly log: Logger) {}

  /** Something this shutdown will not finish; `message` says what and what follows from it. */
  gaveUp(message: string, fields: Record<string, unknown> = {}): void {
    this.unfinished.push(message);
    this.log.warn(fields, message);
  }

  /** What another part (the worker thread) gave up on and has logged already. */
  add(messages: string[]): void {
    this.unfinished.push(...messages);
  }

  /** Marks `what` as waited on until the returned function is called. */
  wait(what: string): () => void {
    const id = ++this.seq;
    this.waiting.set(id, what);
    this.onChange?.(this.waitingOn());
    return () => {
      if (this.waiting.delete(id)) this.onChange?.(this.waitingOn());
    };
  }

  waitingOn(): string[] {
    return [...this.waiting.values()];
  }

  /**
   * Runs one close step for at most `ms`: true if it finished in time (a failure counts as
   * finished: there is nothing left to wait for), false if it was still running.
   */
  async bounded(what: string, ms: number, work: () => Promise<unknown>): Promise<boolean> {
    const done = this.wait(what);
    let timer: NodeJS.Timeout | undefined;
    try {
      const inTime = work().then(
        () => true,
        (err: Error) => {
          this.log.warn({ err: err.message }, `${what} failed`);
          return true;
        },
      );
      return await Promise.race([inTime, new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms)))]);
    } finally {
      clearTimeout(timer);
      done();
    }
  }
}

type Signal = 'SIGTERM' | 'SIGINT';

/**
 * A signal this soon after the first is the same request delivered twice, not a second one: a
 * Ctrl-C under `npm start` reaches Ferry from the terminal (SIGINT) and from the wrapper script
 * (SIGTERM) within a millisecond, and the playground's processes likewise.
 */
export const REPEAT_WINDOW_MS = 1_000;

/**
 * SIGTERM and SIGINT stop the process gracefully: `stop` runs, and the process exits 0 when it
 * finished everything, 1 when it gave up on something (each logged when it was given up on, and
 * listed in the last line). It exits at the hard deadline whatever is still running, and at once
 * on a second signal (REPEAT_WINDOW_MS or more after the first), saying what was left.
 */
export function stopOnSignals(o: {
  log: Logger;
  /** The shutdown grace for running deploys, when the process runs a worker. */
  graceMs?: number;
  deadlineMs: number;
  stop: (report: ShutdownReport) => Promise<void>;
}): void {
  let report: ShutdownReport | undefined;
  let firstAt = 0;
  const exit = (code: number) => void logWritten(o.log).then(() => process.exit(code));
  const left = (r: ShutdownReport) => [...r.unfinished, ...r.waitingOn()].join('; ') || 'nothing';
  const onSignal = (signal: Signal) => {
    if (report && Date.now() - firstAt < REPEAT_WINDOW_MS) {
      o.log.info({ signal }, `${signal} right after the first signal: taken as the same request (send it again to exit at once)`);
      return;
    }
    if (report) {
      const deploys =
        o.graceMs === undefined
          ? ''
          : ' Any deploy still running is stopped by the command supervisor; its lease expires and the next worker reports it lost.';
      o.log.error(
        { signal, unfinished: left(report) },
        `second ${signal} while stopping: exiting now, leaving unfinished: ${left(report)}.${deploys}`,
      );
      return exit(1);
    }
    const r = new ShutdownReport(o.log);
    report = r;
    firstAt = Date.now();
    const grace = o.graceMs === undefined ? '' : `running deploys get up to ${formatDuration(o.graceMs)} to finish; `;
    o.log.info(
      { signal, graceMs: o.graceMs, deadlineMs: o.deadlineMs },
      `stopping (${signal}): ${grace}the process exits within ${formatDuration(o.deadlineMs)} (a second ${signal} exits at once)`,
    );
    const deadline = setTimeout(() => {
      o.log.error(
        { unfinished: left(r) },
        `could not stop within ${formatDuration(o.deadlineMs)} (shutdown_grace plus the final steps): exiting now, leaving unfinished: ${left(r)}`,
      );
      exit(1);
    }, o.deadlineMs);
    o.stop(r).then(
      () => {
        clearTimeout(deadline);
        if (r.unfinished.length === 0) {
          o.log.info('stopped');
          return exit(0);
        }
        o.log.warn({ unfinished: r.unfinished }, `stopped, leaving unfinished: ${r.unfinished.join('; ')}`);
        exit(1);
      },
      (err: Error) => {
        clearTimeout(deadline);
        o.log.error({ err: err.message }, `stopping failed: ${err.message}`);
        exit(1);
      },
    );
  };
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  process.on('SIGINT', () => onSignal('SIGINT'));
}

/**
 * Ends the log's stream and resolves once its lines are out (at most a second): pino writes
 * asynchronously, and at exit it writes what is buffered ahead of a line still in flight, so the
 * last lines of a shutdown would come out of order.
 */
function logWritten(log: Logger): Promise<void> {
  const stream = (log as unknown as Record<symbol, unknown>)[pino.symbols.streamSym] as
    | (NodeJS.EventEmitter & { end?: () => void; destroyed?: boolean })
    | undefined;
  if (typeof stream?.end !== 'function' || stream.destroyed) return Promise.resolve();
  const closed = new Promise<void>((resolve) => stream.once('close', () => resolve()));
  try {
    stream.end();
  } catch {
    return Promise.resolve();
  }
  return withDeadline(closed, 1_000, undefined);
}
