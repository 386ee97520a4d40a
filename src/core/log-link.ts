import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Signed, expiring links to a deploy's log page: `<public url>/deploys/<id>?t=<token>`.
 *
 * token = `<expiry ms, base36>.<signature>`, where the signature is the base64url HMAC-SHA256, under
 * the link secret, of `ferry-log:v2:<redis prefix>:<deploy id>:<deploy createdAt>:<expiry ms>`.
 * The token carries its expiry, so no state is kept per link. What it opens is signed but not
 * carried: one Ferry instance (its Redis prefix) and one deploy record (its id and creation time),
 * so a token for #41 does not open #42, nor another Ferry's #41 that shares the secret, nor a new
 * #41 made after Redis was wiped and the ids started again. A token can therefore only be checked
 * against the record it was made for: a link dies with its record. Changing the secret voids every
 * link; so did the move from v1 (which signed only the id and expiry) to v2.
 */

const DOMAIN = 'ferry-log:v2';
/** Expiry in base 36 (12 digits reach past any real date), a dot, 32 bytes of HMAC-SHA256 in unpadded base64url. */
const TOKEN = /^([0-9a-z]{1,12})\.([A-Za-z0-9_-]{43})$/;

/** What signs and checks tokens: the link secret and the Ferry instance (`redis_prefix`) they belong to. */
export interface LogLinkKey {
  secret: string;
  redisPrefix: string;
}

/** The deploy record a token is for: its id and when it was created (which a new record under a reused id does not share). */
export interface LogLinkDeploy {
  id: number;
  createdAt: number;
}

export type LogTokenCheck =
  | { ok: true; expiresAt: number }
  | { ok: false; reason: 'malformed' | 'bad-signature' | 'expired'; expiresAt?: number };

function signature(key: LogLinkKey, d: LogLinkDeploy, expiresAtMs: number): Buffer {
  // The prefix is the only field that could hold a ':' (the config forbids it anyway); every field
  // after it is a number, so the string still reads one way only.
  return createHmac('sha256', key.secret).update(`${DOMAIN}:${key.redisPrefix}:${d.id}:${d.createdAt}:${expiresAtMs}`).digest();
}

/**
 * The token's shape, without checking its signature: its expiry and signature text, or undefined
 * when it is not a token at all. Lets a caller refuse garbage before loading the deploy record.
 */
export function parseLogToken(token: unknown): { expiresAt: number; signature: string } | undefined {
  if (typeof token !== 'string') return undefined;
  const m = TOKEN.exec(token);
  if (!m) return undefined;
  const expiresAt = parseInt(m[1]!, 36);
  if (!Number.isSafeInteger(expiresAt)) return undefined;
  return { expiresAt, signature: m[2]! };
}

/** A token that opens the log page of deploy record `d` on the Ferry `key` belongs to, until `expiresAtMs`. */
export function signLogToken(key: LogLinkKey, d: LogLinkDeploy, expiresAtMs: number): string {
  const exp = Math.floor(expiresAtMs);
  return `${exp.toString(36)}.${signature(key, d, exp).toString('base64url')}`;
}

/**
 * Checks a token against the deploy record it claims to open (load the record first: without it
 * nothing can be checked). Never throws: anything that is not a token is 'malformed'; a token
 * signed for another deploy, another record under the same id, another Ferry (redis_prefix),
 * with another secret or with its expiry changed is 'bad-signature'; a genuine one past its expiry
 * is 'expired' (with the expiry, to tell people).
 */
export function verifyLogToken(key: LogLinkKey, d: LogLinkDeploy, token: unknown, nowMs: number): LogTokenCheck {
  if (!Number.isSafeInteger(d.id) || d.id <= 0 || !Number.isFinite(d.createdAt)) return { ok: false, reason: 'malformed' };
  const t = parseLogToken(token);
  if (!t) return { ok: false, reason: 'malformed' };
  // Compared as text: base64url decoding ignores the last character's spare bits, so comparing
  // bytes would accept several spellings of one signature.
  const given = Buffer.from(t.signature, 'latin1');
  const expected = Buffer.from(signature(key, d, t.expiresAt).toString('base64url'), 'latin1');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'bad-signature' };
  if (nowMs >= t.expiresAt) return { ok: false, reason: 'expired', expiresAt: t.expiresAt };
  return { ok: true, expiresAt: t.expiresAt };
}

/** The page's address: `<publicUrl>/deploys/<id>?t=<token>`. */
export function logUrl(publicUrl: string, deployId: number, token: string): string {
  return `${publicUrl.replace(/\/+$/, '')}/deploys/${deployId}?t=${encodeURIComponent(token)}`;
}

/** What it takes to make links: the external base URL, the secret, the instance and how long a link lives. */
export interface LogLinks extends LogLinkKey {
  publicUrl: string;
  ttlMs: number;
}

/**
 * The link shown with a deploy in Slack: it expires `ttlMs` after the deploy was created, so the
 * same deploy always renders the same link (the feed relies on "same deploy, same message").
 */
export function deployLogUrl(l: LogLinks, d: LogLinkDeploy): string {
  return logUrl(l.publicUrl, d.id, signLogToken(l, d, d.createdAt + l.ttlMs));
}

/** A new link for `/deploy log <id>`, valid `ttlMs` from now. */
export function freshLogUrl(l: LogLinks, d: LogLinkDeploy, nowMs: number): { url: string; expiresAt: number } {
  const expiresAt = nowMs + l.ttlMs;
  return { url: logUrl(l.publicUrl, d.id, signLogToken(l, d, expiresAt)), expiresAt };
}
