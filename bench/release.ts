/**
 * The "release summary vs bare compare" part of `npm run bench` (BENCH_ONLY=release runs it
 * alone): `/release` of a 1,000-commit range, from the signed slash command to the summary posted
 * in the feed, side by side with a bare paginated Octokit compare of the same range on the same
 * GitHub stand-in, alternating in the same run.
 *
 * The stand-ins (bench/release-setup.ts): FakeGitHub (test/helpers/fake-github.ts) in a child of
 * its own, serving a history made by test/helpers/pr-history.ts (GitHub-style merge commits,
 * squash and rebase merges, direct pushes, three dozen people); a fake Slack of its own that
 * knows the people's emails. Ferry runs as `npm start` (app + worker in one process).
 *
 * Rows: Ferry with its Slack user cache warm (the usual case: authors seen before), and with it
 * emptied before each /release (every author looked up in Slack). Knobs: BENCH_RELEASE_ROUNDS (8),
 * BENCH_RELEASE_EVENTS (470 changes: about 1,000 commits), BENCH_RELEASE_PEOPLE (36).
 */
import { Octokit } from '@octokit/rest';
import type { Redis } from 'ioredis';
import pino from 'pino';
import { createGitHubClient } from '../src/source/github';
import { wallMs } from './proc';
import { int, kill, killFerry, log, pkgVersion, post, waitAnswer } from './lib';
import { GITHUB_TOKEN, PREFIX, REPO, setUpStage, slackQuiet, type Stage, waitPost } from './release-setup';
import { ms, percentile, table } from './stats';

const ROUNDS = int('BENCH_RELEASE_ROUNDS', 8);
const TARGET = 1.2;
/** What the bare compare asks for per page, and how many pages at once after the first (as Ferry). */
const PER_PAGE = 100;
const PAGES_AT_ONCE = 4;

interface FerrySample {
  /** Command sent -> summary posted in the feed. */
  summary: number;
  /** Command sent -> the /release answer (response_url). */
  answer: number;
  /** Command sent -> the summary's last version (PR links from lookups, if any), once Ferry is quiet. */
  settled: number;
  versions: number;
  id: number;
}

/** A bare paginated compare with plain Octokit: page 1, then the rest PAGES_AT_ONCE at a time. Returns ms and the commits. */
async function bareCompare(octokit: { rest: Octokit['rest'] }, base: string, head: string): Promise<{ ms: number; commits: number }> {
  const [owner, repo] = REPO.split('/') as [string, string];
  const t0 = wallMs();
  const page = async (n: number) =>
    (await octokit.rest.repos.compareCommitsWithBasehead({ owner, repo, basehead: `${base}...${head}`, per_page: PER_PAGE, page: n })).data;
  const first = await page(1);
  const pages = Math.ceil(first.total_commits / PER_PAGE);
  let commits = first.commits.length;
  let next = 2;
  await Promise.all(
    Array.from({ length: Math.min(PAGES_AT_ONCE, pages - 1) }, async () => {
      while (next <= pages) {
        const got = (await page(next++)).commits.length;
        commits += got;
      }
    }),
  );
  if (commits !== first.total_commits) throw new Error(`bare compare listed ${commits} of ${first.total_commits} commits`);
  return { ms: wallMs() - t0, commits };
}

/** One /release: sent, summary posted, answered, Ferry quiet; then cancelled (and quiet again). */
async function ferryRelease(s: Stage): Promise<FerrySample> {
  const before = s.posts.length;
  const r = s.slash('/release', '');
  const t0 = wallMs();
  const ack = await post(s.port, r.body);
  if (ack.status !== 200) throw new Error(`/release answered ${ack.status}`);
  const first = await waitPost('release summary', () =>
    s.posts.slice(before).find((p) => p.version === 0 && p.text.startsWith('Release #')),
  );
  const answer = await waitAnswer(r.id, 60_000);
  const id = Number(/release #(\d+)/.exec(answer.text)?.[1] ?? Number.NaN);
  if (!answer.text.includes('Opened')) throw new Error(`/release: ${answer.text}`);
  await slackQuiet(s);
  const versions = s.posts.filter((p) => p.ts === first.ts);
  const sample = { summary: first.at - t0, answer: answer.at - t0, settled: versions.at(-1)!.at - t0, versions: versions.length, id };
  const c = s.slash('/release', `cancel ${id}`);
  await post(s.port, c.body);
  const cancelled = await waitAnswer(c.id, 30_000);
  if (!cancelled.text.startsWith('Cancelled')) throw new Error(`/release cancel ${id}: ${cancelled.text}`);
  await slackQuiet(s);
  return sample;
}

/** Empties Ferry's Slack user cache (email -> user), so the next /release looks every author up. */
async function forgetPeople(redis: Redis): Promise<number> {
  let cursor = '0';
  let n = 0;
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${PREFIX}:person:*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length) n += await redis.del(...keys);
  } while (cursor !== '0');
  return n;
}

const spread = (xs: number[]) => `${ms(Math.min(...xs))}–${ms(Math.max(...xs))}`;

export async function releaseBench(c: { redis: Redis; redisUrl: string; tmp: string }): Promise<string> {
  const s = await setUpStage(c.redis, c.redisUrl, c.tmp);
  const { history } = s;
  const octokit = new Octokit({ baseUrl: s.github.ready.apiUrl!, auth: GITHUB_TOKEN });
  // For information: the same loop through Ferry's own GitHub client (its limits plugin, github-limits.ts).
  const ferryClient = createGitHubClient({ baseUrl: s.github.ready.apiUrl!, token: GITHUB_TOKEN, log: pino({ level: 'silent' }) });
  const viaFerryClient: number[] = [];
  log('release: warming up (one bare compare, one /release)');
  const bareWarm = await bareCompare(octokit, history.base, history.head);
  await bareCompare(ferryClient, history.base, history.head);
  await ferryRelease(s);
  const rows = { cached: { ferry: [] as FerrySample[], bare: [] as number[] }, cold: { ferry: [] as FerrySample[], bare: [] as number[] } };
  let forgotten = 0;
  for (let i = 1; i <= ROUNDS; i++) {
    log(`release: round ${i}/${ROUNDS}: bare compare, /release (people cached), bare compare, /release (people looked up)`);
    viaFerryClient.push((await bareCompare(ferryClient, history.base, history.head)).ms);
    rows.cached.bare.push((await bareCompare(octokit, history.base, history.head)).ms);
    rows.cached.ferry.push(await ferryRelease(s));
    rows.cold.bare.push((await bareCompare(octokit, history.base, history.head)).ms);
    forgotten = await forgetPeople(c.redis);
    rows.cold.ferry.push(await ferryRelease(s));
  }
  await killFerry(s.ferry);
  await kill(s.github.proc);
  await kill(s.slack.proc);

  const line = (what: string, r: { ferry: FerrySample[]; bare: number[] }) => {
    const f = r.ferry.map((x) => x.summary);
    const ratios = r.ferry.map((x, i) => x.summary / r.bare[i]!);
    const ratio = percentile(f, 0.5) / percentile(r.bare, 0.5);
    return [
      what,
      String(f.length),
      ms(percentile(f, 0.5)),
      spread(f),
      ms(percentile(r.bare, 0.5)),
      spread(r.bare),
      `${ratio.toFixed(2)}x`,
      `${percentile(ratios, 0.5).toFixed(2)}x (${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)})`,
      `p50 <= ${TARGET}x: ${ratio <= TARGET ? 'ok' : 'OVER'}`,
    ];
  };
  const all = [...rows.cached.ferry, ...rows.cold.ferry];
  const { counts } = history;
  const authors = new Set(history.people.filter((p) => !p.bot).map((p) => p.slack ?? p.name)).size;
  return [
    `release summary vs bare compare: ${REPO} base...head = ${counts.commits} commits (${counts.merges} merges, ${counts.nonMerge} listed), ${Math.ceil(counts.commits / PER_PAGE)} compare pages of ${PER_PAGE}, ${bareWarm.commits} commits from the bare compare`,
    table(
      [
        '/release -> summary in the feed (ms)',
        'n',
        'Ferry p50',
        'Ferry min–max',
        'bare p50',
        'bare min–max',
        'p50 ratio',
        'pair ratio p50 (min–max)',
        'target',
      ],
      [line('people cached in Redis', rows.cached), line(`people looked up (${forgotten} cached emails cleared each time)`, rows.cold)],
    ),
    '',
    `Ferry: a signed /release (app + worker in one process, real Redis) -> chat.postMessage of the summary reaching the fake Slack (wall clock, both on this machine).`,
    `bare:  Octokit ${pkgVersion('@octokit/rest')} without plugins, compareCommitsWithBasehead per_page=${PER_PAGE}: page 1, then the other pages ${PAGES_AT_ONCE} at a time; run just before each /release.`,
    `history: ${counts.mergedPrs} PRs merged with a merge commit (${counts.nested} with a PR merged into their branch first), ${counts.squashed} squash merges, ${counts.rebased} rebase merges, ${counts.direct} direct pushes; ${authors} people and a bot.`,
    `the bare loop through Ferry's GitHub client (createGitHubClient: its limits plugin, github-limits.ts) instead of plain Octokit: p50 ${ms(percentile(viaFerryClient, 0.5))} (${spread(viaFerryClient)}), for information.`,
    `after the summary: the answer p50 ${ms(
      percentile(
        all.map((x) => x.answer),
        0.5,
      ),
    )}; the summary's last version (after the PR lookups, in the same message) p50 ${ms(
      percentile(
        all.map((x) => x.settled),
        0.5,
      ),
    )}, ${percentile(
      all.map((x) => x.versions),
      0.5,
    )} versions p50.`,
    `stand-ins: FakeGitHub (test/helpers/fake-github.ts; each compare page runs git over the whole range, as in the tests) and FakeSlack, each in a child of its own, answering at once otherwise.`,
  ].join('\n');
}
