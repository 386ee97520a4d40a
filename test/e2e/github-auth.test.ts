import { generateKeyPairSync } from 'node:crypto';
import { Harness } from '../helpers/harness';

/** Ferry talks to GitHub as a GitHub App installation as well as with a token, and waits out GitHub's rate limits. */
describe('GitHub authentication and rate limits', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.stop();
    h = undefined;
  });
  const start = (env: Record<string, string> = {}) =>
    Harness.start({
      env,
      config: ({ repo, deployRoot }) => ({
        feed_channel: 'C0FEED',
        apps: { web: { repo: 'acme/web', clone_url: repo, environments: { staging: { deploy: ['/bin/true', deployRoot] } } } },
      }),
    });

  test('as a GitHub App: a JWT signed with the App key buys an installation token, which every API call then carries', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pem = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
    h = await start({
      GITHUB_TOKEN: '',
      GITHUB_APP_ID: '42',
      GITHUB_APP_INSTALLATION_ID: '123',
      GITHUB_APP_PRIVATE_KEY: pem.replace(/\n/g, '\\n'),
    });
    h.github.appPublicKey = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    h.github.refs.set('acme/web@main', h.repo.sha('main'));
    const d = await h.deploy('staging main');
    await h.slack.waitForFeed(d.id, 'succeeded');
    const i = h.github.requests.indexOf('POST /app/installations/123/access_tokens');
    expect(i).toBeGreaterThanOrEqual(0);
    expect(h.github.auths[i]).toMatch(/^bearer [\w-]+\.[\w-]+\.[\w-]+$/i);
    const lookup = h.github.requests.findIndex((r) => r.startsWith('GET /repos/acme/web/commits/main'));
    expect(h.github.auths[lookup]).toBe(`token ${h.github.installationToken}`);
  });

  test('the App set-up half done stops start-up saying what is missing', async () => {
    await expect(start({ GITHUB_TOKEN: '', GITHUB_APP_ID: '42' })).rejects.toThrow(
      'GitHub App set-up is incomplete: missing GITHUB_APP_PRIVATE_KEY (or GITHUB_APP_PRIVATE_KEY_FILE), GITHUB_APP_INSTALLATION_ID.',
    );
    await expect(
      start({ GITHUB_TOKEN: '', GITHUB_APP_ID: '42', GITHUB_APP_INSTALLATION_ID: '1', GITHUB_APP_PRIVATE_KEY: 'not a key' }),
    ).rejects.toThrow('The GitHub App private key is not a PEM key');
    const pem = '-----BEGIN RSA PRIVATE KEY-----\\nMIIB\\n-----END RSA PRIVATE KEY-----';
    await expect(start({ GITHUB_APP_ID: '42', GITHUB_APP_INSTALLATION_ID: '1', GITHUB_APP_PRIVATE_KEY: pem })).rejects.toThrow(
      'Both GITHUB_TOKEN and a GitHub App (GITHUB_APP_ID…) are set',
    );
  });

  test('a 403 rate limit from GitHub is waited out (until its reset) and the deploy goes ahead', async () => {
    h = await start();
    h.github.refs.set('acme/web@main', h.repo.sha('main'));
    h.github.rateLimitNext = 1;
    const d = await h.deploy('staging main');
    await h.slack.waitForFeed(d.id, 'succeeded');
    const lookups = h.github.requests.filter((r) => r.startsWith('GET /repos/acme/web/commits/main'));
    expect(lookups).toHaveLength(2);
  });
});
