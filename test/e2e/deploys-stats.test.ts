import { Harness, LOCAL_DEPLOY } from '../helpers/harness';

// `/deploys stats` through a real Ferry process built without a delivery figures source (until it
// is wired in, src/roots/delivery.ts): bad input is answered in the ack, a good request after it
// says the figures are not available yet, an app's `digest:` is accepted and posts nothing, and
// the stats page route says it is off. The answers with figures are covered by
// test/unit/stats-text.test.ts and the page by test/unit/stats-page.test.ts and test/browser/.

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

test('junk is answered at once with what works; a good request says figures are not available yet, only to the requester', async () => {
  const junk = await h.slash('/deploys', 'stats 45d');
  expect(junk.ack.status).toBe(200);
  expect(junk.ackText).toMatch(/7, 30 or 90 days; `45d` is not one of them/);

  const r = await h.slash('/deploys', 'stats web 7d');
  expect(r.ack.status).toBe(200);
  const answer = await h.slack.waitForResponse(r.id);
  expect(answer.response_type).toBe('ephemeral');
  expect(answer.text).toMatch(/Delivery figures are not available on this Ferry yet/);
});

test('the stats page is off without figures, and says why', async () => {
  const res = await fetch(`${h.url}/stats/web?days=30&t=x`);
  expect(res.status).toBe(404);
  expect(await res.text()).toMatch(/stats page is off.*delivery figures/);
});
