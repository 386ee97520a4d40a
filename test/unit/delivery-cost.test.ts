import type { Redis } from 'ioredis';
import { AuditLog } from '../../src/store/audit';
import { DeliveryHistory } from '../../src/store/delivery-history';
import { DeployStore } from '../../src/store/deploys';
import type { Keys } from '../../src/store/keys';
import { deployLeaseHolder, LeaseStore } from '../../src/store/lease';
import { deletePrefix, newRedis, uniqueKeys } from './fixtures';

// What the delivery history costs in Redis: 1,000 deploys recorded as Ferry records them (accepted,
// begun, finished, their feed message, one audit entry each, five carried commits each), then
// MEMORY USAGE of every key they left that the retention keeps (docs/delivery-figures.md quotes
// the result; FERRY_PRINT_COST=1 prints it). Logs are not counted: they keep their own 30 days.

const DEPLOYS = 1_000;
const DAY = 86_400_000;
const NOW = Date.now();

let redis: Redis;
let k: Keys;
beforeAll(() => {
  redis = newRedis();
  k = uniqueKeys('cost');
});
afterAll(async () => {
  await deletePrefix(redis, k);
  await redis.quit();
});

async function memory(keys: string[]): Promise<number> {
  let total = 0;
  for (const key of keys) total += Number((await redis.call('MEMORY', 'USAGE', key, 'SAMPLES', '0')) ?? 0);
  return total;
}

test('1,000 deploys cost under 2.5 MB of Redis for the retention', async () => {
  const deploys = new DeployStore(redis, k, 180 * DAY);
  const leases = new LeaseStore(redis, k);
  const history = new DeliveryHistory(redis, k);
  const audit = new AuditLog(redis, k);
  const ids: number[] = [];
  for (let i = 0; i < DEPLOYS; i += 1) {
    const at = NOW - (DEPLOYS - i) * 60_000;
    const sha = (i + 1).toString(16).padStart(40, 'a');
    const r = await deploys.accept(
      { app: 'web', env: 'production', ref: 'main', sha, user: 'U0123ANA', feedChannel: 'C0123FEED', idempotencyKey: `slack-${i}` },
      at,
    );
    if (r.kind !== 'accepted') throw new Error(r.kind);
    const b = await deploys.begin(r.id, 'web', 'production', {
      holder: deployLeaseHolder('host-1:4242', r.id),
      leaseTtlMs: 20_000,
      worker: 'host-1:4242',
      now: at,
    });
    if (b.kind !== 'started') throw new Error(b.kind);
    const failed = i % 10 === 0;
    await deploys.finish(
      { id: r.id, app: 'web', env: 'production' },
      b.lease,
      failed
        ? { status: 'failed', exitCode: 1, error: 'The deploy command exited with 1: see its log.' }
        : { status: 'succeeded', exitCode: 0 },
      at + 45_000,
    );
    await leases.release('web', 'production', b.lease);
    await deploys.setFeedTs(r.id, 'C0123FEED', `1764000000.${String(i).padStart(6, '0')}`);
    await audit.record({
      at,
      user: 'U0123ANA',
      action: 'deploy',
      app: 'web',
      env: 'production',
      deployId: r.id,
      detail: `main (${sha.slice(0, 7)})`,
    });
    if (!failed)
      await history.setCarried(
        r.id,
        [1, 2, 3, 4, 5].map((n) => ({
          sha: `${sha.slice(0, 39)}${n}`,
          date: at - n * 3_600_000,
          subject: `Make the checkout page faster for returning customers (${n})`,
        })),
        180 * DAY,
      );
    ids.push(r.id);
  }
  const records = await memory(ids.map((id) => k.deploy(id)));
  const carried = await memory(ids.map((id) => k.deployCarried(id)));
  const index = await memory([k.deliveryFinished('web', 'production')]);
  const auditLists = await memory([k.auditAll, k.auditUser('U0123ANA'), k.auditEnv('web', 'production')]);
  const total = records + carried + index + auditLists;
  if (process.env.FERRY_PRINT_COST) console.log({ records, carried, index, auditLists, total });
  expect(total).toBeLessThan(2.5 * 1024 * 1024);
});
