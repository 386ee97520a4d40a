import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import type { Logger } from 'pino';

/**
 * `ferry start` (the Slack app and a worker in one process) runs the worker on a thread of its
 * own: the app's event loop then does nothing but take requests, so Slack's acks stay fast while
 * hundreds of deploys run and queue. One process still: a kill of it (or of its group) ends both,
 * and the command supervisor stops what the worker ran.
 *
 * Parent -> thread: 'stop' (a graceful stop: running deploys get the shutdown grace period).
 * Thread -> parent: {t:'ready'} | {t:'stopped'} | {t:'failed', message}.
 */
type FromThread = { t: 'ready' } | { t: 'stopped' } | { t: 'failed'; message: string };

export interface WorkerThread {
  /** Stops the worker gracefully and resolves once the thread has ended. */
  stop(): Promise<void>;
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
  return new Promise((resolve, reject) => {
    thread.on('message', (m: FromThread) => {
      if (m.t === 'ready') {
        resolve({
          lost,
          async stop() {
            stopping = true;
            thread.postMessage('stop');
            await ended;
          },
        });
      } else if (m.t === 'failed') reject(new Error(m.message));
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
      void running.stop().finally(() => {
        port.postMessage({ t: 'stopped' } satisfies FromThread);
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
