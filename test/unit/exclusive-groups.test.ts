import type { Redis } from 'ioredis';
import { exclusiveWaitText } from '../../src/core/exclusive';
import { type BeginResult, DeployStore, type NewDeploy } from '../../src/store/deploys';
import { keys, type Keys } from '../../src/store/keys';
import { deployLeaseHolder, LeaseStore, leaseDeployId } from '../../src/store/lease';
import { deletePrefix, newRedis, uniqueKeys } from './fixtures';

const NOW = Date.now();
const SHA = '1111111111111111111111111111111111111111';
const GROUPS = { shop: 'storefront', payments: 'storefront' };

let redis: Redis;
let k: Keys;
let deploys: DeployStore;
beforeAll(() => {
  redis = newRedis();
});
beforeEach(() => {
  k = keys(uniqueKeys('exclusive').prefix, GROUPS);
  deploys = new DeployStore(redis, k);
});
afterEach(async () => {
  await deletePrefix(redis, k);
});
afterAll(async () => {
  await redis.quit();
});

let idem = 0;
async function queued(app: string, env = 'staging'): Promise<number> {
  idem += 1;
  const req: NewDeploy = { app, env, ref: 'main', sha: SHA, user: 'U0ANA', feedChannel: 'C0FEED', idempotencyKey: `x-${idem}` };
  const r = await deploys.accept(req, NOW);
  if (r.kind !== 'accepted') throw new Error(r.kind);
  return r.id;
}

const begin = (id: number, app: string, env = 'staging', lineStaleMs = 30_000): Promise<BeginResult> =>
  deploys.begin(id, app, env, { holder: deployLeaseHolder('host:1', id), leaseTtlMs: 30_000, worker: 'host:1', now: NOW, lineStaleMs });

const leaseOf = (r: BeginResult): string => {
  if (r.kind !== 'started') throw new Error(`expected started, got ${JSON.stringify(r)}`);
  return r.lease;
};

describe('the lease key of an exclusive group', () => {
  test("the group's apps share one lease per env; other apps and envs keep their own", () => {
    expect(k.lease('shop', 'staging')).toBe(k.lease('payments', 'staging'));
    expect(k.lease('shop', 'staging')).toBe(`${k.prefix}:lease:group:storefront:staging`);
    expect(k.lease('shop', 'production')).not.toBe(k.lease('shop', 'staging'));
    expect(k.lease('search', 'staging')).toBe(`${k.prefix}:lease:search:staging`);
    // Names of Object.prototype are apps like any other.
    expect(k.lease('constructor', 'dev')).toBe(`${k.prefix}:lease:constructor:dev`);
    expect(keys('p').lease('shop', 'staging')).toBe('p:lease:shop:staging');
  });

  test('the holder names its deploy', () => {
    expect(leaseDeployId(`${deployLeaseHolder('host-a:4242', 12)}#345`)).toBe(12);
    expect(leaseDeployId('worker-1#3')).toBeUndefined();
  });
});

describe('DeployStore.begin with a shared lease', () => {
  test("one app's running deploy keeps the other's from starting on that env; fencing holds across the group", async () => {
    const shop = await queued('shop');
    const pay = await queued('payments');
    const payProd = await queued('payments', 'production');
    const search = await queued('search');
    const lease = leaseOf(await begin(shop, 'shop'));
    expect(await begin(pay, 'payments')).toEqual({ kind: 'busy', heldBy: lease });
    expect(leaseDeployId(lease)).toBe(shop);
    expect((await begin(payProd, 'payments', 'production')).kind).toBe('started');
    expect((await begin(search, 'search')).kind).toBe('started');
    expect(await deploys.get(pay)).toMatchObject({ status: 'queued' });

    // Renewals and the finish are fenced by the shared key: payments can't finish on shop's lease.
    const leases = new LeaseStore(redis, k);
    expect(await leases.renew('shop', 'staging', lease, 30_000)).toBe(true);
    expect(
      await deploys.finish({ id: pay, app: 'payments', env: 'staging' }, 'host:1:deploy-2#999', { status: 'succeeded' }, NOW),
    ).toBeUndefined();
    expect(
      await deploys.finish({ id: shop, app: 'shop', env: 'staging' }, lease, { status: 'succeeded', exitCode: 0 }, NOW + 1_000),
    ).toEqual({ releases: false });
    await leases.release('shop', 'staging', lease);

    const next = leaseOf(await begin(pay, 'payments'));
    expect(Number(next.split('#')[1])).toBeGreaterThan(Number(lease.split('#')[1]));
    // What runs where stays per app.
    expect((await deploys.envState('shop', 'staging')).deployId).toBe(String(shop));
    expect(await deploys.envState('payments', 'staging')).toEqual({});
  });

  test('starting clears what the deploy waited for', async () => {
    const id = await queued('shop');
    await deploys.setWaiting(id, '`payments` deploy #1 is running on staging (same exclusive group storefront)');
    leaseOf(await begin(id, 'shop'));
    expect((await deploys.get(id))!.waitingFor).toBeUndefined();
  });

  test('when the lease comes free, the deploy accepted first among those waiting takes it', async () => {
    const shop1 = await queued('shop');
    const pay = await queued('payments');
    const shop2 = await queued('shop');
    const lease = leaseOf(await begin(shop1, 'shop'));
    expect((await begin(pay, 'payments')).kind).toBe('busy');
    await deploys.finish({ id: shop1, app: 'shop', env: 'staging' }, lease, { status: 'succeeded', exitCode: 0 }, NOW);
    await new LeaseStore(redis, k).release('shop', 'staging', lease);

    // shop's queue goes straight on to its next deploy, but payments waited and was accepted first.
    expect(await begin(shop2, 'shop')).toEqual({ kind: 'behind', first: pay });
    const payLease = leaseOf(await begin(pay, 'payments'));
    expect(await begin(shop2, 'shop')).toEqual({ kind: 'busy', heldBy: payLease });
    expect(await redis.zrange(k.leaseLine('shop', 'staging'), '0', '-1')).toEqual([String(shop2)]);
  });

  test('a deploy in line that stopped asking (its worker died) is passed over; one that finished leaves the line', async () => {
    const pay = await queued('payments');
    const gone = await queued('payments');
    const shop = await queued('shop');
    const lease = leaseOf(await begin(await queued('shop'), 'shop'));
    expect((await begin(pay, 'payments')).kind).toBe('busy');
    expect((await begin(gone, 'payments')).kind).toBe('busy');
    await new LeaseStore(redis, k).release('shop', 'staging', lease);

    // pay was cancelled while it waited: its next ask finds it finished, and it leaves the line.
    await redis.hset(k.deploy(pay), 'status', 'cancelled');
    expect(await begin(pay, 'payments')).toEqual({ kind: 'finished' });
    // gone's worker died: with no ask for longer than the staleness, shop no longer waits for it.
    expect(await begin(shop, 'shop')).toEqual({ kind: 'behind', first: gone });
    await new Promise((r) => setTimeout(r, 20));
    expect((await begin(shop, 'shop', 'staging', 10)).kind).toBe('started');
    expect(await redis.exists(k.leaseLine('shop', 'staging'))).toBe(0);
  });

  test('a deploy frozen while it waited leaves the line', async () => {
    const shop = await queued('shop');
    const pay = await queued('payments');
    leaseOf(await begin(shop, 'shop'));
    expect((await begin(pay, 'payments')).kind).toBe('busy');
    await redis.hset(k.freeze('payments', 'staging'), 'source', 'manual', 'by', 'U0QA');
    expect(await begin(pay, 'payments')).toEqual({ kind: 'frozen' });
    expect(await redis.zrange(k.leaseLine('payments', 'staging'), '0', '-1')).toEqual([]);
  });
});

describe('exclusiveWaitText', () => {
  test('names the deploy ahead, its app, the env and the group', () => {
    expect(exclusiveWaitText({ group: 'storefront', env: 'staging', why: 'running', ahead: { id: 12, app: 'payments' } })).toBe(
      '`payments` deploy #12 is running on staging (same exclusive group storefront)',
    );
    expect(exclusiveWaitText({ group: 'shop+payments', env: 'staging', why: 'first', ahead: { id: 14, app: 'payments' } })).toBe(
      '`payments` deploy #14 goes first on staging: it was accepted earlier (same exclusive group shop+payments)',
    );
    expect(exclusiveWaitText({ group: 'storefront', env: 'staging', why: 'running' })).toBe(
      'another deploy of exclusive group storefront is running on staging',
    );
  });
});
