import type { Browser } from 'playwright-core';
import { signStatsToken, statsUrl } from '../../src/core/delivery/stats-link';
import { artifact, launchBrowser } from '../helpers/browser';
import { fakeFigures } from '../helpers/fake-figures';
import { STATS_LINKS, startStatsServer } from '../helpers/stats-server';

// The stats page in a real browser (Debian's chromium), over a fake figures source: its charts
// render at desktop and phone widths under its strict Content-Security-Policy.

const NOW = Date.UTC(2026, 11, 3, 12);
const NO_SIDEWAYS_SCROLL = 'document.documentElement.scrollWidth <= window.innerWidth';

let browser: Browser;
let server: Awaited<ReturnType<typeof startStatsServer>>;

beforeAll(async () => {
  server = await startStatsServer({
    delivery: fakeFigures({ web: ['production', 'staging'] }),
    apps: ['web'],
    now: () => NOW,
    records: { 45: NOW - 3 * 86_400_000 },
  });
  browser = await launchBrowser();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

for (const [name, width, height] of [
  ['desktop', 1280, 900],
  ['phone', 390, 844],
] as const) {
  test(`at ${name} width (${width} px): every chart drawn with its data and labelled, nothing refused, nothing wider than the screen`, async () => {
    const context = await browser.newContext({ viewport: { width, height } });
    // Any Content-Security-Policy violation is noted in the page (besides Chromium's console error).
    await context.addInitScript(
      "window.__csp = []; document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));",
    );
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('console', (m) => (m.type() === 'error' || m.type() === 'warning') && problems.push(m.text()));
    page.on('pageerror', (e) => problems.push(e.message));
    page.on('response', (r) => r.status() >= 400 && problems.push(`${r.status()} ${r.url()}`));
    await page.goto(statsUrl(server.url, 'web', 30, signStatsToken(STATS_LINKS, 'web', NOW + 86_400_000)));

    expect(await page.locator('h2').allTextContents()).toEqual(['production', 'staging']);
    const charts = page.locator('svg.chart');
    expect(await charts.count()).toBe(8);
    // Each chart is drawn: it has a size on screen, marks for its data, and a title and description.
    const drawn = await charts.evaluateAll((els) =>
      els.map((el) => {
        const box = el.getBoundingClientRect();
        const id = (el.getAttribute('aria-labelledby') ?? '').split(' ');
        return {
          kind: el.getAttribute('data-kind'),
          wide: box.width > 200 && box.height > 50,
          marks: el.querySelectorAll('rect.bar, circle.dot').length,
          labelled: id.length === 2 && id.every((i: string) => (el.ownerDocument.getElementById(i)?.textContent ?? '').length > 5),
          fits: box.right <= el.ownerDocument.documentElement.clientWidth + 0.5,
        };
      }),
    );
    for (const c of drawn) expect(c).toMatchObject({ wide: true, labelled: true, fits: true });
    const production = drawn.slice(0, 4);
    expect(production.map((c) => c.kind)).toEqual(['deploys', 'lead', 'failure', 'restore']);
    for (const c of production) expect(c.marks).toBeGreaterThan(0);
    // The stylesheet applied (bars are filled by it, not by attributes).
    const fill = await page.evaluate("getComputedStyle(document.querySelector('svg.chart-deploys rect.bar')).fill");
    expect(fill).toBe('rgb(47, 129, 247)');
    expect(await page.locator('a', { hasText: 'Deploy #45' }).getAttribute('href')).toMatch(/^http:\/\/ferry\.test\/deploys\/45\?t=/);
    expect(await page.evaluate(NO_SIDEWAYS_SCROLL)).toBe(true);
    await page.screenshot({ path: artifact(`stats-page-${name}.png`), fullPage: true });
    expect(await page.evaluate('window.__csp')).toEqual([]);
    expect(problems).toEqual([]);
    await context.close();
  });
}
