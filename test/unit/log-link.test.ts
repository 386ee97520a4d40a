import { createHmac } from 'node:crypto';
import { deployLogUrl, freshLogUrl, logUrl, parseLogToken, signLogToken, verifyLogToken } from '../../src/core/log-link';

const SECRET = 'a-test-secret-that-is-long-enough-0123456789';
const KEY = { secret: SECRET, redisPrefix: 'ferry' };
const NOW = Date.UTC(2025, 2, 4, 13, 5, 0);
const HOUR = 3_600_000;
/** Deploy records: an id and when the record was created. */
const CREATED = NOW - 10 * 60_000;
const D42 = { id: 42, createdAt: CREATED };
const D41 = { id: 41, createdAt: CREATED };

describe('log page tokens', () => {
  test('a signed token opens its deploy until its expiry', () => {
    const t = signLogToken(KEY, D42, NOW + HOUR);
    expect(t).toMatch(/^[0-9a-z]+\.[A-Za-z0-9_-]{43}$/);
    expect(verifyLogToken(KEY, D42, t, NOW)).toEqual({ ok: true, expiresAt: NOW + HOUR });
    expect(verifyLogToken(KEY, D42, t, NOW + HOUR - 1)).toEqual({ ok: true, expiresAt: NOW + HOUR });
  });

  test('the signature is the HMAC of ferry-log:v2:<prefix>:<id>:<createdAt>:<expiry>', () => {
    const t = signLogToken(KEY, D42, NOW + HOUR);
    const mac = createHmac('sha256', SECRET)
      .update(`ferry-log:v2:ferry:42:${CREATED}:${NOW + HOUR}`)
      .digest('base64url');
    expect(t).toBe(`${(NOW + HOUR).toString(36)}.${mac}`);
  });

  test('a v1 token (which signed only the id and expiry) is refused as a bad signature', () => {
    const mac = createHmac('sha256', SECRET)
      .update(`ferry-log:v1:42:${NOW + HOUR}`)
      .digest('base64url');
    expect(verifyLogToken(KEY, D42, `${(NOW + HOUR).toString(36)}.${mac}`, NOW)).toEqual({ ok: false, reason: 'bad-signature' });
  });

  test('signing is deterministic: same instance, record and expiry, same token', () => {
    expect(signLogToken(KEY, D42, NOW)).toBe(signLogToken(KEY, { ...D42 }, NOW));
    expect(signLogToken(KEY, D42, NOW)).not.toBe(signLogToken(KEY, D42, NOW + 1));
  });

  test('at or past its expiry it is expired, and says until when it was valid', () => {
    const t = signLogToken(KEY, D42, NOW);
    expect(verifyLogToken(KEY, D42, t, NOW)).toEqual({ ok: false, reason: 'expired', expiresAt: NOW });
    expect(verifyLogToken(KEY, D42, t, NOW + HOUR)).toEqual({ ok: false, reason: 'expired', expiresAt: NOW });
  });

  test('a token for deploy 41 does not open deploy 42', () => {
    const t = signLogToken(KEY, D41, NOW + HOUR);
    expect(verifyLogToken(KEY, D42, t, NOW)).toEqual({ ok: false, reason: 'bad-signature' });
  });

  test("another Ferry's deploy 42 (same secret, another redis_prefix) is not opened", () => {
    const t = signLogToken(KEY, D42, NOW + HOUR);
    expect(verifyLogToken({ secret: SECRET, redisPrefix: 'ferry-staging' }, D42, t, NOW)).toEqual({ ok: false, reason: 'bad-signature' });
    expect(verifyLogToken({ secret: SECRET, redisPrefix: 'ferry' }, D42, t, NOW)).toEqual({ ok: true, expiresAt: NOW + HOUR });
  });

  test('a new deploy 42 (Redis wiped, ids started again: another createdAt) is not opened', () => {
    const t = signLogToken(KEY, D42, NOW + HOUR);
    expect(verifyLogToken(KEY, { id: 42, createdAt: CREATED + 1 }, t, NOW)).toEqual({ ok: false, reason: 'bad-signature' });
    expect(verifyLogToken(KEY, { id: 42, createdAt: NOW }, t, NOW)).toEqual({ ok: false, reason: 'bad-signature' });
  });

  test('a changed signature is refused, wherever the change is', () => {
    const t = signLogToken(KEY, D42, NOW + HOUR);
    const dot = t.indexOf('.');
    for (let i = dot + 1; i < t.length; i++) {
      const changed = t.slice(0, i) + (t[i] === 'A' ? 'B' : 'A') + t.slice(i + 1);
      expect(verifyLogToken(KEY, D42, changed, NOW)).toEqual({ ok: false, reason: 'bad-signature' });
    }
  });

  test("only the signature's one spelling is accepted (base64url's spare bits in the last character count)", () => {
    const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const t = signLogToken(KEY, D42, NOW + HOUR);
    const last = B64.indexOf(t.at(-1)!);
    // The last of 43 characters carries 4 bits of the signature and 2 spare ones.
    const sameBytes = t.slice(0, -1) + B64[last ^ 1];
    expect(Buffer.from(sameBytes.split('.')[1]!, 'base64url')).toEqual(Buffer.from(t.split('.')[1]!, 'base64url'));
    expect(verifyLogToken(KEY, D42, sameBytes, NOW)).toEqual({ ok: false, reason: 'bad-signature' });
  });

  test('a later expiry written into a genuine token is refused, even once the real one has passed', () => {
    const t = signLogToken(KEY, D42, NOW);
    const [, sig] = t.split('.');
    const stretched = `${(NOW + 30 * 24 * HOUR).toString(36)}.${sig}`;
    expect(verifyLogToken(KEY, D42, stretched, NOW + HOUR)).toEqual({ ok: false, reason: 'bad-signature' });
  });

  test('another secret (a rotated one) voids the token', () => {
    const t = signLogToken(KEY, D42, NOW + HOUR);
    expect(verifyLogToken({ ...KEY, secret: `${SECRET}-rotated` }, D42, t, NOW)).toEqual({ ok: false, reason: 'bad-signature' });
  });

  test.each([
    ['empty', ''],
    ['no dot', 'abcdef'],
    ['no signature', 'lz3k0.'],
    ['short signature', `lz3k0.${'A'.repeat(42)}`],
    ['long signature', `lz3k0.${'A'.repeat(44)}`],
    ['characters outside base64url', `lz3k0.${'A'.repeat(42)}+`],
    ['upper-case expiry', `LZ3K0.${'A'.repeat(43)}`],
    ['expiry too long to be a time', `${'z'.repeat(12)}.${'A'.repeat(43)}`],
    ['padding', `lz3k0.${'A'.repeat(41)}==`],
    ['spaces', ` lz3k0.${'A'.repeat(43)}`],
    ['html', '<script>alert(1)</script>'],
  ])('malformed: %s', (_, token) => {
    expect(parseLogToken(token)).toBeUndefined();
    expect(verifyLogToken(KEY, D42, token, NOW)).toEqual({ ok: false, reason: 'malformed' });
  });

  test('parseLogToken reads the shape only: expiry and signature text, no check', () => {
    const t = signLogToken(KEY, D42, NOW + HOUR);
    expect(parseLogToken(t)).toEqual({ expiresAt: NOW + HOUR, signature: t.split('.')[1] });
    expect(parseLogToken(`lz3k0.${'A'.repeat(43)}`)).toEqual({ expiresAt: parseInt('lz3k0', 36), signature: 'A'.repeat(43) });
  });

  test('garbage of any type never throws', () => {
    for (const t of [undefined, null, 42, {}, [], '.', '..', '\u0000', 'é'.repeat(1000)]) {
      expect(() => verifyLogToken(KEY, D42, t, NOW)).not.toThrow();
      expect(verifyLogToken(KEY, D42, t, NOW).ok).toBe(false);
    }
    const t = signLogToken(KEY, D42, NOW + HOUR);
    expect(verifyLogToken(KEY, { id: Number.NaN, createdAt: CREATED }, t, NOW)).toEqual({ ok: false, reason: 'malformed' });
    expect(verifyLogToken(KEY, { id: -1, createdAt: CREATED }, t, NOW)).toEqual({ ok: false, reason: 'malformed' });
    expect(verifyLogToken(KEY, { id: 42, createdAt: Number.NaN }, t, NOW)).toEqual({ ok: false, reason: 'malformed' });
  });
});

describe('log page links', () => {
  const links = { publicUrl: 'https://ferry.acme.com', secret: SECRET, redisPrefix: 'ferry', ttlMs: 7 * 24 * HOUR };

  test('logUrl puts the token in the query of /deploys/<id>', () => {
    expect(logUrl('https://ferry.acme.com/', 42, 'abc.def')).toBe('https://ferry.acme.com/deploys/42?t=abc.def');
    expect(logUrl('https://acme.com/ferry', 42, 'abc.def')).toBe('https://acme.com/ferry/deploys/42?t=abc.def');
  });

  test("a deploy's feed link expires ttl after the deploy was created: the same deploy renders the same link", () => {
    const dep = { id: 42, createdAt: NOW };
    const a = deployLogUrl(links, dep);
    expect(a.startsWith('https://ferry.acme.com/deploys/42?t=')).toBe(true);
    expect(deployLogUrl(links, { id: 42, createdAt: NOW })).toBe(a);
    const token = new URL(a).searchParams.get('t')!;
    expect(verifyLogToken(links, dep, token, NOW + 7 * 24 * HOUR - 1)).toEqual({ ok: true, expiresAt: NOW + 7 * 24 * HOUR });
    expect(verifyLogToken(links, dep, token, NOW + 7 * 24 * HOUR)).toMatchObject({ ok: false, reason: 'expired' });
    expect(verifyLogToken({ ...links, redisPrefix: 'other' }, dep, token, NOW)).toEqual({ ok: false, reason: 'bad-signature' });
  });

  test('a fresh link lasts ttl from now, for the record it was asked for', () => {
    const later = NOW + 30 * 24 * HOUR;
    const { url, expiresAt } = freshLogUrl(links, D42, later);
    expect(expiresAt).toBe(later + links.ttlMs);
    const token = new URL(url).searchParams.get('t')!;
    expect(verifyLogToken(links, D42, token, later)).toEqual({ ok: true, expiresAt });
    expect(verifyLogToken(links, { id: 42, createdAt: later }, token, later)).toEqual({ ok: false, reason: 'bad-signature' });
  });
});
