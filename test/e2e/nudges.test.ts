import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Queue } from 'bullmq';
import { NUDGE_RELEASE } from '../../src/core/nudge/message';
import type { TimerJobData } from '../../src/queue/names';
import { latest, type PostedMessage } from '../helpers/fake-slack';
import { Harness, LOCAL_DEPLOY, TestClock } from '../helpers/harness';
import { eventually } from '../helpers/wait';

const ANA = 'U0ANA';
const BEN = 'U0BEN';
const CARLA = 'U0CARLA';
const FEED = 'C0FEED';
const TEAM = 'C0TEAM';
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

// The nudge is at 09:30 London, Monday to Friday. Friday 26 March 2027 is on GMT (09:30 UTC); the
// clocks go forward on Sunday the 28th, so Monday's and Tuesday's are at 08:30 UTC.
const FRI = Date.UTC(2027, 2, 26, 9, 30);
const MON = Date.UTC(2027, 2, 29, 8, 30);
const TUE = Date.UTC(2027, 2, 30, 8, 30);
const WED = Date.UTC(2027, 2, 31, 8, 30);
const THU = Date.UTC(2027, 3, 1, 8, 30);

/** A repository whose commits have the times a nudge reads, as the given authors. */
function teamRepo(dir: string) {
  mkdirSync(dir, { recursive: true });
  let n = 0;
  const git = (args: string[], who: readonly [string, string] = ['Ana Lima', 'ana@example.com'], at = FRI) => {
    const date = `${Math.floor(at / 1000)} +0000`;
    const env = { PATH: process.env.PATH!, HOME: dir, GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date };
    const people = { GIT_AUTHOR_NAME: who[0], GIT_AUTHOR_EMAIL: who[1], GIT_COMMITTER_NAME: who[0], GIT_COMMITTER_EMAIL: who[1] };
    return execFileSync('git', args, { cwd: dir, encoding: 'utf8', env: { ...env, ...people } }).trim();
  };
  const commit = (who: readonly [string, string], subject: string, at: number): string => {
    writeFileSync(path.join(dir, `change-${++n}.txt`), `${subject}\n`);
    git(['add', '.'], who, at);
    git(['commit', '--quiet', '-m', subject], who, at);
    return git(['rev-parse', 'HEAD']);
  };
  git(['init', '--quiet', '--initial-branch=main']);
  return { path: dir, commit };
}

const ana = ['Ana Lima', 'ana@example.com'] as const;
const ben = ['Ben Okafor', 'ben@example.com'] as const;
const carla = ['Carla Diaz', 'carla@example.com'] as const;

describe('undeployed-change nudges', () => {
  let h: Harness | undefined;
  let timers: Queue<TimerJobData> | undefined;
  afterEach(async () => {
    await timers?.close();
    await h?.stop();
  });

  test('posted once at 09:30 London on weekdays with the waiting commits, their authors and the oldest one’s age; updated while the same commits wait, a new one when they change, none when nothing waits; Release opens the release', async () => {
    const clock = new TestClock();
    // Ferry starts an hour before Friday's nudge: its worker schedules it.
    clock.set(FRI - HOUR);
    let repo!: ReturnType<typeof teamRepo>;
    let base = '';
    h = await Harness.start({
      now: clock.now,
      config: ({ dir, deployRoot }) => {
        repo = teamRepo(path.join(dir, 'team'));
        base = repo.commit(ana, 'first commit', FRI - 10 * DAY);
        repo.commit(ana, 'Add checkout page', FRI - 3 * DAY);
        repo.commit(ben, 'Fix cart totals', FRI - 2 * DAY);
        repo.commit(carla, 'Polish checkout copy', FRI - DAY);
        repo.commit(ana, 'Add receipt email', FRI - HOUR);
        return {
          feed_channel: FEED,
          time_zone: 'Asia/Tokyo',
          people: { 'ana@example.com': ANA, 'ben@example.com': BEN },
          apps: {
            web: {
              path: repo.path,
              nudge: { after: '2d', at: '09:30', days: 'mon-fri', time_zone: 'Europe/London', channel: TEAM },
              environments: {
                staging: { deploy: [LOCAL_DEPLOY, deployRoot] },
                production: { deploy: [LOCAL_DEPLOY, deployRoot], promote_from: 'staging' },
              },
            },
          },
        };
      },
    });
    h.slack.emails.set('carla@example.com', CARLA);
    timers = new Queue<TimerJobData>('timers', { connection: h.redis, prefix: `${h.prefix}:q` });
    const q = timers;
    const hex = Buffer.from('web').toString('hex');
    const nudgeJob = (at: number) => q.getJob(`nudge-${hex}-${at}`);
    const scheduled = async () => (await q.getDelayed()).filter((j) => j.data.kind === 'nudge').map((j) => j.data);
    const wait = (what: string, ok: () => Promise<boolean>) => eventually(what, ok);
    const deployed = async (text: string, user = ANA) => {
      const d = await h!.deploy(text, user);
      await h!.slack.waitForFeed(d.id, 'succeeded');
    };
    /** Time comes to `at`: Ferry's clock reads it, and its timer job (delayed by real time) is due now. */
    const comes = async (at: number) => {
      clock.set(at);
      await (await nudgeJob(at))!.promote();
      await wait(`the nudge at ${new Date(at).toISOString()} to run`, async () => (await (await nudgeJob(at))?.getState()) === 'completed');
    };
    const nudges = (): PostedMessage[] => h!.slack.messages.filter((m) => m.channel === TEAM);

    // One nudge job, for Friday 09:30 London, however many times the worker asks for it.
    await wait('the first nudge to be scheduled', async () => (await scheduled()).length === 1);
    expect(await scheduled()).toEqual([{ kind: 'nudge', app: 'web', at: FRI }]);

    await deployed(`production ${base}`);
    await deployed('staging main');
    const off = await h.slash('/deploys', 'nudges off', BEN);
    expect(await h.answer(off.id)).toBe(
      ':zzz: Nudges about undeployed commits will name you without mentioning you. `/deploys nudges on` undoes it.',
    );
    expect(nudges()).toEqual([]);

    // Friday: one message, to the app's channel; Ben opted out of mentions and is named.
    await comes(FRI);
    expect(nudges()).toHaveLength(1);
    const first = nudges()[0]!;
    expect(first.versions[0]!.text).toBe(
      ':alarm_clock: `web`: 4 commits by <@U0ANA> (2), Ben Okafor (1) and <@U0CARLA> (1) on *staging* are not on *production* yet; the oldest has waited 3d.',
    );
    expect(JSON.stringify(first.versions[0]!.blocks)).toContain(NUDGE_RELEASE);
    // The next is Monday's (the weekend is skipped), 09:30 London on BST.
    expect(await scheduled()).toEqual([{ kind: 'nudge', app: 'web', at: MON }]);

    // Monday: the same commits wait, so the same message is brought up to date.
    await comes(MON);
    expect(nudges()).toHaveLength(1);
    expect(first.versions).toHaveLength(2);
    expect(latest(first).text).toContain('4 commits by <@U0ANA> (2), Ben Okafor (1) and <@U0CARLA> (1)');
    expect(latest(first).text).toContain('the oldest has waited 5d 23h.');

    // Ben wants mentions again, and pushes a fix that reaches staging: what waits changed, so Tuesday's is a new message.
    const on = await h.slash('/deploys', 'nudges on', BEN);
    expect(await h.answer(on.id)).toContain('Nudges about undeployed commits will mention you again.');
    repo.commit(ben, 'Fix receipt footer', MON + HOUR);
    await deployed('staging main');
    await comes(TUE);
    expect(nudges()).toHaveLength(2);
    expect(first.versions).toHaveLength(2);
    const second = nudges()[1]!;
    expect(second.versions[0]!.text).toContain('5 commits by <@U0ANA> (2), <@U0BEN> (2) and <@U0CARLA> (1) on *staging*');
    expect(second.versions[0]!.text).toContain('the oldest has waited 6d 23h.');

    // Release on it opens the release from staging to production, as the clicker, answered like /release.
    const click = await h.click(NUDGE_RELEASE, 'web', CARLA, { channel: TEAM, ts: second.ts });
    expect(await h.answer(click.id)).toMatch(/^Opened \*release #1\*/);
    expect(await h.redis.hget(`${h.prefix}:release:1`, 'requester')).toBe(CARLA);
    expect(await h.redis.hget(`${h.prefix}:release:1`, 'commitCount')).toBe('5');

    // Production catches up: nothing waits, so Wednesday posts nothing and leaves the old messages alone.
    await deployed('production main');
    const before = h.slack.messages.filter((m) => m.channel === TEAM).map((m) => m.versions.length);
    await comes(WED);
    expect(nudges().map((m) => m.versions.length)).toEqual(before);
    expect(await scheduled()).toEqual([{ kind: 'nudge', app: 'web', at: THU }]);
  });

  test('in the top-level time zone (Asia/Tokyo) and to the feed when the nudge names neither; nothing until the oldest commit is older than `after`', async () => {
    // 09:30 in Tokyo (UTC+9, no DST) is 00:30 UTC the same day.
    const friTokyo = Date.UTC(2027, 2, 26, 0, 30);
    const monTokyo = Date.UTC(2027, 2, 29, 0, 30);
    const clock = new TestClock();
    clock.set(friTokyo - HOUR);
    let base = '';
    h = await Harness.start({
      now: clock.now,
      config: ({ dir, deployRoot }) => {
        const repo = teamRepo(path.join(dir, 'team'));
        base = repo.commit(ana, 'first commit', friTokyo - 10 * DAY);
        repo.commit(ben, 'Fix cart totals', friTokyo - 3 * DAY);
        return {
          feed_channel: FEED,
          time_zone: 'Asia/Tokyo',
          people: { 'ben@example.com': BEN },
          apps: {
            web: {
              path: repo.path,
              nudge: { after: '4d' },
              environments: {
                staging: { deploy: [LOCAL_DEPLOY, deployRoot] },
                production: { deploy: [LOCAL_DEPLOY, deployRoot], promote_from: 'staging' },
              },
            },
          },
        };
      },
    });
    timers = new Queue<TimerJobData>('timers', { connection: h.redis, prefix: `${h.prefix}:q` });
    const q = timers;
    const job = (at: number) => q.getJob(`nudge-${Buffer.from('web').toString('hex')}-${at}`);
    const comes = async (at: number) => {
      clock.set(at);
      await eventually('the nudge to be scheduled', () => job(at));
      await (await job(at))!.promote();
      await eventually('the nudge to run', async () => (await (await job(at))?.getState()) === 'completed');
    };
    const nudges = () => h!.slack.messages.filter((m) => m.channel === FEED && m.versions[0]!.text.startsWith(':alarm_clock:'));
    for (const text of [`production ${base}`, 'staging main']) {
      const d = await h.deploy(text);
      await h.slack.waitForFeed(d.id, 'succeeded');
    }

    // Friday: the one waiting commit is 3 days old, under `after` (4d): nothing is said.
    await comes(friTokyo);
    expect(nudges()).toEqual([]);
    // Monday (the weekend skipped): 6 days old, so the feed is told.
    await comes(monTokyo);
    expect(nudges().map((m) => m.versions[0]!.text)).toEqual([
      ':alarm_clock: `web`: 1 commit by <@U0BEN> (1) on *staging* is not on *production* yet; the oldest has waited 6d.',
    ]);
  });
});
