import { latest, type MessageVersion } from '../helpers/fake-slack';
import { Harness, TestClock } from '../helpers/harness';

const ANA = 'U0ANA';
const BEN = 'U0BEN'; // in the user group S0LEADS
const CAT = 'U0CAT'; // in no group
const ADM = 'U0ADM'; // admin

/** The Slack `<!date^…>` token for an instant: what the reader sees, in their own zone. */
const dateToken = (ms: number) => `<!date^${ms / 1000}^`;

/** A feed message's state line (under its title), with the cause when it waits. */
const stateOf = (v: MessageVersion) => (v.blocks[0] as { text: { text: string } }).text.text.split('\n').slice(1).join('\n');
/** A feed message's facts line (ref, requester, override...). */
const factsOf = (v: MessageVersion) => (v.blocks[1] as { elements: { text: string }[] }).elements[0]!.text;

describe('deploy windows and overrides', () => {
  let h: Harness;
  let clock: TestClock;
  const record = async (id: number) => h.redis.hgetall(`${h.prefix}:deploy:${id}`);
  const seq = async () => Number(await h.redis.get(`${h.prefix}:deploy:seq`));
  const deployMessages = () =>
    h.slack.messages.filter((m) => m.channel === 'C0FEED' && !m.thread_ts && m.versions[0]!.text.includes('Deploy #'));

  /** Windows read in London while the config's zone is UTC; production's override is for S0LEADS, dev's (no list) for admins. */
  async function start(at: number): Promise<Harness> {
    clock = new TestClock();
    clock.set(at);
    const window = (w: string, extra: Record<string, unknown> = {}) => ({
      deploy: ['/bin/true'],
      window: w,
      time_zone: 'Europe/London',
      ...extra,
    });
    const harness = await Harness.start({
      now: clock.now,
      config: ({ repo }) => ({
        feed_channel: 'C0FEED',
        time_zone: 'UTC',
        admins: [ADM],
        apps: {
          web: {
            path: repo,
            environments: {
              dev: window('Mon-Fri 10:00-16:00'),
              staging: window('Mon-Thu 09:30-17:00'),
              production: window('Mon-Fri 10:00-16:00', { permissions: { override: ['S0LEADS'] } }),
            },
          },
        },
      }),
    });
    harness.slack.usergroups.set('S0LEADS', [BEN, 'U0DAN']);
    return harness;
  }

  /** `/deploys audit ...`: its entries, newest first, without their times ("<@U…> · :x: *action* · `web` env · detail"). */
  async function auditLines(text: string, user = ANA): Promise<string[]> {
    const r = await h.slash('/deploys', `audit ${text}`, user);
    const blocks = (await h.slack.waitForResponse(r.id)).blocks as { text: { text: string } }[];
    return blocks
      .slice(1)
      .flatMap((b) => b.text.text.split('\n'))
      .map((l) => l.split(' · ').slice(1).join(' · '));
  }

  afterEach(async () => {
    await h?.stop();
    h = undefined as unknown as Harness;
  });

  test('outside its window a deploy is accepted and waits, saying when the window opens; it starts by itself then, in order', async () => {
    // Tuesday 11 June 2030, 09:29:56 in London (BST): the window opens at 09:30 there, 08:30 UTC,
    // 4 s from now (the config's own zone, UTC, would open it an hour later).
    h = await start(Date.UTC(2030, 5, 11, 8, 29, 56));
    const opens = Date.UTC(2030, 5, 11, 8, 30);

    const first = await h.deploy('staging main', ANA);
    expect(first.answer).toMatch(/^Accepted as \*deploy #1\*: `main` \(`[0-9a-f]{7}`\) to `web` \*staging\*, first in line\.\n/);
    expect(first.answer).toContain(
      `:clock3: It waits for the window: *staging* deploys start in its window (Mon-Thu 09:30-17:00 Europe/London); it opens at ${dateToken(opens)}`,
    );
    expect(first.answer).toMatch(
      /\(in \ds\)\. It starts by itself then\. If it can't wait, `\/deploy web staging main override &lt;reason&gt;` starts it now, if you may override\./,
    );
    const second = await h.deploy('staging fix-1', BEN);
    expect(second.answer).toContain('to `web` *staging*, #2 in line (1 ahead of it).\n:clock3: It waits for the window');
    // A full 40-character SHA: the override command Ferry suggests is whole, ready to copy.
    const sha = h.repo.sha('main').trim();
    const full = await h.deploy(`production ${sha}`, ANA);
    expect(full.answer).toContain(`If it can't wait, \`/deploy web production ${sha} override &lt;reason&gt;\` starts it now`);

    for (const id of [first.id, second.id]) {
      const msg = await h.slack.waitForFeed(id, 'queued, waiting');
      expect(stateOf(latest(msg))).toBe(
        `queued, waiting: *staging* deploys start in its window (Mon-Thu 09:30-17:00 Europe/London); it opens at ${dateToken(opens)}{date_short_pretty} {time}|2030-06-11 08:30 UTC>.`,
      );
    }
    await h.slack.waitForFeed(first.id, 'succeeded');
    await h.slack.waitForFeed(second.id, 'succeeded');
    const [a, b] = [await record(first.id), await record(second.id)];
    expect(Number(a.startedAt)).toBeGreaterThanOrEqual(opens);
    expect(Number(b.startedAt)).toBeGreaterThanOrEqual(Number(a.finishedAt));
    // both feed messages said they waited before they ran
    for (const id of [first.id, second.id]) expect(h.slack.feedMessage(id)!.versions[0]!.text).toContain(': queued, waiting');
    // the answer told them; no DM repeats it
    expect(h.slack.dmsTo(ANA)).toEqual([]);
    expect(h.slack.dmsTo(BEN)).toEqual([]);
  });

  test('an override starts a deploy outside its window for who may (a user group), shown in the feed and audited; others are refused with the rule; an override never lifts a freeze', async () => {
    // Saturday 15 June 2030, 13:00 in London (BST): every window is closed until Monday.
    h = await start(Date.UTC(2030, 5, 15, 12, 0));

    const ok = await h.deploy('production main override hotfix for <!here> checkout', BEN);
    expect(ok.answer).toContain(`Accepted as *deploy #${ok.id}*`);
    expect(ok.answer).toContain(':warning: It starts outside the deploy window, on your override; the reason is in the feed.');
    const msg = await h.slack.waitForFeed(ok.id, 'succeeded');
    expect(factsOf(latest(msg))).toContain(':warning: outside its window, by <@U0BEN>: hotfix for &lt;!here&gt; checkout');
    expect(msg.versions.some((v) => v.text.includes('waiting'))).toBe(false);

    // not in the group: refused, naming the rule and who can help; nothing queued
    const refused = await h.slash('/deploy', 'production main override I know what I am doing', CAT);
    expect(await h.answer(refused.id)).toBe(
      "You can't override the deploy rules of `web` *production*: `apps.web.environments.production.permissions.override` allows <!subteam^S0LEADS>. Ask one of them, or an admin (<@U0ADM>). Nothing was queued.",
    );
    // no list: admins only
    const notAdmin = await h.slash('/deploy', 'dev main override quick fix', ANA);
    expect(await h.answer(notAdmin.id)).toBe(
      "You can't override the deploy rules of `web` *dev*: `admins` (override without a list) allows <@U0ADM>. Ask one of them. Nothing was queued.",
    );
    expect(await seq()).toBe(ok.id);
    expect(deployMessages()).toHaveLength(1);
    const admin = await h.deploy('dev main override quick fix', ADM);
    expect(factsOf(latest(await h.slack.waitForFeed(admin.id, 'succeeded')))).toContain(
      ':warning: outside its window, by <@U0ADM>: quick fix',
    );

    // a freeze stands, override or not
    const freeze = await h.slash('/freeze', 'production incident 4521', ADM);
    expect(await h.answer(freeze.id)).toContain(':snowflake: Froze `web` *production*');
    const frozen = await h.slash('/deploy', 'production main override hotfix again', BEN);
    expect(await h.answer(frozen.id)).toMatch(
      /^Can't deploy: \*production\* is frozen by <@U0ADM> \(incident 4521\) since <!date\^\d+\^[^>]+>, with no end set; `\/unfreeze` lifts it\. Nothing was queued\.$/,
    );
    expect(await seq()).toBe(admin.id);

    // the audit log, by env and by person
    const sha = (await record(ok.id)).sha!.slice(0, 7);
    expect(await auditLines('production')).toEqual([
      '<@U0BEN> · :no_entry: *refused* · `web` production · deploy: frozen by U0ADM',
      '<@U0ADM> · :snowflake: *freeze* · `web` production · incident 4521',
      '<@U0CAT> · :no_entry: *refused* · `web` production · override: apps.web.environments.production.permissions.override',
      `<@U0BEN> · :warning: *override* · \`web\` production #${ok.id} · hotfix for &lt;!here&gt; checkout`,
      `<@U0BEN> · :rocket: *deploy* · \`web\` production #${ok.id} · main at ${sha}`,
    ]);
    expect(await auditLines('<@U0BEN|ben>')).toEqual([
      '<@U0BEN> · :no_entry: *refused* · `web` production · deploy: frozen by U0ADM',
      `<@U0BEN> · :warning: *override* · \`web\` production #${ok.id} · hotfix for &lt;!here&gt; checkout`,
      `<@U0BEN> · :rocket: *deploy* · \`web\` production #${ok.id} · main at ${sha}`,
    ]);
    expect(await auditLines('me', ANA)).toEqual([
      '<@U0ANA> · :no_entry: *refused* · `web` dev · override: admins (override without a list)',
    ]);
  });

  test('a config with a bad time zone or window does not start, and says which key is wrong and why', async () => {
    const started = Harness.start({
      config: ({ repo }) => ({
        feed_channel: 'C0FEED',
        time_zone: 'Europe/Londn',
        apps: { web: { path: repo, environments: { staging: { deploy: ['/bin/true'], window: 'Mon-Thu 9:30-5pm' } } } },
      }),
    });
    await expect(started).rejects.toThrow(/time_zone: "Europe\/Londn" is not a time zone; did you mean Europe\/London\?/);
    await expect(started).rejects.toThrow(
      /apps\.web\.environments\.staging\.window: "Mon-Thu 9:30-5pm": "5pm" is not a time; use 24-hour HH:MM/,
    );
  });
});
