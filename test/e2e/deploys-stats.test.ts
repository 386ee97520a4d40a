import { Harness, LOCAL_DEPLOY } from '../helpers/harness';

// `/deploys stats` and the stats page through a real Ferry process, over its own history: bad
// input is answered in the ack; a good request after a deploy answers only to the requester with
// the figures and a signed link; the link opens the page with its charts under a strict CSP; a
// tampered link is refused. The figures themselves are checked against a hand computation in
// test/e2e/delivery-figures.test.ts, the texts in test/unit/stats-text.test.ts, the page in a
// real browser in test/browser/stats-page.test.ts.

let h: Harness;
beforeAll(async () => {
  h = await Harness.start({
    env: { FERRY_PUBLIC_URL: 'http://ferry.test', FERRY_LINK_SECRET: 'stats-e2e-secret-0123456789abcdef' },
    config: ({ repo, deployRoot }) => ({
      feed_channel: 'C0FEED',
      apps: {
        web: {
          path: repo,
          digest: { at: 'mon 09:30', time_zone: 'Europe/London' },
          environments: { production: { deploy: [LOCAL_DEPLOY, deployRoot] } },
        },
      },
    }),
  });
}, 90_000);
afterAll(() => h?.stop());

test('junk is answered at once with what works; after a deploy, the figures come only to the requester, with a link to the page', async () => {
  const junk = await h.slash('/deploys', 'stats 45d');
  expect(junk.ack.status).toBe(200);
  expect(junk.ackText).toMatch(/7, 30 or 90 days; `45d` is not one of them/);

  const { id } = await h.deploy('production main');
  await h.slack.waitForFeed(id, 'succeeded');
  const r = await h.slash('/deploys', 'stats web 7d');
  expect(r.ack.status).toBe(200);
  const answer = await h.slack.waitForResponse(r.id);
  expect(answer.response_type).toBe('ephemeral');
  const text = String(answer.text);
  expect(text).toContain('*Delivery figures for `web`*, the last 7 days');
  expect(text).toMatch(/Deploy frequency: [0-9.]+/);
  expect(text).toContain('Change failure rate: 0%');

  // The link opens the page (served here, not at the public URL the test's Ferry was given).
  const link = /<(http:\/\/ferry\.test\/stats\/web\?[^|>]+)\|/.exec(text)?.[1]?.replace(/&amp;/g, '&');
  expect(link).toBeDefined();
  const page = await fetch(link!.replace('http://ferry.test', h.url));
  expect(page.status).toBe(200);
  expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
  const html = await page.text();
  expect(html).toContain('<svg');
  expect(html).toContain('production');

  // The link is for the app (any period): another app's, or a changed signature, is refused.
  const other = await fetch(link!.replace('http://ferry.test', h.url).replace('/stats/web', '/stats/api'));
  expect(other.status).toBeGreaterThanOrEqual(400);
  expect(other.status).toBeLessThan(500);
  const tampered = await fetch(link!.replace('http://ferry.test', h.url).replace(/.$/, (c) => (c === 'A' ? 'B' : 'A')));
  expect(tampered.status).toBe(403);
  const unknown = await fetch(`${h.url}/stats/nope?days=30&t=x`);
  expect(unknown.status).toBeGreaterThanOrEqual(400);
  expect(unknown.status).toBeLessThan(500);
});
