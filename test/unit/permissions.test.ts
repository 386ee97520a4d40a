import type { Redis } from 'ioredis';
import pino from 'pino';
import { parseConfig } from '../../src/config/load';
import type { EnvConfig } from '../../src/core/config/types';
import { decide, groupsToCheck, mentionList, type PermInput, refusalText } from '../../src/core/permissions';
import { Permissions, type UsergroupsClient } from '../../src/services/permissions';
import type { Keys } from '../../src/store/keys';
import { deletePrefix, newRedis, uniqueKeys } from './fixtures';

const ANA = 'U0ANA';
const BEN = 'U0BEN';
const ADM = 'U0ADM';
const REL = 'S0REL';
const OPS = 'S0OPS';

const RULE = 'apps.web.environments.production.permissions.deploy';

function input(over: Partial<PermInput> & { rules?: EnvConfig['permissions'] }): PermInput {
  return { action: 'deploy', user: BEN, app: 'web', env: 'production', rules: {}, admins: [], memberOf: () => false, ...over };
}

describe('decide (pure)', () => {
  test('an action without a list is open to everyone, and needs no group lookups', () => {
    const i = input({ rules: { lock: [ANA] } });
    expect(decide(i)).toEqual({ ok: true, via: 'open' });
    expect(groupsToCheck(i)).toEqual([]);
    expect(decide(input({ action: 'freeze', admins: [ADM] }))).toEqual({ ok: true, via: 'open' });
  });

  test('a listed user may; nobody else is asked about', () => {
    const i = input({ user: ANA, rules: { deploy: [REL, ANA] }, memberOf: () => undefined });
    expect(decide(i)).toEqual({ ok: true, via: 'listed' });
    expect(groupsToCheck(i)).toEqual([]);
  });

  test('a member of a listed user group may', () => {
    const asked: string[] = [];
    const i = input({ rules: { deploy: [REL, ANA] }, memberOf: (g) => (asked.push(g), g === REL) });
    expect(groupsToCheck(i)).toEqual([REL]);
    expect(decide(i)).toEqual({ ok: true, via: 'group' });
    expect(asked).toEqual([REL]);
  });

  test('a non-member is refused with the rule and the allowed list', () => {
    expect(decide(input({ rules: { deploy: [REL, ANA] } }))).toEqual({ ok: false, rule: RULE, allowed: [REL, ANA] });
    expect(decide(input({ action: 'lock', rules: { lock: [ANA] } }))).toEqual({
      ok: false,
      rule: 'apps.web.environments.production.permissions.lock',
      allowed: [ANA],
    });
  });

  test('an admin may do everything, listed by ID or through an admin group', () => {
    const rules = { deploy: [ANA], lock: [ANA], freeze: [ANA], override: [ANA] };
    for (const action of ['deploy', 'lock', 'freeze', 'override'] as const) {
      expect(decide(input({ action, user: ADM, rules, admins: [ADM] }))).toEqual({ ok: true, via: 'admin' });
      expect(decide(input({ action, rules, admins: [OPS], memberOf: (g) => g === OPS }))).toEqual({ ok: true, via: 'admin' });
    }
    expect(groupsToCheck(input({ rules, admins: [ADM, OPS] }))).toEqual([OPS]);
  });

  test('override without a list: admins only', () => {
    const rules = { deploy: [ANA] };
    expect(decide(input({ action: 'override', user: ANA, rules, admins: [ADM] }))).toEqual({
      ok: false,
      rule: 'admins (override without a list)',
      allowed: [ADM],
    });
    expect(decide(input({ action: 'override', user: ADM, rules, admins: [ADM] }))).toEqual({ ok: true, via: 'admin' });
    expect(decide(input({ action: 'override', user: ANA, admins: [ADM] }))).toMatchObject({
      ok: false,
      rule: 'admins (override without a list)',
    });
  });

  test('override without a list or admins: whoever may deploy there (everyone, when deploy is open)', () => {
    const rules = { deploy: [REL] };
    expect(decide(input({ action: 'override', rules, memberOf: (g) => g === REL }))).toEqual({ ok: true, via: 'group' });
    expect(decide(input({ action: 'override', rules }))).toEqual({
      ok: false,
      rule: `${RULE} (override without a list or admins)`,
      allowed: [REL],
    });
    expect(decide(input({ action: 'override' }))).toEqual({ ok: true, via: 'open' });
  });

  test('a group whose membership is unknown refuses and is named; an error never allows', () => {
    const d = decide(input({ rules: { deploy: [REL, ANA] }, admins: [OPS], memberOf: () => undefined }));
    expect(d).toEqual({ ok: false, rule: RULE, allowed: [REL, ANA], unknownGroups: [REL, OPS] });
    // membership found in another group wins over an unknown one
    expect(decide(input({ rules: { deploy: [REL, 'S0OTHER'] }, memberOf: (g) => (g === REL ? undefined : true) }))).toEqual({
      ok: true,
      via: 'group',
    });
  });
});

describe('refusalText', () => {
  test('names the rule, who it allows, and the admins to ask', () => {
    const d = { ok: false as const, rule: RULE, allowed: [REL, ANA] };
    expect(refusalText(d, 'deploy', 'web', 'production', [ADM])).toBe(
      "You can't deploy to `web` *production*: `apps.web.environments.production.permissions.deploy` allows <!subteam^S0REL> and <@U0ANA>. Ask one of them, or an admin (<@U0ADM>).",
    );
    expect(refusalText(d, 'deploy', 'web', 'production', [])).toBe(
      "You can't deploy to `web` *production*: `apps.web.environments.production.permissions.deploy` allows <!subteam^S0REL> and <@U0ANA>. Ask one of them.",
    );
  });

  test('override without a list: the rule is the admins, not repeated as "or an admin"', () => {
    const d = { ok: false as const, rule: 'admins (override without a list)', allowed: [ADM, OPS] };
    expect(refusalText(d, 'override', 'web', 'production', [ADM, OPS])).toBe(
      "You can't override the deploy rules of `web` *production*: `admins` (override without a list) allows <@U0ADM> and <!subteam^S0OPS>. Ask one of them.",
    );
  });

  test('an unknown group: Ferry could not check it, try again', () => {
    const d = { ok: false as const, rule: 'apps.web.environments.dev.permissions.lock', allowed: [REL], unknownGroups: [REL] };
    const text = refusalText(d, 'lock', 'web', 'dev', [ADM]);
    expect(text).toBe(
      "You can't lock `web` *dev* right now: Ferry couldn't check membership of <!subteam^S0REL> (Slack didn't answer), and `apps.web.environments.dev.permissions.lock` allows <!subteam^S0REL>. Try again in a minute; if it keeps happening, ask one of them, or an admin (<@U0ADM>).",
    );
  });

  test('long lists are cut short', () => {
    expect(mentionList(['U01', 'U02', 'U03'])).toBe('<@U01>, <@U02> and <@U03>');
    expect(mentionList(['U01', 'U02', 'U03', 'U04'], 2)).toBe('<@U01>, <@U02> and 2 more');
  });
});

describe('Permissions (Slack user groups cached in Redis)', () => {
  const config = parseConfig(
    `
feed_channel: C0FEED
admins: [U0ADM, S0OPS]
apps:
  web:
    path: .
    environments:
      dev:
        deploy: [x.sh]
      production:
        deploy: [x.sh]
        permissions:
          deploy: [S0REL, U0ANA]
          lock: [S0REL]
`,
    '/srv/ferry/ferry.yml',
  );
  const log = pino({ level: 'silent' });
  let redis: Redis;
  let k: Keys;

  /** usergroups.users.list played in memory: counts calls, each answered when the test says so. */
  class StubSlack implements UsergroupsClient {
    calls: string[] = [];
    groups = new Map<string, string[]>();
    private gate: Promise<void> | undefined;
    hold(): () => void {
      let open!: () => void;
      this.gate = new Promise((r) => (open = r));
      return () => {
        this.gate = undefined;
        open();
      };
    }
    usergroups = {
      users: {
        list: async ({ usergroup }: { usergroup: string }) => {
          this.calls.push(usergroup);
          await this.gate;
          const users = this.groups.get(usergroup);
          if (!users)
            throw Object.assign(new Error('An API error occurred: no_such_subteam'), { data: { ok: false, error: 'no_such_subteam' } });
          return { ok: true, users };
        },
      },
    };
  }

  beforeAll(() => {
    redis = newRedis();
  });
  beforeEach(() => {
    k = uniqueKeys('perms');
  });
  afterEach(async () => {
    await deletePrefix(redis, k);
  });
  afterAll(async () => {
    await redis.quit();
  });

  test('open envs need no Slack; a member deploys, a non-member is refused; one lookup per group serves many checks', async () => {
    const slack = new StubSlack();
    slack.groups.set(REL, [BEN]).set(OPS, [ADM]);
    const p = new Permissions(slack, redis, k, config, log);
    expect(await p.check('deploy', 'U0CAT', 'web', 'dev')).toEqual({ ok: true, via: 'open' });
    expect(slack.calls).toEqual([]);
    expect(await p.check('deploy', BEN, 'web', 'production')).toEqual({ ok: true, via: 'group' });
    expect(await p.check('deploy', 'U0CAT', 'web', 'production')).toEqual({ ok: false, rule: RULE, allowed: [REL, ANA] });
    expect(await p.check('lock', BEN, 'web', 'production')).toEqual({ ok: true, via: 'group' });
    expect(slack.calls.sort()).toEqual([OPS, REL]);
    expect(await redis.smembers(k.usergroup(REL))).toEqual([BEN]);
    expect(await redis.pttl(k.usergroupFresh(REL))).toBeGreaterThan(4 * 60_000);
  });

  test('concurrent checks in one process, and in another replica, share one Slack call', async () => {
    const slack = new StubSlack();
    slack.groups.set(REL, [BEN]).set(OPS, []);
    const open = slack.hold();
    const a = new Permissions(slack, redis, k, config, log);
    const b = new Permissions(slack, redis, k, config, log);
    const checks = [
      a.check('deploy', BEN, 'web', 'production'),
      a.check('deploy', BEN, 'web', 'production'),
      b.check('deploy', BEN, 'web', 'production'),
      b.isAdmin(BEN),
    ];
    // both groups are being fetched (once each) before any answer comes back
    while (slack.calls.length < 2) await new Promise((r) => setImmediate(r));
    open();
    const [d1, d2, d3, admin] = await Promise.all(checks);
    expect([d1, d2, d3]).toEqual([
      { ok: true, via: 'group' },
      { ok: true, via: 'group' },
      { ok: true, via: 'group' },
    ]);
    expect(admin).toBe(false);
    expect(slack.calls.sort()).toEqual([OPS, REL]);
  });

  test('Slack failing with nothing cached: refused, naming the group; with members cached before, those are used', async () => {
    const slack = new StubSlack();
    const p = new Permissions(slack, redis, k, config, log);
    const d = await p.check('deploy', BEN, 'web', 'production');
    expect(d).toEqual({ ok: false, rule: RULE, allowed: [REL, ANA], unknownGroups: [REL, OPS] });
    expect(await p.isAdmin(ADM)).toBe(true); // listed by ID: no lookup needed
    expect(await p.isAdmin(BEN)).toBe(false);

    // fetched once, then stale (the fresh marker gone) and Slack down: the last members answer
    slack.groups.set(REL, [BEN]).set(OPS, []);
    expect(await p.check('deploy', BEN, 'web', 'production')).toEqual({ ok: true, via: 'group' });
    await redis.del(k.usergroupFresh(REL), k.usergroupFresh(OPS));
    slack.groups.clear();
    const before = slack.calls.length;
    expect(await p.check('deploy', BEN, 'web', 'production')).toEqual({ ok: true, via: 'group' });
    expect(slack.calls.length).toBe(before + 2);
  });

  test('a member removed from the group is refused once the cache is refreshed', async () => {
    const slack = new StubSlack();
    slack.groups.set(REL, [BEN]).set(OPS, []);
    const p = new Permissions(slack, redis, k, config, log);
    expect((await p.check('deploy', BEN, 'web', 'production')).ok).toBe(true);
    slack.groups.set(REL, []);
    expect((await p.check('deploy', BEN, 'web', 'production')).ok).toBe(true); // within 5 minutes: cached
    await redis.del(k.usergroupFresh(REL));
    expect(await p.check('deploy', BEN, 'web', 'production')).toEqual({ ok: false, rule: RULE, allowed: [REL, ANA] });
  });
});
