import { createHmac } from 'node:crypto';
import { readEnv } from '../../src/config/env';
import { FerryError } from '../../src/errors';
import { signatureCheck } from '../../src/http/github-signature';

const SECRET = "It's a Secret to Everybody";

describe('signatureCheck (X-Hub-Signature-256, through @octokit/webhooks-methods)', () => {
  const body = Buffer.from('Hello, World!');
  // GitHub's documented example: this secret and body give this signature.
  const documented = 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17';
  const valid = signatureCheck({ current: SECRET });
  test("GitHub's documented example passes", async () => {
    expect(await valid(body, documented)).toBe(true);
    expect(await valid(body, documented.toUpperCase().replace('SHA256=', 'sha256='))).toBe(true);
  });
  test('a changed body, another secret, a missing or malformed header fail', async () => {
    expect(await valid(Buffer.from('Hello, World?'), documented)).toBe(false);
    expect(await signatureCheck({ current: 'another secret' })(body, documented)).toBe(false);
    expect(await valid(body, '')).toBe(false);
    expect(await valid(body, documented.replace('sha256=', 'sha1='))).toBe(false);
    expect(await valid(body, documented.slice(0, -2))).toBe(false);
    expect(await valid(body, `sha256=${createHmac('sha1', SECRET).update(body).digest('hex')}`)).toBe(false);
    expect(await valid(body, 'sha256=not hex at all, and ünïcödé')).toBe(false);
  });
  test('an empty body is refused (GitHub always sends its JSON payload), not an error', async () => {
    const emptySigned = `sha256=${createHmac('sha256', SECRET).update('').digest('hex')}`;
    expect(await valid(Buffer.alloc(0), emptySigned)).toBe(false);
  });
  test('a body that is not UTF-8 does not pass with the signature of its bytes', async () => {
    const bytes = Buffer.from([0x7b, 0xff, 0xfe, 0x7d]);
    expect(await valid(bytes, `sha256=${createHmac('sha256', SECRET).update(bytes).digest('hex')}`)).toBe(false);
  });
});

describe('rotating the secret (GITHUB_WEBHOOK_SECRET_PREVIOUS)', () => {
  const body = Buffer.from('{"zen":"Keep it logically awesome."}');
  const sign = (secret: string) => `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
  test('while the previous secret is set, a delivery signed with either the new or the previous secret passes', async () => {
    const rotating = signatureCheck({ current: 'new-secret', previous: 'old-secret' });
    expect(await rotating(body, sign('new-secret'))).toBe(true);
    expect(await rotating(body, sign('old-secret'))).toBe(true);
    expect(await rotating(body, sign('a third secret'))).toBe(false);
  });
  test('once it is unset, the previous secret is refused', async () => {
    const rotated = signatureCheck({ current: 'new-secret' });
    expect(await rotated(body, sign('new-secret'))).toBe(true);
    expect(await rotated(body, sign('old-secret'))).toBe(false);
  });
});

describe('GITHUB_WEBHOOK_SECRET_PREVIOUS in the environment', () => {
  test('is read next to GITHUB_WEBHOOK_SECRET; blank counts as unset', () => {
    const e = readEnv({ GITHUB_WEBHOOK_SECRET: 'new-secret', GITHUB_WEBHOOK_SECRET_PREVIOUS: ' old-secret ' });
    expect(e.githubWebhookSecret).toBe('new-secret');
    expect(e.githubWebhookSecretPrevious).toBe('old-secret');
    expect(
      readEnv({ GITHUB_WEBHOOK_SECRET: 'new-secret', GITHUB_WEBHOOK_SECRET_PREVIOUS: ' ' }).githubWebhookSecretPrevious,
    ).toBeUndefined();
  });
  test('alone, it stops Ferry with what to set', () => {
    let err: unknown;
    try {
      readEnv({ GITHUB_WEBHOOK_SECRET_PREVIOUS: 'old-secret' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(FerryError);
    expect((err as FerryError).message).toContain('GITHUB_WEBHOOK_SECRET_PREVIOUS is set without GITHUB_WEBHOOK_SECRET');
  });
});
