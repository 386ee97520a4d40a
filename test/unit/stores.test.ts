import type { Redis } from 'ioredis';
import { DeployStore, type NewDeploy } from '../../src/store/deploys';
import type { Keys } from '../../src/store/keys';
import { type Lease, LeaseStore } from '../../src/store/lease';
import { LockStore } from '../../src/store/locks';
import { deletePrefix, newRedis, uniqueKeys } from './fixtures';

const H = 3_600_000;
// Lock keys get a real PEXPIREAT a day after the lock ends, so test times must be near the real clock.
const NOW = Date.now();
const SHA1 = '1111111111111111111111111111111111111111';
const SHA2 = '2222222222222222222222222222222222222222';

let redis: Redis;
let k: Keys;
beforeAll(() => {
  redis = newRedis();
});
beforeEach(() => {
  k = uniqueKeys('stores');
});
afterEach(async () => {
  await deletePrefix(redis, k);
});
afterAll(async () => {
  await redis.quit();
});

let idem = 0;
function request(over: Partial<NewDeploy> = {}): NewDeploy {
  idem += 1;
  return { app: 'web', env: 'dev', ref: 'main', sha: SHA1, user: 'U0ANA', feedChannel: 'C0FEED', idempotencyKey: `req-${idem}`, ...over };
}

function isLease(l: Lease | { heldBy: string }): l is Lease {
  return 'token' in l;
}

async function lease(leases: LeaseStore, holder = 'worker-1', ttlMs = 30_000): Promise<Lease> {
  const l = await leases.acquire('web', 'dev', holder, ttlMs);
  if (!isLease(l)) throw new Error(`lease held by ${l.heldBy}`);
  return l;
}

describe('DeployStore.accept', () => {
  test('creates queued deploys with increasing ids and every fact recorded', async () => {
    const deploys = new DeployStore(redis, k);
    const a = await deploys.accept(request({ ref: 'feature/a' }), NOW);
    const b = await deploys.accept(request({ ref: 'feature/b', sha: SHA2, user: 'U0BOB' }), NOW + 1);
    expect(a).toEqual({ kind: 'accepted', id: 1 });
    expect(b).toEqual({ kind: 'accepted', id: 2 });
    expect(await deploys.get(2)).toEqual({
      id: 2,
      app: 'web',
      env: 'dev',
      ref: 'feature/b',
      sha: SHA2,
      user: 'U0BOB',
      status: 'queued',
      createdAt: NOW + 1,
      rev: 1,
      attempt: 0,
      feedChannel: 'C0FEED',
    });
    expect(await deploys.get(3)).toBeUndefined();
  });

  test('the same idempotency key returns the same deploy and creates nothing new', async () => {
    const deploys = new DeployStore(redis, k);
    const req = request({ idempotencyKey: 'slack-trigger-123' });
    const first = await deploys.accept(req, NOW);
    const again = await deploys.accept({ ...req, ref: 'other' }, NOW + 500);
    expect(first).toEqual({ kind: 'accepted', id: 1 });
    expect(again).toEqual({ kind: 'duplicate', id: 1 });
    expect(await redis.get(k.deploySeq)).toBe('1');
    expect((await deploys.get(1))!.ref).toBe('main');
  });

  test("refused with the lock's details when someone else holds the env", async () => {
    const locks = new LockStore(redis, k);
    const deploys = new DeployStore(redis, k);
    await locks.claim('web', 'dev', 'U0BOB', NOW, NOW + 2 * H, 'testing checkout');
    const r = await deploys.accept(request({ user: 'U0ANA', claimLockMs: H }), NOW + 1000);
    expect(r).toEqual({
      kind: 'locked',
      lock: { holder: 'U0BOB', reason: 'testing checkout', since: NOW, until: NOW + 2 * H, token: 1, reserved: false },
    });
    expect(await redis.exists(k.deploy(1))).toBe(0);
    // A refused request may be retried once the lock is gone: its key was not used up.
    expect(await redis.exists(k.idempotency(`req-${idem}`))).toBe(0);
  });

  test('refused even without claiming when someone else holds the env', async () => {
    const locks = new LockStore(redis, k);
    await locks.claim('web', 'dev', 'U0BOB', NOW, NOW + H, '');
    expect((await new DeployStore(redis, k).accept(request(), NOW)).kind).toBe('locked');
  });

  test("an expired lock of someone else doesn't stop a deploy", async () => {
    const locks = new LockStore(redis, k);
    await locks.claim('web', 'dev', 'U0BOB', NOW, NOW + H, 'old');
    const r = await new DeployStore(redis, k).accept(request({ claimLockMs: H }), NOW + 2 * H);
    expect(r).toMatchObject({ kind: 'accepted', id: 1, lock: { until: NOW + 3 * H } });
    expect(await locks.get('web', 'dev', NOW + 2 * H)).toMatchObject({ holder: 'U0ANA', since: NOW + 2 * H, reason: 'deploying main' });
  });

  test('with claimLockMs the requester gets the env for that long', async () => {
    const deploys = new DeployStore(redis, k);
    const locks = new LockStore(redis, k);
    const r = await deploys.accept(request({ ref: 'feature/x', claimLockMs: 4 * H }), NOW);
    expect(r).toEqual({ kind: 'accepted', id: 1, lock: { token: 1, until: NOW + 4 * H } });
    expect(await locks.get('web', 'dev', NOW)).toEqual({
      holder: 'U0ANA',
      reason: 'deploying feature/x',
      since: NOW,
      until: NOW + 4 * H,
      token: 1,
      reserved: false,
    });
    // ...and others are now refused
    expect((await deploys.accept(request({ user: 'U0BOB' }), NOW + 1)).kind).toBe('locked');
  });

  test("the requester's own longer lock is kept, with its reason and start", async () => {
    const deploys = new DeployStore(redis, k);
    const locks = new LockStore(redis, k);
    await locks.claim('web', 'dev', 'U0ANA', NOW, NOW + 8 * H, 'testing checkout');
    const r = await deploys.accept(request({ claimLockMs: H }), NOW + H);
    expect(r).toMatchObject({ kind: 'accepted', id: 1, lock: { until: NOW + 8 * H } });
    expect(await locks.get('web', 'dev', NOW + H)).toMatchObject({
      holder: 'U0ANA',
      reason: 'testing checkout',
      since: NOW,
      until: NOW + 8 * H,
    });
  });

  test("the requester's own shorter lock is extended", async () => {
    const deploys = new DeployStore(redis, k);
    const locks = new LockStore(redis, k);
    await locks.claim('web', 'dev', 'U0ANA', NOW, NOW + H, 'testing checkout');
    await deploys.accept(request({ claimLockMs: 4 * H }), NOW + 30 * 60_000);
    expect(await locks.get('web', 'dev', NOW)).toMatchObject({
      holder: 'U0ANA',
      reason: 'testing checkout',
      since: NOW,
      until: NOW + 30 * 60_000 + 4 * H,
    });
  });

  test('other envs and apps are not affected by a lock', async () => {
    const deploys = new DeployStore(redis, k);
    await new LockStore(redis, k).claim('web', 'dev', 'U0BOB', NOW, NOW + H, '');
    expect((await deploys.accept(request({ env: 'staging' }), NOW)).kind).toBe('accepted');
    expect((await deploys.accept(request({ app: 'api' }), NOW)).kind).toBe('accepted');
  });

  test('50 people deploying at once to a free locking env: exactly one gets it, 49 are told who has it', async () => {
    const clients = Array.from({ length: 5 }, () => newRedis());
    try {
      const results = await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          new DeployStore(clients[i % clients.length]!, k).accept(request({ user: `U${String(i).padStart(3, '0')}`, claimLockMs: H }), NOW),
        ),
      );
      const accepted = results.filter((r) => r.kind === 'accepted');
      const locked = results.filter((r) => r.kind === 'locked');
      expect(accepted).toHaveLength(1);
      expect(locked).toHaveLength(49);
      const winner = (await new LockStore(redis, k).get('web', 'dev', NOW))!.holder;
      const winnerIndex = results.findIndex((r) => r.kind === 'accepted');
      expect(winner).toBe(`U${String(winnerIndex).padStart(3, '0')}`);
      for (const r of locked) expect(r.kind === 'locked' && r.lock.holder).toBe(winner);
      expect(await redis.get(k.deploySeq)).toBe('1');
    } finally {
      await Promise.all(clients.map((c) => c.quit()));
    }
  });
});

describe('LockStore', () => {
  test('claim: new, then extended by the holder (keeping since and reason), locked for others', async () => {
    const locks = new LockStore(redis, k);
    const first = await locks.claim('web', 'dev', 'U0ANA', NOW, NOW + 2 * H, 'testing checkout');
    expect(first).toEqual({
      kind: 'claimed',
      how: 'new',
      lock: { holder: 'U0ANA', reason: 'testing checkout', since: NOW, until: NOW + 2 * H, token: 1, reserved: false },
    });

    const ext = await locks.claim('web', 'dev', 'U0ANA', NOW + H, NOW + 5 * H, '');
    expect(ext).toEqual({
      kind: 'claimed',
      how: 'extended',
      lock: { holder: 'U0ANA', reason: 'testing checkout', since: NOW, until: NOW + 5 * H, token: 2, reserved: false },
    });

    if (ext.kind !== 'claimed') throw new Error(ext.kind);
    const other = await locks.claim('web', 'dev', 'U0BOB', NOW + H, NOW + 2 * H, 'mine');
    expect(other).toEqual({ kind: 'locked', lock: ext.lock });
    expect(await locks.get('web', 'dev', NOW + H)).toEqual(ext.lock);
  });

  test('extending with a new reason replaces the reason', async () => {
    const locks = new LockStore(redis, k);
    await locks.claim('web', 'dev', 'U0ANA', NOW, NOW + H, 'first');
    expect(await locks.claim('web', 'dev', 'U0ANA', NOW, NOW + H, 'second')).toMatchObject({ how: 'extended', lock: { reason: 'second' } });
  });

  test('an expired lock can be claimed by someone else as new', async () => {
    const locks = new LockStore(redis, k);
    await locks.claim('web', 'dev', 'U0ANA', NOW, NOW + H, 'a');
    expect(await locks.get('web', 'dev', NOW + H)).toBeUndefined();
    expect(await locks.claim('web', 'dev', 'U0BOB', NOW + H, NOW + 2 * H, 'b')).toMatchObject({
      kind: 'claimed',
      how: 'new',
      lock: { holder: 'U0BOB', since: NOW + H },
    });
  });

  test('the lock key expires in Redis a day after the lock ends, so old locks do not pile up', async () => {
    const locks = new LockStore(redis, k);
    await locks.claim('web', 'dev', 'U0ANA', Date.now(), Date.now() + H, '');
    const ttl = await redis.pttl(k.lock('web', 'dev'));
    expect(ttl).toBeGreaterThan(24 * H);
    expect(ttl).toBeLessThanOrEqual(25 * H);
  });

  test('release by the holder hands the env to the first waiter (held for them), exactly once', async () => {
    const locks = new LockStore(redis, k);
    await locks.claim('web', 'dev', 'U0ANA', NOW, NOW + H, 'x');
    expect(await locks.joinWaitlist('web', 'dev', 'U0BOB', NOW + 1)).toEqual({ kind: 'queued', position: 1 });
    expect(await locks.joinWaitlist('web', 'dev', 'U0CAT', NOW + 2)).toEqual({ kind: 'queued', position: 2 });

    const r = await locks.release('web', 'dev', 'U0ANA', NOW + 10);
    expect(r).toEqual({
      kind: 'released',
      previous: { holder: 'U0ANA', reason: 'x', since: NOW, until: NOW + H, token: 1, reserved: false },
      next: expect.objectContaining({ user: 'U0BOB' }),
    });
    // The env is now held for Bob, for the hand-off time (10 minutes by default); others are refused.
    expect(await locks.get('web', 'dev', NOW + 10)).toMatchObject({ holder: 'U0BOB', reserved: true, until: NOW + 10 + 10 * 60_000 });
    expect((await locks.claim('web', 'dev', 'U0CAT', NOW + 20, NOW + H, '')).kind).toBe('locked');
    expect(await redis.zrange(k.waitlist('web', 'dev'), '0', '-1')).toEqual(['U0CAT']);

    // Releasing again (a double click) tells nobody.
    expect((await locks.release('web', 'dev', 'U0ANA', NOW + 11)).kind).toBe('not_holder');

    // Bob taking it makes it his lock, from now, with his reason.
    expect(await locks.claim('web', 'dev', 'U0BOB', NOW + 30, NOW + H, 'testing')).toMatchObject({
      kind: 'claimed',
      how: 'new',
      lock: { since: NOW + 30, reason: 'testing', reserved: false },
    });
    expect(await redis.zrange(k.waitlist('web', 'dev'), '0', '-1')).toEqual(['U0CAT']);
  });

  test('a reservation not taken in time passes to the next in line', async () => {
    const locks = new LockStore(redis, k, 60_000);
    await locks.claim('web', 'dev', 'U0ANA', NOW, NOW + H, 'x');
    await locks.joinWaitlist('web', 'dev', 'U0BOB', NOW + 1);
    await locks.joinWaitlist('web', 'dev', 'U0CAT', NOW + 2);
    const r = await locks.release('web', 'dev', 'U0ANA', NOW + 10);
    if (r.kind !== 'released' || !r.next) throw new Error(r.kind);
    expect(await locks.expire('web', 'dev', r.next.token, NOW + 30_000)).toEqual({ kind: 'not_due' });
    const passed = await locks.expire('web', 'dev', r.next.token, NOW + 10 + 60_000);
    expect(passed).toMatchObject({ kind: 'released', previous: { holder: 'U0BOB', reserved: true }, next: { user: 'U0CAT' } });
    expect(await locks.get('web', 'dev', NOW + 60_011)).toMatchObject({ holder: 'U0CAT', reserved: true });
  });

  test('a lock past its end whose timer has not run yet: nobody jumps the wait-list, the first in line may take it', async () => {
    const locks = new LockStore(redis, k);
    const deploys = new DeployStore(redis, k);
    await locks.claim('web', 'dev', 'U0ANA', NOW, NOW + H, 'x');
    await locks.joinWaitlist('web', 'dev', 'U0BOB', NOW + 1);
    // the lock ended, the expiry timer is late
    expect(await locks.claim('web', 'dev', 'U0CAT', NOW + H + 5, NOW + 2 * H, '')).toEqual({ kind: 'handing', next: 'U0BOB' });
    expect(await deploys.accept(request({ user: 'U0CAT', claimLockMs: H }), NOW + H + 5)).toEqual({ kind: 'handing', next: 'U0BOB' });
    expect(await redis.get(k.deploySeq)).toBeNull();
    // Bob, first in line, may take it at once
    expect(await locks.claim('web', 'dev', 'U0BOB', NOW + H + 6, NOW + 2 * H, 'mine')).toMatchObject({ kind: 'claimed', how: 'new' });
    expect(await redis.zcard(k.waitlist('web', 'dev'))).toBe(0);
  });

  test('release with nobody waiting has no next', async () => {
    const locks = new LockStore(redis, k);
    await locks.claim('web', 'dev', 'U0ANA', NOW, NOW + H, '');
    const r = await locks.release('web', 'dev', 'U0ANA', NOW);
    expect(r.kind).toBe('released');
    expect(r).not.toHaveProperty('next');
  });

  test('the holder releasing and the expiry timer firing at the same time tell the next person once', async () => {
    const locks = new LockStore(redis, k);
    const claimed = await locks.claim('web', 'dev', 'U0ANA', NOW, NOW + H, '');
    if (claimed.kind !== 'claimed') throw new Error('not claimed');
    await locks.joinWaitlist('web', 'dev', 'U0BOB', NOW);
    await locks.joinWaitlist('web', 'dev', 'U0CAT', NOW + 1);
    const rs = await Promise.all([
      locks.release('web', 'dev', 'U0ANA', NOW + H + 5),
      locks.expire('web', 'dev', claimed.lock.token, NOW + H + 5),
    ]);
    const released = rs.filter((r) => r.kind === 'released');
    expect(released).toHaveLength(1);
    expect(released[0]).toMatchObject({ next: expect.objectContaining({ user: 'U0BOB' }) });
    // the loser finds Bob's reservation (a new token) or nothing, and tells nobody
    expect(rs.map((r) => r.kind).sort()).toEqual(expect.arrayContaining(['released']));
    expect(rs.filter((r) => r.kind !== 'released').every((r) => ['none', 'stale', 'not_holder'].includes(r.kind))).toBe(true);
    expect(await redis.zrange(k.waitlist('web', 'dev'), '0', '-1')).toEqual(['U0CAT']);
  });

  test('someone else cannot release a live lock; they are told whose it is', async () => {
    const locks = new LockStore(redis, k);
    await locks.claim('web', 'dev', 'U0ANA', NOW, NOW + H, 'qa');
    await locks.joinWaitlist('web', 'dev', 'U0BOB', NOW);
    const r = await locks.release('web', 'dev', 'U0BOB', NOW + 1);
    expect(r).toEqual({
      kind: 'not_holder',
      lock: { holder: 'U0ANA', reason: 'qa', since: NOW, until: NOW + H, token: 1, reserved: false },
    });
    expect(await locks.get('web', 'dev', NOW + 1)).toMatchObject({ holder: 'U0ANA' });
    expect(await redis.zrange(k.waitlist('web', 'dev'), '0', '-1')).toEqual(['U0BOB']);
  });

  test('releasing when there is no lock', async () => {
    expect(await new LockStore(redis, k).release('web', 'dev', 'U0ANA', NOW)).toEqual({ kind: 'none' });
  });

  test('the expiry timer of a lock that was since extended does nothing', async () => {
    const locks = new LockStore(redis, k);
    const first = await locks.claim('web', 'dev', 'U0ANA', NOW, NOW + H, '');
    await locks.claim('web', 'dev', 'U0ANA', NOW + 1, NOW + 3 * H, '');
    await locks.joinWaitlist('web', 'dev', 'U0BOB', NOW + 2);
    if (first.kind !== 'claimed') throw new Error('not claimed');
    expect(await locks.expire('web', 'dev', first.lock.token, NOW + H)).toEqual({ kind: 'stale' });
    expect(await locks.get('web', 'dev', NOW + H)).toMatchObject({ holder: 'U0ANA', until: NOW + 3 * H });
    expect(await redis.zcard(k.waitlist('web', 'dev'))).toBe(1);
  });

  test('an expiry timer that fires early does nothing; at its time it releases and hands over', async () => {
    const locks = new LockStore(redis, k);
    const c = await locks.claim('web', 'dev', 'U0ANA', NOW, NOW + H, '');
    if (c.kind !== 'claimed') throw new Error('not claimed');
    await locks.joinWaitlist('web', 'dev', 'U0BOB', NOW);
    expect(await locks.expire('web', 'dev', c.lock.token, NOW + H - 1)).toEqual({ kind: 'not_due' });
    expect(await locks.get('web', 'dev', NOW + H - 1)).toMatchObject({ holder: 'U0ANA' });
    expect(await locks.expire('web', 'dev', c.lock.token, NOW + H)).toMatchObject({
      kind: 'released',
      next: expect.objectContaining({ user: 'U0BOB' }),
    });
  });

  test('joining the wait-list twice keeps the first place; the holder cannot join; a free env needs no wait-list', async () => {
    const locks = new LockStore(redis, k);
    expect(await locks.joinWaitlist('web', 'dev', 'U0BOB', NOW)).toEqual({ kind: 'free' });
    await locks.claim('web', 'dev', 'U0ANA', NOW, NOW + H, '');
    expect(await locks.joinWaitlist('web', 'dev', 'U0BOB', NOW + 1)).toEqual({ kind: 'queued', position: 1 });
    expect(await locks.joinWaitlist('web', 'dev', 'U0CAT', NOW + 2)).toEqual({ kind: 'queued', position: 2 });
    expect(await locks.joinWaitlist('web', 'dev', 'U0BOB', NOW + 3)).toEqual({ kind: 'already', position: 1 });
    expect(await locks.joinWaitlist('web', 'dev', 'U0CAT', NOW + 4)).toEqual({ kind: 'already', position: 2 });
    expect(await locks.joinWaitlist('web', 'dev', 'U0ANA', NOW + 5)).toEqual({ kind: 'holder' });
    expect(await redis.zrange(k.waitlist('web', 'dev'), '0', '-1')).toEqual(['U0BOB', 'U0CAT']);
    expect(await locks.joinWaitlist('web', 'dev', 'U0DAN', NOW + H)).toEqual({ kind: 'free' });
  });
});

describe('LeaseStore', () => {
  test('one holder at a time; the other is told who holds it', async () => {
    const leases = new LeaseStore(redis, k);
    const a = await lease(leases, 'worker-a');
    expect(a.value).toBe(`worker-a#${a.token}`);
    expect(await leases.acquire('web', 'dev', 'worker-b', 30_000)).toEqual({ heldBy: a.value });
    // a different env is independent
    expect(isLease(await leases.acquire('web', 'staging', 'worker-b', 30_000))).toBe(true);
  });

  test('the fencing token only grows, across envs and re-acquisitions', async () => {
    const leases = new LeaseStore(redis, k);
    const a = await lease(leases, 'worker-a');
    await leases.release('web', 'dev', a.value);
    const b = await lease(leases, 'worker-b');
    const c = await leases.acquire('api', 'dev', 'worker-c', 30_000);
    expect(b.token).toBeGreaterThan(a.token);
    expect(isLease(c) && c.token).toBeGreaterThan(b.token);
  });

  test('renew works for the holder and fails for a stale value; release by a stale value does nothing', async () => {
    const leases = new LeaseStore(redis, k);
    const a = await lease(leases, 'worker-a', 5_000);
    expect(await leases.renew('web', 'dev', a.value, 60_000)).toBe(true);
    expect(await redis.pttl(k.lease('web', 'dev'))).toBeGreaterThan(5_000);
    expect(await leases.renew('web', 'dev', 'worker-a#999', 60_000)).toBe(false);
    await leases.release('web', 'dev', 'worker-z#1');
    expect(await redis.get(k.lease('web', 'dev'))).toBe(a.value);
    await leases.release('web', 'dev', a.value);
    expect(await redis.exists(k.lease('web', 'dev'))).toBe(0);
    expect(await leases.renew('web', 'dev', a.value, 60_000)).toBe(false);
  });

  test('a lease that is not renewed expires; the next holder gets a higher token and the old one cannot renew', async () => {
    const leases = new LeaseStore(redis, k);
    const a = await lease(leases, 'worker-a', 200);
    for (let i = 0; (await redis.pttl(k.lease('web', 'dev'))) !== -2; i++) {
      if (i > 100) throw new Error('the lease did not expire');
      await new Promise((r) => setTimeout(r, 25));
    }
    const b = await lease(leases, 'worker-b');
    expect(b.token).toBeGreaterThan(a.token);
    expect(await leases.renew('web', 'dev', a.value, 30_000)).toBe(false);
    expect(await redis.get(k.lease('web', 'dev'))).toBe(b.value);
  });
});

describe('DeployStore.start and finish are fenced by the env lease', () => {
  async function queued(deploys: DeployStore, over: Partial<NewDeploy> = {}): Promise<number> {
    const r = await deploys.accept(request(over), NOW);
    if (r.kind !== 'accepted') throw new Error(r.kind);
    return r.id;
  }

  test('start with the lease marks it running on that worker', async () => {
    const deploys = new DeployStore(redis, k);
    const id = await queued(deploys);
    const l = await lease(new LeaseStore(redis, k));
    expect(await deploys.start(id, 'web', 'dev', l.value, 'host-a:1', NOW + 10)).toEqual({ kind: 'started' });
    const d = (await deploys.get(id))!;
    expect(d).toMatchObject({ status: 'running', startedAt: NOW + 10, worker: 'host-a:1', attempt: 1, rev: 2 });
    expect(d.previousSha).toBeUndefined();
  });

  test('start without the lease changes nothing', async () => {
    const deploys = new DeployStore(redis, k);
    const id = await queued(deploys);
    await lease(new LeaseStore(redis, k), 'worker-a');
    expect(await deploys.start(id, 'web', 'dev', 'worker-b#77', 'host-b:2', NOW)).toEqual({ kind: 'lease-lost' });
    expect(await deploys.get(id)).toMatchObject({ status: 'queued', rev: 1, attempt: 0 });
  });

  test('a finish with a stale lease value returns false and changes nothing', async () => {
    const deploys = new DeployStore(redis, k);
    const leases = new LeaseStore(redis, k);
    const id = await queued(deploys);
    const old = await lease(leases, 'worker-a');
    await deploys.start(id, 'web', 'dev', old.value, 'host-a:1', NOW + 10);
    // worker-a lost its lease (e.g. paused past the TTL) and worker-b took over
    await leases.release('web', 'dev', old.value);
    await lease(leases, 'worker-b');
    const before = await redis.hgetall(k.deploy(id));

    expect(
      await deploys.finish({ id, app: 'web', env: 'dev' }, old.value, { status: 'succeeded', exitCode: 0 }, NOW + 60_000),
    ).toBeUndefined();
    expect(await redis.hgetall(k.deploy(id))).toEqual(before);
    expect(await deploys.envState('web', 'dev')).toEqual({});
    expect(await deploys.recentDurations('web', 'dev')).toEqual([]);
  });

  test('a successful finish records the outcome, what runs on the env, and the duration', async () => {
    const deploys = new DeployStore(redis, k);
    const leases = new LeaseStore(redis, k);
    const id = await queued(deploys, { ref: 'feature/x' });
    const l = await lease(leases);
    await deploys.start(id, 'web', 'dev', l.value, 'host-a:1', NOW + 1_000);
    expect(await deploys.finish({ id, app: 'web', env: 'dev' }, l.value, { status: 'succeeded', exitCode: 0 }, NOW + 91_000)).toEqual({
      releases: false,
    });

    expect(await deploys.get(id)).toMatchObject({ status: 'succeeded', exitCode: 0, finishedAt: NOW + 91_000, rev: 3 });
    expect((await deploys.get(id))!.error).toBeUndefined();
    expect(await deploys.envState('web', 'dev')).toEqual({
      deployId: String(id),
      sha: SHA1,
      ref: 'feature/x',
      user: 'U0ANA',
      at: String(NOW + 91_000),
    });
    expect(await deploys.recentDurations('web', 'dev')).toEqual([90_000]);

    // The next deploy on the env knows what it replaces.
    const id2 = await queued(deploys, { sha: SHA2 });
    expect(await deploys.start(id2, 'web', 'dev', l.value, 'host-a:1', NOW + 100_000)).toEqual({ kind: 'started' });
    expect((await deploys.get(id2))!.previousSha).toBe(SHA1);
  });

  test('a failed finish records exit code and error but not the env state or durations', async () => {
    const deploys = new DeployStore(redis, k);
    const l = await lease(new LeaseStore(redis, k));
    const id = await queued(deploys);
    await deploys.start(id, 'web', 'dev', l.value, 'w', NOW);
    expect(
      await deploys.finish(
        { id, app: 'web', env: 'dev' },
        l.value,
        { status: 'failed', exitCode: 2, error: 'the deploy command exited with 2' },
        NOW + 5_000,
      ),
    ).toEqual({ releases: false });
    expect(await deploys.get(id)).toMatchObject({ status: 'failed', exitCode: 2, error: 'the deploy command exited with 2' });
    expect(await deploys.envState('web', 'dev')).toEqual({});
    expect(await deploys.recentDurations('web', 'dev')).toEqual([]);
  });

  test('only the 20 most recent durations are kept, newest first', async () => {
    const deploys = new DeployStore(redis, k);
    const l = await lease(new LeaseStore(redis, k));
    for (let i = 1; i <= 22; i++) {
      const id = await queued(deploys);
      await deploys.start(id, 'web', 'dev', l.value, 'w', NOW);
      await deploys.finish({ id, app: 'web', env: 'dev' }, l.value, { status: 'succeeded', exitCode: 0 }, NOW + i * 1_000);
    }
    const recent = await deploys.recentDurations('web', 'dev');
    expect(recent).toHaveLength(20);
    expect(recent[0]).toBe(22_000);
    expect(recent[19]).toBe(3_000);
  });
});

describe('DeployStore feed helpers', () => {
  test('only one process may claim the first feed post; the claim expires', async () => {
    const deploys = new DeployStore(redis, k);
    expect(await deploys.claimFeedPost(1, 'proc-a', 150)).toBe(true);
    expect(await deploys.claimFeedPost(1, 'proc-b', 150)).toBe(false);
    for (let i = 0; (await redis.pttl(`${k.deploy(1)}:feed-poster`)) !== -2; i++) {
      if (i > 100) throw new Error('the claim did not expire');
      await new Promise((r) => setTimeout(r, 25));
    }
    expect(await deploys.claimFeedPost(1, 'proc-b', 150)).toBe(true);
  });

  test('claim() is true for one caller at a time; once settled done never again, settled not done it may be retried', async () => {
    const deploys = new DeployStore(redis, k);
    await deploys.accept(request(), NOW);
    const rs = await Promise.all([
      deploys.claim(1, 'failure-thread', 60_000),
      deploys.claim(1, 'failure-thread', 60_000),
      deploys.claim(1, 'failure-thread', 60_000),
    ]);
    expect(rs.filter(Boolean)).toHaveLength(1);
    expect(await deploys.claim(1, 'other', 60_000)).toBe(true);
    await deploys.settle(1, 'failure-thread', false);
    expect(await deploys.claim(1, 'failure-thread', 60_000)).toBe(true);
    await deploys.settle(1, 'failure-thread', true);
    expect(await deploys.claim(1, 'failure-thread', 60_000)).toBe(false);
  });

  test('running a lost deploy again is refused when someone else locked the env meanwhile', async () => {
    const deploys = new DeployStore(redis, k);
    const locks = new LockStore(redis, k);
    const id = (await deploys.accept(request({ user: 'U0BEN' }), NOW)) as { id: number };
    const l = await lease(new LeaseStore(redis, k));
    await locks.claim('web', 'dev', 'U0ANA', NOW, NOW + H, 'hotfix');
    expect(await deploys.start(id.id, 'web', 'dev', l.value, 'w', NOW + 1)).toEqual({ kind: 'locked', holder: 'U0ANA' });
    expect((await deploys.get(id.id))!.status).toBe('queued');
  });
});
