import type { AddressInfo } from 'node:net';
import {
  FIELDS_VIEW,
  HOLD_VIEW,
  RELEASE_ACK,
  RELEASE_CANCEL,
  RELEASE_EDIT,
  RELEASE_HOLD,
  RELEASE_LIFT,
  RELEASE_SHIP,
} from '../../src/core/release/actions';
import { start } from '../../src/main';
import { latest } from '../helpers/fake-slack';
import { SIGNING_SECRET } from '../helpers/harness';
import {
  ADMIN,
  actionsOf,
  ANA,
  authorLineOf,
  BEN,
  buttonsOf,
  CARLA,
  DAN,
  deployCount,
  deployed,
  deployRecord,
  dmMessage,
  ELLA,
  FEED,
  type Ferry,
  feedLines,
  inDm,
  initialOf,
  liveSha,
  modal,
  openRelease,
  PRODUCT,
  QA,
  releaseAudit,
  short,
  startFerry,
  summaryWhen,
  textOf,
} from '../helpers/release-kit';
import { buttonBody, post, sign, slashBody } from '../helpers/slack-requests';

const WAITING = ':hourglass_flowing_sand: waiting';
const READY = ':white_check_mark: *Ready*: everyone said OK; press *Ship* to deploy.';
/** The subjects of release #1's commits (base..main, no merge commit), oldest first. */
const SUBJECTS = ['Add checkout page', 'Fix cart totals (#12)', 'Polish checkout copy', 'Add receipt email'];

/** The commit lines of a summary or DM: "• `abc1234` subject — Author". */
const commitLines = (text: string) => text.split('\n').filter((l) => /^• `[0-9a-f]{7}` /.test(l));

describe('releases shipped with the Ship button', () => {
  let f: Ferry;
  beforeEach(async () => {
    f = await startFerry({ release: { product_channel: PRODUCT } });
  });
  afterEach(async () => {
    await f?.h.stop();
  });

  const click = async (action: string, user: string, where?: { channel: string; ts: string }, value = '1') =>
    f.h.answer((await f.h.click(action, value, user, where)).id);

  test("each author's OK on the summary makes it ready; Ship by someone allowed deploys exactly the summarised SHA, though staging's branch has moved on", async () => {
    const { h, repo } = f;
    const o = await openRelease(f);
    const at = { channel: FEED, ts: o.summary.ts };
    expect(o.answer).toBe(
      `Opened *release #1*: 4 commits by 3 authors from \`web\` *staging* (\`${short(o.source)}\`) to \`web\` *production* (\`${short(o.target)}\`).\n` +
        "I've asked its 3 authors for an OK by DM.\n" +
        `<https://acme.slack.test/archives/C0FEED/p${o.summary.ts.replace('.', '')}|See it in the deploy feed>.`,
    );
    const first = textOf(latest(o.summary));
    expect(first).toContain(
      `*Release #1* · \`web\` · *staging* \`${short(o.source)}\` (\`main\`) → *production* \`${short(o.target)}\`\n*4 commits* by *3 authors*\nRequested by <@${DAN}>`,
    );
    expect(first).toContain(
      ':hourglass_flowing_sand: *Waiting for OK from 3 authors*, then someone allowed to deploy to *production* presses *Ship*.',
    );
    // oldest first, the merge commit left out, each with its author
    expect(commitLines(first).map((l) => l.slice(12))).toEqual([
      `${SUBJECTS[0]} — Ana Lima`,
      `${SUBJECTS[1]} — Ben Okafor`,
      `${SUBJECTS[2]} — Carla Diaz`,
      `${SUBJECTS[3]} — Ana Lima`,
    ]);
    expect(authorLineOf(latest(o.summary), ANA)).toBe(`• <@${ANA}> · 2 commits · ${WAITING}`);
    expect(authorLineOf(latest(o.summary), BEN)).toBe(`• <@${BEN}> · 1 commit · ${WAITING}`);
    expect(authorLineOf(latest(o.summary), CARLA)).toBe(`• <@${CARLA}> · 1 commit · ${WAITING}`);
    expect(actionsOf(latest(o.summary))).not.toContain(RELEASE_SHIP);

    expect(await click(RELEASE_SHIP, BEN, at)).toBe(`release #1 isn't ready: it still needs an OK from <@${ANA}>.`);

    expect(await click(RELEASE_ACK, ANA, at)).toBe(
      `:white_check_mark: Thanks, your OK for your 2 commits in release #1 is in. Still waiting for 2 authors (<@${BEN}>, <@${CARLA}>).`,
    );
    await summaryWhen(
      h,
      o.summary,
      "Ana's OK",
      (_t, v) => authorLineOf(v, ANA) === `• <@${ANA}> · 2 commits · :white_check_mark: OK` && authorLineOf(v, BEN)!.endsWith(WAITING),
    );
    expect(await click(RELEASE_ACK, BEN, at)).toBe(
      `:white_check_mark: Thanks, your OK for your 1 commit in release #1 is in. Still waiting for 1 author (<@${CARLA}>).`,
    );
    expect(await click(RELEASE_ACK, CARLA, at)).toBe(
      ':white_check_mark: Thanks, your OK for your 1 commit in release #1 is in. Every OK is in: it is ready, and *Ship* on its message ships it.',
    );
    const ready = await summaryWhen(h, o.summary, 'ready', (t) => t.includes(READY));
    for (const u of [ANA, BEN, CARLA]) expect(authorLineOf(ready, u)).toMatch(/ · :white_check_mark: OK$/);
    expect(actionsOf(ready)).toContain(RELEASE_SHIP);
    expect(ready.text).toBe(`Release #1 of web: staging ${short(o.source)} → production, 4 commits by 3 authors · ready to ship`);

    // main moves on in git (staging still runs the summarised SHA)
    const later = repo.commit('main', 'ben', 'Start the next feature');
    expect(await click(RELEASE_SHIP, CARLA, at)).toMatch(
      /^You can't deploy to `web` \*production\*: .*<@U0ANA>.* release #1 did not ship\.$/,
    );
    expect(await deployCount(h)).toBe(2);

    const shipped = await click(RELEASE_SHIP, BEN, at);
    expect(shipped).toMatch(
      new RegExp(
        `^:ship: Shipping release #1 \\(\`${short(o.source)}\`\\) to \`web\` \\*production\\* as deploy #3\\.\\nAccepted as \\*deploy #3\\*: release #1 of \`main\``,
      ),
    );
    const feed = await h.slack.waitForFeed(3, 'succeeded');
    const rec = await deployRecord(h, 3);
    // The ship deploys the ref staging ran (main), as that release: the feed says "release #1 of `main`".
    expect([rec.sha, rec.env, rec.user, rec.ref]).toEqual([o.source, 'production', BEN, 'main']);
    expect(JSON.stringify(feed.versions.at(-1))).toContain('release #1 of `main`');
    expect(liveSha(h, 'production')).toBe(o.source);
    expect(o.source).not.toBe(later);

    const done = await summaryWhen(h, o.summary, 'shipped', (t) => t.includes(`:white_check_mark: *Shipped* as deploy #3 by <@${BEN}>`));
    expect(buttonsOf(done)).toEqual([]);
    expect(await click(RELEASE_SHIP, ANA, at)).toBe('release #1 is shipped already (deploy #3); it ships once.');
    expect(await deployCount(h)).toBe(3);
    expect((await releaseAudit(h)).map((e) => `${e.user} ${e.detail}`)).toEqual([
      `${BEN} #1 shipped as deploy #3`,
      `${BEN} #1 shipping as deploy #3`,
      `${CARLA} #1 ok to ship`,
      `${BEN} #1 ok to ship`,
      `${ANA} #1 ok to ship`,
      `${DAN} #1 opened: staging ${short(o.source)} to production ${short(o.target)}, 4 commits`,
    ]);
    // production runs what staging runs: nothing more to release
    const again = await h.slash('/release', '', DAN);
    expect(await h.answer(again.id)).toBe(
      `Nothing to ship: \`web\` *production* already runs \`${short(o.source)}\`, the same as \`web\` *staging*.`,
    );
  });

  test('an OK from someone with no commits in it is refused privately, naming the authors, and changes nothing', async () => {
    const { h } = f;
    const o = await openRelease(f);
    await click(RELEASE_ACK, ANA, { channel: FEED, ts: o.summary.ts });
    const before = await summaryWhen(h, o.summary, "Ana's OK", (_t, v) => authorLineOf(v, ANA)!.endsWith(':white_check_mark: OK'));
    const rev = await h.redis.hget(`${h.prefix}:release:1`, 'rev');

    const refusal = `You have no commits in release #1, so there is no OK of yours to give: each author says OK for their own commits (<@${ANA}>, <@${BEN}>, <@${CARLA}>). To stop it, use *Hold…* and say why.`;
    expect(await click(RELEASE_ACK, QA, { channel: FEED, ts: o.summary.ts })).toBe(refusal);
    // Dan opened it and may deploy production, but has no commits in it
    expect(await click(RELEASE_ACK, DAN)).toBe(refusal);
    // the answer went to the clicker's response_url only: nothing was posted or updated for it
    expect(latest(o.summary)).toEqual(before);
    expect(await h.redis.hget(`${h.prefix}:release:1`, 'rev')).toBe(rev);
    expect(await h.redis.hkeys(`${h.prefix}:release:1:acks`)).toEqual([`slack:${ANA}`]);
    expect((await releaseAudit(h)).filter((e) => e.detail?.includes('ok to ship'))).toHaveLength(1);
    expect(h.slack.messages.filter((m) => m.channel === QA || m.channel === DAN)).toEqual([]);
  });

  test('50 OK clicks at once by one author, served by two app replicas, count once', async () => {
    const { h } = f;
    const o = await openRelease(f);
    // a second app process (no worker) on the same Redis and prefix, like a second replica behind a load balancer
    const replica = await start('app', { ...h.env, PORT: '0' });
    try {
      const urls = [h.url, `http://127.0.0.1:${(replica.server!.address() as AddressInfo).port}`];
      const clickAt = async (n: number, action: string, user: string) => {
        const id = `x${action}${user}${n}`;
        const body = buttonBody(action, '1', user, h.slack.responseUrl(id), { channel: FEED, ts: o.summary.ts });
        const ack = await post(`${urls[n % 2]}/slack/events`, body, sign(SIGNING_SECRET, body));
        return { id, status: ack.status };
      };
      const clicks = await Promise.all(Array.from({ length: 50 }, (_, n) => clickAt(n, RELEASE_ACK, BEN)));
      expect(clicks.map((c) => c.status)).toEqual(clicks.map(() => 200));
      const answers = await Promise.all(clicks.map(async (c) => String((await h.slack.waitForResponse(c.id)).text)));
      expect(answers.filter((a) => a.startsWith(':white_check_mark: Thanks, your OK for your 1 commit in release #1 is in.'))).toHaveLength(
        1,
      );
      expect(answers.filter((a) => a.startsWith('You already said OK to release #1; it counts once.'))).toHaveLength(49);

      expect(await h.redis.hkeys(`${h.prefix}:release:1:acks`)).toEqual([`slack:${BEN}`]);
      expect((await releaseAudit(h)).filter((e) => e.detail === '#1 ok to ship')).toEqual([expect.objectContaining({ user: BEN })]);
      const v = await summaryWhen(h, o.summary, "Ben's one OK", (_t, x) => authorLineOf(x, BEN)!.endsWith(':white_check_mark: OK'));
      expect([authorLineOf(v, ANA), authorLineOf(v, CARLA)]).toEqual([
        `• <@${ANA}> · 2 commits · ${WAITING}`,
        `• <@${CARLA}> · 1 commit · ${WAITING}`,
      ]);
      expect(v.text).toMatch(/· waiting for 2 OKs$/);

      // the rest goes through either replica just the same: Ana on the second, Carla on the first, Ship on the second
      await clickAt(1, RELEASE_ACK, ANA);
      await clickAt(2, RELEASE_ACK, CARLA);
      await summaryWhen(h, o.summary, 'ready', (t) => t.includes(READY));
      const ship = await clickAt(3, RELEASE_SHIP, BEN);
      expect(String((await h.slack.waitForResponse(ship.id)).text)).toContain('as deploy #3');
      await h.slack.waitForFeed(3, 'succeeded');
      expect((await deployRecord(h, 3)).sha).toBe(o.source);
      expect(await deployCount(h)).toBe(3);
    } finally {
      await replica.stop();
    }
  });

  test('Hold… asks why in a modal; a hold stops Ship until its holder or an admin lifts it', async () => {
    const { h } = f;
    const o = await openRelease(f);
    const at = { channel: FEED, ts: o.summary.ts };
    await h.click(RELEASE_HOLD, '1', QA, at);
    const form = await modal(h);
    expect([form.callback_id, form.private_metadata, form.title.text]).toEqual([HOLD_VIEW, '{"id":1}', 'Hold release #1']);

    const empty = await h.submitView(
      HOLD_VIEW,
      form.private_metadata,
      { reason: { reason: { type: 'plain_text_input', value: '  ' } } },
      QA,
    );
    expect(JSON.parse(empty.body)).toEqual({
      response_action: 'errors',
      errors: { reason: 'Say why it must wait (at least a few words), so its authors know what to fix.' },
    });
    expect(await h.redis.hlen(`${h.prefix}:release:1:holds`)).toBe(0);

    const held = await h.submitView(
      HOLD_VIEW,
      form.private_metadata,
      { reason: { reason: { type: 'plain_text_input', value: 'QA found a checkout bug in #481' } } },
      QA,
    );
    expect([held.status, held.body]).toEqual([200, '']);
    let v = await summaryWhen(h, o.summary, "QA's hold", (t) =>
      t.includes(`:octagonal_sign: *Held* by <@${QA}>: QA found a checkout bug in #481 · since <!date^`),
    );
    expect(textOf(v)).toContain(':octagonal_sign: *On hold* (1 hold), and waiting for OK from 3 authors.');
    expect(buttonsOf(v).filter((b) => b.action === RELEASE_LIFT)).toEqual([{ action: RELEASE_LIFT, value: `1:${QA}`, text: 'Lift hold' }]);

    // Carla holds too, from her DM (the modal remembers the DM, which then shows the hold)
    const carlaDm = await dmMessage(h, CARLA);
    await h.click(RELEASE_HOLD, '1', CARLA, inDm(carlaDm));
    const form2 = await modal(h, 2);
    expect(JSON.parse(form2.private_metadata)).toEqual({ id: 1, ...inDm(carlaDm) });
    expect(
      (await h.submitView(HOLD_VIEW, form2.private_metadata, { reason: { reason: { value: 'Copy not signed off by legal' } } }, CARLA))
        .body,
    ).toBe('');
    await h.slack.waitFor("Carla's DM to show the holds", () =>
      textOf(latest(carlaDm)).includes(':octagonal_sign: *On hold* (2 holds), and waiting for OK from 3 authors.'),
    );

    for (const u of [ANA, BEN]) await click(RELEASE_ACK, u, at);
    expect(await click(RELEASE_ACK, CARLA, at)).toBe(
      ':white_check_mark: Thanks, your OK for your 1 commit in release #1 is in. Still waiting for 2 holds to be lifted.',
    );
    v = await summaryWhen(h, o.summary, 'every OK in, two holds', (t) => t.includes(':octagonal_sign: *On hold* (2 holds): once lifted,'));
    expect(textOf(v)).toContain(`:octagonal_sign: 1. *Held* by <@${QA}>: QA found a checkout bug in #481`);
    expect(textOf(v)).toContain(`:octagonal_sign: 2. *Held* by <@${CARLA}>: Copy not signed off by legal`);
    expect(actionsOf(v)).not.toContain(RELEASE_SHIP);
    expect(
      buttonsOf(v)
        .filter((b) => b.action === RELEASE_LIFT)
        .map((b) => [b.text, b.value]),
    ).toEqual([
      ['Lift hold 1', `1:${QA}`],
      ['Lift hold 2', `1:${CARLA}`],
    ]);
    expect(v.text).toMatch(/· on hold$/);
    expect(await click(RELEASE_SHIP, BEN, at)).toBe("release #1 can't ship while a hold stands; its message shows who holds it and why.");
    expect(await deployCount(h)).toBe(2);

    // a third person can't lift QA's hold; an admin lifts Carla's; QA lifts their own
    expect(await click(RELEASE_LIFT, BEN, at, `1:${QA}`)).toBe(
      `Only <@${QA}>, who raised this hold, or an admin (<@${ADMIN}>) can lift it. Ask them in the release's thread.`,
    );
    expect(await h.redis.hkeys(`${h.prefix}:release:1:holds`)).toEqual(expect.arrayContaining([QA, CARLA]));
    expect(await click(RELEASE_LIFT, ADMIN, at, `1:${CARLA}`)).toBe(
      'Lifted the hold on release #1. Still waiting for 1 hold to be lifted.',
    );
    expect(await click(RELEASE_LIFT, QA, at, `1:${QA}`)).toBe(
      'Lifted the hold on release #1. Every OK is in: it is ready, and *Ship* on its message ships it.',
    );
    expect(await click(RELEASE_LIFT, QA, at, `1:${QA}`)).toBe(`<@${QA}> has no hold on release #1 (any more).`);
    v = await summaryWhen(h, o.summary, 'ready again', (t) => t.includes(READY));
    expect(textOf(v)).not.toContain('*Held*');
    expect(actionsOf(v)).toContain(RELEASE_SHIP);
    expect(actionsOf(v)).not.toContain(RELEASE_LIFT);
    expect((await releaseAudit(h)).map((e) => `${e.user} ${e.detail}`).filter((d) => /hold/.test(d))).toEqual([
      `${QA} #1 lifted their hold`,
      `${ADMIN} #1 lifted the hold of ${CARLA}`,
      `${CARLA} #1 hold: Copy not signed off by legal`,
      `${QA} #1 hold: QA found a checkout bug in #481`,
    ]);
    expect(await click(RELEASE_SHIP, BEN, at)).toContain('as deploy #3');
    await h.slack.waitForFeed(3, 'succeeded');
  });

  test('authors answer in their DMs: each DM lists their own commits, turns into "you said OK" after the click, and the summary becomes ready', async () => {
    const { h } = f;
    const o = await openRelease(f);
    const own = { [ANA]: [SUBJECTS[0], SUBJECTS[3]], [BEN]: [SUBJECTS[1]], [CARLA]: [SUBJECTS[2]] };
    for (const [user, subjects] of Object.entries(own)) {
      const dm = await dmMessage(h, user);
      const n = subjects.length;
      expect(latest(dm).text).toBe(`Release #1 of web to production includes ${n} of your commits; OK to ship?`);
      expect(commitLines(textOf(latest(dm))).map((l) => l.slice(12))).toEqual(subjects);
      expect(actionsOf(latest(dm))).toEqual([RELEASE_ACK, RELEASE_HOLD]);

      const answer = await click(RELEASE_ACK, user, inDm(dm));
      expect(answer).toMatch(new RegExp(`^:white_check_mark: Thanks, your OK for your ${n} commits? in release #1 is in\\.`));
      const updated = await h.slack.waitFor(`${user}'s DM to show the OK`, () =>
        latest(dm).text.includes('you said OK') ? latest(dm) : undefined,
      );
      expect(updated.text).toBe('Release #1 of web to production: you said OK (open)');
      expect(textOf(updated)).toContain(':white_check_mark: You said OK to ship <!date^');
      expect(actionsOf(updated)).toEqual([]);
      expect(h.slack.calls.some((c) => c.method === 'chat.update' && c.body.channel === `D${user}` && c.body.ts === dm.ts)).toBe(true);
    }
    const ready = await summaryWhen(h, o.summary, 'ready', (t) => t.includes(READY));
    for (const u of [ANA, BEN, CARLA]) expect(authorLineOf(ready, u)).toMatch(/ · :white_check_mark: OK$/);
    // one DM each, and a second click in it counts once
    for (const u of [ANA, BEN, CARLA]) expect(h.slack.dmsTo(u)).toHaveLength(1);
    expect(await click(RELEASE_ACK, ANA, inDm(await dmMessage(h, ANA)))).toMatch(
      /^You already said OK to release #1; it counts once\. Every OK is in/,
    );
  });

  test('Edit details opens a modal prefilled with the backout plan; what is saved shows on the summary', async () => {
    const { h } = f;
    const o = await openRelease(f);
    const backout = `Roll back production to \`${short(o.target)}\`, what runs there now: /rollback web production ${short(o.target)}`;
    expect(textOf(latest(o.summary))).toContain(`*Backout plan:* ${backout}`);
    await h.click(RELEASE_EDIT, '1', DAN, { channel: FEED, ts: o.summary.ts });
    const form = await modal(h);
    expect([form.callback_id, form.private_metadata]).toEqual([FIELDS_VIEW, '{"id":1}']);
    expect(form.blocks.map((b) => b.block_id)).toEqual(['description', 'version', 'deployType', 'backout', 'configChanges']);
    expect(initialOf(form, 'backout')).toBe(backout);
    expect(initialOf(form, 'description')).toBeUndefined();

    const values = {
      description: { description: { type: 'plain_text_input', value: 'Faster checkout, receipts by email' } },
      version: { version: { type: 'plain_text_input', value: '2026.11.3' } },
      deployType: { deployType: { type: 'static_select', selected_option: { value: 'Regular' } } },
      backout: { backout: { type: 'plain_text_input', value: `${backout}; then re-send receipts` } },
      configChanges: { configChanges: { type: 'plain_text_input', value: '' } },
    };
    const saved = await h.submitView(FIELDS_VIEW, form.private_metadata, values, DAN);
    expect([saved.status, saved.body]).toEqual([200, '']);
    const v = await summaryWhen(h, o.summary, 'the details', (t) => t.includes('*Description:* Faster checkout, receipts by email'));
    expect(textOf(v)).toContain(
      `*Description:* Faster checkout, receipts by email\n*Deploy type:* Regular\n*Backout plan:* ${backout}; then re-send receipts\n*Version:* 2026.11.3`,
    );
    expect(textOf(v)).not.toContain('Config changes');
    expect((await releaseAudit(h))[0]).toEqual(expect.objectContaining({ user: DAN, detail: '#1 edited the release details' }));

    // opened again, it shows what was saved
    await h.click(RELEASE_EDIT, '1', ANA, { channel: FEED, ts: o.summary.ts });
    const again = await modal(h, 2);
    expect(['description', 'version', 'deployType'].map((b) => initialOf(again, b))).toEqual([
      'Faster checkout, receipts by email',
      '2026.11.3',
      'Regular',
    ]);
  });
});

describe('releases of a GitHub-backed app', () => {
  let f: Ferry;
  beforeEach(async () => {
    f = await startFerry({ github: true, release: { product_channel: PRODUCT } });
  });
  afterEach(async () => {
    await f?.h.stop();
  });

  test('after the ship deploy succeeds, the product channel gets one post: PR titles, version and description, the compare link, who shipped', async () => {
    const { h, repo } = f;
    const pr = (number: number, title: string) => ({
      number,
      title,
      html_url: `${h.github.url}/acme/web/pull/${number}`,
      merged_at: '2026-11-20T10:00:00Z',
    });
    // Ana's two commits came from one PR, Carla's from another; Ben's squash merge names its own "(#12)"
    h.github.pulls.set(repo.sha('main~3'), pr(7, 'New checkout page'));
    h.github.pulls.set(repo.sha('main'), pr(7, 'New checkout page'));
    h.github.pulls.set(repo.sha('main~1^2'), pr(9, 'Friendlier checkout copy'));
    const o = await openRelease(f);
    const compare = `${h.github.url}/acme/web/compare/${o.target}...${o.source}`;
    const summary = textOf(latest(o.summary));
    expect(summary).toContain(`*4 commits* by *3 authors* · <${compare}|compare>`);
    // Ben is mapped by his GitHub login
    expect(authorLineOf(latest(o.summary), BEN)).toBe(`• <@${BEN}> · 1 commit · ${WAITING}`);

    await h.submitView(
      FIELDS_VIEW,
      '{"id":1}',
      { version: { version: { value: '2026.11.3' } }, description: { description: { value: 'Checkout, rebuilt' } } },
      DAN,
    );
    await summaryWhen(h, o.summary, 'the version', (t) => t.includes('*Version:* 2026.11.3'));
    for (const u of [ANA, BEN, CARLA]) await h.answer((await h.click(RELEASE_ACK, '1', u)).id);
    await summaryWhen(h, o.summary, 'ready', (t) => t.includes(READY));
    expect(h.slack.messages.filter((m) => m.channel === PRODUCT)).toEqual([]);
    expect(await h.answer((await h.click(RELEASE_SHIP, '1', BEN)).id)).toContain('as deploy #3');
    await h.slack.waitForFeed(3, 'succeeded');

    const post = await h.slack.waitFor('the product post', () => h.slack.messages.find((m) => m.channel === PRODUCT));
    const text = textOf(latest(post));
    expect(latest(post).text).toBe('Shipped to production: web (3 changes)');
    expect(text).toContain(':rocket: *Shipped to production*: `web` · version `2026.11.3`\nCheckout, rebuilt');
    expect(text).toContain(
      [
        `• <${h.github.url}/acme/web/pull/7|New checkout page (#7)>`,
        `• <${h.github.url}/acme/web/pull/12|Fix cart totals (#12)>`,
        `• <${h.github.url}/acme/web/pull/9|Friendlier checkout copy (#9)>`,
      ].join('\n'),
    );
    expect(text).toMatch(
      new RegExp(
        `Shipped by <@${BEN}> <!date\\^\\d+\\^\\{ago\\}\\|[^>]+> as deploy #3 · release #1 · <${compare.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\|compare 4 commits>$`,
      ),
    );
    await summaryWhen(h, o.summary, 'shipped', (t) => t.includes(':white_check_mark: *Shipped* as deploy #3'));
    expect(h.slack.messages.filter((m) => m.channel === PRODUCT)).toHaveLength(1);
    expect((await deployRecord(h, 3)).sha).toBe(o.source);

    // forms still open when it shipped are refused in the modal
    const late = await h.submitView(FIELDS_VIEW, '{"id":1}', { version: { version: { value: '2026.11.4' } } }, DAN);
    expect(JSON.parse(late.body)).toEqual({
      response_action: 'errors',
      errors: { description: "release #1 is shipped; its details can't change now." },
    });
    const hold = await h.submitView(HOLD_VIEW, '{"id":1}', { reason: { reason: { value: 'Too late, but still' } } }, ANA);
    expect(JSON.parse(hold.body)).toEqual({
      response_action: 'errors',
      errors: { reason: 'release #1 is shipped already; there is nothing to hold.' },
    });
  });
});

describe('required approvers and authors with no Slack user', () => {
  let f: Ferry | undefined;
  afterEach(async () => {
    await f?.h.stop();
    f = undefined;
  });

  test("with approvers and self_approval: false, authors' OKs are not enough and the requester's own approval doesn't count; another approver's does, and OKs Carla (no Slack user) too", async () => {
    f = await startFerry({ carla: false, release: { approvers: [DAN, 'S0RELEASE'], self_approval: false, unmapped: 'approver' } });
    const { h } = f;
    // Ella approves as a member of the release managers' user group
    h.slack.usergroups.set('S0RELEASE', [ELLA]);
    const o = await openRelease(f, { user: DAN });
    const at = { channel: FEED, ts: o.summary.ts };
    expect(o.answer).toContain("I've asked its 2 authors for an OK by DM.");
    let v = latest(o.summary);
    expect(authorLineOf(v, 'Carla Diaz (no Slack user)')).toBe(
      '• Carla Diaz (no Slack user) · 1 commit · :hourglass_flowing_sand: waiting for an approver',
    );
    expect(textOf(v)).toContain(`:hourglass_flowing_sand: Needs an approval from one of <@${DAN}>, <!subteam^S0RELEASE>`);
    await dmMessage(h, BEN);
    expect(
      h.slack.messages
        .filter((m) => /^[UW]/.test(m.channel))
        .map((m) => m.channel)
        .sort(),
    ).toEqual([ANA, BEN]);

    await h.answer((await h.click(RELEASE_ACK, '1', ANA, at)).id);
    expect(await h.answer((await h.click(RELEASE_ACK, '1', BEN, at)).id)).toBe(
      ':white_check_mark: Thanks, your OK for your 1 commit in release #1 is in. Still waiting for 1 author (Carla Diaz), an approver.',
    );
    expect(await h.answer((await h.click(RELEASE_ACK, '1', QA, at)).id)).toBe(
      `You have no commits in release #1, so there is no OK of yours to give: each author says OK for their own commits (<@${ANA}>, <@${BEN}>). Its required approver is one of <@${DAN}>, <!subteam^S0RELEASE>. To stop it, use *Hold…* and say why.`,
    );
    expect(await h.answer((await h.click(RELEASE_ACK, '1', DAN, at)).id)).toBe(
      ":white_check_mark: Thanks, your OK for your approval and the 1 author with no Slack user in release #1 is in. You opened this release, so your approval does not count as the approver's; another approver must approve. Still waiting for an approver.",
    );
    v = await summaryWhen(h, o.summary, "Dan's OK for Carla", (_t, x) =>
      authorLineOf(x, 'Carla Diaz (no Slack user)')!.endsWith(`:white_check_mark: OK by <@${DAN}>`),
    );
    expect(textOf(v)).toContain(
      `:hourglass_flowing_sand: Needs an approval from one of <@${DAN}>, <!subteam^S0RELEASE> (the requester's own approval doesn't count here)`,
    );
    expect(textOf(v)).toContain(
      ':hourglass_flowing_sand: *Waiting for an approval*, then someone allowed to deploy to *production* presses *Ship*.',
    );
    expect(actionsOf(v)).not.toContain(RELEASE_SHIP);
    expect(await h.answer((await h.click(RELEASE_SHIP, '1', DAN, at)).id)).toBe(
      `release #1 isn't ready: it needs an approval from one of its required approvers other than <@${DAN}>, who opened it.`,
    );

    expect(await h.answer((await h.click(RELEASE_ACK, '1', ELLA, at)).id)).toMatch(
      /^:white_check_mark: Thanks, your OK for your approval .*Every OK is in: it is ready/,
    );
    v = await summaryWhen(h, o.summary, 'ready', (t) => t.includes(READY));
    expect(textOf(v)).toContain(`:white_check_mark: Approved by <@${ELLA}>`);
    expect(await h.answer((await h.click(RELEASE_SHIP, '1', DAN, at)).id)).toContain('as deploy #3');
    await h.slack.waitForFeed(3, 'succeeded');
    expect((await deployRecord(h, 3)).sha).toBe(o.source);
  });

  test('unmapped: approver without approvers: an admin OKs the commit of an author with no Slack user', async () => {
    f = await startFerry({ carla: false, release: { unmapped: 'approver' } });
    const { h } = f;
    const o = await openRelease(f);
    for (const u of [ANA, BEN]) await h.answer((await h.click(RELEASE_ACK, '1', u)).id);
    const v = await summaryWhen(h, o.summary, 'two OKs', (t) => t.includes('*Waiting for OK from 1 author*'));
    expect(authorLineOf(v, 'Carla Diaz (no Slack user)')).toMatch(/waiting for an approver$/);
    expect(await h.answer((await h.click(RELEASE_SHIP, '1', BEN)).id)).toBe(
      "release #1 isn't ready: it still needs an OK from Carla Diaz.",
    );
    expect(await h.answer((await h.click(RELEASE_ACK, '1', DAN)).id)).toMatch(/^You have no commits in release #1/);
    expect(await h.answer((await h.click(RELEASE_ACK, '1', ADMIN)).id)).toBe(
      ':white_check_mark: Thanks, your OK for the 1 author with no Slack user in release #1 is in. Every OK is in: it is ready, and *Ship* on its message ships it.',
    );
    const ready = await summaryWhen(h, o.summary, 'ready', (t) => t.includes(READY));
    expect(authorLineOf(ready, 'Carla Diaz (no Slack user)')).toBe(
      `• Carla Diaz (no Slack user) · 1 commit · :white_check_mark: OK by <@${ADMIN}>`,
    );
  });

  test('unmapped: none (the default): an author with no Slack user is only shown, and the mapped authors make it ready', async () => {
    f = await startFerry({ carla: false });
    const { h } = f;
    const o = await openRelease(f);
    expect(authorLineOf(latest(o.summary), 'Carla Diaz (no Slack user)')).toBe('• Carla Diaz (no Slack user) · 1 commit · shown only');
    expect(textOf(latest(o.summary))).toContain('*Waiting for OK from 2 authors*');
    for (const u of [ANA, BEN]) await h.answer((await h.click(RELEASE_ACK, '1', u)).id);
    await summaryWhen(h, o.summary, 'ready', (t) => t.includes(READY));
  });
});

describe('/release: bad input and edge cases', () => {
  let f: Ferry;
  beforeEach(async () => {
    f = await startFerry({ release: { freeze_source: true } });
  });
  afterEach(async () => {
    await f?.h.stop();
  });
  const release = async (text: string, user = DAN) => f.h.answer((await f.h.slash('/release', text, user)).id);

  test('unknown envs and malformed commands are answered in the ack; a source never deployed, nothing to ship and a diverged target are refused, force opens it', async () => {
    const { h, repo } = f;
    for (const [text, answer] of [
      [
        'web staging qa',
        '`web` has no environment `qa`. It has `staging`, `production`. Usage: `/release [app] [from-env] [to-env] [force]`',
      ],
      ['staging staging', 'A release goes from one env to another; both are `staging`. e.g. `/release web staging production`'],
      ['cancel soon', "Say which release to cancel by its number, e.g. `/release cancel 12` (it is on the release's message)."],
    ]) {
      const r = await h.slash('/release', text!, DAN);
      expect(r.ackText).toBe(answer);
    }
    expect(await release('')).toBe(
      "Nothing to release: `web` *staging* has had no successful deploy through Ferry, so I don't know what runs there. Deploy it first, e.g. `/deploy web staging main`.",
    );
    expect(await release('cancel 9')).toBe('There is no release #9.');

    // the same SHA on both, then staging behind production
    await deployed(h, 'staging', 'main');
    await deployed(h, 'production', 'main');
    expect(await release('')).toBe(
      `Nothing to ship: \`web\` *production* already runs \`${short(repo.sha('main'))}\`, the same as \`web\` *staging*.`,
    );
    await deployed(h, 'staging', repo.base);
    expect(await release('web staging production')).toBe(
      `Nothing to ship: everything on \`web\` *staging* (\`${short(repo.base)}\`) is already on \`web\` *production* (\`${short(repo.sha('main'))}\`) (\`web\` *production* is 5 commits ahead of it).`,
    );

    // production runs a hotfix staging never got
    await deployed(h, 'production', 'hotfix');
    await deployed(h, 'staging', 'main');
    const refused = await release('');
    expect(refused).toMatch(
      new RegExp(
        `^\`web\` \\*staging\\* \\(\`${short(repo.sha('main'))}\`\\) has diverged from \`web\` \\*production\\* \\(\`${short(repo.hotfix)}\`\\): staging has \\d commits production doesn't, and production has 1 that staging doesn't \\(a hotfix\\?\\)\\. Shipping staging would take that commit off production\\. .*\`/release web staging production force\``,
      ),
    );
    expect(await h.redis.get(`${h.prefix}:release:seq`)).toBeNull();
    const forced = await release('force');
    expect(forced).toMatch(/^Opened \*release #1\*: 4 commits by 3 authors/);
    const summary = textOf(
      latest(
        await h.slack.waitFor('summary', () =>
          h.slack.messages.find((m) => m.channel === FEED && m.versions[0]!.text.startsWith('Release #1 ')),
        ),
      ),
    );
    expect(summary).toMatch(
      new RegExp(
        `:warning: \\*Diverged\\*, forced by <@${DAN}>: \\*staging\\* has \\d commits \\*production\\* doesn't, and \\*production\\* has 1 commit \\*staging\\* doesn't; shipping takes that one off \\*production\\*\\.`,
      ),
    );
  });

  test("a target never deployed lists the source's recent history; a second /release points at the open one; cancel is for its opener (or an admin) and unfreezes staging", async () => {
    const { h, repo } = f;
    await deployed(h, 'staging', 'main');
    const opened = await release('');
    expect(opened).toMatch(
      new RegExp(
        `^Opened \\*release #1\\*: 6 commits by 3 authors from \`web\` \\*staging\\* \\(\`${short(repo.sha('main'))}\`\\) to \`web\` \\*production\\* \\(nothing deployed there yet, so these are the newest commits of the source\\)\\.\\n`,
      ),
    );
    const summary = await h.slack.waitFor('summary', () =>
      h.slack.messages.find((m) => m.channel === FEED && m.versions[0]!.text.startsWith('Release #1 ')),
    );
    const text = textOf(latest(summary));
    expect(text).toContain('→ *production* (nothing deployed yet)');
    expect(text).toContain("*6 commits* by *3 authors*: *production* has nothing deployed yet, so these are *staging*'s recent commits");
    expect(text).toContain("*Commits*, oldest first (*staging*'s recent history)");
    expect(commitLines(text).map((l) => l.slice(12).split(' — ')[0])).toEqual(['first commit', 'add app', ...SUBJECTS]);
    expect(text).not.toContain('Backout plan');

    const link = `<https://acme.slack.test/archives/C0FEED/p${summary.ts.replace('.', '')}|See it in the feed>`;
    expect(await release('', ANA)).toBe(
      `release #1 to \`web\` *production* is open already (\`${short(repo.sha('main'))}\` from staging). ${link}. One release to an env at a time: ship it, or cancel it with \`/release cancel 1\` first.`,
    );
    expect(await release('cancel 1', BEN)).toBe(
      `Only <@${DAN}>, who opened release #1, or an admin can cancel it. To stop it shipping, use *Hold…* on it and say why.`,
    );
    expect(await h.answer((await h.slash('/deploy', 'staging hotfix', BEN)).id)).toMatch(
      /^Can't deploy: \*staging\* is frozen by the release \*#1\*/,
    );

    expect(await release('cancel 1', DAN)).toBe('Cancelled release #1. `web` *staging* is unfrozen.');
    const v = await summaryWhen(h, summary, 'cancelled', (t) => t.includes(`:no_entry_sign: *Cancelled*: cancelled by <@${DAN}>`));
    expect(buttonsOf(v)).toEqual([]);
    expect(v.text).toMatch(/· cancelled$/);
    await h.slack.waitFor('the unfreeze in the feed', () =>
      feedLines(h).includes(':sunny: `web` *staging* unfrozen: release #1 was cancelled.'),
    );
    expect(await release('cancel 1', DAN)).toBe("release #1 is cancelled; it can't be cancelled now.");
    expect(await h.answer((await h.click(RELEASE_ACK, '1', ANA)).id)).toBe('release #1 is cancelled already; nothing to OK.');
    await deployed(h, 'staging', 'hotfix', BEN);

    // a retried delivery of the same /release (same trigger_id) opens one release
    const body = slashBody('/release', '', DAN, h.slack.responseUrl('retry'));
    const now = Math.floor(Date.now() / 1000);
    await post(`${h.url}/slack/events`, body, sign(SIGNING_SECRET, body, now - 10));
    expect(String((await h.slack.waitForResponse('retry', 1)).text)).toMatch(/^Opened \*release #2\*/);
    await post(`${h.url}/slack/events`, body, sign(SIGNING_SECRET, body, now));
    expect(String((await h.slack.waitForResponse('retry', 2)).text)).toMatch(/^Already opened \*release #2\*/);
    expect(await h.redis.get(`${h.prefix}:release:seq`)).toBe('2');
    // an admin may cancel someone else's release, with its Cancel button
    expect(await h.answer((await h.click(RELEASE_CANCEL, '2', ADMIN)).id)).toBe('Cancelled release #2. `web` *staging* is unfrozen.');
  });
});
