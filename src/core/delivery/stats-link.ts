import { createHmac, timingSafeEqual } from 'node:crypto';
import { type LogLinkKey, type LogLinks, type LogTokenCheck, parseLogToken } from '../log-link';
import type { PeriodDays } from './types';

/**
 * Signed, expiring links to an app's stats page: `<public url>/stats/<app>?days=<n>&t=<token>`.
 * The same secret, token shape and instance binding as the log page's links (src/core/log-link.ts),
 * in a domain of their own: token = `<expiry ms, base36>.<base64url HMAC-SHA256 of
 * ferry-stats:v1:<redis prefix>:<app>:<expiry ms>>`. A log link never opens a stats page, nor the
 * other way round. The period is not signed: the page links its other periods with the same token.
 */

const DOMAIN = 'ferry-stats:v1';

function signature(key: LogLinkKey, app: string, expiresAtMs: number): string {
  return createHmac('sha256', key.secret).update(`${DOMAIN}:${key.redisPrefix}:${app}:${expiresAtMs}`).digest('base64url');
}

export function signStatsToken(key: LogLinkKey, app: string, expiresAtMs: number): string {
  const exp = Math.floor(expiresAtMs);
  return `${exp.toString(36)}.${signature(key, app, exp)}`;
}

/** Never throws: not a token is 'malformed', another app's or Ferry's or secret's is 'bad-signature', a genuine old one 'expired'. */
export function verifyStatsToken(key: LogLinkKey, app: string, token: unknown, nowMs: number): LogTokenCheck {
  const t = parseLogToken(token);
  if (!t) return { ok: false, reason: 'malformed' };
  const given = Buffer.from(t.signature, 'latin1');
  const expected = Buffer.from(signature(key, app, t.expiresAt), 'latin1');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'bad-signature' };
  if (nowMs >= t.expiresAt) return { ok: false, reason: 'expired', expiresAt: t.expiresAt };
  return { ok: true, expiresAt: t.expiresAt };
}

/** The page's address for a token; `base` is the public URL. */
export function statsUrl(base: string, app: string, days: PeriodDays, token: string): string {
  return `${base.replace(/\/+$/, '')}/stats/${encodeURIComponent(app)}?days=${days}&t=${encodeURIComponent(token)}`;
}

/** A new link to `app`'s stats page over `days`, valid `ttlMs` (log_link_ttl) from now. */
export function freshStatsUrl(l: LogLinks, app: string, days: PeriodDays, nowMs: number): string {
  return statsUrl(l.publicUrl, app, days, signStatsToken(l, app, nowMs + l.ttlMs));
}
