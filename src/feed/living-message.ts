import type { Logger } from 'pino';
import { sleep } from '../util/deadline';

/**
 * What a feed message kept in step with a record (a deploy's, a review app's) needs from Slack
 * beyond one call: Slack failures retried, and the first post made by one process only.
 */

/**
 * Runs `sync` until it succeeds: a Slack error or rate limit is logged and retried with back-off
 * (up to 5 tries); an error only the operator can fix (the bot is not in the channel) is not retried.
 */
export async function syncWithRetry(sync: () => Promise<void>, log: Logger, fields: Record<string, unknown>): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await sync();
    } catch (err) {
      const code = (err as { data?: { error?: string } }).data?.error;
      const hint =
        code === 'not_in_channel' || code === 'channel_not_found'
          ? ' (invite the Ferry bot to the feed channel, or fix feed_channel in the config)'
          : '';
      log.error({ ...fields, err: (err as Error).message, attempt }, `feed update failed${hint}`);
      if (attempt >= 5 || hint) throw err;
      await sleep(Math.min(60_000, 1_000 * 2 ** attempt));
    }
  }
}

/** The first post of a record's message: whoever claims it posts, and the first post recorded stands. */
export interface FirstPost<M> {
  /** Claims the post for this process (for a while: a claimant that dies gives way). */
  claim(): Promise<boolean>;
  /** The message, rendered once the claim is held. */
  render(): Promise<M>;
  post(msg: M): Promise<{ channel: string; ts: string }>;
  /** Records the posted message on the record; false when another post was recorded first. */
  record(channel: string, ts: string): Promise<boolean>;
  /** Takes back a post that lost (best effort). */
  discard(channel: string, ts: string): Promise<void>;
}

/**
 * Posts the message if this process holds the claim: 'busy' when another process holds it (wait
 * and read the record again), 'lost' when another post was recorded first (ours is taken back),
 * or the message this process posted and recorded.
 */
export async function postFirst<M>(p: FirstPost<M>): Promise<'busy' | 'lost' | { posted: M }> {
  if (!(await p.claim())) return 'busy';
  const msg = await p.render();
  const res = await p.post(msg);
  if (await p.record(res.channel, res.ts)) return { posted: msg };
  // Another process's post (after our claim expired during a slow Slack call) won: remove ours.
  await p.discard(res.channel, res.ts).catch(() => {});
  return 'lost';
}
