import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import type { FakePull } from './fake-github';
import { fastImport } from './git-repo';

/** Someone with commits in a PrHistory: their emails (the first is the usual one), GitHub login, Slack user. */
export interface HistoryPerson {
  name: string;
  emails: string[];
  /** GitHub knows the account (the compare's top-level `author`); bots too. */
  login?: string;
  /** Found by users.lookupByEmail under each of `emails` (none: not in the Slack workspace). */
  slack?: string;
  bot?: boolean;
}

/** What makePrHistory built. */
export interface PrHistory {
  path: string;
  /** main before the range (the target's SHA), and main's tip (the source's). */
  base: string;
  head: string;
  people: HistoryPerson[];
  /** Commits of rebase-merged pull requests: what GitHub's commit -> pulls lookup answers for them (FakeGitHub.pulls). */
  pulls: Map<string, FakePull[]>;
  /** Every non-merge commit of base..head: the pull request it came from (innermost), none for direct pushes. */
  prOf: Map<string, { number: number; title: string; how: 'merge' | 'squash' | 'rebase' }>;
  counts: {
    commits: number;
    merges: number;
    nonMerge: number;
    mergedPrs: number;
    squashed: number;
    rebased: number;
    direct: number;
    nested: number;
  };
}

const FIRST = [
  'Ana',
  'Ben',
  'Carla',
  'Dmitri',
  'Eun-ji',
  'Farah',
  'Goran',
  'Hana',
  'Ivo',
  'Jonas',
  'Kemi',
  'Luca',
  'Mei',
  'Nadia',
  'Omar',
  'Priya',
  'Quinn',
  'Rosa',
  'Sven',
  'Tomás',
];
const LAST = [
  'Lima',
  'Okafor',
  'Diaz',
  'Petrov',
  'Kim',
  'Haddad',
  'Novak',
  'Sato',
  'Marić',
  'Berg',
  'Adeyemi',
  'Rossi',
  'Chen',
  'Karimi',
  'Farouk',
  'Nair',
  'Walsh',
  'Ortiz',
  'Lund',
  'Ruiz',
];
const VERBS = ['Add', 'Fix', 'Refactor', 'Speed up', 'Remove', 'Rename', 'Document', 'Test', 'Harden', 'Simplify', 'Cache', 'Retry'];
const THINGS = [
  'checkout flow',
  'cart totals',
  'webhook delivery',
  'invoice PDF',
  'search index',
  'login rate limit',
  'receipt email',
  'feature flags',
  'CSV export',
  'audit log',
  'price rounding',
  'session cookies',
  'image upload',
  'order history',
  'coupon codes',
];
const WIP = ['Wire it up', 'Fix the tests', 'Address review comments', 'Handle the empty case', 'Tidy up', 'Add a test', 'Log failures'];

/** mulberry32: a small seeded PRNG, so a history is the same every time. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/**
 * `n` people as a team's history has them: most with a work email known to Slack and GitHub;
 * two of them also commit from a second email (Slack knows both); two use GitHub's private
 * noreply email (never looked up in Slack); two are not in the Slack workspace; one bot.
 */
function team(n: number): HistoryPerson[] {
  const people: HistoryPerson[] = [];
  for (let i = 0; i < n - 1; i++) {
    const name = `${FIRST[i % FIRST.length]} ${LAST[(i * 7) % LAST.length]}${i >= FIRST.length ? ` ${i}` : ''}`;
    const login = `${name
      .split(' ')[0]!
      .toLowerCase()
      .replace(/[^a-z]/g, '')}${i}`;
    const work = `${login}@acme.example`;
    if (i === 3 || i === 4) people.push({ name, emails: [`${10_000 + i}+${login}@users.noreply.github.com`], login });
    else if (i === 5 || i === 6) people.push({ name, emails: [`${login}@contractor.example`], login });
    else
      people.push({
        name,
        emails: i === 1 || i === 2 ? [work, `${login}@home.example`] : [work],
        login,
        slack: `U0P${String(i).padStart(3, '0')}`,
      });
  }
  people.push({
    name: 'dependabot[bot]',
    emails: ['49699333+dependabot[bot]@users.noreply.github.com'],
    login: 'dependabot[bot]',
    bot: true,
  });
  return people;
}

/**
 * A realistic range for `/release` on GitHub, written in one `git fast-import`: after `base`,
 * main gets `events` changes, each one of
 * - a pull request merged with a merge commit (most; 1-3 commits by its author, sometimes one by
 *   a colleague, sometimes "Merge branch 'main' into ..." on the branch, sometimes a pull request
 *   into the branch merged first): "Merge pull request #N from login/branch" with the title on
 *   the message's third line, as GitHub writes it, by whoever merged it;
 * - a squash merge "Title (#N)" (dependabot's bumps among them);
 * - a rebase merge: the pull request's commits on main as they were, no "(#N)" (GitHub's
 *   commit -> pulls lookup knows them: `pulls`);
 * - a direct push (no pull request).
 * PR branches fork from main a few changes back, so merges are real. About 2 commits per change.
 */
export function makePrHistory(dir: string, o: { events?: number; people?: number; seed?: number; webUrl?: string } = {}): PrHistory {
  const rand = rng(o.seed ?? 13);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const people = team(o.people ?? 36);
  const humans = people.filter((p) => !p.bot);
  const bot = people.find((p) => p.bot)!;
  // A few people write most of the code.
  const someone = () => humans[Math.floor(humans.length * rand() ** 1.6)]!;
  const maintainers = humans.slice(0, 4);
  const emailOf = (p: HistoryPerson) => (p.emails.length > 1 && rand() < 0.3 ? p.emails[1]! : p.emails[0]!);
  const title = () => `${pick(VERBS)} ${pick(THINGS)}`;

  const out: string[] = [];
  const data = (s: string) => `data ${Buffer.byteLength(s)}\n${s}\n`;
  let mark = 0;
  let time = 1_700_000_000;
  let file = 0;
  /** The commits written, by mark: whether a merge, and the PR it belongs to (set after). */
  const written = new Map<number, { merge: boolean; pr?: { number: number; title: string; how: 'merge' | 'squash' | 'rebase' } }>();
  const commit = (branch: string, by: HistoryPerson, message: string, from: number | undefined, merge?: number): number => {
    mark += 1;
    time += 37 + Math.floor(rand() * 600);
    const email = emailOf(by);
    out.push(
      `commit refs/heads/${branch}\nmark :${mark}\nauthor ${by.name} <${email}> ${time} +0000\ncommitter ${by.name} <${email}> ${time} +0000\n${data(message)}`,
    );
    if (from) out.push(`from :${from}\n`);
    if (merge) out.push(`merge :${merge}\n`);
    if (!merge) out.push(`M 100644 inline src/f${++file % 97}.txt\n${data(`${mark}\n`)}`);
    out.push('\n');
    written.set(mark, { merge: merge !== undefined });
    return mark;
  };

  const main: number[] = [];
  main.push(commit('main', maintainers[0]!, 'first commit\n', undefined));
  main.push(commit('main', maintainers[1]!, 'Set up CI (#1)\n', main.at(-1)));
  const baseMark = main.at(-1)!;
  const firstInRange = mark + 1;
  let prNo = 1;
  const counts = { commits: 0, merges: 0, nonMerge: 0, mergedPrs: 0, squashed: 0, rebased: 0, direct: 0, nested: 0 };
  const rebasedMarks = new Map<number, { number: number; title: string }>();
  /** Commits on a PR branch (marks) and the PR they belong to. */
  const branchOf = new Map<number, { number: number; title: string }>();

  for (let e = 0; e < (o.events ?? 470); e++) {
    const r = rand();
    const tip = main.at(-1)!;
    if (r < 0.8) {
      const author = someone();
      const pr = { number: ++prNo, title: title() };
      const branch = `pr${pr.number}`;
      let b = main[Math.max(0, main.length - 1 - Math.floor(rand() * 5))]!;
      const k = rand() < 0.8 ? 1 : rand() < 0.75 ? 2 : 3;
      for (let i = 0; i < k; i++) {
        b = commit(branch, i === 1 && rand() < 0.3 ? someone() : author, `${i === 0 ? pr.title : pick(WIP)}\n`, b);
        branchOf.set(b, pr);
      }
      if (k > 1 && rand() < 0.25) {
        b = commit(branch, author, `Merge branch 'main' into ${author.login}/${branch}\n`, b, tip);
        b = commit(branch, author, `${pick(WIP)}\n`, b);
        branchOf.set(b, pr);
      }
      if (rand() < 0.05) {
        const other = someone();
        const inner = { number: ++prNo, title: title() };
        const sub = commit(`pr${inner.number}`, other, `${inner.title}\n`, b);
        branchOf.set(sub, inner);
        b = commit(branch, author, `Merge pull request #${inner.number} from ${other.login}/pr${inner.number}\n\n${inner.title}\n`, b, sub);
        counts.nested++;
      }
      main.push(
        commit(
          'main',
          rand() < 0.6 ? author : pick(maintainers),
          `Merge pull request #${pr.number} from ${author.login}/${branch}\n\n${pr.title}\n`,
          tip,
          b,
        ),
      );
      counts.mergedPrs++;
    } else if (r < 0.92) {
      const dependabot = rand() < 0.15;
      const t = dependabot ? `Bump lodash from 4.17.${e} to 4.17.${e + 1}` : title();
      main.push(commit('main', dependabot ? bot : someone(), `${t} (#${++prNo})\n\n* ${pick(WIP)}\n`, tip));
      counts.squashed++;
    } else if (r < 0.96) {
      main.push(commit('main', pick(maintainers), `${rand() < 0.5 ? 'Bump version' : 'Fix a typo in the README'}\n`, tip));
      counts.direct++;
    } else {
      const author = someone();
      const pr = { number: ++prNo, title: title() };
      for (let i = 0, k = 1 + Math.floor(rand() * 2); i < k; i++) {
        main.push(commit('main', author, `${i === 0 ? pr.title : pick(WIP)}\n`, main.at(-1)));
        rebasedMarks.set(main.at(-1)!, pr);
      }
      counts.rebased++;
    }
  }

  mkdirSync(dir, { recursive: true });
  const env = { PATH: process.env.PATH!, HOME: dir };
  const git = (args: string[], input?: string) =>
    execFileSync('git', args, {
      cwd: dir,
      encoding: 'utf8',
      env,
      maxBuffer: 64 * 1024 * 1024,
      ...(input !== undefined && { input }),
    }).trim();
  git(['init', '--quiet', '--initial-branch=main']);
  const sha = fastImport(dir, out.join(''), git);
  // Delete the PR branches, as GitHub's "delete branch" does: only main remains.
  const branches = git(['for-each-ref', '--format=%(refname)', 'refs/heads/'])
    .split('\n')
    .filter((b) => b && b !== 'refs/heads/main');
  git(['update-ref', '--stdin'], branches.map((b) => `delete ${b}\n`).join(''));

  const web = o.webUrl ?? 'https://github.com/acme/web';
  const pulls = new Map<string, FakePull[]>();
  const prOf = new Map<string, { number: number; title: string; how: 'merge' | 'squash' | 'rebase' }>();
  for (const [m, w] of written) {
    if (m < firstInRange) continue;
    counts.commits++;
    if (w.merge) {
      counts.merges++;
      continue;
    }
    counts.nonMerge++;
    const s = sha.get(m)!;
    const rebased = rebasedMarks.get(m);
    const merged = branchOf.get(m);
    if (rebased) {
      pulls.set(s, [
        {
          number: rebased.number,
          title: rebased.title,
          html_url: `${web}/pull/${rebased.number}`,
          merged_at: new Date(time * 1000).toISOString(),
        },
      ]);
      prOf.set(s, { ...rebased, how: 'rebase' });
    } else if (merged) prOf.set(s, { ...merged, how: 'merge' });
  }
  // Squash merges: their subject says so.
  for (const line of git(['log', '--no-merges', '--format=%H %s', `${sha.get(baseMark)}..main`]).split('\n')) {
    const m = /^([0-9a-f]{40}) (.*?) \(#(\d+)\)$/.exec(line);
    if (m) prOf.set(m[1]!, { number: Number(m[3]), title: m[2]!, how: 'squash' });
  }
  return { path: dir, base: sha.get(baseMark)!, head: sha.get(main.at(-1)!)!, people, pulls, prOf, counts };
}
