import { signLogToken } from '../../src/core/log-link';
import { signStatsToken, statsUrl } from '../../src/core/delivery/stats-link';
import { weekly } from '../../src/core/delivery/charts';
import { fakeFigures, sampleFigures } from '../helpers/fake-figures';
import { STATS_LINKS, startStatsServer } from '../helpers/stats-server';

// The stats page over HTTP, in-process, over a fake figures source: what a link opens and what
// every odd request gets (a specific 4xx with a page saying what to do, never a 500).

const NOW = Date.UTC(2026, 11, 3, 12);
const DAY = 86_400_000;
let server: Awaited<ReturnType<typeof startStatsServer>>;
let broken = false;
const source = fakeFigures({ web: ['production', 'staging'], api: ['production'] }, (app, env, days, now) => {
  if (broken) throw new Error('Redis is down');
  return sampleFigures(app, env, days, now);
});

beforeAll(async () => {
  server = await startStatsServer({ delivery: source, apps: ['web'], now: () => NOW, records: { 45: NOW - 3 * DAY } });
});
afterAll(() => server.close());

const link = (app: string, days: number, expires = NOW + DAY): string =>
  statsUrl(server.url, app, days as 30, signStatsToken(STATS_LINKS, app, expires));
const get = async (url: string, init?: RequestInit) => {
  const res = await fetch(url, init);
  return { status: res.status, headers: res.headers, text: await res.text() };
};

test("a link opens the app's figures: every env, four charts each, under a CSP that allows no script", async () => {
  const r = await get(link('web', 30));
  expect(r.status).toBe(200);
  expect(r.headers.get('content-security-policy')).toBe(
    "default-src 'none'; style-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  );
  expect(r.headers.get('cache-control')).toBe('no-store');
  expect(r.text.indexOf('id="env-production"')).toBeLessThan(r.text.indexOf('id="env-staging"'));
  expect(r.text.match(/<svg class="chart/g)).toHaveLength(8);
  expect(r.text).not.toMatch(/<script|style="/);
  // Text from outside is escaped; a failed deploy with a record links its log page, one without does not.
  expect(r.text).toContain('Move &lt;checkout&gt; to the new payment API');
  expect(r.text).toMatch(/<a href="http:\/\/ferry\.test\/deploys\/45\?t=[^"]+"[^>]*>Deploy #45<\/a>/);
  expect(r.text).toContain('Deploy #43 <span');
  // The other periods link back with the same key.
  expect(r.text).toMatch(/href="web\?days=90&amp;t=/);
  const css = await get(`${server.url}/assets/stats-page.css`);
  expect(css.status).toBe(200);
  expect(css.headers.get('content-type')).toContain('text/css');
});

test("a missing, altered, another app's, log page's or expired key gets a 403 saying to ask for a fresh one", async () => {
  const url = new URL(link('web', 30));
  const token = url.searchParams.get('t')!;
  const cases: [string, RegExp][] = [
    [`${server.url}/stats/web?days=30`, /incomplete/],
    [`${server.url}/stats/web?days=30&t=${token.slice(0, -1)}`, /not valid/],
    [`${server.url}/stats/web?days=30&t=${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`, /not valid/],
    [`${server.url}/stats/web?days=30&t=${encodeURIComponent(signStatsToken(STATS_LINKS, 'api', NOW + DAY))}`, /not valid/],
    [`${server.url}/stats/web?days=30&t=${encodeURIComponent(signLogToken(STATS_LINKS, { id: 1, createdAt: 0 }, NOW + DAY))}`, /not valid/],
    [link('web', 30, NOW - 1), /expired/],
  ];
  for (const [u, says] of cases) {
    const r = await get(u);
    expect([u, r.status]).toEqual([u, 403]);
    expect(r.text).toMatch(says);
    expect(r.text).toContain('/deploys stats web');
  }
});

test('hostile requests get specific answers, and a failing source a 503', async () => {
  const token = new URL(link('web', 30)).searchParams.get('t')!;
  expect((await get(`${server.url}/stats/web?days=45&t=${token}`)).status).toBe(400);
  expect((await get(`${server.url}/stats/web?days=30.0&t=${token}`)).status).toBe(400);
  expect((await get(`${server.url}/stats/web?days=toString&t=${token}`)).status).toBe(400);
  expect((await get(`${server.url}/stats/web?days=30&t=${token}&x=${'a'.repeat(5000)}`)).status).toBe(414);
  for (const p of ['/stats/', '/stats/WEB', '/stats/web/x', '/stats/..%2f..%2fetc', `/stats/${'a'.repeat(50)}`, '/stats/%00'])
    expect([p, (await get(`${server.url}${p}?t=${token}`)).status]).toEqual([p, 404]);
  expect((await get(link('web', 30), { method: 'POST', body: 'x' })).status).toBe(405);
  // A genuine link to an app no longer in the config.
  expect((await get(link('api', 30))).status).toBe(404);
  broken = true;
  try {
    const r = await get(link('web', 7));
    expect(r.status).toBe(503);
    expect(r.text).toContain('Reload the page in a minute');
  } finally {
    broken = false;
  }
  expect((await get(link('web', 90))).status).toBe(200);
});

describe("the stats page's weekly failure rate", () => {
  test('is the figures own: failures over deploys that ended succeeded or failed (a rollback is one attempt, and a failure)', () => {
    const DAY_MS = 86_400_000;
    const from = Date.UTC(2026, 0, 5);
    // Day 1: a smoke failure and its rollback (the rollback succeeded): 2 attempts, 2 failures, 1 deploy.
    const series = [
      { day: from, deploys: 1, failures: 2, attempts: 2 },
      { day: from + DAY_MS, deploys: 2, failures: 0, attempts: 2 },
    ];
    expect(weekly(series, from)).toEqual([{ at: from, failures: 2, attempts: 4, rate: 0.5 }]);
  });
});
