import type { IncomingMessage } from 'node:http';
import { isValidSlackRequest } from '@slack/bolt';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { withDeadline } from '../util/deadline';

export type GuardVerdict = { ok: true } | { ok: false; status: number; message: string };

/**
 * Checks a request to /slack/events before Bolt sees it: the signature must be Slack's (signed
 * with the signing secret, less than five minutes old), and it must not have been seen before, so
 * a captured request can't be replayed even inside Slack's five-minute window. The replay check
 * asks Redis with a short deadline; if Redis is slow the request goes on (acks stay within Slack's
 * 3 s, and deploys carry their own idempotency keys).
 */
export function createSlackGuard(opts: { signingSecret: string; redis: Redis; keyPrefix: string; log: Logger; redisDeadlineMs?: number }) {
  return async (req: IncomingMessage, body: Buffer): Promise<GuardVerdict> => {
    const signature = req.headers['x-slack-signature'];
    const timestamp = req.headers['x-slack-request-timestamp'];
    if (typeof signature !== 'string' || typeof timestamp !== 'string') {
      return {
        ok: false,
        status: 401,
        message: 'Missing X-Slack-Signature or X-Slack-Request-Timestamp: requests here must come from Slack.',
      };
    }
    const valid = isValidSlackRequest({
      signingSecret: opts.signingSecret,
      body: body.toString('utf8'),
      headers: { 'x-slack-signature': signature, 'x-slack-request-timestamp': Number(timestamp) },
    });
    if (!valid) {
      opts.log.warn({ timestamp }, 'refused a Slack request with a bad or stale signature');
      return { ok: false, status: 401, message: 'Bad or expired Slack signature. Check SLACK_SIGNING_SECRET and the server clock.' };
    }
    const firstSeen = opts.redis.set(`${opts.keyPrefix}:slack-sig:${signature}`, '1', 'PX', 6 * 60_000, 'NX').then(
      (r) => r === 'OK',
      () => true,
    );
    const fresh = await withDeadline(firstSeen, opts.redisDeadlineMs ?? 300, true);
    if (!fresh) {
      opts.log.warn({ timestamp }, 'refused a replayed Slack request');
      return { ok: false, status: 401, message: 'This request was already received once; replays are refused.' };
    }
    return { ok: true };
  };
}
