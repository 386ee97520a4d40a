import { unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { HOLD_VIEW, RELEASE_ACK, RELEASE_HOLD, RELEASE_LIFT, RELEASE_REFRESH, RELEASE_SHIP } from '../../src/core/release/actions';
import { latest } from '../helpers/fake-slack';
import { LOCAL_DEPLOY, TestClock, writeScript } from '../helpers/harness';
import {
  ADMIN,
  ANA,
  actionsOf,
  authorLineOf,
  BEN,
  buttonsOf,
  CARLA,
  DAN,
  deployCount,
  deployed,
  deployRecord,
  dmMessage,
  FEED,
  type Ferry,
  feedLines,
  inDm,
  liveSha,
  openRelease,
  QA,
  releaseAudit,
  short,
  startFerry,
  summaryMessage,
  summaryWhen,
  textOf,
} from '../helpers/release-kit';

const READY = ':white_check_mark: *Ready*: everyone said OK; press *Ship* to deploy.';
const REMINDER = /^Release #1 to production is still waiting for your OK \(opened <!date\^(\d+)\^\{ago\}\|[^>]+>\)$/;

describe('releases over time', () => {
  let f: Ferry | undefined;
  afterEach(async () => {
    await f?.h.stop();
    f = undefined;
  });
  const answer = async (action: string, user: string, where?: { channel: string; ts: string }, value = '1') =>
    f!.h.answer((await f!.h.click(action, value, user, where)).id);
  const reminders = (user: string) => f!.h.slack.dmsTo(user).filter((c) => /still waiting for your OK/.test(String(c.body.text)));

  test('authors who have not answered are reminded `reminders` times, those who said OK are not; at expiry it is cancelled, refuses OK and Ship, and staging is unfrozen', async () => {
    // Ferry's clock two hours ahead of the wall clock: the release's times are Ferry's, its timers' delays real
    const clock = new TestClock();
    const at = Math.floor(Date.now() / 1000) * 1000 + 2 * 3_600_000;
    clock.set(at);
    f = await startFerry({
      now: clock.now,
      release: { remind_after: '1s', remind_every: '1s', reminders: 2, expire_after: '4s', freeze_source: true },
    });
    const { h } = f;
    const o = await openRelease(f);
    const createdAt = Number(await h.redis.hget(`${h.prefix}:release:1`, 'createdAt'));
    expect(createdAt).toBeGreaterThanOrEqual(at);
    expect(createdAt).toBeLessThan(at + 60_000);
    await answer(RELEASE_ACK, ANA, { channel: FEED, ts: o.summary.ts });

    // Carla answers from her first reminder; Ben never does
    const first = await h.slack.waitFor("Carla's first reminder", () =>
      h.slack.messages.find((m) => m.channel === CARLA && REMINDER.test(m.versions[0]!.text)),
    );
    expect(Number(REMINDER.exec(first.versions[0]!.text)![1])).toBe(Math.floor(createdAt / 1000));
    expect(actionsOf(latest(first))).toEqual([RELEASE_ACK, RELEASE_HOLD]);
    expect(await answer(RELEASE_ACK, CARLA, inDm(first))).toMatch(
      /^:white_check_mark: Thanks, your OK for your 1 commit in release #1 is in\./,
    );
    await h.slack.waitFor(
      'the reminder to show her OK',
      () => latest(first).text === 'Release #1 of web to production: you said OK (open)',
    );

    const expired = await summaryWhen(h, o.summary, 'expired', (t) => t.includes(':hourglass: *Expired*'));
    expect(textOf(expired)).toContain(':hourglass: *Expired*: expired: not shipped within 4s of being opened');
    expect(expired.text).toMatch(/· expired$/);
    expect(buttonsOf(expired)).toEqual([]);
    expect(reminders(BEN)).toHaveLength(2);
    expect(reminders(CARLA)).toHaveLength(1);
    expect(reminders(ANA)).toHaveLength(0);
    expect(reminders(BEN).map((c) => String(c.body.text))).toEqual([expect.stringMatching(REMINDER), expect.stringMatching(REMINDER)]);
    expect(await h.redis.hget(`${h.prefix}:release:1`, 'reminders')).toBe('2');
    expect((await releaseAudit(h))[0]).toEqual(
      expect.objectContaining({ user: 'ferry', detail: '#1 expired: not shipped within 4s of being opened' }),
    );

    expect(await answer(RELEASE_ACK, BEN, inDm(await dmMessage(h, BEN, /OK to ship\?$/)))).toBe(
      'release #1 is expired already; nothing to OK.',
    );
    expect(await answer(RELEASE_SHIP, BEN)).toBe("release #1 is expired; it can't ship. Run `/release` for a new one.");
    expect(await answer(RELEASE_HOLD, QA)).toBe("Release #1 is expired; it can't change now.");
    expect(h.slack.calls.filter((c) => c.method === 'views.open')).toEqual([]);

    await h.slack.waitFor('the unfreeze in the feed', () => feedLines(h).includes(':sunny: `web` *staging* unfrozen: release #1 expired.'));
    await deployed(h, 'staging', 'hotfix', BEN);
    // nothing is open any more: /release opens #2
    const again = await h.slash('/release', '', DAN);
    expect(await h.answer(again.id)).toMatch(/^Opened \*release #2\*/);
  });

  test('freeze_source: staging refuses deploys "for release #N" until the release ships, then the feed says it is unfrozen', async () => {
    f = await startFerry({ release: { freeze_source: true } });
    const { h, repo } = f;
    const o = await openRelease(f);
    expect(o.answer).toContain("`web` *staging* is frozen until it ships or is cancelled, so what is checked doesn't move.");
    const refused = await h.slash('/deploy', 'staging hotfix', BEN);
    expect(await h.answer(refused.id)).toMatch(
      /^Can't deploy: \*staging\* is frozen by the release \*#1\* \(frozen for release #1 while it is checked\) since <!date\^\d+\^[^>]+>, it lifts when the release ships, is cancelled or expires \(or with `\/unfreeze`\)\. Nothing was queued\.$/,
    );
    expect(await deployCount(h)).toBe(2);

    for (const u of [ANA, BEN, CARLA]) await answer(RELEASE_ACK, u);
    await summaryWhen(h, o.summary, 'ready', (_t, v) => actionsOf(v).includes(RELEASE_SHIP));
    expect(feedLines(h).filter((l) => l.includes('unfrozen'))).toEqual([]);
    expect(await answer(RELEASE_SHIP, BEN)).toContain('as deploy #3');
    await h.slack.waitForFeed(3, 'succeeded');
    await h.slack.waitFor('the unfreeze in the feed', () =>
      feedLines(h).includes(':sunny: `web` *staging* unfrozen: release #1 shipped to production.'),
    );
    const d = await deployed(h, 'staging', 'hotfix', BEN);
    expect((await deployRecord(h, d)).sha).toBe(repo.hotfix);
    // a shipped release is not made stale by its source moving afterwards
    await summaryWhen(h, o.summary, 'shipped', (t) => t.includes(':white_check_mark: *Shipped* as deploy #3'));
    expect(textOf(latest(o.summary))).not.toContain('moved to');
  });

  test('without freeze_source, a new SHA on staging makes the release stale: OK and Ship are refused saying how to refresh; Refresh (or /release) replaces it with a fresh one', async () => {
    f = await startFerry();
    const { h, repo } = f;
    const o = await openRelease(f);
    const at = { channel: FEED, ts: o.summary.ts };
    await answer(RELEASE_ACK, ANA, at);
    const moved = repo.commit('main', 'ben', 'Late fix for receipts');
    await deployed(h, 'staging', 'main', BEN);

    const stale = await summaryWhen(h, o.summary, 'stale', (t) =>
      t.includes(`:warning: *staging* moved to \`${short(moved)}\` after this was put together`),
    );
    expect(textOf(stale)).toContain(":warning: *Can't ship until it is refreshed*");
    expect(stale.text).toMatch(/· needs a refresh$/);
    expect(actionsOf(stale)).toContain(RELEASE_REFRESH);
    expect(actionsOf(stale)).not.toContain(RELEASE_SHIP);
    expect(await answer(RELEASE_ACK, BEN, at)).toBe(
      `release #1 is stale: \`web\` *staging* no longer runs \`${short(o.source)}\`, the SHA it summarised (it runs \`${short(moved)}\` now). It can't ship; press *Refresh* on it (or run \`/release\` again) for a fresh summary.`,
    );
    expect(await answer(RELEASE_ACK, CARLA, inDm(await dmMessage(h, CARLA)))).toMatch(/^release #1 is stale: .*press \*Refresh\* on it/);
    expect(await answer(RELEASE_SHIP, BEN, at)).toBe(
      `release #1 can't ship: \`web\` *staging* no longer runs \`${short(o.source)}\`, the SHA it summarised (it runs \`${short(moved)}\` now). Press *Refresh* on it for a fresh summary.`,
    );
    expect(await deployCount(h)).toBe(3);

    const fresh = await answer(RELEASE_REFRESH, BEN, at);
    expect(fresh).toMatch(
      new RegExp(
        `^Opened \\*release #2\\*: 5 commits by 3 authors from \`web\` \\*staging\\* \\(\`${short(moved)}\`\\) to \`web\` \\*production\\* \\(\`${short(o.target)}\`\\)\\.`,
      ),
    );
    const old = await summaryWhen(h, o.summary, 'replaced', (t) =>
      t.includes(':no_entry_sign: *Cancelled*: replaced by release #2 (what it summarised had moved)'),
    );
    expect(buttonsOf(old)).toEqual([]);
    const two = await summaryMessage(h, 2);
    expect(textOf(latest(two))).toContain(
      `*Release #2* · \`web\` · *staging* \`${short(moved)}\` (\`main\`) → *production* \`${short(o.target)}\``,
    );
    expect(textOf(latest(two))).toContain(`Requested by <@${BEN}>`);
    // acks don't carry over: Ana is asked again, in a new DM
    expect(authorLineOf(latest(two), ANA)).toBe(`• <@${ANA}> · 2 commits · :hourglass_flowing_sand: waiting`);
    expect(authorLineOf(latest(two), BEN)).toBe(`• <@${BEN}> · 2 commits · :hourglass_flowing_sand: waiting`);
    await dmMessage(h, ANA, /^Release #2 /);

    // staging moves again: #2 is stale, and /release (instead of Refresh) replaces it with #3
    const moved2 = repo.commit('main', 'carla', 'Fix typo');
    await deployed(h, 'staging', 'main', CARLA);
    await summaryWhen(h, two, 'stale', (t) => t.includes(`moved to \`${short(moved2)}\``));
    expect(await h.answer((await h.slash('/release', '', DAN)).id)).toMatch(
      new RegExp(`^Opened \\*release #3\\*: 6 commits by 3 authors from \`web\` \\*staging\\* \\(\`${short(moved2)}\`\\)`),
    );
    await summaryWhen(h, two, 'replaced', (t) =>
      t.includes(':no_entry_sign: *Cancelled*: replaced by release #3 (what it summarised had moved)'),
    );
    const three = await summaryMessage(h, 3);
    expect(await answer(RELEASE_REFRESH, ANA, { channel: FEED, ts: three.ts }, '3')).toBe(
      'release #3 is up to date with `web` *staging*; nothing to refresh.',
    );
    for (const u of [ANA, BEN, CARLA]) await answer(RELEASE_ACK, u, { channel: FEED, ts: three.ts }, '3');
    expect(await answer(RELEASE_SHIP, BEN, { channel: FEED, ts: three.ts }, '3')).toContain('as deploy #5');
    await h.slack.waitForFeed(5, 'succeeded');
    expect(liveSha(h, 'production')).toBe(moved2);
  });

  test('ship: auto ships by itself when the last OK comes in; two last OKs at the same instant make one deploy, of the summarised SHA', async () => {
    f = await startFerry({ release: { ship: 'auto' } });
    const { h, repo } = f;
    const o = await openRelease(f);
    expect(textOf(latest(o.summary))).toContain(':hourglass_flowing_sand: *Waiting for OK from 3 authors*, then it ships by itself.');
    await answer(RELEASE_ACK, ANA);
    repo.commit('main', 'ana', 'Unreleased work');
    const last = await Promise.all([BEN, CARLA].map((u) => answer(RELEASE_ACK, u)));
    expect(last.every((a) => a.startsWith(':white_check_mark: Thanks, your OK for your 1 commit in release #1 is in.'))).toBe(true);

    const shipped = await summaryWhen(h, o.summary, 'shipped', (t) => t.includes(`:white_check_mark: *Shipped* as deploy #3 by <@${DAN}>`));
    expect(buttonsOf(shipped)).toEqual([]);
    await h.slack.waitForFeed(3, 'succeeded');
    expect(await deployCount(h)).toBe(3);
    const rec = await deployRecord(h, 3);
    expect([rec.sha, rec.env, rec.user]).toEqual([o.source, 'production', DAN]);
    expect((await releaseAudit(h)).filter((e) => e.detail?.startsWith('#1 shipping'))).toEqual([
      expect.objectContaining({ user: DAN, detail: '#1 shipping as deploy #3 (ship: auto)' }),
    ]);
    expect(h.slack.feedMessage(4)).toBeUndefined();
    // never a Ship button with ship: auto
    expect(o.summary.versions.some((v) => actionsOf(v).includes(RELEASE_SHIP))).toBe(false);
  });

  test('ship: auto: only someone allowed to deploy production opens one; a hold keeps it back and lifting it ships it; an auto ship refused by a frozen target does not retry in a loop', async () => {
    f = await startFerry({ release: { ship: 'auto' } });
    const { h, repo } = f;
    await deployed(h, 'production', repo.base);
    await deployed(h, 'staging', 'main');
    expect(await h.answer((await h.slash('/release', '', QA)).id)).toMatch(
      /^You can't deploy to `web` \*production\*: .* Releases to `web` \*production\* ship by themselves as whoever opened them \(`ship: auto`\), so no release was opened\.$/,
    );
    expect(await h.redis.get(`${h.prefix}:release:seq`)).toBeNull();
    expect(await h.answer((await h.slash('/release', '', DAN)).id)).toMatch(/^Opened \*release #1\*/);
    const summary = await summaryMessage(h, 1);
    const hold = async (reason: string) =>
      expect((await h.submitView(HOLD_VIEW, '{"id":1}', { reason: { reason: { value: reason } } }, QA)).body).toBe('');

    await hold('Waiting for the release notes');
    expect(await h.answer((await h.slash('/freeze', 'production change freeze', ADMIN)).id)).toMatch(/^:snowflake: Froze/);
    for (const u of [ANA, BEN]) await answer(RELEASE_ACK, u);
    expect(await answer(RELEASE_ACK, CARLA)).toBe(
      ':white_check_mark: Thanks, your OK for your 1 commit in release #1 is in. Still waiting for 1 hold to be lifted.',
    );
    expect(await deployCount(h)).toBe(2);
    // lifting it makes it ready: it tries to ship, production refuses (frozen), and that is the end of it (the answer comes)
    expect(await answer(RELEASE_LIFT, QA, undefined, `1:${QA}`)).toMatch(/^Lifted the hold on release #1\./);
    expect(await h.redis.hget(`${h.prefix}:release:1`, 'status')).toBe('open');
    expect(await h.redis.hget(`${h.prefix}:release:1`, 'shipAttempts')).toBe('1');
    expect(await deployCount(h)).toBe(2);
    const updates = h.slack.calls.filter((c) => c.method === 'chat.update').length;

    // after the freeze: held and lifted again, it ships by itself
    expect(await h.answer((await h.slash('/unfreeze', 'production', ADMIN)).id)).toBe(':sunny: Unfroze `web` *production*.');
    await hold('One more look at the notes');
    await summaryWhen(h, summary, 'the hold', (t) => t.includes('One more look at the notes'));
    expect(h.slack.calls.filter((c) => c.method === 'chat.update').length).toBeLessThan(updates + 10);
    await answer(RELEASE_LIFT, QA, undefined, `1:${QA}`);
    await summaryWhen(h, summary, 'shipped', (t) => t.includes(`:white_check_mark: *Shipped* as deploy #3 by <@${DAN}>`));
    expect((await deployRecord(h, 3)).sha).toBe(repo.sha('main'));
    expect(await h.redis.hget(`${h.prefix}:release:1`, 'shipAttempts')).toBe('2');
  });

  test('a ship deploy that fails leaves the release open with its OKs; Ship again retries and ships', async () => {
    f = await startFerry({
      productionDeploy: ({ dir, deployRoot }) => [
        writeScript(
          dir,
          'production.sh',
          `if [ -f "${dir}/broken" ]; then echo 'health check failed'; exit 1; fi\nexec "${LOCAL_DEPLOY}" "${deployRoot}"`,
        ),
      ],
    });
    const { h } = f;
    const o = await openRelease(f);
    for (const u of [ANA, BEN, CARLA]) await answer(RELEASE_ACK, u);
    writeFileSync(path.join(h.dir, 'broken'), '');
    // two Ship clicks at once: one deploy
    const clicks = await Promise.all([BEN, ADMIN].map((u) => answer(RELEASE_SHIP, u)));
    expect(clicks.filter((a) => a.startsWith(':ship: Shipping release #1'))).toHaveLength(1);
    expect(clicks.filter((a) => /^release #1 is shipping already( \(deploy #3\))?; it ships once\.$/.test(a))).toHaveLength(1);
    await h.slack.waitForFeed(3, 'failed');
    const again = await summaryWhen(h, o.summary, 'open again', (_t, v) => actionsOf(v).includes(RELEASE_SHIP));
    expect(textOf(again)).toContain(READY);
    for (const u of [ANA, BEN, CARLA]) expect(authorLineOf(again, u)).toMatch(/:white_check_mark: OK$/);
    expect(await deployCount(h)).toBe(3);

    unlinkSync(path.join(h.dir, 'broken'));
    expect(await answer(RELEASE_SHIP, BEN)).toContain('as deploy #4');
    await h.slack.waitForFeed(4, 'succeeded');
    await summaryWhen(h, o.summary, 'shipped', (t) => t.includes(`:white_check_mark: *Shipped* as deploy #4 by <@${BEN}>`));
    expect((await deployRecord(h, 4)).sha).toBe(o.source);
    expect(await h.redis.get(`${h.prefix}:idem:release-1-ship-2`)).toBe('4');
  });
});
