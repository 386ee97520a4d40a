import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Redis } from 'ioredis';
import { RedisWritePacer } from '../../src/source/github-writes';
import { CancelStore } from '../../src/store/cancel';
import { DeployStore } from '../../src/store/deploys';
import { FreezeStore } from '../../src/store/freezes';
import { GitHubDeliveries } from '../../src/store/github-deliveries';
import { GitHubOutbox } from '../../src/store/github-outbox';
import type { Keys } from '../../src/store/keys';
import { LeaseStore } from '../../src/store/lease';
import { LockStore } from '../../src/store/locks';
import { LUA_DIR } from '../../src/store/lua';
import { LogStore } from '../../src/store/logs';
import { ReleaseStore } from '../../src/store/releases';
import { WorkerPools } from '../../src/store/worker-pools';
import { deletePrefix, newRedis, uniqueKeys } from './fixtures';

// Every script's keys come in through KEYS, and all of them carry Ferry's key prefix: a Redis
// Cluster deployment puts one hash tag in the prefix and every script runs on one slot. Run
// against a real Redis, through a client that records the KEYS of every script call; this also
// shows that a script runs again when Redis has forgotten it (EVALSHA answers NOSCRIPT, then EVAL).

const NOW = Date.now();
const SHA = '1111111111111111111111111111111111111111';

let raw: Redis;
let k: Keys;
const calls: { how: string; sha: string; keys: string[] }[] = [];
/** While set, EVALSHA answers NOSCRIPT, as after a Redis restart (a real SCRIPT FLUSH would disturb the other test files sharing this Redis). */
let forgotten = false;
const sha1 = (text: string): string => createHash('sha1').update(text).digest('hex');

/** `raw`, recording the KEYS of each EVALSHA/EVAL. */
function recording(redis: Redis): Redis {
  return new Proxy(redis, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver) as unknown;
      if ((prop === 'evalsha' || prop === 'eval') && typeof v === 'function') {
        return (script: string, n: number, ...rest: (string | number)[]) => {
          calls.push({ how: prop, sha: prop === 'eval' ? sha1(script) : script, keys: rest.slice(0, n).map(String) });
          if (prop === 'evalsha' && forgotten) return Promise.reject(new Error('NOSCRIPT No matching script. Please use EVAL.'));
          return (v as (...a: unknown[]) => unknown).call(target, script, n, ...rest);
        };
      }
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
}

beforeAll(() => {
  raw = newRedis();
  k = uniqueKeys('lua-keys');
});
afterAll(async () => {
  await deletePrefix(raw, k);
  await raw.quit();
});

test("every key of every store's scripts carries Ferry's prefix", async () => {
  const redis = recording(raw);
  const deploys = new DeployStore(redis, k);
  const locks = new LockStore(redis, k);
  const freezes = new FreezeStore(redis, k);
  const releases = new ReleaseStore(redis, k);

  await locks.claim('web', 'dev', 'U1', NOW, NOW + 60_000, 'mine');
  await locks.joinWaitlist('web', 'dev', 'U2', NOW);
  const rel = await releases.create(
    {
      app: 'web',
      from: 'staging',
      to: 'production',
      sourceSha: SHA,
      requester: 'U1',
      createdAt: NOW,
      commitCount: 1,
      authors: [],
      fields: {},
    },
    [{ sha: SHA, subject: 'x', authorName: 'A', authorEmail: 'a@example.com', date: NOW }],
    'r1',
  );
  if (rel.kind !== 'created') throw new Error(`release not created: ${rel.kind}`);
  const r = { id: rel.id, app: 'web', from: 'staging', to: 'production' };
  await releases.ack(r.id, 'U1', ['slack:U1'], true, NOW);
  await releases.hold(r.id, 'U2', 'wait', NOW);
  await releases.lift(r.id, 'U2');
  await releases.setFields(r.id, {});
  await releases.addPullRequests(r.id, new Map([[SHA, { number: 1, title: 't', url: 'u' } as never]]));
  const ship = await releases.ship(r.id, 'U1', NOW, { keys: [], approval: false });
  expect(ship.kind).toBe('ok');
  const attempt = ship.kind === 'ok' ? ship.attempt : 0;

  const a = await deploys.accept(
    {
      app: 'web',
      env: 'dev',
      ref: 'main',
      sha: SHA,
      user: 'U1',
      feedChannel: 'C1',
      idempotencyKey: 'd1',
      claimLockMs: 60_000,
      release: { id: r.id, attempt, base: 'none' },
    },
    NOW,
  );
  await deploys.accept(
    {
      app: 'web',
      env: 'dev',
      ref: 'main',
      sha: SHA,
      user: 'U1',
      feedChannel: 'C1',
      idempotencyKey: 'd2',
      auto: { by: 'ana', from: SHA, commits: 1 },
    },
    NOW,
  );
  expect(a.kind).toBe('accepted');
  const id = a.kind === 'accepted' ? a.id : 1;
  await releases.shipping(r.id, attempt, { deployId: id });
  await deploys.setWaiting(id, 'its turn');
  const begun = await deploys.begin(id, 'web', 'dev', { holder: 'w:deploy-1', leaseTtlMs: 30_000, worker: 'w', now: NOW });
  expect(begun.kind).toBe('started');
  const lease = 'lease' in begun ? begun.lease : 'none';
  await deploys.start(id, 'web', 'dev', lease, 'w', NOW);
  await deploys.finish({ id, app: 'web', env: 'dev' }, lease, { status: 'succeeded' }, NOW + 1);
  await deploys.failQueued(2, 'no', NOW);
  await new CancelStore(redis, k).cancel(2, 'U1', NOW, 'stop');
  await new LogStore(redis, k, 100).sinceWithDeploy(id, 1);
  await releases.shipDone(r, attempt, id, 'failed', NOW);
  await releases.markStale(r.id, 'staging', 'f'.repeat(40), NOW);
  await releases.end(r, 'cancelled', 'no', NOW);
  await locks.release('web', 'dev', 'U1', NOW);

  const leases = new LeaseStore(redis, k);
  const l = await leases.acquire('web', 'staging', 'w', 30_000);
  if ('value' in l) {
    await leases.renew('web', 'staging', l.value, 30_000);
    await leases.release('web', 'staging', l.value);
  }

  const pools = new WorkerPools(redis, k);
  await pools.announce({ kind: 'only', pools: ['prod'] }, 'w', 15_000);
  await pools.live('prod');
  await pools.note(id, 'prod', 'set');

  await freezes.freeze('web', ['dev', 'staging'], { by: 'U1', reason: 'r', since: NOW, source: 'manual' }, 'f1');
  await freezes.alertFiring('web', 'dev', { key: 'a1', name: 'HighErrors', summary: 's' }, NOW);
  await freezes.lift('web', 'dev', ['manual']);
  await freezes.alertResolved('web', 'dev', 'a1');
  await freezes.expire('web', 'staging', 1, NOW);

  await new GitHubDeliveries(redis, k).newestPush('web', 'dev', 100);
  const outbox = new GitHubOutbox<{ state: string }>(redis, k, { claimMs: 1_000, retryMs: 100, maxTries: 3 });
  await outbox.enqueue(id, 1, { state: 'queued' });
  const claim = await outbox.claim();
  if ('deployId' in claim) await outbox.done(claim, { created: 5 });
  // Redis forgets its scripts (a restart): each call runs its script with EVAL instead.
  forgotten = true;
  const before = calls.length;
  const pacer = new RedisWritePacer(redis, k.githubWriteSlot, 1);
  await pacer.turn();
  await pacer.holdOff(1);
  expect(calls.slice(before).map((c) => c.how)).toEqual(['evalsha', 'eval', 'evalsha', 'eval']);
  expect(Number(await raw.get(k.githubWriteSlot))).toBeGreaterThan(0);

  // every script ran but the user group fetch claim's release (its one key is k.usergroupFetch; test/unit/permissions.test.ts runs it)
  const byName = new Map(readdirSync(LUA_DIR).map((f) => [sha1(readFileSync(path.join(LUA_DIR, f), 'utf8')), f.replace(/\.lua$/, '')]));
  const ran = new Set(calls.map((c) => byName.get(c.sha)));
  expect([...byName.values()].filter((name) => !ran.has(name))).toEqual(['release-usergroup-fetch']);
  const outside = calls.flatMap((c) => c.keys).filter((key) => !key.startsWith(`${k.prefix}:`));
  expect(outside).toEqual([]);
});
