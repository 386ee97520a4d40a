import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import type { Logger } from 'pino';
import { formatDuration } from './core/duration';
import { ShutdownReport } from './shutdown';
import { withDeadline } from './util/deadline';

/**
 * `ferry start` (the Slack app and a worker in one process) runs the worker on a thread of its
 * own: the app's event loop then does nothing but take requests, so Slack's acks stay fast while
 * hundreds of deploys run and queue. One process still: a kill of it (or of its group) ends both,
 * and the command supervisor stops what the worker ran.
 *
 * Parent -> thread: 'stop' (a graceful stop: running deploys get the shutdown grace period).
 * Thread -> parent: {t:'ready'} | {t:'failed', message}; while stopping, {t:'waiting', on} (what
 * its stop waits on, so that a second SIGTERM or the deadline can name it) and {t:'stopped',
 * unfinished} (what it gave up on, logged by the thread already).
 */
type FromThread =
  | { t: 'ready' }
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
}

/** Starts the worker role on a thread, with the process's environment minus PORT (the app serves HTTP). */
export function startWorkerThread(processEnv: NodeJS.ProcessEnv, log: Logger): Promise<WorkerThread> {
  const env = { ...processEnv };
  delete env.PORT;
  // A young generation of 16 MB (V8's default grows to 48 MB): a little more scavenging, much less memory held.
  const thread = new Worker(__filename, { workerData: { env }, env, resourceLimits: { maxYoungGenerationSizeMb: 16 } });
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
  const stop = async (r: ShutdownReport, boundMs: number) => {
    stopping = true;
    report = r;
    thread.postMessage('stop');
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
      if (m.t === 'ready') resolve({ lost, stop });
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

/** The thread's side: start('worker'), then stop when told and end. */
async function threadMain(): Promise<void> {
  const port = parentPort!;
  // Loaded here, not at the top: main.ts imports this file to start the thread.
  const { start } = require('./main') as typeof import('./main');
  try {
    const running = await start('worker', (workerData as { env: NodeJS.ProcessEnv }).env);
    port.on('message', (m: unknown) => {
      if (m !== 'stop') return;
      const report = new ShutdownReport(running.log);
      report.onChange = (on) => port.postMessage({ t: 'waiting', on } satisfies FromThread);
      void running
        .stop(report)
        .catch((err: Error) => report.gaveUp(`stopping the worker failed: ${err.message}`))
        .finally(() => {
          report.onChange = undefined;
          port.postMessage({ t: 'stopped', unfinished: report.unfinished } satisfies FromThread);
          port.close();
        });
    });
    port.postMessage({ t: 'ready' } satisfies FromThread);
  } catch (err) {
    port.postMessage({ t: 'failed', message: (err as Error).message } satisfies FromThread);
    port.close();
  }
}

if (!isMainThread && (workerData as { env?: unknown } | null)?.env !== undefined) void threadMain();
