import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Signed, expiring links to a deploy's log page: `<public url>/deploys/<id>?t=<token>`.
 *
 * token = `<expiry ms, base36>.<signature>`, where the signature is the base64url HMAC-SHA256, under
 * the link secret, of `ferry-log:v1:<deploy id>:<expiry ms>`. The token carries its expiry, so no
 * state is kept per link; the deploy id is signed but not carried, so a token for #41 does not
 * open #42. Changing the secret voids every link.
 */

const DOMAIN = 'ferry-log:v1';
/** Expiry in base 36 (12 digits reach past any real date), a dot, 32 bytes of HMAC-SHA256 in unpadded base64url. */
const TOKEN = /^([0-9a-z]{1,12})\.([A-Za-z0-9_-]{43})$/;

export type LogTokenCheck =
  | { ok: true; expiresAt: number }
  | { ok: false; reason: 'malformed' | 'bad-signature' | 'expired'; expiresAt?: number };

function signature(secret: string, deployId: number, expiresAtMs: number): Buffer {
  return createHmac('sha256', secret).update(`${DOMAIN}:${deployId}:${expiresAtMs}`).digest();
}

/** A token that opens deploy `deployId`'s log page until `expiresAtMs`. */
export function signLogToken(secret: string, deployId: number, expiresAtMs: number): string {
  const exp = Math.floor(expiresAtMs);
  return `${exp.toString(36)}.${signature(secret, deployId, exp).toString('base64url')}`;
}

/**
 * Checks a token for one deploy. Never throws: anything that is not a token is 'malformed'; a
 * token signed for another deploy, with another secret or with its expiry changed is
 * 'bad-signature'; a genuine one past its expiry is 'expired' (with the expiry, to tell people).
 */
export function verifyLogToken(secret: string, deployId: number, token: unknown, nowMs: number): LogTokenCheck {
  if (typeof token !== 'string' || !Number.isSafeInteger(deployId) || deployId <= 0) return { ok: false, reason: 'malformed' };
  const m = TOKEN.exec(token);
  if (!m) return { ok: false, reason: 'malformed' };
  const expiresAt = parseInt(m[1]!, 36);
  if (!Number.isSafeInteger(expiresAt)) return { ok: false, reason: 'malformed' };
  // Compared as text: base64url decoding ignores the last character's spare bits, so comparing
  // bytes would accept several spellings of one signature.
  const given = Buffer.from(m[2]!, 'latin1');
  const expected = Buffer.from(signature(secret, deployId, expiresAt).toString('base64url'), 'latin1');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'bad-signature' };
  if (nowMs >= expiresAt) return { ok: false, reason: 'expired', expiresAt };
  return { ok: true, expiresAt };
}

/** The page's address: `<publicUrl>/deploys/<id>?t=<token>`. */
export function logUrl(publicUrl: string, deployId: number, token: string): string {
  return `${publicUrl.replace(/\/+$/, '')}/deploys/${deployId}?t=${encodeURIComponent(token)}`;
}

/** What it takes to make links: the external base URL, the secret and how long a link lives. */
export interface LogLinks {
  publicUrl: string;
  secret: string;
  ttlMs: number;
}

/**
 * The link shown with a deploy in Slack: it expires `ttlMs` after the deploy was created, so the
 * same deploy always renders the same link (the feed relies on "same deploy, same message").
 */
export function deployLogUrl(l: LogLinks, d: { id: number; createdAt: number }): string {
  return logUrl(l.publicUrl, d.id, signLogToken(l.secret, d.id, d.createdAt + l.ttlMs));
}

/** A new link for `/deploy log <id>`, valid `ttlMs` from now. */
export function freshLogUrl(l: LogLinks, deployId: number, nowMs: number): { url: string; expiresAt: number } {
  const expiresAt = nowMs + l.ttlMs;
  return { url: logUrl(l.publicUrl, deployId, signLogToken(l.secret, deployId, expiresAt)), expiresAt };
}
