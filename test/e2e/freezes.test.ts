import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { keys } from '../../src/store/keys';
import { AuditLog } from '../../src/store/audit';
import { latest, type MessageVersion } from '../helpers/fake-slack';
import { Harness, SIGNING_SECRET, TestClock, writeScript } from '../helpers/harness';
import { post, sign, slashBody } from '../helpers/slack-requests';
import { eventually, waitForFile } from '../helpers/wait';

const ANA = 'U0ANA';
const BEN = 'U0BEN';
const CAT = 'U0CAT';
const DAN = 'U0DAN';
const QA = 'U0QA';

/** Marks that it ran (`ran-<id>`), then waits until the test releases it (`release-<id>`). */
const GATE = (dir: string) => `touch "${dir}/ran-$FERRY_DEPLOY_ID"
while [ ! -f "${dir}/release-$FERRY_DEPLOY_ID" ]; do sleep 0.05; done`;

/** The Slack `<!date^…>` token for an instant: what the reader sees, in their own zone. */
const dateToken = (ms: number) => `<!date^${ms / 1000}^`;

/** A feed message's state line (under its title), with the cause when it waits. */
const stateOf = (v: MessageVersion) => (v.blocks[0] as { text: { text: string } }).text.text.split('\n').slice(1).join('\n');

describe('freezes', () => {
  let h: Harness;
  let clock: TestClock;
  const file = (name: string) => path.join(h.dir, name);
  const release = (id: number) => writeFileSync(file(`release-${id}`), '');
  const record = async (id: number) => h.redis.hgetall(`${h.prefix}:deploy:${id}`);
  /** Top-level feed lines that are not deploy messages (freezes, unfreezes), oldest first. */
  const feedLines = () =>
    h.slack.messages
      .filter((m) => m.channel === 'C0FEED' && !m.thread_ts && !m.versions[0]!.text.includes('Deploy #'))
      .map((m) => latest(m).text);
  const feedLine = (what: string, match: RegExp) =>
    h.slack.waitFor(`the feed to say ${what}`, () => feedLines().find((l) => match.test(l)));
  const dmTexts = (user: string) => h.slack.dmsTo(user).map((c) => String(c.body.text));
  const audit = () => new AuditLog(h.redis, keys(h.prefix));
  /** `/deploys audit ...`: its entries, newest first, without their times and SHAs ("<@U…> · :x: *action* · `web` env · detail"). */
  async function auditLines(text: string, user = ANA): Promise<string[]> {
    const r = await h.slash('/deploys', `audit ${text}`, user);
    const blocks = (await h.slack.waitForResponse(r.id)).blocks as { text: { text: string } }[];
    return blocks
      .slice(1)
      .flatMap((b) => b.text.text.split('\n'))
      .map((l) =>
        l
          .split(' · ')
          .slice(1)
          .join(' · ')
          .replace(/ at [0-9a-f]{7}$/, ''),
      );
  }

  async function start(): Promise<Harness> {
    clock = new TestClock();
    return Harness.start({
      now: clock.now,
      config: ({ dir, repo }) => ({
        feed_channel: 'C0FEED',
        shutdown_grace: '1s',
        time_zone: 'Europe/London',
        apps: {
          web: {
            path: repo,
            environments: { dev: { deploy: ['/bin/true'] }, staging: { deploy: [writeScript(dir, 'gate.sh', GATE(dir))] } },
          },
        },
      }),
    });
  }

  /** #1 runs (held open by the test), three more from different people queue behind it; those three run straight through once started. */
  async function runningAndThreeQueued(): Promise<{ first: number; queued: number[] }> {
    const first = await h.deploy('staging main', ANA);
    await waitForFile(file(`ran-${first.id}`));
    const queued: number[] = [];
    for (const [ref, user] of [
      ['fix-1', BEN],
      ['feature/checkout', CAT],
      ['main', ANA],
    ] as const)
      queued.push((await h.deploy(`staging ${ref}`, user)).id);
    for (const id of queued) release(id);
    return { first: first.id, queued };
  }

  /** The "Notify me when unfrozen" button on a refusal. */
  function notifyButton(blocks: unknown): { value: string; text: { text: string } } | undefined {
    for (const b of blocks as { type: string; elements?: { action_id?: string }[] }[]) {
      const el = b.type === 'actions' ? b.elements?.find((e) => e.action_id === 'freeze_notify') : undefined;
      if (el) return el as never;
    }
    return undefined;
  }

  /** Starts and ends of the deploys, in the order of `ids`; fails unless each started after the one before it finished. */
  async function expectRanInOrder(ids: number[], notBefore = 0): Promise<void> {
    const recs = await Promise.all(ids.map(record));
    expect(recs.map((r) => r.status)).toEqual(ids.map(() => 'succeeded'));
    for (const [i, r] of recs.entries()) {
      expect(Number(r.startedAt)).toBeGreaterThanOrEqual(i === 0 ? notBefore : Number(recs[i - 1]!.finishedAt));
    }
  }

  afterEach(async () => {
    await h?.stop();
    h = undefined as unknown as Harness;
  });

  test('a freeze refuses new deploys (who, why, since, a Notify button); queued deploys wait saying why; /unfreeze lets them go in order and DMs who asked', async () => {
    h = await start();
    const { first, queued } = await runningAndThreeQueued();

    const freeze = await h.slash('/freeze', 'staging release testing', QA);
    expect(freeze.ackText).toBe('');
    expect(await h.answer(freeze.id)).toBe(
      ':snowflake: Froze `web` *staging* until someone runs `/unfreeze`. Deploys already queued there wait and go ahead in order when it lifts; new ones are refused. `/unfreeze web staging` lifts it.',
    );
    expect(await feedLine('frozen', /^:snowflake:/)).toBe(
      ':snowflake: `web` *staging* frozen by <@U0QA> until someone runs `/unfreeze`: release testing. Deploys there wait until it lifts.',
    );

    // a new deploy is refused with the cause, and offered a DM when it lifts
    const refused = await h.slash('/deploy', 'staging main', DAN);
    const answer = await h.slack.waitForResponse(refused.id);
    expect(answer.text).toMatch(
      /^Can't deploy: \*staging\* is frozen by <@U0QA> \(release testing\) since <!date\^\d+\^[^>]+>, with no end set; `\/unfreeze` lifts it\. Nothing was queued\.$/,
    );
    const button = notifyButton(answer.blocks)!;
    expect(button.text.text).toBe('Notify me when unfrozen');
    expect(JSON.parse(button.value)).toEqual({ app: 'web', env: 'staging' });
    const click = await h.click('freeze_notify', button.value, DAN);
    expect(await h.answer(click.id)).toBe(":bell: I'll DM you when `web` *staging* is no longer frozen.");

    // the running deploy ends; the three behind it are held, each feed message saying why
    release(first);
    await h.slack.waitForFeed(first, 'succeeded');
    for (const id of queued) {
      const msg = await h.slack.waitForFeed(id, 'queued, waiting');
      expect(stateOf(latest(msg))).toMatch(
        /^queued, waiting: \*staging\* is frozen by <@U0QA> \(release testing\) since <!date\^\d+\^[^>]+>, with no end set; `\/unfreeze` lifts it\.$/,
      );
    }
    // each requester is told once, with how to drop it
    for (const [id, user] of [
      [queued[0]!, BEN],
      [queued[1]!, CAT],
      [queued[2]!, ANA],
    ] as const) {
      const dm = await h.slack.waitFor(`the held DM to ${user}`, () =>
        dmTexts(user).find((t) => t.includes(`Your deploy #${id} is waiting`)),
      );
      expect(dm).toContain('*staging* is frozen by <@U0QA> (release testing)');
      expect(dm).toContain(`starts by itself, in order, when that changes; \`/deploy cancel ${id}\` drops it.`);
    }
    for (const id of queued) expect(existsSync(file(`ran-${id}`))).toBe(false);
    await eventually('all three to be held', async () => (await h.running!.parts.queues.counts('web', 'staging')).delayed === 3);

    const unfreeze = await h.slash('/unfreeze', 'staging', QA);
    expect(await h.answer(unfreeze.id)).toBe(':sunny: Unfroze `web` *staging*.');
    expect(await feedLine('unfrozen', /^:sunny:/)).toBe(
      ':sunny: `web` *staging* unfrozen by <@U0QA>. 3 waiting deploys now go ahead in order.',
    );
    for (const id of queued) await h.slack.waitForFeed(id, 'succeeded');
    await expectRanInOrder(queued);

    const told = await h.slack.waitFor('the unfrozen DM', () => dmTexts(DAN)[0]);
    expect(told).toBe(
      ":sunny: `web` *staging* is no longer frozen. You asked me to tell you: `/deploy web staging &lt;ref&gt;` when you're ready.",
    );
    // one DM each: none repeated by the hold or the release
    expect(dmTexts(DAN)).toHaveLength(1);
    expect(dmTexts(BEN)).toHaveLength(1);
    // the refusal queued nothing: the next deploy takes the next id
    const after = await h.deploy('staging main', DAN);
    expect(after.id).toBe(queued[2]! + 1);
    release(after.id);

    // the audit log, by env and by person
    const deployed = (id: number, user: string, ref: string) => `<@${user}> · :rocket: *deploy* · \`web\` staging #${id} · ${ref}`;
    expect(await auditLines('staging')).toEqual([
      deployed(after.id, DAN, 'main'),
      '<@U0QA> · :sunny: *unfreeze* · `web` staging · lifted their own freeze',
      '<@U0DAN> · :no_entry: *refused* · `web` staging · deploy: frozen by U0QA',
      '<@U0QA> · :snowflake: *freeze* · `web` staging · release testing',
      deployed(queued[2]!, ANA, 'main'),
      deployed(queued[1]!, CAT, 'feature/checkout'),
      deployed(queued[0]!, BEN, 'fix-1'),
      deployed(first, ANA, 'main'),
    ]);
    expect(await auditLines('<@U0QA>')).toEqual([
      '<@U0QA> · :sunny: *unfreeze* · `web` staging · lifted their own freeze',
      '<@U0QA> · :snowflake: *freeze* · `web` staging · release testing',
    ]);
    expect(await auditLines('me', DAN)).toEqual([
      deployed(after.id, DAN, 'main'),
      '<@U0DAN> · :no_entry: *refused* · `web` staging · deploy: frozen by U0QA',
    ]);
  });

  test('a freeze with an end lifts itself then: the feed says so, and the deploys it held run in order', async () => {
    h = await start();
    const { first, queued } = await runningAndThreeQueued();
    // Tuesday 12 March 2030, 09:59:55 in London (GMT, so UTC too): `until 10:00` is 5 s away. (Ahead
    // of the wall clock on purpose: Redis drops a freeze's record a day after its end, by the wall clock.)
    clock.set(Date.UTC(2030, 2, 12, 9, 59, 55));
    const end = Date.UTC(2030, 2, 12, 10, 0);

    const freeze = await h.slash('/freeze', 'staging until 10:00 smoke tests', QA);
    expect(await h.answer(freeze.id)).toContain(`:snowflake: Froze \`web\` *staging* until ${dateToken(end)}`);
    expect(await feedLine('frozen', /^:snowflake:/)).toMatch(
      new RegExp(`^:snowflake: \`web\` \\*staging\\* frozen by <@U0QA> until <!date\\^${end / 1000}\\^[^>]+> \\(\\d+s\\): smoke tests\\.`),
    );
    const refused = await h.slash('/deploy', 'staging main', DAN);
    const answer = await h.answer(refused.id);
    expect(answer).toMatch(/^Can't deploy: \*staging\* is frozen by <@U0QA> \(smoke tests\) since <!date\^\d+\^[^>]+>, until /);
    expect(answer).toContain(`until ${dateToken(end)}`);
    const click = await h.click('freeze_notify', JSON.stringify({ app: 'web', env: 'staging' }), DAN);
    expect(await h.answer(click.id)).toBe(":bell: I'll DM you when `web` *staging* is no longer frozen.");

    release(first);
    for (const id of queued) {
      const msg = await h.slack.waitForFeed(id, 'queued, waiting');
      expect(stateOf(latest(msg))).toContain(`(smoke tests) since <!date^`);
      expect(stateOf(latest(msg))).toContain(`until ${dateToken(end)}`);
    }
    expect(await feedLine('the freeze ended', /^:sunny:/)).toMatch(
      /^:sunny: `web` \*staging\* lifted itself: <@U0QA>'s freeze: smoke tests has ended\./,
    );
    for (const id of queued) await h.slack.waitForFeed(id, 'succeeded');
    await expectRanInOrder(queued, end);
    expect(await h.slack.waitFor('the unfrozen DM', () => dmTexts(DAN)[0])).toContain('`web` *staging* is no longer frozen.');
    expect((await audit().byEnv('web', 'staging', 1))[0]).toMatchObject({ user: 'ferry', action: 'unfreeze', detail: 'the freeze ended' });
    // it is over: deploys are taken again
    const after = await h.deploy('staging main', DAN);
    release(after.id);
    await h.slack.waitForFeed(after.id, 'succeeded');
  });

  test('/freeze alone lists what is frozen; a repeated delivery of the same /freeze changes nothing; /unfreeze twice says it was not frozen', async () => {
    h = await start();
    const list0 = await h.slash('/freeze', '');
    expect(await h.answer(list0.id)).toBe('Nothing is frozen. `/freeze [app] &lt;env&gt; [for 2h | until 17:00] [reason]` freezes an env.');

    // Slack delivers the same command (same trigger_id) again, freshly signed
    const body = slashBody('/freeze', 'all 2h db migration', QA, h.slack.responseUrl('again'));
    const now = Math.floor(Date.now() / 1000);
    for (const ts of [now, now - 1]) expect((await post(`${h.url}/slack/events`, body, sign(SIGNING_SECRET, body, ts))).status).toBe(200);
    const answers = [await h.answer('again', 1), await h.answer('again', 2)];
    expect(
      answers.filter((a) => a === 'Already done: that `/freeze` was handled a moment ago. `/freeze` lists what is frozen now.'),
    ).toHaveLength(1);
    expect(answers.find((a) => a.startsWith(':snowflake:'))).toMatch(
      /^:snowflake: Froze `web` \*dev\*, \*staging\* until <!date\^\d+\^[^>]+> \(2h\)\. .* `\/unfreeze web all` lifts it\.$/,
    );
    await feedLine('frozen', /^:snowflake:/);
    expect((await audit().recent()).map((e) => `${e.action} ${e.env}`)).toEqual(['freeze staging', 'freeze dev']);

    const list = await h.slash('/freeze', '');
    const lines = (await h.answer(list.id)).split('\n');
    expect(lines[0]).toBe(':snowflake: *Frozen now:*');
    expect(lines.slice(1)).toEqual([
      expect.stringMatching(/^• `web` \*dev\*: by <@U0QA> since <!date\^\d+\^[^>]+>, until <!date\^\d+\^[^>]+> \(2h\): db migration$/),
      expect.stringMatching(/^• `web` \*staging\*: by <@U0QA> since /),
    ]);

    const first = await h.slash('/unfreeze', 'all', ANA);
    expect(await h.answer(first.id)).toBe(':sunny: Unfroze `web` *dev*.\n:sunny: Unfroze `web` *staging*.');
    const again = await h.slash('/unfreeze', 'staging', ANA);
    expect(await h.answer(again.id)).toBe("`web` *staging* wasn't frozen.");
    await h.slack.waitFor('two unfrozen lines', () => feedLines().filter((l) => l.startsWith(':sunny:')).length === 2);
    expect(feedLines()).toHaveLength(3);
  });

  test('bad durations and times are answered in the ack, specifically, and change nothing', async () => {
    h = await start();
    // Tuesday 12 March 2030, 14:00 in London (GMT).
    clock.set(Date.UTC(2030, 2, 12, 14, 0));
    const usage = 'Usage: `/freeze [app] &lt;env&gt;|all [for &lt;duration&gt; | until &lt;time&gt;] [reason]`';
    const forms = '`until 17:00`, `until tomorrow 09:00`, `until mon 09:00` or `until 2026-11-23 09:00`';
    const cases: [string, string][] = [
      ['staging for 0h', `\`0h\` is not a duration; use e.g. 30m, 4h, 2d, or ${forms}. ${usage}`],
      ['staging for 5 parsecs', `\`5\` is not a duration; use e.g. 30m, 4h, 2d, or ${forms}. ${usage}`],
      ['staging 91d', 'A freeze can be set for at most 90d; `91d` is longer. Leave the end out to freeze until `/unfreeze`.'],
      ['staging until 25:00', `\`25:00\` is not a time; use 24-hour HH:MM, e.g. 09:30 (read in Europe/London). ${usage}`],
      [
        'staging until yesterday',
        `I can't read \`yesterday\` as a time; use e.g. ${forms} (24-hour, Europe/London). To freeze with no end, leave \`until\` out.`,
      ],
      [
        'staging until today 09:00',
        '`today 09:00` has passed: it is 2030-03-12 14:00 in Europe/London. Give a later time, e.g. `until tomorrow 09:00`.',
      ],
      [
        'staging until 2030-03-11 17:00',
        `\`2030-03-11 17:00\` is in the past: it is 2030-03-12 14:00 in Europe/London. Give a later time, e.g. ${forms}.`,
      ],
      ['staging for 2h until 17:00', `Give the freeze one end: a duration (\`for 2h\`) or a time (\`until 17:00\`), not both. ${usage}`],
      [
        'staging 17:00',
        `To freeze until a time, say so: \`until 17:00\`. A number right after the env is read as a duration, such as 2h. ${usage}`,
      ],
    ];
    for (const [text, expected] of cases) {
      const r = await h.slash('/freeze', text, QA);
      expect([text, r.ack.status, r.ackText]).toEqual([text, 200, expected]);
    }
    const extra = await h.slash('/unfreeze', 'staging now please', QA);
    expect(extra.ackText).toContain("`/unfreeze` takes only the app and env (or `all`); I don't know what to do with `now please`.");

    // nothing was frozen, posted or audited, and deploys go ahead
    expect(await h.redis.keys(`${h.prefix}:freeze:*`)).toEqual([]);
    expect(await audit().recent()).toEqual([]);
    const ok = await h.deploy('dev main', QA);
    await h.slack.waitForFeed(ok.id, 'succeeded');
    expect(feedLines()).toEqual([]);
    expect(h.slack.responses.size).toBe(1);
  });
});

describe('a weekly scheduled freeze, in another zone than the config, across the autumn clock change', () => {
  let h: Harness;
  const clock = new TestClock();
  const file = (name: string) => path.join(h.dir, name);
  const dmTexts = (user: string) => h.slack.dmsTo(user).map((c) => String(c.body.text));
  const feedLines = () =>
    h.slack.messages
      .filter((m) => m.channel === 'C0FEED' && !m.thread_ts && !m.versions[0]!.text.includes('Deploy #'))
      .map((m) => latest(m).text);
  // "Fri 16:00 to Mon 08:00" in London: the Friday start is in summer time (15:00 UTC); the UK
  // clocks go back on Sunday 25 October 2026, so the Monday end is 08:00 GMT, 08:00 UTC.
  const begins = Date.UTC(2026, 9, 23, 15, 0);
  const ends = Date.UTC(2026, 9, 26, 8, 0);

  afterEach(async () => {
    await h?.stop();
  });

  test('it starts and ends at London wall-clock times: refused with its name in between, /unfreeze cannot lift it, and the deploy it held starts at 08:00 UTC', async () => {
    // Friday 23 October 2026, 15:59:56 in London (BST), 11:59:56 in New York: 4 s before it begins.
    clock.set(begins - 4_000);
    h = await Harness.start({
      now: clock.now,
      config: ({ dir, repo }) => ({
        feed_channel: 'C0FEED',
        shutdown_grace: '1s',
        time_zone: 'America/New_York',
        freezes: [
          {
            name: 'weekend',
            reason: 'no deploys at weekends',
            every: 'Fri 16:00 to Mon 08:00',
            time_zone: 'Europe/London',
            environments: ['production'],
          },
        ],
        apps: {
          web: {
            path: repo,
            environments: { staging: { deploy: ['/bin/true'] }, production: { deploy: [writeScript(dir, 'gate.sh', GATE(dir))] } },
          },
        },
      }),
    });
    const first = await h.deploy('production main', ANA);
    await waitForFile(file(`ran-${first.id}`));
    const held = await h.deploy('production fix-1', BEN);
    expect(clock.now()).toBeLessThan(begins);

    // it begins at 16:00 London: the feed says so, with its end across the clock change (65 h, not 64)
    const on = await h.slack.waitFor('the freeze to begin', () => feedLines().find((l) => l.startsWith(':snowflake:')));
    expect(on).toBe(
      `:snowflake: Scheduled freeze *weekend* is on for \`web\` *production* until ${dateToken(ends)}{date_short_pretty} {time}|2026-10-26 08:00 UTC> (2d 17h): no deploys at weekends. Deploys there wait until it ends.`,
    );
    const friday = await h.slash('/deploy', 'production main', CAT);
    expect(await h.answer(friday.id)).toContain(
      `Can't deploy: *production* is frozen by the schedule *weekend* (no deploys at weekends) until ${dateToken(ends)}`,
    );
    const staging = await h.deploy('staging main', CAT);
    await h.slack.waitForFeed(staging.id, 'succeeded');

    // Monday 26 October 2026, 07:00:01 in London (GMT now), 03:00:01 in New York: an hour to go
    clock.set(ends - 3_600_000 + 1_000);
    const monday = await h.slash('/deploy', 'production main', CAT);
    const refusal = await h.slack.waitForResponse(monday.id);
    const untilEnds = `until ${dateToken(ends)}{date_short_pretty} {time}|2026-10-26 08:00 UTC>`;
    expect(refusal.text).toMatch(
      /^Can't deploy: \*production\* is frozen by the schedule \*weekend\* \(no deploys at weekends\) until <[^>]+> \(in 1h\)\. Nothing was queued\.$/,
    );
    expect(refusal.text).toContain(untilEnds);
    expect(JSON.stringify(refusal.blocks)).toContain('"action_id":"freeze_notify"');
    const unfreeze = await h.slash('/unfreeze', 'production', ANA);
    expect(await h.answer(unfreeze.id)).toBe(
      "`web` *production* is frozen by the schedule *weekend*, which `/unfreeze` can't lift; change `freezes:` in the config.",
    );
    const list = await h.slash('/freeze', '', ANA);
    expect(await h.answer(list.id)).toMatch(
      /^:snowflake: \*Frozen now:\*\n• `web` \*production\*: by the schedule \*weekend\* since <[^>]+>, until <[^>]+> \(1h\): no deploys at weekends$/,
    );
    expect(await h.answer(list.id)).toContain(`since ${dateToken(begins)}{date_short_pretty} {time}|2026-10-23 15:00 UTC>, ${untilEnds}`);

    // 07:59:56: still frozen; the running deploy ends and the one behind it is held until 08:00
    clock.set(ends - 4_000);
    const late = await h.slash('/deploy', 'production main', CAT);
    expect(await h.answer(late.id)).toContain("Can't deploy: *production* is frozen by the schedule *weekend*");
    const click = await h.click('freeze_notify', JSON.stringify({ app: 'web', env: 'production' }), CAT);
    expect(await h.answer(click.id)).toBe(":bell: I'll DM you when `web` *production* is no longer frozen.");
    writeFileSync(file(`release-${held.id}`), '');
    writeFileSync(file(`release-${first.id}`), '');
    const waiting = await h.slack.waitForFeed(held.id, 'queued, waiting');
    expect(stateOf(latest(waiting))).toBe(
      `queued, waiting: *production* is frozen by the schedule *weekend* (no deploys at weekends) until ${dateToken(ends)}{date_short_pretty} {time}|2026-10-26 08:00 UTC>.`,
    );
    const heldDm = await h.slack.waitFor('the held DM', () => dmTexts(BEN).find((t) => t.includes(`Your deploy #${held.id} is waiting`)));
    expect(heldDm).toContain('frozen by the schedule *weekend*');

    await h.slack.waitForFeed(held.id, 'succeeded');
    expect(Number(await h.redis.hget(`${h.prefix}:deploy:${held.id}`, 'startedAt'))).toBeGreaterThanOrEqual(ends);
    expect(await h.slack.waitFor('the unfrozen DM', () => dmTexts(CAT)[0])).toBe(
      ":sunny: `web` *production* is no longer frozen. You asked me to tell you: `/deploy web production &lt;ref&gt;` when you're ready.",
    );
    // the refusals queued nothing
    expect(Number(await h.redis.get(`${h.prefix}:deploy:seq`))).toBe(staging.id);
  });
});
