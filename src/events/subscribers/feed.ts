import type { FeedPublisher } from '../../feed/publisher';
import type { DeployEvents } from '../deploy-events';

/**
 * The deploy feed follows each deploy's events: its message is brought up to date on every
 * change; when it leaves its env's line the messages behind it are too (after a start only the new
 * first in line changes, after a deploy left from the middle the front of the line is looked at);
 * a finished deploy's message shows its outcome and, if it failed, the last lines of its log.
 * A review app's deploys and teardowns (env `pr-<n>`) have no messages of their own: the
 * publisher brings their review app's one message up to date instead, threads a failure's log
 * under it, and has no line of messages to move (FeedDeps.reviews).
 */
export function feedFollowsDeploys(events: DeployEvents, feed: Pick<FeedPublisher, 'refresh' | 'refreshWaiting' | 'postFailureLog'>): void {
  events
    .on(['accepted', 'changed', 'started', 'left-line'], 'feed update', (e) => feed.refresh(e.deployId))
    .on('started', 'queue positions update', (e) => feed.refreshWaiting(e.app, e.env, 'next'))
    .on('left-line', 'queue positions update', (e) => feed.refreshWaiting(e.app, e.env, 'front'))
    .on('finished', 'feed update', (e) => feed.postFailureLog(e.deployId));
}
