import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { latest } from '../helpers/fake-slack';
import { artifact, launchBrowser } from '../helpers/browser';
import { Harness, writeScript } from '../helpers/harness';

// The deploy log page in a real browser (Debian's chromium): its script streams a running deploy's
// lines and status under the page's strict Content-Security-Policy.

const PUBLIC = 'http://ferry.test';
const LINK = /http:\/\/ferry\.test\/deploys\/\d+\?t=[0-9a-z]+\.[A-Za-z0-9_-]{43}/;

// Evaluated in the page (this file is compiled without the DOM's types).
const AT_BOTTOM = 'window.innerHeight + window.scrollY >= document.documentElement.scrollHeight - 40';
const NO_SIDEWAYS_SCROLL = 'document.documentElement.scrollWidth <= window.innerWidth';

let h: Harness;
let browser: Browser;
let gate: string;

beforeAll(async () => {
  // One after the other, so afterAll stops whichever started if the other fails.
  h = await Harness.start({
    env: { FERRY_PUBLIC_URL: PUBLIC, FERRY_LINK_SECRET: 'browser-test-secret-0123456789abcdef' },
    config: ({ dir, repo }) => {
      gate = path.join(dir, 'gate');
      const body = `echo "before the gate"\necho "a long line: $(printf 'word%.0s ' $(seq 1 60))$(printf 'x%.0s' $(seq 1 200))"\nwhile [ ! -f "${gate}" ]; do sleep 0.05; done\nfor i in $(seq 1 80); do echo "after the gate $i <i>not italic</i>"; done\nexit 2`;
      return {
        feed_channel: 'C0FEED',
        apps: { web: { path: repo, environments: { dev: { deploy: [writeScript(dir, 'gate.sh', body)] } } } },
      };
    },
  });
  browser = await launchBrowser();
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await h?.stop();
});

test('a running deploy: new lines and the final status arrive without a reload, with no CSP violations', async () => {
  const { id } = await h.deploy('dev');
  const msg = await h.slack.waitForFeed(id, 'running');
  const url = LINK.exec(JSON.stringify(latest(msg).blocks))![0].replace(PUBLIC, h.url);

  const context = await browser.newContext({ viewport: { width: 1100, height: 700 } });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
  page.on('pageerror', (e) => problems.push(e.message));
  page.on('response', (r) => r.status() >= 400 && problems.push(`${r.status()} ${r.url()}`));
  await page.goto(url);
  await page.locator('#live.live-live').waitFor();
  await page.locator('.l', { hasText: 'before the gate' }).waitFor();
  expect(await page.locator('#status').textContent()).toBe('running');

  writeFileSync(gate, '');
  await page.locator('.l', { hasText: 'after the gate 80' }).waitFor();
  await page.locator('#status.badge-failed').waitFor();
  await page.locator('#live.live-finished').waitFor();
  expect(await page.locator('#status').textContent()).toBe('failed');
  expect(await page.locator('#f-error').textContent()).toBe('the deploy command exited with 2');
  expect(await page.locator('#row-exit').isVisible()).toBe(true);
  expect(await page.locator('#f-duration').textContent()).toMatch(/^\d+s$/);
  // Log text is text: the markup in it is shown, not obeyed.
  expect(await page.locator('#log i').count()).toBe(0);
  expect(await page.locator('.l', { hasText: 'after the gate 1 <i>not italic</i>' }).count()).toBe(1);
  // Lines are numbered on, without gaps or repeats.
  const numbers = (await page.locator('#log .l').evaluateAll((els) => els.map((e) => e.getAttribute('data-n')))).map(Number);
  expect(numbers).toEqual(numbers.map((_, i) => i + 1));
  // The reader was at the bottom, so the view followed the new lines.
  expect(await page.evaluate(AT_BOTTOM)).toBe(true);
  // Times are shown in the reader's locale (the server writes UTC).
  expect(await page.locator('#f-finished time').textContent()).not.toContain('UTC');
  // Long lines wrap instead of widening the page.
  expect(await page.evaluate(NO_SIDEWAYS_SCROLL)).toBe(true);
  await page.evaluate('window.scrollTo(0, 0)');
  await page.screenshot({ path: artifact('log-page.png') });

  await page.setViewportSize({ width: 390, height: 800 });
  expect(await page.evaluate(NO_SIDEWAYS_SCROLL)).toBe(true);
  await page.screenshot({ path: artifact('log-page-phone.png') });
  expect(problems).toEqual([]);
  await context.close();
});
