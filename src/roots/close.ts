import type { Redis } from 'ioredis';
import type { ShutdownReport } from '../shutdown';
import type { Shared } from './shared';

/** At shutdown: the last feed updates, closing the BullMQ queues, quitting Redis (see shutdown.ts). */
const CLOSE_MS = { feed: 4_000, queues: 2_000, redis: 1_000 };

/** What a role opened on top of the shared parts, closed with them. */
export interface RoleParts {
  /** Closes its parts (nothing to wait for), after the last feed updates. */
  close(): void;
  /** Its own Redis connections, disconnected last. */
  connections: Redis[];
}

/**
 * Closes connections, each step bounded (CLOSE_MS), noting in `report` what it could not finish:
 * the last feed updates (what the deploy events set off, and the feeds' own work), then the
 * roles' parts, the BullMQ queues and Redis. With Redis unreachable nothing waits on it: its
 * connections are dropped (not quit) and BullMQ's reconnect loops end with them.
 */
export async function closeShared(s: Shared, report: ShutdownReport, roles: readonly RoleParts[]): Promise<void> {
  const { outage } = s;
  // Feed updates read the deploy's record first: with Redis unreachable they can't be sent.
  const drained =
    !outage.unreachable &&
    (await report.bounded('sending the last feed updates', CLOSE_MS.feed, () =>
      Promise.all([s.events.drain(), s.feed.drain(), s.releaseFeed.drain(), s.reviewFeed.drain()]),
    ));
  const pending = s.events.pending + s.feed.pending + s.reviewFeed.pending;
  if (!drained && (pending > 0 || !outage.unreachable)) {
    const why = outage.unreachable ? outage.describe() : `Slack didn't answer within ${CLOSE_MS.feed / 1000}s`;
    report.gaveUp(
      `${pending > 0 ? `${pending} deploy feed updates` : 'release message updates'} not sent (${why}); those messages show an older state until the next change`,
    );
  }
  for (const r of roles) r.close();
  s.closeSources();
  const queues = s.queues.names().join(', ');
  if (outage.unreachable) {
    report.gaveUp(
      `could not close the BullMQ queues (${queues}) or quit Redis cleanly: ${outage.describe()}; disconnected instead. Nothing is lost: jobs and deploys are in Redis`,
    );
  } else {
    if (!(await report.bounded('closing the BullMQ queues', CLOSE_MS.queues, () => s.queues.close()))) {
      report.gaveUp(
        `could not close the BullMQ queues (${queues}) within ${CLOSE_MS.queues / 1000}s (Redis slow or unreachable); disconnected instead`,
      );
    }
    if (!(await report.bounded('quitting Redis', CLOSE_MS.redis, () => s.redis.quit())))
      report.gaveUp(`Redis did not answer QUIT within ${CLOSE_MS.redis / 1000}s (slow or unreachable); disconnected instead`);
  }
  // disconnect() also ends a connection's reconnect loop (a quit Redis never answers would not).
  for (const c of [...roles.flatMap((r) => r.connections), s.redis]) c.disconnect();
}
