import { FIELDS_VIEW, RELEASE_ACK, RELEASE_SHIP } from '../../src/core/release/actions';
import { latest } from '../helpers/fake-slack';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { LOCAL_DEPLOY, TestClock, writeScript } from '../helpers/harness';
import { waitForFile } from '../helpers/wait';
import {
  ADMIN,
  ANA,
  actionsOf,
  BEN,
  CARLA,
  DAN,
  deployCount,
  deployed,
  deployRecord,
  FEED,
  type Ferry,
  openRelease,
  QA,
  short,
  startFerry,
  summaryWhen,
  textOf,
} from '../helpers/release-kit';

/** What can go wrong around a release, and how it comes back: the target moving, a refused automatic ship, a ship cut short, a Slack that doesn't answer. */
describe('releases: moves, refusals and recovery', () => {
  let f: Ferry | undefined;
  afterEach(async () => {
    await f?.h.stop();
    f = undefined;
  });
  const at = (o: { summary: { ts: string } }) => ({ channel: FEED, ts: o.summary.ts });
  const answer = async (action: string, user: string, where?: { channel: string; ts: string }, value = '1') =>
    f!.h.answer((await f!.h.click(action, value, user, where)).id);

  test('a deploy to production outside the release (a hotfix) makes it stale: it never ships over the hotfix', async () => {
    f = await startFerry();
    const { h, repo } = f;
    const o = await openRelease(f);
    for (const u of [ANA, BEN, CARLA]) await answer(RELEASE_ACK, u, at(o));
    await deployed(h, 'production', 'hotfix', BEN);
    const stale = await summaryWhen(h, o.summary, 'stale', (t) =>
      t.includes(`*production* was deployed outside this release (it runs \`${short(repo.sha('hotfix'))}\` now)`),
    );
    expect(actionsOf(stale)).not.toContain(RELEASE_SHIP);
    // Each author's DM says so too, and asks for nothing more.
    for (const u of [ANA, BEN, CARLA]) {
      const dm = await h.slack.waitFor(`${u}'s DM to say it is stale`, () =>
        h.slack.messages.find(
          (m) =>
            m.channel === u && latest(m).text.startsWith('Release #1 ') && textOf(latest(m)).includes('was deployed outside this release'),
        ),
      );
      expect(actionsOf(latest(dm))).toEqual([]);
    }
    const refused = await answer(RELEASE_SHIP, BEN, at(o));
    expect(refused).toBe(
      `release #1 can't ship: \`web\` *production* was deployed outside this release (it runs \`${short(repo.sha('hotfix'))}\` now), so its list of commits is no longer what would ship. Press *Refresh* on it for a fresh summary.`,
    );
    expect(await deployCount(h)).toBe(3);
    expect((await deployRecord(h, 3)).sha).toBe(repo.sha('hotfix'));
  });

  test('a hotfix deploy to production that runs before the queued ship deploy: the ship deploy does not start, and the release is open again, stale', async () => {
    // production deploys wait for the test's go (ran-<id>, then go-<id>) once a `hold` file exists
    f = await startFerry({
      productionDeploy: ({ dir, deployRoot }) => [
        writeScript(
          dir,
          'production.sh',
          `if [ -f "${dir}/hold" ]; then touch "${dir}/ran-$FERRY_DEPLOY_ID"; while [ ! -f "${dir}/go-$FERRY_DEPLOY_ID" ]; do sleep 0.05; done; fi\nexec "${LOCAL_DEPLOY}" "${deployRoot}"`,
        ),
      ],
    });
    const { h, repo } = f;
    const file = (name: string) => path.join(h.dir, name);
    const o = await openRelease(f);
    for (const u of [ANA, BEN, CARLA]) await answer(RELEASE_ACK, u, at(o));
    writeFileSync(file('hold'), '');
    const hotfix = await h.deploy('production hotfix', BEN);
    await waitForFile(file(`ran-${hotfix.id}`));
    // The release still sees production at its base: Ship is accepted, and its deploy queues behind the hotfix.
    expect(await answer(RELEASE_SHIP, ANA, at(o))).toMatch(/^:ship: Shipping release #1 .* as deploy #4\./);
    writeFileSync(file(`go-${hotfix.id}`), '');
    await h.slack.waitForFeed(hotfix.id, 'succeeded');
    await h.slack.waitForFeed(4, 'failed');
    expect((await deployRecord(h, 4)).error).toBe(
      `production runs \`${short(repo.sha('hotfix'))}\` now, not what its release was made from (a deploy ran there first), so it did not start; refresh the release`,
    );
    const back = await summaryWhen(h, o.summary, 'open again and stale', (t) =>
      t.includes('*production* was deployed outside this release'),
    );
    expect(textOf(back)).toContain(':x: Its deploy #4 failed');
    expect(actionsOf(back)).not.toContain(RELEASE_SHIP);
    // What production runs is the hotfix, not the release.
    expect(await h.redis.hget(`${h.prefix}:env:web:production`, 'sha')).toBe(repo.sha('hotfix'));
  });

  test('an automatic ship that is refused (production frozen) says why on the summary and offers Ship', async () => {
    f = await startFerry({ release: { ship: 'auto' } });
    const { h } = f;
    const o = await openRelease(f);
    expect(await h.answer((await h.slash('/freeze', 'production incident review', ADMIN)).id)).toContain('Froze');
    for (const u of [ANA, BEN, CARLA]) await answer(RELEASE_ACK, u, at(o));
    const refused = await summaryWhen(h, o.summary, 'the refusal', (t) =>
      t.includes(":warning: It couldn't ship: Can't deploy: *production* is frozen by <@U0ADMIN>"),
    );
    expect(textOf(refused)).toContain(':white_check_mark: *Ready*: everyone said OK; press *Ship* to deploy.');
    expect(actionsOf(refused)).toContain(RELEASE_SHIP);
    expect(await deployCount(h)).toBe(2);
    await h.answer((await h.slash('/unfreeze', 'production', ADMIN)).id);
    const shipped = await answer(RELEASE_SHIP, BEN, at(o));
    expect(shipped).toMatch(/^:ship: Shipping release #1 .* as deploy #3\./);
    await h.slack.waitForFeed(3, 'succeeded');
    const done = await summaryWhen(h, o.summary, 'shipped', (t) => t.includes('*Shipped* as deploy #3'));
    expect(textOf(done)).not.toContain("couldn't ship");
  });

  test('a ship cut short before its deploy was queued (its process died) is given up after a minute, and Ship works again', async () => {
    const clock = new TestClock();
    clock.set(Date.now());
    f = await startFerry({ now: clock.now });
    const { h } = f;
    const o = await openRelease(f);
    for (const u of [ANA, BEN, CARLA]) await answer(RELEASE_ACK, u, at(o));
    // A replica claims the ship and dies before queueing the deploy.
    const store = h.running!.parts.releaseStore;
    const required = { keys: ['slack:U0ANA', 'slack:U0BEN', 'slack:U0CARLA'], approval: false };
    expect(await store.ship(1, BEN, clock.now(), required)).toEqual({ kind: 'ok', attempt: 1 });
    expect(await answer(RELEASE_SHIP, ANA, at(o))).toBe('release #1 is shipping already; it ships once.');
    expect(await h.answer((await h.slash('/release', '', DAN)).id)).toMatch(/^release #1 to `web` \*production\* is shipping already/);
    clock.set(clock.now() + 61_000);
    const again = await answer(RELEASE_SHIP, ANA, at(o));
    expect(again).toMatch(/^:ship: Shipping release #1 .* as deploy #3\./);
    await h.slack.waitForFeed(3, 'succeeded');
    await summaryWhen(h, o.summary, 'shipped', (t) => t.includes('*Shipped* as deploy #3'));
    expect(await deployCount(h)).toBe(3);
  });

  test('when Slack does not say who an author is, no release is opened (whose OK it needs is unknown); a retry once Slack answers opens it', async () => {
    f = await startFerry();
    const { h } = f;
    h.slack.failNext('users.lookupByEmail', 200, { error: 'fatal_error' });
    await deployed(h, 'production', f.repo.base);
    await deployed(h, 'staging', 'main');
    const refused = await h.answer((await h.slash('/release', '', DAN)).id);
    expect(refused).toBe(
      "Slack didn't tell me who one of the commit authors is (users.lookupByEmail failed or was too slow), so I can't tell whose OK this release needs; no release was opened. Try again in a minute: the answers that came are remembered. Listing authors under `people:` in the config avoids the lookup.",
    );
    expect(await h.redis.exists(`${h.prefix}:release:1`)).toBe(0);
    expect(h.slack.messages.filter((m) => m.channel === FEED && latest(m).text.startsWith('Release #'))).toEqual([]);
    const opened = await h.answer((await h.slash('/release', '', DAN)).id);
    expect(opened).toMatch(/^Opened \*release #1\*: \d+ commits by 3 authors/);
  });

  test('release details may be changed by its opener, approvers, admins and who may deploy the target, not by anyone else', async () => {
    f = await startFerry();
    const { h } = f;
    await openRelease(f);
    const values = { description: { description: { type: 'plain_text_input', value: 'Checkout v2' } } };
    const refused = await h.submitView(FIELDS_VIEW, JSON.stringify({ id: 1 }), values, QA);
    expect(JSON.parse(refused.body)).toEqual({
      response_action: 'errors',
      errors: {
        description:
          'Only <@U0DAN>, who opened release #1, its approvers, admins, and people who may deploy to production can change its details.',
      },
    });
    expect((await h.running!.parts.releaseStore.get(1))!.fields.description).toBeUndefined();
    const ok = await h.submitView(FIELDS_VIEW, JSON.stringify({ id: 1 }), values, BEN);
    expect(ok.body).toBe('');
    expect((await h.running!.parts.releaseStore.get(1))!.fields.description).toBe('Checkout v2');
  });
});
