import { performance } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** How often the event loop's use is looked at. */
const LOOK_MS = 2_000;
/** Busier than this in a look since the last collection: there is garbage worth collecting. */
const BUSY = 0.2;
/** Quieter than this in the last look: nobody waits for this thread now. */
const QUIET = 0.05;

/**
 * After a burst of work (hundreds of deploys), V8 keeps the garbage it made and the memory it grew
 * into until the next big allocation: a Ferry that ran 1,000 deploys would idle at twice its
 * memory. This collects (twice, a look apart) when this thread's event loop goes quiet after being busy, so the
 * memory goes back (a collection of a few hundred MB takes tens of milliseconds, and only when
 * nothing waits). One per thread (the app's, the worker's).
 */
export function collectGarbageWhenIdle(): { stop(): void } {
  const gc = exposedGc();
  if (!gc) return { stop() {} };
  let last = performance.eventLoopUtilization();
  let busySince = false;
  // A second collection one look after the first frees what the first left for finalizers.
  let again = false;
  const timer = setInterval(() => {
    const now = performance.eventLoopUtilization();
    const use = performance.eventLoopUtilization(now, last).utilization;
    last = now;
    if (use > BUSY) {
      busySince = true;
      again = false;
    } else if (use < QUIET && (busySince || again)) {
      again = busySince;
      busySince = false;
      gc();
    }
  }, LOOK_MS);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}

/** V8's gc(), without --expose-gc on the command line (the flag is set for this process, then a fresh context has it). */
function exposedGc(): (() => void) | undefined {
  try {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as unknown;
    return typeof gc === 'function' ? (gc as () => void) : undefined;
  } catch {
    return undefined;
  }
}
