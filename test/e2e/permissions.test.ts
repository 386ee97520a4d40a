import type { AuditEntry } from '../../src/store/audit';
import { Harness, LOCAL_DEPLOY } from '../helpers/harness';

const ANA = 'U0ANA';
const BEN = 'U0BEN'; // in the user group S0REL
const CAT = 'U0CAT'; // in no group
const ADM = 'U0ADM'; // admin

describe('permissions', () => {
  let h: Harness;
  afterEach(async () => {
    await h?.stop();
  });

  async function start(): Promise<Harness> {
    const harness = await Harness.start({
      config: ({ repo, deployRoot }) => ({
        feed_channel: 'C0FEED',
        admins: [ADM],
        apps: {
          web: {
            path: repo,
            environments: {
              dev: { deploy: [LOCAL_DEPLOY, deployRoot], lock: true, lock_ttl: '4h' },
              staging: { deploy: [LOCAL_DEPLOY, deployRoot], permissions: { deploy: ['S0REL', ANA], lock: ['S0REL'] } },
              production: { deploy: [LOCAL_DEPLOY, deployRoot], permissions: { deploy: ['S0GONE'] } },
            },
          },
        },
      }),
    });
    harness.slack.usergroups.set('S0REL', [BEN, 'U0DAN']);
    return harness;
  }

  const audit = async (): Promise<AuditEntry[]> =>
    (await h.redis.lrange(`${h.prefix}:audit:all`, 0, -1)).map((e) => JSON.parse(e) as AuditEntry);
  const groupLookups = () => h.slack.calls.filter((c) => c.method === 'usergroups.users.list');

  test('a user group member deploys; a non-member is refused with the rule and who can help, nothing is queued, the refusal is audited; the group is looked up once', async () => {
    h = await start();
    const refused = await h.slash('/deploy', 'staging main', CAT);
    expect(await h.answer(refused.id)).toBe(
      "You can't deploy to `web` *staging*: `apps.web.environments.staging.permissions.deploy` allows <!subteam^S0REL> and <@U0ANA>. Ask one of them, or an admin (<@U0ADM>). Nothing was queued.",
    );
    expect(await audit()).toEqual([
      {
        at: expect.any(Number),
        user: CAT,
        action: 'refused',
        app: 'web',
        env: 'staging',
        detail: 'deploy: apps.web.environments.staging.permissions.deploy',
      },
    ]);

    const lock = await h.slash('/lock', 'staging 1h', CAT);
    expect(await h.answer(lock.id)).toBe(
      "You can't lock `web` *staging*: `apps.web.environments.staging.permissions.lock` allows <!subteam^S0REL>. Ask one of them, or an admin (<@U0ADM>).",
    );
    expect(await h.redis.exists(`${h.prefix}:lock:web:staging`)).toBe(0);

    const ok = await h.deploy('staging main', BEN);
    // the refused request made no deploy: this is the first one, and the only feed message
    expect(ok.id).toBe(1);
    await h.slack.waitForFeed(ok.id, 'succeeded');
    expect(h.slack.messages.filter((m) => m.channel === 'C0FEED' && !m.thread_ts)).toHaveLength(1);

    // ANA is listed by ID; a second member check of S0REL comes from the cache
    const listed = await h.deploy('staging main', ANA);
    await h.slack.waitForFeed(listed.id, 'succeeded');
    const again = await h.slash('/deploy', 'staging main', CAT);
    expect(await h.answer(again.id)).toContain("You can't deploy to `web` *staging*");
    expect(groupLookups().map((c) => c.body.usergroup)).toEqual(['S0REL']);
    expect((await audit()).filter((e) => e.action === 'refused').map((e) => e.detail)).toEqual([
      'deploy: apps.web.environments.staging.permissions.deploy',
      'lock: apps.web.environments.staging.permissions.lock',
      'deploy: apps.web.environments.staging.permissions.deploy',
    ]);
  });

  test("a group Slack can't answer about refuses, saying Ferry couldn't check it; an admin deploys anyway", async () => {
    h = await start();
    const refused = await h.slash('/deploy', 'production main', BEN);
    expect(await h.answer(refused.id)).toBe(
      "You can't deploy to `web` *production* right now: Ferry couldn't check membership of <!subteam^S0GONE> (Slack didn't answer), and `apps.web.environments.production.permissions.deploy` allows <!subteam^S0GONE>. Try again in a minute; if it keeps happening, ask one of them, or an admin (<@U0ADM>). Nothing was queued.",
    );
    expect(groupLookups().map((c) => c.body.usergroup)).toEqual(['S0GONE']);
    expect(await h.redis.exists(`${h.prefix}:deploy:1`)).toBe(0);

    const admin = await h.deploy('production main', ADM);
    expect(admin.id).toBe(1);
    await h.slack.waitForFeed(admin.id, 'succeeded');
  });

  test("an admin releases someone's lock: the holder is DMed, the wait-list's first person is handed the env", async () => {
    h = await start();
    const lock = await h.slash('/lock', 'dev 2h testing checkout', ANA);
    expect(await h.answer(lock.id)).toContain('is yours until');
    const join = await h.click('waitlist_join', JSON.stringify({ app: 'web', env: 'dev' }), BEN);
    expect(await h.answer(join.id)).toContain("You're #1 on the wait-list");

    const notAdmin = await h.slash('/unlock', 'dev', CAT);
    const refusal = await h.answer(notAdmin.id);
    expect(refusal).toContain('Only <@U0ANA> can release it: `web` *dev* is locked by <@U0ANA> (testing checkout)');
    expect(refusal).toContain('\nAn admin can release it too: <@U0ADM>.');
    expect(await h.redis.hget(`${h.prefix}:lock:web:dev`, 'holder')).toBe(ANA);

    const unlock = await h.slash('/unlock', 'dev', ADM);
    expect(await h.answer(unlock.id)).toBe(
      ":unlock: Released <@U0ANA>'s lock on `web` *dev*; I've let them know it was you. It's held for <@U0BEN>, who was next on the wait-list; I've told them.",
    );
    const toAna = await h.slack.waitFor('the DM to the previous holder', () => h.slack.dmsTo(ANA)[0]);
    expect(String(toAna.body.text)).toContain('<@U0ADM> released your lock on `web` *dev*');
    const toBen = await h.slack.waitFor('the hand-off DM', () => h.slack.dmsTo(BEN)[0]);
    expect(String(toBen.body.text)).toContain(
      "`web` *dev* is free: <@U0ANA>'s lock was released by <@U0ADM>. You were next on the wait-list, so it's yours to take until",
    );
    expect((await audit()).find((e) => e.action === 'unlock')).toMatchObject({
      user: ADM,
      app: 'web',
      env: 'dev',
      detail: "released U0ANA's lock as an admin; held for U0BEN, next on the wait-list",
    });

    // the env is Ben's to take: others are refused meanwhile
    const jumper = await h.slash('/deploy', 'dev main', CAT);
    expect(await h.answer(jumper.id)).toContain('is reserved for <@U0BEN>, next on the wait-list');
    const taken = await h.slash('/lock', 'dev 1h', BEN);
    expect(await h.answer(taken.id)).toContain(':lock: `web` *dev* is yours until');
  });
});
