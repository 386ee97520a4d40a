import type { Logger } from 'pino';
import type { CiDeploy, CiDriver } from '../core/ci/types';
import type { Deploy } from '../core/deploy';
import type { Redactor } from '../core/redact';
import type { DeployEventSink } from '../events/deploy-events';
import type { CiChange, CiRuns, CiTurn } from '../store/ci-runs';
import { isConnectionError } from '../store/redis-outage';
import type { DeployCancel } from './cancel-watch';
import type { CiWake } from './ci-wake';
import type { LogBuffer } from './log-buffer';

/**
 * The worker stopped following a run it may not end (its lease lost, or it is shutting down): the
 * run goes on in the CI, nothing is recorded, and the next worker to take the deploy follows it on.
 */
export class HandOver extends Error {
  constructor(readonly why: string) {
    super(`stopped following the CI run: ${why}`);
    this.name = 'HandOver';
  }
}

export interface FollowDeps {
  ci: CiRuns;
  /** Webhooks about the run wake the follower (absent: it polls only). */
  wake?: CiWake;
  events: DeployEventSink;
  log: Logger;
  now: () => number;
  workerName: string;
  /** The process's redactor: the run's state words and the deploy's error are outside text. */
  redact?: Redactor;
  /** How often the run is read: from `minMs`, growing by half while nothing changes, up to `maxMs` (default 1 s to 30 s). */
  poll?: { minMs: number; maxMs: number };
}

/** One started deploy through a CI driver. */
export interface Following {
  deploy: Deploy;
  turn: CiTurn;
  driver: CiDriver;
  /** The env's driver key (github_actions...): a record left by another driver is not followed by this one. */
  driverName: string;
  cd: CiDeploy;
  /** The env's timeout, counted from the deploy's start (a resumed follower keeps the first worker's clock). */
  timeoutMs: number;
  out: LogBuffer;
  /** Aborted when this worker must stop following (lease lost, shutdown, the worker stopping): HandOver. */
  stop: AbortSignal;
  /** Aborted only when the lease is lost or the shutdown grace ran out: recording a run just dispatched waits for no less. */
  hardStop?: AbortSignal;
  cancel?: DeployCancel;
}

/**
 * Writes what the follower learned, fenced by the env lease. A lost lease lets go (HandOver); Redis
 * not answering is waited out (a run that was dispatched must be recorded, not failed), until
 * `stop` (by default the follower's) aborts.
 */
export async function record(f: Following, d: FollowDeps, change: CiChange, stop: AbortSignal = f.stop): Promise<void> {
  for (let tries = 0; ; tries++) {
    try {
      if (await d.ci.note(f.turn, change)) return;
      throw new HandOver('lost the env lease');
    } catch (err) {
      if (err instanceof HandOver || !isConnectionError(err as Error)) throw err;
      if (stop.aborted) throw new HandOver(String(stop.reason));
      if (tries === 0) d.log.warn({ err: (err as Error).message }, 'could not record the CI run; trying again');
      await waitFor(Math.min(250 * 2 ** tries, 2_000), undefined, [stop]);
    }
  }
}

/** Waits `ms`, or less: a wake (webhook), or any of `signals` aborting (at once if one has already). */
export async function waitFor(
  ms: number,
  wake: { next(): Promise<void>; idle(): void } | undefined,
  signals: AbortSignal[],
): Promise<void> {
  if (signals.some((s) => s.aborted)) return;
  const ctl = new AbortController();
  const any = AbortSignal.any([ctl.signal, ...signals]);
  try {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      any.addEventListener('abort', () => {
        clearTimeout(timer);
        resolve();
      });
      void wake?.next().then(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  } finally {
    ctl.abort();
    // A wake that comes while the follower reads is kept for its next wait.
    wake?.idle();
  }
}
