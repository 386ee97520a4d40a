import { acceptedAnswer, goneRefusal, lockRefusal, positionText } from '../../src/core/orders/answer';
import { type Decision, decide, type Facts, type Plan } from '../../src/core/orders/decide';
import type { DeployOrder } from '../../src/core/orders/order';
import { ROLLBACK_LOCK_MS } from '../../src/core/parse/rollback';
import type { ChecksVerdict } from '../../src/core/checks';
import type { GateDecision } from '../../src/core/gate';
import { slackTime } from '../../src/core/slack-format';

const NOW = Date.UTC(2026, 2, 4, 10, 0);
const SHA = `abc1234${'0'.repeat(33)}`;
const RULES = { lock: true, lockTtlMs: 4 * 3_600_000 };
const where = { app: 'web', env: 'prod' };

const orders = {
  deploy: { kind: 'deploy', ...where, ref: 'main', user: 'U0ANA' },
  override: { kind: 'deploy', ...where, ref: 'main', user: 'U0ANA', override: 'hotfix' },
  push: { kind: 'push', ...where, ref: 'main', sha: SHA, user: 'U0PUSH', push: { by: 'octo', from: 'f'.repeat(40), commits: 2 } },
  promotion: { kind: 'promotion', ...where, ref: 'main', sha: SHA, user: 'ferry', from: { env: 'staging', deployId: 4 }, before: '' },
  rollback: { kind: 'rollback', ...where, ref: 'main', user: 'U0ANA', name: 'ana', sha: SHA, of: '41' },
  smoke: { kind: 'smoke-rollback', ...where, ref: 'main', user: 'U0BOB', failedDeploy: 5, sha: SHA, of: '41' },
  ship: { kind: 'ship', ...where, ref: 'release-3', user: 'U0ANA', sha: SHA, release: { id: 3, attempt: 1, base: 'none' } },
} satisfies Record<string, DeployOrder>;

const GO: GateDecision = { kind: 'go' };
const FROZEN: GateDecision = { kind: 'frozen', freeze: { by: 'U0CAT', reason: 'incident', since: NOW - 60_000, source: 'manual' } };
const WINDOW: GateDecision = { kind: 'window', opensAt: NOW + 3_600_000, window: 'Mon-Fri 09:00-17:00 UTC' };

/** Every fact, allowed and green: what a plan needs. */
const all = (over: Facts = {}): Facts => ({
  permissions: { deploy: null, override: null },
  gate: GO,
  sha: SHA,
  checks: null,
  ...over,
});

const planOf = (d: Decision): Plan => {
  if (d.kind !== 'plan') throw new Error(`expected a plan, got ${JSON.stringify(d)}`);
  return d.plan;
};

describe('decide: which fact it asks for next', () => {
  test.each<[string, DeployOrder, Facts, unknown]>([
    ["a person's deploy asks for its permission first", orders.deploy, {}, { fact: 'permission', action: 'deploy' }],
    [
      'an override needs permissions.override after permissions.deploy',
      orders.override,
      { permissions: { deploy: null } },
      { fact: 'permission', action: 'override' },
    ],
    ["a person's rollback needs permissions.deploy", orders.rollback, {}, { fact: 'permission', action: 'deploy' }],
    ['a ship needs permissions.deploy', orders.ship, {}, { fact: 'permission', action: 'deploy' }],
    ['a push needs no permission: the gate first', orders.push, {}, { fact: 'gate' }],
    ['a promotion needs no permission', orders.promotion, {}, { fact: 'gate' }],
    ["Ferry's own rollback needs no permission", orders.smoke, {}, { fact: 'gate' }],
    ['the gate after the permissions', orders.deploy, { permissions: { deploy: null } }, { fact: 'gate' }],
    ['a ref is resolved after the gate', orders.deploy, { permissions: { deploy: null }, gate: GO }, { fact: 'sha' }],
    [
      'a ref that does not exist: the refs, for a guess',
      orders.deploy,
      { permissions: { deploy: null }, gate: GO, sha: null },
      { fact: 'refs' },
    ],
    ['checks of the resolved SHA', orders.deploy, { permissions: { deploy: null }, gate: GO, sha: SHA }, { fact: 'checks', sha: SHA }],
    [
      'an order with its own SHA goes from the gate to checks',
      orders.ship,
      { permissions: { deploy: null }, gate: GO },
      { fact: 'checks', sha: SHA },
    ],
  ])('%s', (_, order, facts, need) => {
    expect(decide(order, facts, RULES, NOW)).toEqual({ kind: 'need', need });
  });
});

describe('decide: refusals', () => {
  test('a permission refusal asks for nothing more, and is already audited (by authorize)', () => {
    const d = decide(orders.override, { permissions: { deploy: 'You may not deploy to *prod*.' } }, RULES, NOW);
    expect(d).toEqual({ kind: 'refuse', refusal: { text: 'You may not deploy to *prod*. Nothing was queued.' } });
  });

  test.each<[string, DeployOrder, string]>([
    ["a person's deploy", orders.deploy, "Can't deploy: "],
    ['an override (it never lifts a freeze)', orders.override, "Can't deploy: "],
    ["a person's rollback", orders.rollback, "Can't roll back: "],
    ['a ship', orders.ship, "Can't deploy: "],
  ])('a freeze refuses %s, with a button to be told when it lifts, audited', (_, order, start) => {
    const d = decide(order, all({ gate: FROZEN }), RULES, NOW);
    if (d.kind !== 'refuse') throw new Error(d.kind);
    expect(d.refusal.text).toMatch(new RegExp(`^${start}\\*prod\\* is frozen by <@U0CAT> \\(incident\\) since .* Nothing was queued\\.$`));
    expect(d.refusal.blocks).toEqual([
      { type: 'section', text: { type: 'mrkdwn', text: d.refusal.text } },
      expect.objectContaining({ type: 'actions' }),
    ]);
    expect(d.refusal.audit).toEqual({ user: 'U0ANA', action: 'refused', app: 'web', env: 'prod', detail: 'deploy: frozen by U0CAT' });
    expect(d.refusal.refused).toBeUndefined();
  });

  test('a freeze by a schedule is audited with its name', () => {
    const gate: GateDecision = { kind: 'frozen', freeze: { by: 'schedule', reason: '', since: NOW, source: 'schedule', name: 'xmas' } };
    const d = decide(orders.deploy, all({ gate }), RULES, NOW);
    expect(d.kind === 'refuse' && d.refusal.audit?.detail).toBe('deploy: frozen by xmas');
  });

  test('a ref that does not exist fails as UNKNOWN_REF, with the closest ref as a guess', () => {
    const facts = all({ sha: null, refs: { label: 'acme/web', names: ['main', 'feature-x'] } });
    expect(decide({ ...orders.deploy, ref: 'feature-y' }, facts, RULES, NOW)).toEqual({
      kind: 'fail',
      code: 'UNKNOWN_REF',
      message: 'There is no branch, tag or commit `feature-y` in acme/web; nothing was queued. Did you mean `feature-x`?',
    });
    const none = decide({ ...orders.deploy, ref: 'zzz' }, { ...facts, refs: { label: 'acme/web', names: [] } }, RULES, NOW);
    expect(none.kind === 'fail' && none.message).toMatch(/; nothing was queued\. Check the spelling, or push it first\.$/);
  });

  const FAILED: ChecksVerdict = { kind: 'failed', failed: [{ name: 'ci' }], pending: [] };

  test.each<[string, DeployOrder, string]>([
    ["a person's deploy", orders.deploy, "Can't deploy `abc1234` to *prod*: checks failed: "],
    ['a push', orders.push, "Can't deploy `abc1234` to *prod*: checks failed: "],
    ['a rollback', orders.rollback, "Can't roll back to `abc1234` on *prod*: checks failed: "],
  ])('failed checks refuse %s (saying how to override), audited, with why for the feed', (_, order, start) => {
    const d = decide(order, all({ checks: FAILED }), RULES, NOW);
    if (d.kind !== 'refuse') throw new Error(d.kind);
    expect(d.refusal.text.startsWith(start)).toBe(true);
    expect(d.refusal.text).toContain(`Nothing was queued. \`/deploy web prod ${order.ref} override &lt;reason&gt;\` deploys anyway`);
    expect(d.refusal.refused).toBe('checks failed on `abc1234`: ci.');
    expect(d.refusal.audit).toEqual({
      user: order.user,
      action: 'refused',
      app: 'web',
      env: 'prod',
      detail: 'deploy: checks failed on abc1234: ci',
    });
  });

  test('an override goes past failed checks: a plan that notes what it went past', () => {
    const p = planOf(decide(orders.override, all({ checks: FAILED }), RULES, NOW));
    expect(p.overrideChecks).toBe('ci failed');
    expect(p.audit).toContainEqual({
      user: 'U0ANA',
      action: 'override',
      app: 'web',
      env: 'prod',
      detail: 'hotfix (checks overridden: ci failed)',
    });
  });
});

describe('decide: plans', () => {
  test.each<[string, DeployOrder, object]>([
    ["a person's deploy claims the env's lock", orders.deploy, { claimLockMs: RULES.lockTtlMs }],
    ['a ship claims it too', orders.ship, { claimLockMs: RULES.lockTtlMs, release: orders.ship.release }],
    ['a push claims none, and records the push', orders.push, { auto: orders.push.push }],
    [
      'a promotion claims none, and records where it came from',
      orders.promotion,
      { auto: { by: 'promotion:staging#4', from: '', commits: 0 } },
    ],
    [
      "a person's rollback locks the env for them",
      orders.rollback,
      { claimLockMs: ROLLBACK_LOCK_MS, lockReason: 'rolled back by ana', rollbackOf: '41' },
    ],
    [
      "Ferry's rollback locks it naming the failed smoke check",
      orders.smoke,
      { claimLockMs: ROLLBACK_LOCK_MS, lockReason: 'rolled back by Ferry (the smoke check of deploy #5 failed)', rollbackOf: '41' },
    ],
  ])('%s', (_, order, terms) => {
    const p = planOf(decide(order, all(), RULES, NOW));
    expect(p.accept).toEqual({ ref: order.ref, sha: SHA, user: order.user, ...terms });
    expect(p.waiting).toBeUndefined();
  });

  test('on an env without a lock, a deploy claims nothing', () => {
    expect(planOf(decide(orders.deploy, all(), { ...RULES, lock: false }, NOW)).accept).toEqual({ ref: 'main', sha: SHA, user: 'U0ANA' });
  });

  test.each<[string, DeployOrder, string]>([
    ['a deploy', orders.deploy, 'main at abc1234'],
    ['a push, with its pusher', orders.push, 'main at abc1234 (GitHub push by octo)'],
    ['a promotion, as a push by the promotion', orders.promotion, 'main at abc1234 (GitHub push by promotion:staging#4)'],
  ])('the audit entry of %s', (_, order, detail) => {
    expect(planOf(decide(order, all(), RULES, NOW)).audit).toEqual([
      { user: order.user, action: 'deploy', app: 'web', env: 'prod', detail },
    ]);
  });

  test('a rollback is audited as a rollback, naming the deploy whose SHA comes back', () => {
    expect(planOf(decide(orders.smoke, all(), RULES, NOW)).audit).toEqual([
      { user: 'U0BOB', action: 'rollback', app: 'web', env: 'prod', detail: 'to abc1234 (from #41)' },
    ]);
  });

  test.each<[string, DeployOrder]>([
    ['a push', orders.push],
    ['a promotion', orders.promotion],
    ["Ferry's rollback", orders.smoke],
  ])('a freeze holds %s: accepted, waiting for it (no relative time in the feed)', (_, order) => {
    const p = planOf(decide(order, all({ gate: FROZEN }), RULES, NOW));
    expect(p.gate).toEqual(FROZEN);
    expect(p.waiting).toMatch(/^\*prod\* is frozen by <@U0CAT> \(incident\) since .*, with no end set; `\/unfreeze` lifts it\.$/);
  });

  test('outside the window a deploy waits for it; an override opens it (but the answer knows it was closed)', () => {
    const waits = planOf(decide(orders.deploy, all({ gate: WINDOW }), RULES, NOW));
    expect(waits.gate).toEqual(WINDOW);
    expect(waits.waiting).toMatch(/^\*prod\* deploys start in its window \(Mon-Fri 09:00-17:00 UTC\); it opens at <!date\^\d+\^[^>]*>\.$/);
    const overridden = planOf(decide(orders.override, all({ gate: WINDOW }), RULES, NOW));
    expect(overridden).toMatchObject({ gate: GO, unoverridden: WINDOW, accept: { override: 'hotfix' } });
    expect(overridden.waiting).toBeUndefined();
    expect(overridden.audit[1]).toEqual({ user: 'U0ANA', action: 'override', app: 'web', env: 'prod', detail: 'hotfix' });
  });

  test('pending checks make it wait for them, unless overridden', () => {
    const checks: ChecksVerdict = { kind: 'pending', pending: [{ name: 'build' }] };
    expect(planOf(decide(orders.deploy, all({ checks }), RULES, NOW)).waiting).toBe('waiting for checks: build');
    const p = planOf(decide(orders.override, all({ checks }), RULES, NOW));
    expect(p).toMatchObject({ overrideChecks: 'build pending' });
    expect(p.waiting).toBeUndefined();
  });
});

describe('answers', () => {
  const at = { position: '#2 in line (1 ahead of it)', link: 'https://slack.test/p1', checksTimeoutMs: 1_800_000, now: NOW };
  const until = NOW + RULES.lockTtlMs;

  test("a person's deploy: where it stands, the lock it claimed, the link", () => {
    const plan = planOf(decide(orders.deploy, all(), RULES, NOW));
    expect(acceptedAnswer(orders.deploy, plan, { id: 7, duplicate: false, lock: { until } }, at)).toBe(
      [
        'Accepted as *deploy #7*: `main` (`abc1234`) to `web` *prod*, #2 in line (1 ahead of it).',
        `prod is yours until ${slackTime(until)}; \`/unlock web prod\` when you're done.`,
        '<https://slack.test/p1|Follow it in the deploy feed>.',
      ].join('\n'),
    );
  });

  test('a repeated request: already accepted, no lock line; without a link, no link', () => {
    const plan = planOf(decide(orders.push, all(), RULES, NOW));
    expect(acceptedAnswer(orders.push, plan, { id: 7, duplicate: true }, { ...at, link: undefined })).toBe(
      'Already accepted as *deploy #7*: `main` (`abc1234`) to `web` *prod*, #2 in line (1 ahead of it).\nFollow it in the deploy feed.',
    );
  });

  test('a rollback: what comes back, and the lock that keeps it', () => {
    const plan = planOf(decide(orders.rollback, all(), RULES, NOW));
    const text = acceptedAnswer(orders.rollback, plan, { id: 8, duplicate: false, lock: { until } }, at);
    expect(text.split('\n')[0]).toBe(
      'Accepted as *deploy #8*: rollback to `abc1234` (from #41) (`main`) on `web` *prod*, #2 in line (1 ahead of it).',
    );
    expect(text.split('\n')[1]).toMatch(/^:lock: `web` \*prod\* is locked for you \(rolled back by ana\) until you `\/unlock web prod`/);
    const bySha = { ...orders.rollback, ref: 'abc1234' };
    expect(acceptedAnswer(bySha, plan, { id: 8, duplicate: true }, at).split('\n')[0]).toBe(
      'Already accepted as *deploy #8*: rollback to `abc1234` (from #41) on `web` *prod*, #2 in line (1 ahead of it).',
    );
  });

  test('outside the window: when it opens, and the override that starts it now', () => {
    const plan = planOf(decide(orders.deploy, all({ gate: WINDOW }), RULES, NOW));
    const text = acceptedAnswer(orders.deploy, plan, { id: 9, duplicate: false }, at);
    expect(text.split('\n')[1]).toMatch(
      /^:clock3: It waits for the window: .*\(in 1h\)\. It starts by itself then\. If it can't wait, `\/deploy web prod main override &lt;reason&gt;` starts it now, if you may override\.$/,
    );
  });

  test('an override: outside the window, or while it is open, or past checks', () => {
    const line = (facts: Facts) =>
      acceptedAnswer(orders.override, planOf(decide(orders.override, all(facts), RULES, NOW)), { id: 9, duplicate: false }, at).split(
        '\n',
      )[1];
    expect(line({ gate: WINDOW })).toBe(':warning: It starts outside the deploy window, on your override; the reason is in the feed.');
    expect(line({})).toBe(':warning: The window is open now; your override counts if it closes before this deploy starts.');
    expect(line({ checks: { kind: 'pending', pending: [{ name: 'build' }] } })).toBe(
      ':warning: Checks overridden (build pending): it starts without waiting for them, on your override; the reason is in the feed.',
    );
  });

  test('pending checks: which, and how long it waits for them', () => {
    const plan = planOf(
      decide(
        orders.deploy,
        all({ checks: { kind: 'pending', pending: [{ name: 'build' }], unknown: 'GitHub did not answer' } }),
        RULES,
        NOW,
      ),
    );
    expect(acceptedAnswer(orders.deploy, plan, { id: 9, duplicate: false }, at).split('\n')[1]).toBe(
      ':hourglass_flowing_sand: It waits for checks on `abc1234`: build (GitHub did not answer). It starts by itself when they pass (and fails if they fail, or are still pending after 30m).',
    );
  });

  test.each<[GateDecision, string, string]>([
    [GO, 'starting now', 'starting now'],
    [WINDOW, 'starting now', 'first in line'],
    [FROZEN, 'running now', 'first in line'],
    [WINDOW, '#2 in line (1 ahead of it)', '#2 in line (1 ahead of it)'],
  ])('held by %j, "%s" reads "%s"', (gate, inLine, text) => {
    expect(positionText(inLine, { gate })).toBe(text);
  });

  test("the env's lock refuses it: who holds it, and buttons to wait for it or ask for it", () => {
    const lock = { holder: 'U0CAT', reason: 'testing', since: NOW - 60_000, until, token: 1, reserved: false };
    const held = lockRefusal(orders.rollback, { kind: 'locked', lock }, NOW);
    expect(held.text).toMatch(/^Can't roll back: `web` \*prod\* is locked by <@U0CAT> \(testing\) since .* Nothing was queued\.$/);
    expect(held.refused).toMatch(/^`web` \*prod\* is locked by <@U0CAT>/);
    expect(held.blocks?.[1]).toMatchObject({ type: 'actions', elements: [{}, {}] });
    const handing = lockRefusal(orders.deploy, { kind: 'handing', next: 'U0DAN' }, NOW);
    expect(handing.text).toBe(
      "Can't deploy: `web` *prod*'s lock has just ended and it is being handed to <@U0DAN>, next on the wait-list. Nothing was queued.",
    );
    expect(held.blocks).toHaveLength(2);
    expect(handing.blocks?.[1]).toMatchObject({ type: 'actions', elements: [{}] });
  });

  test('a ship whose attempt is over', () => {
    expect(goneRefusal(orders.ship).text).toBe(
      "Can't deploy: this ship attempt of release #3 is no longer the one shipping (it was given up, or the release ended). Nothing was queued.",
    );
  });
});
