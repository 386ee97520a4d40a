import { deployLogUrl, freshLogUrl, logUrl, signLogToken, verifyLogToken } from '../../src/core/log-link';

const SECRET = 'a-test-secret-that-is-long-enough-0123456789';
const NOW = Date.UTC(2025, 2, 4, 13, 5, 0);
const HOUR = 3_600_000;

describe('log page tokens', () => {
  test('a signed token opens its deploy until its expiry', () => {
    const t = signLogToken(SECRET, 42, NOW + HOUR);
    expect(t).toMatch(/^[0-9a-z]+\.[A-Za-z0-9_-]{43}$/);
    expect(verifyLogToken(SECRET, 42, t, NOW)).toEqual({ ok: true, expiresAt: NOW + HOUR });
    expect(verifyLogToken(SECRET, 42, t, NOW + HOUR - 1)).toEqual({ ok: true, expiresAt: NOW + HOUR });
  });

  test('signing is deterministic: same deploy and expiry, same token', () => {
    expect(signLogToken(SECRET, 7, NOW)).toBe(signLogToken(SECRET, 7, NOW));
    expect(signLogToken(SECRET, 7, NOW)).not.toBe(signLogToken(SECRET, 7, NOW + 1));
  });

  test('at or past its expiry it is expired, and says until when it was valid', () => {
    const t = signLogToken(SECRET, 42, NOW);
    expect(verifyLogToken(SECRET, 42, t, NOW)).toEqual({ ok: false, reason: 'expired', expiresAt: NOW });
    expect(verifyLogToken(SECRET, 42, t, NOW + HOUR)).toEqual({ ok: false, reason: 'expired', expiresAt: NOW });
  });

  test('a token for deploy 41 does not open deploy 42', () => {
    const t = signLogToken(SECRET, 41, NOW + HOUR);
    expect(verifyLogToken(SECRET, 42, t, NOW)).toEqual({ ok: false, reason: 'bad-signature' });
  });

  test('a changed signature is refused, wherever the change is', () => {
    const t = signLogToken(SECRET, 42, NOW + HOUR);
    const dot = t.indexOf('.');
    for (let i = dot + 1; i < t.length; i++) {
      const changed = t.slice(0, i) + (t[i] === 'A' ? 'B' : 'A') + t.slice(i + 1);
      expect(verifyLogToken(SECRET, 42, changed, NOW)).toEqual({ ok: false, reason: 'bad-signature' });
    }
  });

  test("only the signature's one spelling is accepted (base64url's spare bits in the last character count)", () => {
    const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const t = signLogToken(SECRET, 42, NOW + HOUR);
    const last = B64.indexOf(t.at(-1)!);
    // The last of 43 characters carries 4 bits of the signature and 2 spare ones.
    const sameBytes = t.slice(0, -1) + B64[last ^ 1];
    expect(Buffer.from(sameBytes.split('.')[1]!, 'base64url')).toEqual(Buffer.from(t.split('.')[1]!, 'base64url'));
    expect(verifyLogToken(SECRET, 42, sameBytes, NOW)).toEqual({ ok: false, reason: 'bad-signature' });
  });

  test('a later expiry written into a genuine token is refused, even once the real one has passed', () => {
    const t = signLogToken(SECRET, 42, NOW);
    const [, sig] = t.split('.');
    const stretched = `${(NOW + 30 * 24 * HOUR).toString(36)}.${sig}`;
    expect(verifyLogToken(SECRET, 42, stretched, NOW + HOUR)).toEqual({ ok: false, reason: 'bad-signature' });
  });

  test('another secret (a rotated one) voids the token', () => {
    const t = signLogToken(SECRET, 42, NOW + HOUR);
    expect(verifyLogToken(`${SECRET}-rotated`, 42, t, NOW)).toEqual({ ok: false, reason: 'bad-signature' });
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
    expect(verifyLogToken(SECRET, 42, token, NOW)).toEqual({ ok: false, reason: 'malformed' });
  });

  test('garbage of any type never throws', () => {
    for (const t of [undefined, null, 42, {}, [], '.', '..', '\u0000', 'é'.repeat(1000)]) {
      expect(() => verifyLogToken(SECRET, 42, t, NOW)).not.toThrow();
      expect(verifyLogToken(SECRET, 42, t, NOW).ok).toBe(false);
    }
    expect(verifyLogToken(SECRET, Number.NaN, signLogToken(SECRET, 42, NOW + HOUR), NOW)).toEqual({ ok: false, reason: 'malformed' });
    expect(verifyLogToken(SECRET, -1, signLogToken(SECRET, 42, NOW + HOUR), NOW)).toEqual({ ok: false, reason: 'malformed' });
  });
});

describe('log page links', () => {
  const links = { publicUrl: 'https://ferry.acme.com', secret: SECRET, ttlMs: 7 * 24 * HOUR };

  test('logUrl puts the token in the query of /deploys/<id>', () => {
    expect(logUrl('https://ferry.acme.com/', 42, 'abc.def')).toBe('https://ferry.acme.com/deploys/42?t=abc.def');
    expect(logUrl('https://acme.com/ferry', 42, 'abc.def')).toBe('https://acme.com/ferry/deploys/42?t=abc.def');
  });

  test("a deploy's feed link expires ttl after the deploy was created: the same deploy renders the same link", () => {
    const a = deployLogUrl(links, { id: 42, createdAt: NOW });
    expect(deployLogUrl(links, { id: 42, createdAt: NOW })).toBe(a);
    const token = new URL(a).searchParams.get('t')!;
    expect(verifyLogToken(SECRET, 42, token, NOW + 7 * 24 * HOUR - 1)).toEqual({ ok: true, expiresAt: NOW + 7 * 24 * HOUR });
    expect(verifyLogToken(SECRET, 42, token, NOW + 7 * 24 * HOUR)).toMatchObject({ ok: false, reason: 'expired' });
  });

  test('a fresh link lasts ttl from now', () => {
    const later = NOW + 30 * 24 * HOUR;
    const { url, expiresAt } = freshLogUrl(links, 42, later);
    expect(expiresAt).toBe(later + links.ttlMs);
    expect(verifyLogToken(SECRET, 42, new URL(url).searchParams.get('t')!, later)).toEqual({ ok: true, expiresAt });
  });
});
