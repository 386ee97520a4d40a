import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Commit } from '../../src/core/release/types';
import type { PostedMessage } from '../helpers/fake-slack';
import { Harness } from '../helpers/harness';
import { makePrHistory, type PrHistory } from '../helpers/pr-history';

/**
 * Pull requests on a release of a GitHub-backed app, on a history with GitHub's merge commits,
 * squash and rebase merges and direct pushes (test/helpers/pr-history.ts): what the compare's own
 * commits say is in the first summary; what only GitHub's per-commit lookups can tell comes after
 * it, into the same message; and lookups that fail cost nothing but those links.
 */

const FEED = 'C0FEED';
const OPENER = 'U0RELMGR';
const short = (sha: string) => sha.slice(0, 7);

/** The summary's commit lines (`• <commit|abc1234> …`), by short SHA. */
function commitLines(m: PostedMessage, version = m.versions.length - 1): Map<string, string> {
  const text = (m.versions[version]!.blocks as { text?: { text: string } }[]).map((b) => b.text?.text ?? '').join('\n');
  const out = new Map<string, string>();
  for (const l of text.split('\n')) {
    const sha = /^• <[^|]+\|([0-9a-f]{7})>/.exec(l)?.[1];
    if (sha) out.set(sha, l);
  }
  return out;
}

describe('pull requests of a release: from the compare first, lookups after the summary', () => {
  let h: Harness;
  let tmp: string;
  let history: PrHistory;
  const prUrl = (n: number) => `${h.github.url}/acme/web/pull/${n}`;
  const truth = (how: string[]) => [...history.prOf].filter(([, pr]) => how.includes(pr.how));

  beforeAll(async () => {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'ferry-release-prs-'));
    history = makePrHistory(path.join(tmp, 'repo'), { events: 14, seed: 36, people: 8, webUrl: 'http://placeholder/acme/web' });
    h = await Harness.start({
      config: () => ({
        feed_channel: FEED,
        apps: {
          web: {
            repo: 'acme/web',
            clone_url: history.path,
            environments: { staging: { deploy: ['/bin/true'] }, production: { deploy: ['/bin/true'], promote_from: 'staging' } },
          },
        },
      }),
    });
    h.github.repos.set('acme/web', history.path);
    for (const [sha, pulls] of history.pulls)
      h.github.pulls.set(
        sha,
        pulls.map((p) => ({ ...p, html_url: prUrl(p.number) })),
      );
    for (const p of history.people) {
      for (const e of p.emails) {
        if (p.login) h.github.logins.set(e, p.login);
        if (p.slack) h.slack.emails.set(e, p.slack);
      }
    }
    for (const [env, sha] of [
      ['production', history.base],
      ['staging', history.head],
    ] as const) {
      const d = await h.deploy(`web ${env} ${sha}`);
      await h.slack.waitForFeed(d.id, 'succeeded');
    }
  });
  afterAll(async () => {
    await h?.stop();
    rmSync(tmp, { recursive: true, force: true });
  });
  afterEach(() => {
    h.github.releasePulls();
    h.github.pullsStatus = undefined;
  });

  async function open(): Promise<{ id: number; summary: PostedMessage }> {
    const r = await h.slash('/release', 'web', OPENER);
    const answer = await h.answer(r.id);
    const id = Number(/Opened \*release #(\d+)\*/.exec(answer)?.[1]);
    if (!id) throw new Error(`no release was opened: ${answer}`);
    const summary = await h.slack.waitFor(`release #${id}'s summary`, () =>
      h.slack.messages.find((m) => m.channel === FEED && !m.thread_ts && m.versions[0]!.text.startsWith(`Release #${id} `)),
    );
    return { id, summary };
  }

  const stored = async (id: number): Promise<Map<string, Commit['pr']>> =>
    new Map((await h.running!.parts.releaseStore.commits(id)).map((c) => [c.sha, c.pr]));

  const cancel = async (id: number) =>
    expect(await h.answer((await h.slash('/release', `cancel ${id}`, OPENER)).id)).toContain(`Cancelled release #${id}`);

  test('the first summary has the PRs that merge commits and squash subjects name; the lookups answer later, into the same message', async () => {
    // The premise: every kind of change, and a range the summary lists whole.
    expect(history.counts).toMatchObject({ mergedPrs: 9, squashed: 2, rebased: 2, direct: 1, nested: 1, nonMerge: 20 });
    h.github.holdPulls = true;
    const { id, summary } = await open();

    // Posted while GitHub still holds every commit -> pulls lookup.
    const first = commitLines(summary, 0);
    expect(first.size).toBe(history.counts.nonMerge);
    for (const [sha, pr] of truth(['merge', 'squash'])) expect(first.get(short(sha))).toContain(`<${prUrl(pr.number)}|`);
    for (const [sha] of truth(['rebase'])) expect(first.get(short(sha))).not.toContain('/pull/');
    const before = await stored(id);
    for (const [sha, pr] of truth(['merge', 'squash']))
      expect(before.get(sha)).toEqual({ number: pr.number, title: pr.title, url: prUrl(pr.number) });
    for (const [sha] of truth(['rebase'])) expect(before.get(sha)).toBeUndefined();
    // Nested: the commit of a PR merged into another PR's branch keeps its own PR.
    const numbers = new Set(truth(['merge']).map(([, pr]) => pr.number));
    expect(numbers.size).toBe(history.counts.mergedPrs + history.counts.nested);

    h.github.releasePulls();
    const rebased = truth(['rebase']);
    await h.slack.waitFor('the rebase-merged commits’ PR links in the summary', () =>
      rebased.every(([sha, pr]) =>
        commitLines(summary)
          .get(short(sha))
          ?.includes(`<${prUrl(pr.number)}|`),
      ),
    );
    // The same message, updated in place: no second summary of this release.
    expect(h.slack.messages.filter((m) => m.channel === FEED && m.versions.some((v) => v.text.startsWith(`Release #${id} `)))).toEqual([
      summary,
    ]);
    expect(summary.versions.length).toBeGreaterThan(1);
    const after = await stored(id);
    for (const [sha, pr] of rebased) expect(after.get(sha)).toEqual({ number: pr.number, title: pr.title, url: prUrl(pr.number) });
    // The direct push has none, and the others are as they were.
    for (const [sha, pr] of after) if (!history.prOf.has(sha)) expect(pr).toBeUndefined();
    expect(h.slack.rejected).toEqual([]);
    await cancel(id);
  });

  test('lookups that fail: the summary and the DMs go out all the same, with the PRs the commits name', async () => {
    h.github.pullsStatus = 500;
    const lookupsBefore = h.github.requests.filter((r) => /\/commits\/[0-9a-f]{40}\/pulls/.test(r)).length;
    const { id, summary } = await open();
    const mapped = [...new Set(history.people.filter((p) => p.slack).map((p) => p.slack!))];
    const r = (await h.running!.parts.releaseStore.get(id))!;
    const dmTo = r.authors.filter((a) => a.slack && mapped.includes(a.slack)).map((a) => a.slack!);
    expect(dmTo.length).toBeGreaterThan(0);
    // The DMs follow the lookups, failed or not.
    await h.slack.waitFor('a DM to each mapped author', () =>
      dmTo.every((u) => h.slack.dmsTo(u).some((c) => String(c.body.text).startsWith(`Release #${id} `))),
    );
    expect(h.github.requests.filter((q) => /\/commits\/[0-9a-f]{40}\/pulls/.test(q)).length - lookupsBefore).toBe(
      history.pulls.size + history.counts.direct,
    );
    const lines = commitLines(summary);
    for (const [sha, pr] of truth(['merge', 'squash'])) expect(lines.get(short(sha))).toContain(`<${prUrl(pr.number)}|`);
    const now = await stored(id);
    for (const [sha] of truth(['rebase'])) expect(now.get(sha)).toBeUndefined();
    await cancel(id);
  });
});
