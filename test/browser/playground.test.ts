import type { Browser, BrowserContext, Page } from 'playwright-core';
import { artifact, launchBrowser, type RunningPlayground, startPlayground } from '../helpers/browser';

// The README's first command, in a real browser: Debian's chromium driven by playwright-core,
// against `npm run playground` (stand-in Slack, Ferry's app and worker as separate processes,
// real Redis, real git and real deploys of the demo repository).

const ALICE = 'U0ALICE001';
const BOB = 'U0BOB00002';

let pg: RunningPlayground;
let browser: Browser;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  // One after the other, so afterAll stops whichever started if the other fails.
  pg = await startPlayground();
  browser = await launchBrowser();
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await pg?.stop();
});

afterEach(async () => {
  for (const c of contexts.splice(0)) await c.close();
});

/** The playground in a fresh browser profile, as `user`. */
async function openAs(user: string): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  contexts.push(context);
  const page = await context.newPage();
  await page.goto(pg.url);
  await page.locator('body[data-user]').waitFor({ state: 'attached' });
  await page.selectOption('#user', user);
  await page.locator(`body[data-user="${user}"]`).waitFor({ state: 'attached' });
  await page.locator('#status[data-state="live"]').waitFor();
  return page;
}

async function type(page: Page, text: string): Promise<void> {
  await page.fill('#text', text);
  await page.press('#text', 'Enter');
}

const feedMessage = (page: Page, id: number) =>
  page.locator('#messages article.msg:not(.ephemeral)', { hasText: new RegExp(`Deploy #${id} ·`) });

test('a deploy typed in the page queues, runs and succeeds in #deploys without a reload; its log opens from the feed; a tampered link is refused', async () => {
  const alice = await openAs(ALICE);
  await alice.evaluate(() => ((globalThis as unknown as { loadedOnce: boolean }).loadedOnce = true));

  await type(alice, '/deploy dev feature/checkout');
  const accepted = alice.locator('#messages article.msg.ephemeral', { hasText: /Accepted as deploy #\d+/ });
  await accepted.waitFor();
  const id = Number(/deploy #(\d+)/.exec(await accepted.innerText())![1]);

  const message = feedMessage(alice, id);
  await message.waitFor();
  const messageId = await message.getAttribute('data-message-id');
  await feedMessage(alice, id)
    .filter({ hasText: /succeeded in/ })
    .waitFor({ timeout: 30_000 });
  // The same message changed in place, and the page never reloaded.
  expect(await feedMessage(alice, id).getAttribute('data-message-id')).toBe(messageId);
  await expect(feedMessage(alice, id).locator('.tag', { hasText: 'edited' }).count()).resolves.toBe(1);
  expect(await alice.evaluate(() => (globalThis as unknown as { loadedOnce?: boolean }).loadedOnce)).toBe(true);
  const text = await feedMessage(alice, id).innerText();
  expect(text).toContain('feature/checkout');
  expect(text).toMatch(/requested by @?Alice Moreau/);
  await alice.screenshot({ path: artifact('playground-after-deploy.png') });

  // The feed's link opens the log page, with the real deploy's output.
  const link = feedMessage(alice, id).locator('a[href*="/deploys/"]');
  const href = await link.getAttribute('href');
  expect(href).toMatch(new RegExp(`/deploys/${id}\\?t=`));
  const [logPage] = await Promise.all([alice.context().waitForEvent('page'), link.click()]);
  await logPage.waitForLoadState();
  // People by name, not member ID: the page's facts and the deploy command's own line.
  await expect(logPage.locator('dt', { hasText: 'Requested by' }).locator('xpath=following-sibling::dd[1]').innerText()).resolves.toBe(
    'Alice Moreau',
  );
  await logPage.getByText(/to dev for Alice Moreau/).waitFor();
  await logPage.getByText('==> building').waitFor();
  await logPage.getByText(/live: shop dev is now at [0-9a-f]{7}/).waitFor();
  const facts = await logPage.locator('body').innerText();
  expect(facts).toContain('feature/checkout');
  expect(facts).toMatch(/succeeded/);
  await logPage.screenshot({ path: artifact('log-page.png'), fullPage: true });

  // Change one character of the token: 403, with what to do.
  const tampered = href!.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A'));
  const res = await logPage.goto(tampered);
  expect(res!.status()).toBe(403);
  expect(await logPage.locator('body').innerText()).toContain(`/deploy log ${id}`);
});

test('a second person meets the lock, joins the wait-list with its button, and is DMed when the env is released', async () => {
  const alice = await openAs(ALICE);
  await type(alice, '/lock staging 1h testing the checkout');
  await alice
    .locator('#messages article.msg.ephemeral', { hasText: /staging/ })
    .first()
    .waitFor();

  const bob = await openAs(BOB);
  await type(bob, '/deploy staging main');
  const refusal = bob.locator('#messages article.msg.ephemeral', { hasText: "Can't deploy" });
  await refusal.waitFor();
  const refusalText = await refusal.innerText();
  expect(refusalText).toContain('Alice Moreau');
  expect(refusalText).toContain('testing the checkout');
  // Alice's own answers are hers alone.
  expect(await bob.locator('#messages article.msg', { hasText: 'Accepted as deploy' }).count()).toBe(0);

  await refusal.getByRole('button', { name: /wait-list/i }).click();
  await bob.locator('#messages article.msg.ephemeral', { hasText: /#1 on the wait-list/ }).waitFor();
  // A second click keeps the place and says so, instead of repeating "You're #1".
  await refusal.getByRole('button', { name: /wait-list/i }).click();
  await bob.locator('#messages article.msg.ephemeral', { hasText: /already on the wait-list/ }).waitFor();

  await type(alice, '/unlock staging');
  const dmLink = bob.locator('#dms a');
  await bob.locator('#dms a.unread').waitFor();
  await dmLink.click();
  await bob.locator('#title', { hasText: 'Ferry' }).waitFor();
  await bob.locator('#messages article.msg', { hasText: /yours to take/i }).waitFor();
  await bob.screenshot({ path: artifact('playground-waitlist-dm.png') });
});

test('a failed deploy mentions its requester, and its log lines open in a thread beside the channel', async () => {
  const carol = await openAs('U0CAROL003');
  await type(carol, '/deploy production broken-build');
  const accepted = carol.locator('#messages article.msg.ephemeral', { hasText: /Accepted as deploy #\d+/ });
  await accepted.waitFor();
  const id = Number(/deploy #(\d+)/.exec(await accepted.innerText())![1]);

  const failed = feedMessage(carol, id).filter({ hasText: /failed/ });
  await failed.waitFor({ timeout: 30_000 });
  expect(await failed.locator('.mention').allInnerTexts()).toContain('@Carol Lindqvist');
  // One sentence, the requester first, the exit code said once.
  const failedText = await failed.innerText();
  expect(failedText).toMatch(/@Carol Lindqvist your deploy failed after \d+s: the deploy command exited with \d+\./);
  expect(failedText).not.toContain('(exit ');
  await failed.getByRole('button', { name: /1 reply/ }).click();
  const thread = carol.locator('#thread');
  await thread.waitFor();
  await thread.getByText('FAIL test/cart.test.js').waitFor();
  await carol.screenshot({ path: artifact('playground-failure-thread.png') });
});

test("the Try this box also points at /freeze and /release, and says a release needs staging deployed first; Ferry's emoji show as emoji", async () => {
  const dan = await openAs(ALICE);
  const tips = await dan.locator('#tips').innerText();
  expect(tips).toContain('/freeze');
  expect(tips).toContain('/release');
  expect(tips).toMatch(/deploy staging first/);
  // /freeze answers with emoji the table used to lack; none shows as :name: text.
  await type(dan, '/freeze dev for 1h trying the playground');
  const frozen = dan.locator('#messages article.msg', { hasText: /trying the playground/ }).first();
  await frozen.waitFor();
  expect(await frozen.innerText()).not.toMatch(/:[a-z0-9_+-]+:/);
  await type(dan, '/unfreeze dev');
});
