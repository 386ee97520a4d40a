import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import { formatDuration } from './core/duration';
import type { MetricsJson } from './metrics/endpoint';
import type { ShutdownReport } from './shutdown';
import { withDeadline } from './util/deadline';

/**
 * `ferry start` (the Slack app and a worker in one process) runs the worker on a thread of its
 * own: the app's event loop then does nothing but take requests, so Slack's acks stay fast while
 * hundreds of deploys run and queue. One process still: a kill of it (or of its group) ends both,
 * and the command supervisor stops what the worker ran.
 *
 * Parent -> thread: 'stop' (a graceful stop: running deploys get the shutdown grace period), or
 * {t:'metrics', id} (its registry's metrics, for the process's GET /metrics).
 * Thread -> parent: {t:'ready'} | {t:'failed', message}; {t:'metrics', id, metrics} (the answer);
 * while stopping, {t:'waiting', on} (what its stop waits on, so that a second SIGTERM or the
 * deadline can name it) and {t:'stopped', unfinished} (what it gave up on, logged by the thread already).
 */
export type ToThread = 'stop' | { t: 'metrics'; id: number };
export type FromThread =
  | { t: 'ready' }
  | { t: 'metrics'; id: number; metrics: MetricsJson }
  | { t: 'waiting'; on: string[] }
  | { t: 'stopped'; unfinished: string[] }
  | { t: 'failed'; message: string };

export interface WorkerThread {
  /**
   * Stops the worker gracefully (its steps are bounded; what it could not finish goes into
   * `report`) and resolves once the thread has ended; ends it after `boundMs` at the latest.
   */
  stop(report: ShutdownReport, boundMs: number): Promise<void>;
  /** Rejects if the thread ends without being asked to (the process should then exit and be restarted). */
  readonly lost: Promise<never>;
  /** The thread's metrics (its registry's, as JSON); rejects when it does not answer within METRICS_MS. */
  metrics(): Promise<MetricsJson>;
}

/** A scrape waits this long for the thread's metrics, then answers without them. */
const METRICS_MS = 2_000;

/** The thread's side (worker-thread-main.ts; .js once built, .ts under jest). */
const THREAD_ENTRY = path.join(__dirname, `worker-thread-main${path.extname(__filename)}`);

/** Starts the worker role on a thread, with the process's environment minus PORT (the app serves HTTP). */
export function startWorkerThread(processEnv: NodeJS.ProcessEnv, log: Logger): Promise<WorkerThread> {
  const env = { ...processEnv };
  delete env.PORT;
  // A young generation of 16 MB (V8's default grows to 48 MB): a little more scavenging, much less memory held.
  const thread = new Worker(THREAD_ENTRY, { workerData: { env }, env, resourceLimits: { maxYoungGenerationSizeMb: 16 } });
  let stopping = false;
  const ended = new Promise<number>((resolve) => thread.once('exit', resolve));
  const lost = new Promise<never>((_, reject) => {
    thread.on('error', (err) => log.error({ err: err.message }, 'the worker thread failed'));
    void ended.then((code) => {
      if (!stopping) reject(new Error(`the worker thread stopped unexpectedly (exit ${code})`));
    });
  });
  lost.catch(() => {});
  let report: ShutdownReport | undefined;
  let waits: (() => void)[] = [];
  const asked = new Map<number, (m: MetricsJson) => void>();
  let asks = 0;
  const metrics = (): Promise<MetricsJson> => {
    const id = ++asks;
    const answer = new Promise<MetricsJson>((resolve) => asked.set(id, resolve));
    thread.postMessage({ t: 'metrics', id } satisfies ToThread);
    const late = new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error(`no answer within ${METRICS_MS / 1000}s`)), METRICS_MS).unref(),
    );
    return Promise.race([answer, late]).finally(() => asked.delete(id));
  };
  const stop = async (r: ShutdownReport, boundMs: number) => {
    stopping = true;
    report = r;
    thread.postMessage('stop' satisfies ToThread);
    const inTime = await withDeadline(
      ended.then(() => true),
      boundMs,
      false,
    );
    if (!inTime) {
      const on =
        r
          .waitingOn()
          .filter((w) => w.startsWith('worker thread: '))
          .join('; ') || 'nothing it reported';
      r.gaveUp(`the worker thread had not stopped within ${formatDuration(boundMs)} (waiting on ${on}); ended it`);
      await thread.terminate();
    }
    for (const release of waits) release();
  };
  return new Promise((resolve, reject) => {
    thread.on('message', (m: FromThread) => {
      if (m.t === 'ready') resolve({ lost, stop, metrics });
      else if (m.t === 'metrics') asked.get(m.id)?.(m.metrics);
      else if (m.t === 'failed') reject(new Error(m.message));
      else if (m.t === 'waiting' && report) {
        for (const release of waits) release();
        waits = m.on.map((w) => report!.wait(`worker thread: ${w}`));
      } else if (m.t === 'stopped') {
        report?.add(m.unfinished.map((u) => `worker thread: ${u}`));
        // Its work is done; connections it had to drop may still hold its event loop open.
        void thread.terminate();
      }
    });
    void ended.then((code) => reject(new Error(`the worker thread exited (${code}) before it was ready`)));
  });
}
