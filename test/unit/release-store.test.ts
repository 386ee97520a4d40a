import type { Redis } from 'ioredis';
import type { Author, Commit } from '../../src/core/release/types';
import type { Keys } from '../../src/store/keys';
import type { NewRelease } from '../../src/core/release/types';
import { ReleaseStore } from '../../src/store/releases';
import { deletePrefix, newRedis, uniqueKeys } from './fixtures';

/** The release store against a real Redis: every change is one script, so concurrent clicks can't double count or double ship. */

const NOW = Date.now();
const SHA1 = '1111111111111111111111111111111111111111';
const SHA2 = '2222222222222222222222222222222222222222';
const TARGET = '0000000000000000000000000000000000000000';

let redis: Redis;
let k: Keys;
let store: ReleaseStore;
beforeAll(() => {
  redis = newRedis();
});
beforeEach(() => {
  k = uniqueKeys('releases');
  store = new ReleaseStore(redis, k);
});
afterEach(async () => {
  await deletePrefix(redis, k);
});
afterAll(async () => {
  await redis.quit();
});

const ANA: Author = { key: 'slack:U0ANA', name: 'Ana Lima', slack: 'U0ANA', bot: false, commits: 2, ackBy: 'self' };
const BEN: Author = { key: 'slack:U0BEN', name: 'Ben Okafor', slack: 'U0BEN', bot: false, commits: 1, ackBy: 'self' };
const CARLA: Author = { key: 'email:carla@example.com', name: 'Carla Diaz', bot: false, commits: 1, ackBy: 'approver' };
const BOT: Author = { key: 'email:bot@example.com', name: 'dependabot[bot]', bot: true, commits: 1, ackBy: 'none' };

const COMMITS: Commit[] = [
  {
    sha: SHA2,
    subject: 'Add checkout (#12)',
    authorName: 'Ana Lima',
    authorEmail: 'ana@example.com',
    date: 1,
    pr: { number: 12, title: 'Add checkout' },
    authorKey: ANA.key,
  },
  { sha: SHA1, subject: 'Fix & <tidy>', authorName: 'Ben Okafor', authorEmail: 'ben@example.com', date: 2, authorKey: BEN.key },
];

function newRelease(over: Partial<NewRelease> = {}): NewRelease {
  return {
    app: 'web',
    from: 'staging',
    to: 'production',
    sourceSha: SHA1,
    targetSha: TARGET,
    requester: 'U0REQ',
    createdAt: NOW,
    commitCount: 5,
    authors: [ANA, BEN, CARLA, BOT],
    fields: { backout: 'roll back' },
    compareUrl: 'https://github.com/acme/web/compare/a...b',
    ...over,
  };
}

let idem = 0;
async function created(over: Partial<NewRelease> = {}): Promise<number> {
  const r = await store.create(newRelease(over), COMMITS, `key-${++idem}`);
  if (r.kind !== 'created') throw new Error(`not created: ${JSON.stringify(r)}`);
  return r.id;
}

/** What a ship needs here: every author who acks (self or approver), and no approver. */
const REQUIRED = { keys: [ANA.key, BEN.key, CARLA.key], approval: false };

async function allAcked(id: number): Promise<void> {
  await store.ack(id, 'U0ANA', [ANA.key], false, NOW);
  await store.ack(id, 'U0BEN', [BEN.key], false, NOW);
  await store.ack(id, 'U0ADMIN', [CARLA.key], false, NOW);
}

describe('create', () => {
  test('stores the release, its commits, and indexes it as open for the target and as a release of the source', async () => {
    const id = await created();
    expect(id).toBe(1);
    expect(await store.get(id)).toEqual({
      id: 1,
      app: 'web',
      from: 'staging',
      to: 'production',
      sourceSha: SHA1,
      targetSha: TARGET,
      requester: 'U0REQ',
      createdAt: NOW,
      status: 'open',
      commitCount: 5,
      authors: [ANA, BEN, CARLA, BOT],
      acks: {},
      approvals: {},
      holds: {},
      fields: { backout: 'roll back' },
      compareUrl: 'https://github.com/acme/web/compare/a...b',
      reminders: 0,
      shipAttempts: 0,
      rev: 1,
    });
    expect(await store.commits(id)).toEqual(COMMITS);
    expect(await store.openId('web', 'production')).toBe(1);
    expect(await store.fromSource('web', 'staging')).toEqual([1]);
    expect(await store.get(99)).toBeUndefined();
    expect(await store.commits(99)).toEqual([]);
  });

  test('the same idempotency key (a retried delivery) returns the same release, never a second', async () => {
    const a = await store.create(newRelease(), COMMITS, 'slash:trigger-1');
    const b = await store.create(newRelease({ sourceSha: SHA2 }), COMMITS, 'slash:trigger-1');
    expect(a).toEqual({ kind: 'created', id: 1 });
    expect(b).toEqual({ kind: 'duplicate', id: 1 });
    expect((await store.get(1))!.sourceSha).toBe(SHA1);
    expect(await redis.get(k.releaseSeq)).toBe('1');
  });

  test('one release to an env at a time: a second, while the first is open (or shipping), is refused with the open one; a stale one is replaced', async () => {
    const first = await created();
    expect(await store.create(newRelease({ sourceSha: SHA2 }), COMMITS, 'other')).toEqual({ kind: 'open', id: first });
    await store.markStale(first, 'staging', SHA2, NOW);
    const second = await store.create(newRelease({ sourceSha: SHA2 }), COMMITS, 'other-2');
    expect(second).toEqual({ kind: 'created', id: first + 1, replaced: first });
    expect(await store.get(first)).toMatchObject({
      status: 'cancelled',
      endReason: `replaced by release #${first + 1} (what it summarised had moved)`,
    });
    expect(await store.openId('web', 'production')).toBe(first + 1);
    expect(await store.fromSource('web', 'staging')).toEqual([first + 1]);
    // Replaced by a release from another env: the old one leaves its own source's set.
    await store.markStale(first + 1, 'staging', SHA1, NOW);
    const third = await store.create(newRelease({ from: 'qa', sourceSha: SHA1 }), COMMITS, 'other-3');
    expect(third).toEqual({ kind: 'created', id: first + 2, replaced: first + 1 });
    expect(await store.fromSource('web', 'staging')).toEqual([]);
    expect(await store.fromSource('web', 'qa')).toEqual([first + 2]);
    // Another target env, or another app, is free.
    expect((await store.create(newRelease({ to: 'eu' }), COMMITS, 'eu')).kind).toBe('created');
    expect((await store.create(newRelease({ app: 'api' }), COMMITS, 'api')).kind).toBe('created');
  });

  test('once the open release ended, a new one to the env can be opened', async () => {
    const first = await created();
    await store.end({ id: first, app: 'web', from: 'staging', to: 'production' }, 'cancelled', 'cancelled by <@U0REQ>', NOW);
    expect(await store.create(newRelease({ sourceSha: SHA2 }), COMMITS, 'next')).toEqual({ kind: 'created', id: 2 });
    expect(await store.openId('web', 'production')).toBe(2);
  });
});

describe('ack', () => {
  test('HSETNX: the first ack of an author counts; a second (a double click, another replica) changes nothing', async () => {
    const id = await created();
    const [a, b] = await Promise.all([store.ack(id, 'U0ANA', [ANA.key], false, NOW), store.ack(id, 'U0ANA', [ANA.key], false, NOW + 5)]);
    expect([a, b]).toEqual(
      expect.arrayContaining([
        { kind: 'ok', newAcks: 1, approved: false },
        { kind: 'ok', newAcks: 0, approved: false },
      ]),
    );
    const r = (await store.get(id))!;
    expect(r.acks).toEqual({ [ANA.key]: { by: 'U0ANA', at: expect.any(Number) } });
    expect(r.rev).toBe(2);
    // An approver acking for Carla later does not overwrite Ana's ack either.
    expect(await store.ack(id, 'U0ADMIN', [ANA.key, CARLA.key], false, NOW + 10)).toEqual({ kind: 'ok', newAcks: 1, approved: false });
    expect((await store.get(id))!.acks).toEqual({
      [ANA.key]: { by: 'U0ANA', at: expect.any(Number) },
      [CARLA.key]: { by: 'U0ADMIN', at: NOW + 10 },
    });
  });

  test('an approval counts once too', async () => {
    const id = await created();
    expect(await store.ack(id, 'U0LEAD', [], true, NOW)).toEqual({ kind: 'ok', newAcks: 0, approved: true });
    expect(await store.ack(id, 'U0LEAD', [], true, NOW + 1)).toEqual({ kind: 'ok', newAcks: 0, approved: false });
    expect((await store.get(id))!.approvals).toEqual({ U0LEAD: NOW });
  });

  test('stale, ended and unknown releases take no ack', async () => {
    const id = await created();
    await store.markStale(id, 'staging', SHA2, NOW);
    expect(await store.ack(id, 'U0ANA', [ANA.key], false, NOW)).toEqual({ kind: 'stale' });
    const other = await created({ to: 'eu' });
    await store.end({ id: other, app: 'web', from: 'staging', to: 'eu' }, 'expired', 'expired', NOW);
    expect(await store.ack(other, 'U0ANA', [ANA.key], false, NOW)).toEqual({ kind: 'closed', status: 'expired' });
    expect(await store.ack(42, 'U0ANA', [ANA.key], false, NOW)).toEqual({ kind: 'missing' });
    expect((await store.get(id))!.acks).toEqual({});
  });
});

describe('ship', () => {
  test('refused while an author is waiting, naming the first', async () => {
    const id = await created();
    await store.ack(id, 'U0ANA', [ANA.key], false, NOW);
    expect(await store.ship(id, 'U0REQ', NOW, REQUIRED)).toEqual({ kind: 'waiting', key: BEN.key });
    expect((await store.get(id))!.status).toBe('open');
  });

  test('refused while a hold stands, until it is lifted', async () => {
    const id = await created();
    await allAcked(id);
    expect(await store.hold(id, 'U0QA', 'checkout bug', NOW)).toEqual({ kind: 'ok', isNew: true });
    expect(await store.ship(id, 'U0REQ', NOW, REQUIRED)).toEqual({ kind: 'held' });
    expect(await store.lift(id, 'U0QA')).toBe(true);
    expect(await store.lift(id, 'U0QA')).toBe(false);
    expect((await store.ship(id, 'U0REQ', NOW, REQUIRED)).kind).toBe('ok');
  });

  test('refused when stale', async () => {
    const id = await created();
    await allAcked(id);
    await store.markStale(id, 'staging', SHA2, NOW);
    expect(await store.ship(id, 'U0REQ', NOW, REQUIRED)).toEqual({ kind: 'stale' });
  });

  test('an approval required: refused without one, and when the only approval is the one that does not count', async () => {
    const id = await created();
    await allAcked(id);
    const required = { ...REQUIRED, approval: true, notCounting: 'U0REQ' };
    expect(await store.ship(id, 'U0REQ', NOW, required)).toEqual({ kind: 'approver' });
    await store.ack(id, 'U0REQ', [], true, NOW);
    expect(await store.ship(id, 'U0REQ', NOW, required)).toEqual({ kind: 'approver' });
    // The same approval counts where self approval is allowed.
    expect(await store.ship(id, 'U0REQ', NOW, { ...REQUIRED, approval: true })).toEqual({ kind: 'ok', attempt: 1 });
  });

  test('an approval by someone else counts', async () => {
    const id = await created();
    await allAcked(id);
    await store.ack(id, 'U0REQ', [], true, NOW);
    await store.ack(id, 'U0LEAD', [], true, NOW);
    expect(await store.ship(id, 'U0REQ', NOW, { ...REQUIRED, approval: true, notCounting: 'U0REQ' })).toEqual({ kind: 'ok', attempt: 1 });
  });

  test('two Ship clicks at once: exactly one ships', async () => {
    const id = await created();
    await allAcked(id);
    const results = await Promise.all([store.ship(id, 'U0ANA', NOW, REQUIRED), store.ship(id, 'U0BEN', NOW, REQUIRED)]);
    expect(results.filter((r) => r.kind === 'ok')).toEqual([{ kind: 'ok', attempt: 1 }]);
    expect(results.filter((r) => r.kind === 'already')).toEqual([{ kind: 'already', status: 'shipping' }]);
    const r = (await store.get(id))!;
    expect(r.status).toBe('shipping');
    expect(['U0ANA', 'U0BEN']).toContain(r.shippedBy);
    // It takes no ack, hold-free ship or end while shipping.
    expect(await store.end({ id, app: 'web', from: 'staging', to: 'production' }, 'cancelled', 'x', NOW)).toEqual({
      ended: false,
      status: 'shipping',
    });
    expect(await store.ack(id, 'U0ANA', [ANA.key], false, NOW)).toEqual({ kind: 'closed', status: 'shipping' });
    // Still the open release of its env: no second release while it ships.
    expect((await store.create(newRelease({ sourceSha: SHA2 }), COMMITS, 'during-ship')).kind).toBe('open');
  });

  test('unknown and ended releases do not ship', async () => {
    expect(await store.ship(7, 'U0REQ', NOW, REQUIRED)).toEqual({ kind: 'missing' });
    const id = await created();
    await store.end({ id, app: 'web', from: 'staging', to: 'production' }, 'cancelled', 'x', NOW);
    expect(await store.ship(id, 'U0REQ', NOW, REQUIRED)).toEqual({ kind: 'closed', status: 'cancelled' });
  });
});

describe('shipping and shipDone', () => {
  const ref = (id: number) => ({ id, app: 'web', from: 'staging', to: 'production' });

  async function shipped(): Promise<number> {
    const id = await created();
    await allAcked(id);
    expect((await store.ship(id, 'U0REQ', NOW, REQUIRED)).kind).toBe('ok');
    expect(await store.shipping(id, 1, { deployId: 41 })).toBe(true);
    return id;
  }

  test('the ship deploy is recorded; its success ships the release and frees the env', async () => {
    const id = await shipped();
    expect((await store.get(id))!.deployId).toBe(41);
    // Another attempt's deploy's end is not this one's.
    expect(await store.shipDone(ref(id), 2, 40, 'succeeded', NOW)).toBe(false);
    expect(await store.shipDone(ref(id), 1, 41, 'succeeded', NOW + 1)).toBe(true);
    expect(await store.shipDone(ref(id), 1, 41, 'succeeded', NOW + 2)).toBe(false);
    const r = (await store.get(id))!;
    expect(r).toMatchObject({ status: 'shipped', deployId: 41, shippedBy: 'U0REQ' });
    expect(await store.openId('web', 'production')).toBeUndefined();
    expect(await store.fromSource('web', 'staging')).toEqual([]);
    // Kept for the record, not for ever.
    expect(await redis.ttl(k.release(id))).toBeGreaterThan(80 * 86_400);
    expect(await redis.ttl(k.releaseCommits(id))).toBeGreaterThan(80 * 86_400);
    expect(await store.ship(id, 'U0REQ', NOW, REQUIRED)).toEqual({ kind: 'already', status: 'shipped', deployId: 41 });
  });

  test('a failed ship deploy opens the release again, acks kept, and it can ship again (attempt 2)', async () => {
    const id = await shipped();
    expect(await store.shipDone(ref(id), 1, 41, 'failed', NOW + 1)).toBe(true);
    const r = (await store.get(id))!;
    expect(r).toMatchObject({ status: 'open', lastShip: { deployId: 41, status: 'failed' } });
    expect(Object.keys(r.acks).sort()).toEqual([ANA.key, BEN.key, CARLA.key].sort());
    expect(await store.openId('web', 'production')).toBe(id);
    expect(await store.ship(id, 'U0BEN', NOW + 2, REQUIRED)).toEqual({ kind: 'ok', attempt: 2 });
    expect((await store.get(id))!.lastShip).toBeUndefined();
  });

  test('a ship deploy that was refused (no id) opens the release again, with why', async () => {
    const id = await created();
    await allAcked(id);
    await store.ship(id, 'U0REQ', NOW, REQUIRED);
    // Only the attempt that is shipping counts.
    expect(await store.shipping(id, 2, { note: 'frozen' })).toBe(false);
    expect(await store.shipping(id, 1, { note: 'production is frozen' })).toBe(true);
    const r = (await store.get(id))!;
    expect(r.status).toBe('open');
    expect(r.shipNote).toBe('production is frozen');
    expect(r.shippedBy).toBeUndefined();
    expect(await store.shipping(id, 1, { note: 'again' })).toBe(false);
    // The next attempt clears the note.
    expect(await store.ship(id, 'U0REQ', NOW, REQUIRED)).toEqual({ kind: 'ok', attempt: 2 });
    expect((await store.get(id))!.shipNote).toBeUndefined();
  });
});

describe('end and markStale', () => {
  const ref = (id: number) => ({ id, app: 'web', from: 'staging', to: 'production' });

  test('end cancels (or expires) an open release once, with its reason, and frees the env', async () => {
    const id = await created();
    expect(await store.end(ref(id), 'cancelled', 'cancelled by <@U0REQ>', NOW)).toEqual({ ended: true });
    expect(await store.end(ref(id), 'expired', 'expired', NOW)).toEqual({ ended: false, status: 'cancelled' });
    expect(await store.get(id)).toMatchObject({ status: 'cancelled', endReason: 'cancelled by <@U0REQ>' });
    expect(await store.openId('web', 'production')).toBeUndefined();
    expect(await store.fromSource('web', 'staging')).toEqual([]);
    expect(await store.end(ref(99), 'cancelled', 'x', NOW)).toEqual({ ended: false, status: 'missing' });
  });

  test('markStale: only an open release, only when an env of it runs another SHA than the summary was made from, and only once', async () => {
    const id = await created();
    expect(await store.markStale(id, 'staging', SHA1, NOW)).toBe(false);
    expect(await store.markStale(id, 'production', TARGET, NOW)).toBe(false);
    expect((await store.get(id))!.stale).toBeUndefined();
    expect(await store.markStale(id, 'staging', SHA2, NOW + 1)).toBe(true);
    expect((await store.get(id))!.stale).toEqual({ sha: SHA2, at: NOW + 1, env: 'staging' });
    expect(await store.markStale(id, 'staging', TARGET, NOW + 2)).toBe(false);
    expect((await store.get(id))!.stale).toEqual({ sha: SHA2, at: NOW + 1, env: 'staging' });

    // The target moving (a deploy outside the release) makes it stale too.
    const eu = await created({ to: 'eu' });
    expect(await store.markStale(eu, 'eu', SHA2, NOW)).toBe(true);
    expect((await store.get(eu))!.stale).toEqual({ sha: SHA2, at: NOW, env: 'eu' });

    const ended = await created({ to: 'us' });
    await store.end({ id: ended, app: 'web', from: 'staging', to: 'us' }, 'cancelled', 'x', NOW);
    expect(await store.markStale(ended, 'staging', SHA2, NOW)).toBe(false);
    expect(await store.markStale(1234, 'staging', SHA2, NOW)).toBe(false);
  });
});

describe('addPullRequests', () => {
  test('adds the PRs found later to the commits that have none (in one script, the revision bumped), and keeps everything else as it was', async () => {
    const date = 1_764_000_000_123;
    const commits: Commit[] = [
      ...COMMITS,
      {
        sha: TARGET,
        subject: 'Ünïcödé 🚀 "quoted" \\ back/slash',
        authorName: 'Ana Lima',
        authorEmail: 'ana@example.com',
        date,
        authorKey: ANA.key,
      },
    ];
    const r = await store.create(newRelease(), commits, `key-${++idem}`);
    const id = r.id;
    const rev = (await store.get(id))!.rev;
    const prs = new Map([
      [SHA1, { number: 40, title: 'Tidy <things> & more', url: 'https://github.com/acme/web/pull/40' }],
      [TARGET, { number: 41, title: 'Unicode', url: 'https://github.com/acme/web/pull/41' }],
      // Already has one (its subject's): not replaced.
      [SHA2, { number: 99, title: 'Not this one', url: 'https://github.com/acme/web/pull/99' }],
    ]);
    expect(await store.addPullRequests(id, prs)).toBe(2);
    expect(await store.commits(id)).toEqual([commits[0], { ...commits[1], pr: prs.get(SHA1) }, { ...commits[2], pr: prs.get(TARGET) }]);
    expect((await store.get(id))!.rev).toBe(rev + 1);
    // Nothing new: no change, no new revision.
    expect(await store.addPullRequests(id, prs)).toBe(0);
    expect(await store.addPullRequests(id, new Map())).toBe(0);
    expect((await store.get(id))!.rev).toBe(rev + 1);
  });

  test('an ended release keeps its commits for the record as long as before; an unknown one gets none', async () => {
    const id = await created();
    await store.end({ id, app: 'web', from: 'staging', to: 'production' }, 'cancelled', 'x', NOW);
    const ttl = await redis.ttl(k.releaseCommits(id));
    expect(ttl).toBeGreaterThan(0);
    expect(await store.addPullRequests(id, new Map([[SHA1, { number: 40, title: 'T', url: 'https://github.com/acme/web/pull/40' }]]))).toBe(
      1,
    );
    expect(await redis.ttl(k.releaseCommits(id))).toBeGreaterThanOrEqual(ttl - 1);
    expect(await store.addPullRequests(4321, new Map([[SHA1, { number: 40, title: 'T' }]]))).toBe(0);
    expect(await redis.exists(k.releaseCommits(4321))).toBe(0);
  });
});
