import pino from 'pino';
import { parseConfig } from '../../src/config/load';
import type { FerryConfig } from '../../src/core/config/types';
import { nextDigestAt } from '../../src/core/delivery/digest-time';
import { FerryError } from '../../src/errors';
import { Queues } from '../../src/queue/queues';
import { DeliveryStats } from '../../src/services/delivery-stats';
import { WeeklyDigest } from '../../src/services/weekly-digest';
import { fakeFigures } from '../helpers/fake-figures';
import { deletePrefix, newRedis, uniqueKeys } from './fixtures';

const file = '/srv/ferry/ferry.yml';
const utc = (text: string): number => Date.parse(`${text}Z`);
const yaml = (digest: string) => `
feed_channel: C0FEED
time_zone: Europe/London
apps:
  web:
    path: ../repos/web
    environments:
      production:
        deploy: [commands/deploy.sh]
${digest}`;

function problems(text: string): string {
  try {
    parseConfig(text, file);
  } catch (err) {
    if (err instanceof FerryError) return err.message;
    throw err;
  }
  throw new Error('expected a config error');
}

describe('digest: in the config', () => {
  test("a day and a time, in the file's time zone unless it has its own, to the feed unless it names a channel", () => {
    const c = parseConfig(yaml('    digest: { at: "mon 09:30" }'), file);
    expect(c.apps.web!.digest).toEqual({ day: 0, minute: 570, text: 'mon 09:30', tz: 'Europe/London' });
    const own = parseConfig(yaml('    digest: { at: "Friday 16:05", time_zone: america/new_york, channel: C0STATS }'), file);
    expect(own.apps.web!.digest).toEqual({ day: 4, minute: 965, text: 'Friday 16:05', tz: 'America/New_York', channel: 'C0STATS' });
  });

  test('junk is refused with its key path and how to write it', () => {
    expect(problems(yaml('    digest: { at: "someday 09:30" }'))).toMatch(
      /apps\.web\.digest\.at.*"someday" is not a day.*e\.g\. "mon 09:30"/s,
    );
    expect(problems(yaml('    digest: { at: "mon 25:00" }'))).toMatch(/apps\.web\.digest\.at.*"25:00" is not a time/s);
    expect(problems(yaml('    digest: { at: "mon" }'))).toMatch(/apps\.web\.digest\.at.*is not a time/s);
    expect(problems(yaml('    digest: { at: "mon 09:30", channel: "#stats" }'))).toMatch(/apps\.web\.digest\.channel.*Slack channel ID/s);
    expect(problems(yaml('    digest: { at: "mon 09:30", time_zone: Mars/Olympus }'))).toMatch(/apps\.web\.digest\.time_zone/);
    expect(problems(yaml('    digest: { at: "mon 09:30", every: week }'))).toMatch(/apps\.web\.digest.*every/s);
    expect(problems(yaml('    digest: mon 09:30'))).toMatch(/apps\.web\.digest.*\{ at: "mon 09:30" \}/s);
  });
});

describe('nextDigestAt: the local day and time, across DST', () => {
  const london = { day: 0, minute: 570, tz: 'Europe/London' };
  test('09:30 in London is 08:30 UTC on summer time and 09:30 UTC after the clocks go back (25 Oct 2026)', () => {
    expect(nextDigestAt(london, utc('2026-10-14T12:00'))).toBe(utc('2026-10-19T08:30'));
    expect(nextDigestAt(london, utc('2026-10-19T08:30'))).toBe(utc('2026-10-26T09:30'));
  });
  test('New York springs forward on 8 Mar 2026: 14:30 UTC, then 13:30 UTC', () => {
    const ny = { day: 0, minute: 570, tz: 'America/New_York' };
    expect(nextDigestAt(ny, utc('2026-03-01T00:00'))).toBe(utc('2026-03-02T14:30'));
    expect(nextDigestAt(ny, utc('2026-03-02T14:30'))).toBe(utc('2026-03-09T13:30'));
  });
  test('on the day, before the time: today; a minute after: next week', () => {
    expect(nextDigestAt(london, utc('2026-10-26T09:29'))).toBe(utc('2026-10-26T09:30'));
    expect(nextDigestAt(london, utc('2026-10-26T09:31'))).toBe(utc('2026-11-02T09:30'));
  });
});

describe('WeeklyDigest', () => {
  const redis = newRedis();
  const k = uniqueKeys('digest');
  const log = pino({ level: 'silent' });
  let config: FerryConfig;
  const opened: Queues[] = [];
  beforeAll(() => {
    config = parseConfig(yaml('    digest: { at: "mon 09:30", channel: C0STATS }'), file);
  });
  afterAll(async () => {
    await Promise.all(opened.map((q) => q.close()));
    await deletePrefix(redis, k);
    redis.disconnect();
  });

  function startProcess(clock: { now: number }, posts: { channel: string; text: string }[]) {
    const queues = new Queues(redis, k.bullPrefix, config, log);
    opened.push(queues);
    const stats = new DeliveryStats({ delivery: fakeFigures({ web: ['production'] }), links: () => undefined, log, now: () => clock.now });
    const digest = new WeeklyDigest({
      config,
      schedule: (app, at, now) => queues.digestTimer(app, at, now),
      text: (app, heading) => stats.text(app, 7, heading),
      post: async (channel, text) => void posts.push({ channel, text }),
      log,
      now: () => clock.now,
    });
    return { queues, digest };
  }

  test("three processes starting schedule one job; when it fires the 7-day figures are posted once, and next week's scheduled", async () => {
    const clock = { now: utc('2026-10-21T12:00') };
    const posts: { channel: string; text: string }[] = [];
    const procs = [startProcess(clock, posts), startProcess(clock, posts), startProcess(clock, posts)];
    await Promise.all(procs.map((p) => p.digest.start()));
    const at = utc('2026-10-26T09:30');
    const jobs = await procs[0]!.queues.timers.getJobs(['delayed', 'waiting']);
    expect(jobs.map((j) => [j.id, j.data])).toEqual([[`digest-web-${at}`, { kind: 'digest', app: 'web', at }]]);
    expect(jobs[0]!.opts.delay).toBe(at - clock.now);

    clock.now = at + 1_500;
    await procs[1]!.digest.fire('web', at);
    expect(posts).toHaveLength(1);
    expect(posts[0]!.channel).toBe('C0STATS');
    expect(posts[0]!.text).toMatch(/^\*Weekly delivery figures for `web`\*, the last 7 days/);
    expect(posts[0]!.text).toContain('*production*\n• Deploy frequency:');
    const next = (await procs[0]!.queues.timers.getJobs(['delayed'])).map((j) => j.id).sort();
    expect(next).toEqual([`digest-web-${at}`, `digest-web-${utc('2026-11-02T09:30')}`].sort());
  });

  test('a digest whose time passed while no worker ran is skipped, not posted late; a moved one is left alone', async () => {
    const clock = { now: utc('2026-11-09T20:00') };
    const posts: { channel: string; text: string }[] = [];
    const { digest } = startProcess(clock, posts);
    await digest.fire('web', utc('2026-11-09T09:30'));
    await digest.fire('web', utc('2026-11-10T09:30'));
    expect(posts).toEqual([]);
  });
});
