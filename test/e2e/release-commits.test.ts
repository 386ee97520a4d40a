import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { NO_BASE_COMMITS } from '../../src/services/release-open';
import { latest, type PostedMessage } from '../helpers/fake-slack';
import { type LinearCommit, type LongRepo, makeLinearRepo, makeLongRepo } from '../helpers/git-repo';
import { Harness } from '../helpers/harness';

/**
 * `/release` end to end on real repositories: the commits it lists are git's own, through local
 * git and through GitHub's API (the fake, backed by the same repository), past GitHub's 250-commit
 * compare page; authors become Slack users; and every message it sends stays within Slack's limits
 * (FakeSlack refuses, and does not record, one that breaks them).
 */

const ANA = 'U0ANA';
const short = (sha: string) => sha.slice(0, 7);

/** Every text of a message as Slack would show it (its mrkdwn source), block after block. */
function seen(m: { blocks: unknown[] }): string {
  const out: string[] = [];
  for (const b of m.blocks as { text?: { text: string }; elements?: { text?: string | { text: string } }[] }[]) {
    if (b.text) out.push(b.text.text);
    for (const e of b.elements ?? []) out.push(typeof e.text === 'string' ? e.text : (e.text?.text ?? ''));
  }
  return out.join('\n');
}

/** `git log --no-merges --reverse <args>` as the fields a release stores: SHA, subject, author. */
function gitLog(repo: string, args: string[]): { sha: string; subject: string; authorName: string; authorEmail: string }[] {
  const out = execFileSync('git', ['log', '--no-merges', '--reverse', '--format=%H%x1f%s%x1f%an%x1f%ae%x1e', ...args], {
    cwd: repo,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  return out
    .split('\x1e')
    .map((r) => r.replace(/^\n/, ''))
    .filter(Boolean)
    .map((r) => {
      const [sha, subject, authorName, authorEmail] = r.split('\x1f') as [string, string, string, string];
      return { sha, subject, authorName, authorEmail };
    });
}

/** Envs staging -> production (promote_from), deploying with /bin/true. */
const pipeline = (release?: Record<string, unknown>) => ({
  staging: { deploy: ['/bin/true'] },
  production: { deploy: ['/bin/true'], promote_from: 'staging', ...(release && { release }) },
});

/** `/deploy <app> <env> <sha>` until its feed message says succeeded. */
async function deployed(h: Harness, app: string, env: string, sha: string): Promise<void> {
  const d = await h.deploy(`${app} ${env} ${sha}`);
  await h.slack.waitForFeed(d.id, 'succeeded');
}

/** `/release <text>` as `user`, and the release it opened (failing the test when it opened none). */
async function openRelease(h: Harness, text: string, user = ANA): Promise<{ id: number; answer: string }> {
  const r = await h.slash('/release', text, user);
  const answer = await h.answer(r.id);
  const m = /Opened \*release #(\d+)\*/.exec(answer);
  if (!m) throw new Error(`no release was opened: ${answer}`);
  return { id: Number(m[1]), answer };
}

/** Fails with what Slack refused, and why, if any message broke a limit. */
function noneRefused(h: Harness): void {
  expect(h.slack.rejected.map((r) => `${r.method} ${r.error}: ${r.reason}`)).toEqual([]);
}

/** Waits until `pick` finds something, failing at once (with Slack's reason) when Slack refuses a message meanwhile. */
async function unlessRefused<T>(h: Harness, what: string, pick: () => T | undefined | false, timeoutMs?: number): Promise<T> {
  await h.slack.waitFor(what, () => h.slack.rejected.length > 0 || pick(), timeoutMs);
  noneRefused(h);
  return (await h.slack.waitFor(what, pick, 1))!;
}

/** Release #id's summary in the feed channel. */
function summaryOf(h: Harness, id: number): Promise<PostedMessage> {
  return unlessRefused(h, `release #${id}'s summary`, () =>
    h.slack.messages.find((m) => m.channel === 'C0FEED' && !m.thread_ts && latest(m).text.startsWith(`Release #${id} `)),
  );
}

const releaseFeedMessages = (h: Harness) =>
  h.slack.messages.filter((m) => m.channel === 'C0FEED' && m.versions.some((v) => /^Release #\d+ /.test(v.text)));

describe('a range of more than 250 commits, through local git and through GitHub', () => {
  let h: Harness;
  let tmp: string;
  let long: LongRepo;
  beforeAll(async () => {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'ferry-release-commits-'));
    long = makeLongRepo(path.join(tmp, 'long'));
    h = await Harness.start({
      config: () => ({
        feed_channel: 'C0FEED',
        apps: {
          local: { path: long.path, environments: pipeline() },
          // GitHub's API is the fake, backed by the same repository; the worker clones it from disk.
          gh: { repo: 'acme/web', clone_url: long.path, environments: pipeline() },
        },
      }),
    });
    h.github.repos.set('acme/web', long.path);
    await Promise.all([
      deployed(h, 'local', 'production', long.base),
      deployed(h, 'local', 'staging', long.head),
      deployed(h, 'gh', 'production', long.base),
      deployed(h, 'gh', 'staging', long.head),
    ]);
  });
  afterAll(async () => {
    await h?.stop();
    rmSync(tmp, { recursive: true, force: true });
  });

  test.each(['local', 'gh'])(
    '%s: the stored commits are exactly git log --no-merges --reverse base..head, and the summary counts them',
    async (app) => {
      const expected = gitLog(long.path, [`${long.base}..${long.head}`]);
      const authors = new Set(expected.map((c) => c.authorEmail)).size;
      // The premise: more than GitHub's 250 (one unpaged compare) and more than a summary can list.
      expect(expected.length).toBeGreaterThan(300);
      const comparesBefore = h.github.requests.filter((r) => r.includes('/compare/')).length;

      const { id, answer } = await openRelease(h, app);
      expect(answer).toContain(`${expected.length} commits by ${authors} authors`);
      const store = h.running!.parts.releaseStore;
      const stored = await store.commits(id);
      expect(stored.map(({ sha, subject, authorName, authorEmail }) => ({ sha, subject, authorName, authorEmail }))).toEqual(expected);
      const r = (await store.get(id))!;
      expect(r).toMatchObject({
        app,
        from: 'staging',
        to: 'production',
        sourceSha: long.head,
        targetSha: long.base,
        commitCount: expected.length,
      });

      const summary = latest(await summaryOf(h, id));
      const text = seen(summary);
      expect(summary.text).toContain(`${expected.length} commits by ${authors} authors`);
      expect(text).toContain(`*${expected.length} commits* by *${authors} authors*`);
      // Condensed: the oldest commits, then what was left off, counted.
      const listed = text.split('\n').filter((l) => /^• (<[^|]+\||`)[0-9a-f]{7}/.test(l));
      expect(listed.length).toBeGreaterThan(5);
      expect(listed.length).toBeLessThanOrEqual(40);
      expect(listed[0]).toContain(short(expected[0]!.sha));
      expect(text).toContain(`…and ${expected.length - listed.length} more commits`);

      const compares = h.github.requests.filter((q) => q.includes('/compare/')).slice(comparesBefore);
      if (app === 'gh') {
        // GitHub's compare lists 250 commits unpaged: Ferry paged it, 100 a page.
        const pages = compares.map((q) => Number(new URL(q.split(' ')[1]!, 'http://x').searchParams.get('page')));
        expect(new Set(pages)).toEqual(new Set([1, 2, 3, 4]));
        expect(text).toContain(`see the <${h.github.url}/acme/web/compare/${long.base}...${long.head}|compare link>`);
        expect(r.compareUrl).toBe(`${h.github.url}/acme/web/compare/${long.base}...${long.head}`);
      } else {
        expect(compares).toEqual([]);
        expect(r.compareUrl).toBeUndefined();
      }
      noneRefused(h);
    },
  );
});

/** Commit subjects that try to ping, link, format or overflow; long enough that 40 of them don't fit the summary's budget. */
const PAD = ' & more words'.repeat(12);
const HOSTILE = [
  (i: number) => `<!channel> deploy now ${i}${PAD}`,
  (i: number) => `Fix & improve <https://evil.example/${i}|click here> ${i}${PAD}`,
  (i: number) => `*bold* _it_ ~strike~ \`code\` > quote ${i}${PAD}`,
  (i: number) => `<@U0MALLORY> <!here> <!everyone> <#C0SECRET> <!subteam^S0OPS> ${i}${PAD}`,
  (i: number) => `${'A very long subject line that goes on '.repeat(150)}${i}`,
  (i: number) => `Checkout step ${i}${PAD} (#${i})`,
  (i: number) => `Ünïcödé 🚀 :rocket: &amp; &lt;b&gt; ${i}${PAD}`,
];

describe('1,000 commits by 80 authors with hostile subjects stay within Slack’s limits', () => {
  const AUTHORS = 80;
  const N = 1_000;
  let h: Harness;
  let tmp: string;
  let repo: { path: string; shas: string[] };
  const slackId = (n: number) => `U0DEV${n}`;
  /** Author 0 wrote every other commit, 500 (a long DM); the other 79 take turns with the rest. */
  const authorOf = (i: number) => (i % 2 === 0 ? 0 : 1 + (((i - 1) / 2) % (AUTHORS - 1)));
  const nameOf = (n: number) =>
    n === 1 ? `Eve *bold* & _co_ ~x~ \`tick\` ${'long name '.repeat(40)}` : n === 2 ? '@here !channel Mallory' : `Dev ${n}`;

  beforeAll(async () => {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'ferry-release-hostile-'));
    const commits: LinearCommit[] = [{ message: 'root\n', author: ['Dev 0', 'dev0@example.com'] }];
    for (let i = 1; i <= N; i++)
      commits.push({
        message: `${HOSTILE[(i - 1) % HOSTILE.length]!(i)}\n`,
        author: [nameOf(authorOf(i)), `dev${authorOf(i)}@example.com`],
      });
    const t0 = performance.now();
    repo = makeLinearRepo(path.join(tmp, 'hostile'), commits);
    // Fast enough to build in every run.
    expect(performance.now() - t0).toBeLessThan(5_000);
    h = await Harness.start({
      config: () => ({ feed_channel: 'C0FEED', apps: { web: { repo: 'acme/web', clone_url: repo.path, environments: pipeline() } } }),
    });
    h.github.repos.set('acme/web', repo.path);
    for (let n = 0; n < AUTHORS; n++) h.slack.emails.set(`dev${n}@example.com`, slackId(n));
    await Promise.all([deployed(h, 'web', 'production', repo.shas[0]!), deployed(h, 'web', 'staging', repo.shas[N]!)]);
  });
  afterAll(async () => {
    await h?.stop();
    rmSync(tmp, { recursive: true, force: true });
  });

  test('the summary posts, says 1000 commits by 80 authors, escapes every subject and condenses with "…and N more" linking the compare', async () => {
    const [base, head] = [repo.shas[0]!, repo.shas[N]!];
    const { id, answer } = await openRelease(h, 'web');
    expect(answer).toContain(`${N} commits by ${AUTHORS} authors`);
    expect(await h.running!.parts.releaseStore.commits(id)).toHaveLength(N);

    const summary = latest(await summaryOf(h, id));
    const text = seen(summary);
    expect(text).toContain(`*${N} commits* by *${AUTHORS} authors*`);
    // Nothing from git pings, links or mentions anyone.
    for (const raw of ['<!channel>', '<!here>', '<!everyone>', '<@U0MALLORY>', '<#C0SECRET>', '<!subteam^S0OPS>', '<https://evil'])
      expect(text).not.toContain(raw);
    expect(text).toContain('&lt;!channel&gt; deploy now 1');
    expect(text).toContain('Fix &amp; improve &lt;https://evil.example/2|click here&gt; 2');
    // So do the authors' names (author 1's, on commit 1).
    expect(text).toContain('— Eve *bold* &amp; _co_ ~x~ `tick` long n…');
    // The very long subject is clipped on its line.
    const longLine = text.split('\n').find((l) => l.includes('A very long subject line'))!;
    expect(longLine.length).toBeLessThan(400);
    // Condensed: the listed commits plus "…and N more" add up to all of them, linked to the compare.
    const listed = text.split('\n').filter((l) => /^• (<[^|]+\||`)[0-9a-f]{7}/.test(l)).length;
    const more = /_…and (\d+) more commits — see the <([^|>]+)\|compare link>_/.exec(text);
    expect(more).not.toBeNull();
    expect(Number(more![1]) + listed).toBe(N);
    expect(more![2]).toBe(`${h.github.url}/acme/web/compare/${base}...${head}`);
    // The authors are condensed too, and counted.
    expect(text).toMatch(/_…and \d+ more authors: /);

    // Every author acks for themselves: each gets a DM, and each DM posted within Slack's limits.
    const users = Array.from({ length: AUTHORS }, (_, n) => slackId(n));
    await unlessRefused(h, 'a DM to each of the 80 authors', () => users.every((u) => h.slack.dmsTo(u).length > 0), 45_000);
    const bigDm = h.slack.messages.find((m) => m.channel === slackId(0))!;
    const dmText = seen(latest(bigDm));
    expect(dmText).toContain('includes 500 of your commits');
    expect(dmText).toMatch(/_…and \d+ more commits — see the <[^|]+\|compare link>_/);
    noneRefused(h);
  }, 90_000);
});

describe('authors to Slack users', () => {
  let h: Harness;
  let tmp: string;
  let repo: { path: string; shas: string[] };
  const BOT_EMAIL = '49699333+dependabot[bot]@users.noreply.github.com';
  const lookups = () => h.slack.calls.filter((c) => c.method === 'users.lookupByEmail').map((c) => String(c.body.email));

  beforeAll(async () => {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'ferry-release-people-'));
    repo = makeLinearRepo(path.join(tmp, 'people'), [
      { message: 'first commit\n', author: ['Ana Lima', 'ana@example.com'] },
      { message: 'Add the octo feature\n', author: ['Octo Cat', 'octo@example.com'] },
      { message: 'Tidy the checkout\n', author: ['Ana Lima', 'Ana@Example.COM'] },
      { message: 'Ben at work\n', author: ['Ben Okafor', 'ben@example.com'] },
      { message: 'Ben from home\n', author: ['Ben O.', 'ben@home.example'] },
      { message: 'Carla fixes a typo\n', author: ['Carla Diaz', 'carla@example.com'] },
      { message: 'Bump lodash from 4.17.20 to 4.17.21\n', author: ['dependabot[bot]', BOT_EMAIL] },
    ]);
    h = await Harness.start({
      config: () => ({
        feed_channel: 'C0FEED',
        // One person by GitHub login, one by email (any case).
        people: { octocat: 'U0OCTO', 'ana@example.com': ANA },
        apps: { web: { repo: 'acme/web', clone_url: repo.path, environments: pipeline({ unmapped: 'approver', approvers: ['U0QA'] }) } },
      }),
    });
    h.github.repos.set('acme/web', repo.path);
    h.github.logins.set('octo@example.com', 'octocat');
    h.github.logins.set(BOT_EMAIL, 'dependabot[bot]');
    // Ben is found by Slack under both of his emails; Carla is not in Slack.
    h.slack.emails.set('ben@example.com', 'U0BEN');
    h.slack.emails.set('ben@home.example', 'U0BEN');
    await Promise.all([deployed(h, 'web', 'production', repo.shas[0]!), deployed(h, 'web', 'staging', repo.shas[6]!)]);
  });
  afterAll(async () => {
    await h?.stop();
    rmSync(tmp, { recursive: true, force: true });
  });

  test('login and email from people:, then users.lookupByEmail (cached), unmapped and bot authors; a second /release looks nobody up again', async () => {
    const { id, answer } = await openRelease(h, 'web');
    expect(answer).toContain('6 commits by 5 authors');
    const r = (await h.running!.parts.releaseStore.get(id))!;
    expect(r.authors.map(({ name, slack, bot, commits, ackBy }) => ({ name, slack, bot, commits, ackBy }))).toEqual([
      { name: 'Octo Cat', slack: 'U0OCTO', bot: false, commits: 1, ackBy: 'self' },
      { name: 'Ana Lima', slack: ANA, bot: false, commits: 1, ackBy: 'self' },
      // Two emails, one Slack user: one author.
      { name: 'Ben Okafor', slack: 'U0BEN', bot: false, commits: 2, ackBy: 'self' },
      { name: 'Carla Diaz', slack: undefined, bot: false, commits: 1, ackBy: 'approver' },
      { name: 'dependabot[bot]', slack: undefined, bot: true, commits: 1, ackBy: 'approver' },
    ]);
    // Only the emails people: does not map are looked up; never the bot.
    expect(lookups().sort()).toEqual(['ben@example.com', 'ben@home.example', 'carla@example.com']);

    const text = seen(latest(await summaryOf(h, id)));
    expect(text).toContain('• <@U0OCTO> · 1 commit · :hourglass_flowing_sand: waiting');
    expect(text).toContain(`• <@${ANA}> · 1 commit · :hourglass_flowing_sand: waiting`);
    expect(text).toContain('• <@U0BEN> · 2 commits · :hourglass_flowing_sand: waiting');
    expect(text).toContain('• Carla Diaz (no Slack user) · 1 commit · :hourglass_flowing_sand: waiting for an approver');
    expect(text).toContain('• dependabot[bot] (bot) · 1 commit · :hourglass_flowing_sand: waiting for an approver');
    // The mapped authors get a DM; Carla and the bot can't.
    await unlessRefused(h, 'the DMs', () => ['U0OCTO', ANA, 'U0BEN'].every((u) => h.slack.dmsTo(u).length === 1));

    const before = lookups().length;
    const cancel = await h.slash('/release', `cancel ${id}`, ANA);
    expect(await h.answer(cancel.id)).toContain(`Cancelled release #${id}.`);
    const again = await openRelease(h, 'web');
    expect(again.id).not.toBe(id);
    const r2 = (await h.running!.parts.releaseStore.get(again.id))!;
    expect(r2.authors.map((a) => a.slack)).toEqual(['U0OCTO', ANA, 'U0BEN', undefined, undefined]);
    // Found and not-found answers are both cached: no new lookup.
    expect(lookups()).toHaveLength(before);
    noneRefused(h);
  });
});

describe('what /release refuses, and when GitHub is away', () => {
  let h: Harness;
  let tmp: string;
  let long: LongRepo;
  beforeAll(async () => {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'ferry-release-refuse-'));
    long = makeLongRepo(path.join(tmp, 'long'));
  });
  afterEach(async () => {
    await h?.stop();
  });
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  const start = () =>
    Harness.start({
      config: () => ({
        feed_channel: 'C0FEED',
        apps: {
          local: { path: long.path, environments: pipeline() },
          gh: { repo: 'acme/web', clone_url: long.path, environments: pipeline() },
        },
      }),
    }).then((started) => {
      started.github.repos.set('acme/web', long.path);
      return started;
    });

  /** Nothing was opened: no release record, no open release for the target, no summary. */
  async function nothingOpened(app: string): Promise<void> {
    const store = h.running!.parts.releaseStore;
    expect(await store.openId(app, 'production')).toBeUndefined();
    expect(await h.redis.get(`${h.prefix}:release:seq`)).toBeNull();
    expect(releaseFeedMessages(h)).toEqual([]);
  }

  test('production runs a commit GitHub no longer has (its branch was force-pushed away): the answer names it and the fix; nothing opens', async () => {
    h = await start();
    await Promise.all([deployed(h, 'gh', 'production', long.hotfix), deployed(h, 'gh', 'staging', long.head)]);
    // GitHub after the force-push: main only; the hotfix commits are gone.
    const pushed = path.join(tmp, 'force-pushed');
    execFileSync('git', ['clone', '--quiet', '--no-local', '--bare', '--single-branch', '--branch', 'main', long.path, pushed]);
    expect(() => execFileSync('git', ['cat-file', '-e', `${long.hotfix}^{commit}`], { cwd: pushed, stdio: 'ignore' })).toThrow();
    h.github.repos.set('acme/web', pushed);

    const r = await h.slash('/release', 'gh');
    const answer = await h.answer(r.id);
    expect(answer).toContain(`GitHub can't find commit ${short(long.hotfix)} in acme/web`);
    expect(answer).toContain('Deploy a commit that exists to the target env, then run /release.');
    expect(answer).toContain('No release was opened.');
    await nothingOpened('gh');
    noneRefused(h);
  });

  test.each(['local', 'gh'])('%s: production has no deploy yet: the release lists staging’s newest 50 commits and says so', async (app) => {
    h = await start();
    await deployed(h, app, 'staging', long.head);
    const expected = gitLog(long.path, [`--max-count=${NO_BASE_COMMITS}`, long.head]);
    expect(NO_BASE_COMMITS).toBe(50);
    expect(expected).toHaveLength(50);

    const { id, answer } = await openRelease(h, app);
    expect(answer).toContain('50 commits by 3 authors');
    const store = h.running!.parts.releaseStore;
    expect(
      (await store.commits(id)).map(({ sha, subject, authorName, authorEmail }) => ({ sha, subject, authorName, authorEmail })),
    ).toEqual(expected);
    expect(await store.get(id)).toMatchObject({ noBase: true, commitCount: 50, sourceSha: long.head });
    expect((await store.get(id))!.targetSha).toBeUndefined();
    const text = seen(latest(await summaryOf(h, id)));
    expect(text).toContain('*production* (nothing deployed yet)');
    expect(text).toContain("*50 commits* by *3 authors*: *production* has nothing deployed yet, so these are *staging*'s recent commits");
    expect(text).toContain("*Commits*, oldest first (*staging*'s recent history)");
    noneRefused(h);
  });

  test('GitHub does not answer: /release is acked at once, then answered that GitHub did not answer; nothing opens', async () => {
    h = await start();
    await Promise.all([deployed(h, 'gh', 'production', long.base), deployed(h, 'gh', 'staging', long.head)]);
    h.github.hang = true;
    const before = h.github.requests.length;
    const r = await h.slash('/release', 'gh');
    expect(r.ack.status).toBe(200);
    expect(r.ack.ms).toBeLessThan(3_000);
    // The compare request is what hangs; other requests may come first, so wait for it by name.
    expect(await h.github.waitForRequest((q) => q.includes('/compare/'), before)).toMatch(/^GET .*\/compare\//);
    const answer = await h.answer(r.id);
    expect(answer).toMatch(
      /^GitHub did not answer within \d+s while I compared [0-9a-f]{7}\.\.\.[0-9a-f]{7} in acme\/web\. Try again in a minute\. No release was opened\.$/,
    );
    await nothingOpened('gh');
    h.github.release();
    noneRefused(h);
  }, 60_000);
});
