import type { Logger } from 'pino';
import type { LeaseStore } from '../store/lease';

/**
 * Renews the lease six times per its life. A watchdog on the same tick stops the deploy once
 * half the lease's life has passed without a successful renewal, whether the renewals failed or
 * are hanging (a half-open connection), so the command is gone before the lease can expire and
 * pass to another worker: stopped by ttl/2 + ttl/6, plus the kill grace of at most ttl/4.
 * `onTick` runs on every tick too (the fallback check for cancel requests).
 */
export function keepLease(
  o: { app: string; env: string; lease: string; ttlMs: number; leases: Pick<LeaseStore, 'renew'>; log: Logger },
  lost: AbortController,
  onTick?: () => void,
): { stop: () => void } {
  const { ttlMs: ttl } = o;
  let lastRenewed = Date.now();
  let renewing = false;
  const timer = setInterval(() => {
    onTick?.();
    if (Date.now() - lastRenewed > ttl / 2) {
      lost.abort("this worker couldn't renew the env lease in time (Redis unreachable?)");
      return;
    }
    if (renewing) return;
    renewing = true;
    o.leases
      .renew(o.app, o.env, o.lease, ttl)
      .then((ok) => {
        if (ok) lastRenewed = Date.now();
        else lost.abort('this worker lost the env lease (another worker took over)');
      })
      .catch((err: Error) => o.log.warn({ err: err.message }, 'lease renewal failed'))
      .finally(() => {
        renewing = false;
      });
  }, ttl / 6);
  return { stop: () => clearInterval(timer) };
}
