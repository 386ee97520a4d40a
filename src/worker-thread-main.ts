import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { start } from './main';
import { ShutdownReport } from './shutdown';
import type { FromThread, ToThread } from './worker-thread';

/**
 * The worker thread's entry (worker-thread.ts starts it): a file of its own so that main.ts,
 * which starts the thread, and the thread, which starts the worker role through main.ts, do not
 * import each other.
 */

/** The thread's side: start('worker'), then stop when told and end. */
async function threadMain(): Promise<void> {
  const port = parentPort!;
  try {
    const running = await start('worker', (workerData as { env: NodeJS.ProcessEnv }).env);
    port.on('message', (m: ToThread) => {
      if (typeof m === 'object' && m.t === 'metrics') {
        // Unanswered on a failure: the main thread's scrape goes on without the thread's metrics.
        running.metrics.json().then(
          (metrics) => port.postMessage({ t: 'metrics', id: m.id, metrics } satisfies FromThread),
          () => {},
        );
        return;
      }
      if (m !== 'stop') return;
      const report = new ShutdownReport(running.log);
      report.onChange = (on) => port.postMessage({ t: 'waiting', on } satisfies FromThread);
      void running
        .stop(report)
        .catch((err: Error) => report.gaveUp(`stopping the worker failed: ${err.message}`))
        .finally(() => {
          delete report.onChange;
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
