import type { Redis } from 'ioredis';
import pino from 'pino';
import { parseConfig } from '../../src/config/load';
import type { FerryConfig } from '../../src/core/config/types';
import type { Commit, CommitRange } from '../../src/core/release/types';
import { Queues } from '../../src/queue/queues';
import { type NudgeDeps, Nudges } from '../../src/services/nudges';
import type { CommitSource } from '../../src/source/types';
import type { Keys } from '../../src/store/keys';
import { NudgeStore } from '../../src/store/nudges';
import { deletePrefix, newRedis, uniqueKeys } from './fixtures';

const DAY = 86_400_000;
// Monday 6 July 2026, 09:30 in Los Angeles (PDT, UTC-7).
const MON = Date.UTC(2026, 6, 6, 16, 30);
const TUE = MON + DAY;
const PROD = 'a'.repeat(40);
const STAGING = 'b'.repeat(40);
const NEWER = 'c'.repeat(40);

const config = (): FerryConfig =>
  parseConfig(
    `
feed_channel: C0FEED
people: { ana@example.com: U0ANA }
apps:
  web:
    repo: acme/web
    nudge: { after: 2d, at: "09:30", days: mon-fri, time_zone: America/Los_Angeles }
    environments:
      staging: { deploy: [deploy.sh] }
      production: { deploy: [deploy.sh], promote_from: staging }
`,
    '/srv/ferry/ferry.yml',
  );

const commit = (sha: string, date: number, who = 'ana'): Commit => ({
  sha,
  subject: `change ${sha.slice(0, 3)}`,
  authorName: who,
  authorEmail: `${who}@example.com`,
  date,
});

let redis: Redis;
let k: Keys;
let queues: Queues;
const opened: Queues[] = [];
beforeAll(() => {
  redis = newRedis();
});
beforeEach(() => {
  k = uniqueKeys('nudges');
});
afterEach(async () => {
  await Promise.all(opened.splice(0).map((q) => q.close()));
  await deletePrefix(redis, k);
});
afterAll(async () => {
  await redis.quit();
});

/** A nudge service over real Redis (queues, store), with the envs' SHAs, the commits and Slack played by the test. */
function setup(o: { now: number; staging?: string; commits?: Commit[] }) {
  const log = pino({ level: 'silent' });
  const c = config();
  queues = new Queues(redis, k.bullPrefix, c, log);
  opened.push(queues);
  const shas: Record<string, string> = { production: PROD, staging: o.staging ?? STAGING };
  const state = { now: o.now, commits: o.commits ?? [commit('1', MON - 3 * DAY), commit('2', MON - DAY, 'bo')] };
  const posted: { channel: string; text: string }[] = [];
  const updated: { ts: string; text: string }[] = [];
  const source = {
    compare: async (): Promise<CommitRange> => ({
      kind: 'ahead',
      commits: state.commits,
      compareUrl: 'https://github.com/acme/web/compare/x...y',
    }),
  } as unknown as CommitSource;
  const d: NudgeDeps = {
    config: c,
    queues,
    deploys: { envState: async (_app, env) => ({ sha: shas[env]! }) },
    sources: { web: source },
    people: { resolver: async () => ({ slackOf: (cm: Commit) => (cm.authorName === 'ana' ? 'U0ANA' : undefined), unanswered: 0 }) },
    store: new NudgeStore(redis, k),
    slack: {
      chat: {
        postMessage: async (a) => {
          posted.push(a);
          return { ts: `${posted.length}.000` };
        },
        update: async (a) => updated.push(a),
      },
    },
    log,
    now: () => state.now,
  };
  return { nudges: new Nudges(d), posted, updated, shas, state };
}

const nudgeJobs = async () => (await queues.timers.getDelayed()).filter((j) => j.data.kind === 'nudge').map((j) => j.data);

test('however many workers start, there is one job for the next nudge, at its local time', async () => {
  const { nudges } = setup({ now: MON - 60_000 });
  await Promise.all([nudges.start(), nudges.start(), setup({ now: MON - 30_000 }).nudges.start()]);
  expect(await nudgeJobs()).toEqual([{ kind: 'nudge', app: 'web', at: MON }]);
});

test('a run posts to the feed, schedules the next day, and the next day updates the same message while the same commits wait', async () => {
  const s = setup({ now: MON + 1_000 });
  await s.nudges.run('web', MON);
  expect(s.posted).toHaveLength(1);
  expect(s.posted[0]).toMatchObject({ channel: 'C0FEED' });
  expect(s.posted[0]!.text).toContain('2 commits by <@U0ANA> (1) and bo (1) on *staging*');
  expect(s.posted[0]!.text).toContain('the oldest has waited 3d. <https://github.com/acme/web/compare/x...y|Compare>');
  expect((await nudgeJobs()).map((j) => j.kind === 'nudge' && j.at)).toContain(TUE);

  s.state.now = TUE + 1_000;
  await s.nudges.run('web', TUE);
  expect(s.posted).toHaveLength(1);
  expect(s.updated).toEqual([expect.objectContaining({ ts: '1.000', text: expect.stringContaining('the oldest has waited 4d.') })]);
});

test('new commits on the source: a new message; opted-out authors are named, not mentioned', async () => {
  const s = setup({ now: MON + 1_000 });
  await s.nudges.run('web', MON);
  await new NudgeStore(redis, k).setOptOut('U0ANA', true);
  s.shas.staging = NEWER;
  s.state.now = TUE + 1_000;
  await s.nudges.run('web', TUE);
  expect(s.updated).toEqual([]);
  expect(s.posted).toHaveLength(2);
  expect(s.posted[1]!.text).toContain('2 commits by ana (1) and bo (1)');
});

test('nothing waiting, or nothing older than `after`: nothing posted, and the next one is still scheduled', async () => {
  const same = setup({ now: MON + 1_000, staging: PROD });
  await same.nudges.run('web', MON);
  const young = setup({ now: MON + 1_000, commits: [commit('1', MON - DAY)] });
  await young.nudges.run('web', MON);
  expect([...same.posted, ...young.posted]).toEqual([]);
  expect(await nudgeJobs()).toEqual([{ kind: 'nudge', app: 'web', at: TUE }]);
});

test('a timer from an older config, or one running hours late, posts nothing', async () => {
  const s = setup({ now: MON + 1_000 });
  await s.nudges.run('web', MON + 60_000);
  s.state.now = MON + 7 * 3_600_000;
  await s.nudges.run('web', MON);
  expect(s.posted).toEqual([]);
  expect(await nudgeJobs()).toEqual([{ kind: 'nudge', app: 'web', at: TUE }]);
});
