import { Harness, LOCAL_DEPLOY, TestClock } from '../helpers/harness';

// A weekly freeze in London, seen from a Ferry whose own time zone is New York; the clock starts
// 2 s before it begins (Fri 2026-10-23 16:00 London = 15:00 UTC, London being on BST then).
const FRI_1600_LONDON = Date.UTC(2026, 9, 23, 15, 0);

describe('a scheduled freeze tells the feed when it begins and ends', () => {
  let h: Harness;
  const clock = new TestClock();

  beforeAll(async () => {
    clock.set(FRI_1600_LONDON - 2_000);
    h = await Harness.start({
      now: clock.now,
      config: ({ repo, deployRoot }) => ({
        feed_channel: 'C0FEED',
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
            environments: { staging: { deploy: [LOCAL_DEPLOY, deployRoot] }, production: { deploy: [LOCAL_DEPLOY, deployRoot] } },
          },
        },
      }),
    });
  });
  afterAll(() => h?.stop());

  test('at its start the feed says which envs it covers, until when, and why; the audit log records it', async () => {
    const post = await h.slack.waitFor('the scheduled freeze to be announced', () =>
      h.slack.messages.find((m) => m.channel === 'C0FEED' && m.versions[0]!.text.includes('Scheduled freeze *weekend*')),
    );
    const text = post.versions[0]!.text;
    // Ends Mon 08:00 London, which is 08:00 UTC: the clocks went back on Sunday the 25th.
    expect(text).toContain(
      `:snowflake: Scheduled freeze *weekend* is on for \`web\` *production* until <!date^${Date.UTC(2026, 9, 26, 8, 0) / 1000}^`,
    );
    expect(text).toContain(': no deploys at weekends.');
    expect(text).not.toContain('*staging*');

    const r = await h.slash('/deploys', 'audit production');
    const answer = await h.slack.waitForResponse(r.id);
    expect(JSON.stringify(answer.blocks)).toContain('scheduled freeze weekend began: no deploys at weekends');
  });

  test('while it is on, production refuses deploys naming the schedule; staging does not', async () => {
    const r = await h.slash('/deploy', 'production main');
    expect(await h.answer(r.id)).toContain('*production* is frozen by the schedule *weekend* (no deploys at weekends) until');
    const ok = await h.deploy('staging main');
    await h.slack.waitForFeed(ok.id, 'succeeded');
  });
});
