import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';

/**
 * The app process's last line of defence: a promise rejection nothing handles (a library's
 * fire-and-forget async work meeting input it didn't expect, as Bolt once did with a `payload`
 * of `null`) is logged with a reference and the process carries on, instead of Node ending it
 * and every Slack request in flight with it. Requests are screened long before this
 * (src/slack/request-shape.ts); a line here is a bug to report. A worker-only process keeps
 * Node's behaviour (it exits, its supervisor restarts it, and its deploy's lease lets another
 * worker take over), and a synchronous uncaught exception still ends any process, as Node advises.
 * Returns a function that removes the guard.
 */
export function guardAppProcess(log: Logger): () => void {
  const onRejection = (reason: unknown): void => {
    const err = reason instanceof Error ? reason : new Error(String(reason));
    log.error(
      { ref: randomUUID().slice(0, 8), err: err.message, stack: err.stack },
      'unhandled promise rejection; Ferry carries on (report this line)',
    );
  };
  process.on('unhandledRejection', onRejection);
  return () => process.off('unhandledRejection', onRejection);
}
