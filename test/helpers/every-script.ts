import { ReviewAppStore } from '../../src/store/review-apps';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Redis } from 'ioredis';
import { AuditLog } from '../../src/store/audit';
import { CancelStore } from '../../src/store/cancel';
import { CiRuns } from '../../src/store/ci-runs';
import { DeployStore } from '../../src/store/deploys';
import { FreezeStore } from '../../src/store/freezes';
import { GitHubDeliveries } from '../../src/store/github-deliveries';
import { WorkerPools } from '../../src/store/worker-pools';
import { GitHubOutbox } from '../../src/store/github-outbox';
import type { Keys } from '../../src/store/keys';
import { LeaseStore } from '../../src/store/lease';
import { LockStore } from '../../src/store/locks';
import { LUA_DIR } from '../../src/store/lua';
import { LogStore } from '../../src/store/logs';
import { ReleaseStore } from '../../src/store/releases';

/** One script call as the client sent it: EVALSHA or EVAL, the script's SHA1 and its KEYS. */
export interface ScriptCall {
  how: 'evalsha' | 'eval';
  sha: string;
  keys: string[];
}

const SHA = '1111111111111111111111111111111111111111';
export const sha1 = (text: string): string => createHash('sha1').update(text).digest('hex');

/** Each script of src/store/lua by its SHA1: its name. */
export function scriptsBySha(): Map<string, string> {
  return new Map(readdirSync(LUA_DIR).map((f) => [sha1(readFileSync(path.join(LUA_DIR, f), 'utf8')), f.replace(/\.lua$/, '')]));
}

/**
 * `redis` (a node or a cluster client), recording in `calls` the KEYS of each EVALSHA/EVAL. While
 * `forgotten()` is true EVALSHA answers NOSCRIPT, as after a Redis restart.
 */
export function recording(redis: Redis, calls: ScriptCall[], forgotten: () => boolean = () => false): Redis {
  return new Proxy(redis, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver) as unknown;
      if ((prop === 'evalsha' || prop === 'eval') && typeof v === 'function') {
        return (script: string, n: number, ...rest: (string | number)[]) => {
          calls.push({ how: prop, sha: prop === 'eval' ? sha1(script) : script, keys: rest.slice(0, n).map(String) });
          if (prop === 'evalsha' && forgotten()) return Promise.reject(new Error('NOSCRIPT No matching script. Please use EVAL.'));
          return (v as (...a: unknown[]) => unknown).call(target, script, n, ...rest);
        };
      }
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
}

/**
 * Drives every store through an audit entry, a lock, a release (created, acked, held, shipped, ended), deploys
 * (accepted, begun, started, finished, cancelled), leases, freezes and alerts, the GitHub delivery
 * and outbox scripts: every script of src/store/lua but the GitHub write pacer's two and the user
 * group claim's release, with `now` as the clock.
 */
export async function runStoreScripts(redis: Redis, k: Keys, now: number): Promise<void> {
  const deploys = new DeployStore(redis, k);
  const locks = new LockStore(redis, k);
  const freezes = new FreezeStore(redis, k);
  const releases = new ReleaseStore(redis, k);
  await new AuditLog(redis, k).record({ at: now, user: 'U1', action: 'deploy', app: 'web', env: 'dev' });

  await locks.claim('web', 'dev', 'U1', now, now + 60_000, 'mine');
  await locks.joinWaitlist('web', 'dev', 'U2', now);
  const rel = await releases.create(
    {
      app: 'web',
      from: 'staging',
      to: 'production',
      sourceSha: SHA,
      requester: 'U1',
      createdAt: now,
      commitCount: 1,
      authors: [],
      fields: {},
    },
    [{ sha: SHA, subject: 'x', authorName: 'A', authorEmail: 'a@example.com', date: now }],
    'r1',
  );
  if (rel.kind !== 'created') throw new Error(`release not created: ${rel.kind}`);
  const r = { id: rel.id, app: 'web', from: 'staging', to: 'production' };
  await releases.ack(r.id, 'U1', ['slack:U1'], true, now);
  await releases.hold(r.id, 'U2', 'wait', now);
  await releases.lift(r.id, 'U2');
  await releases.setFields(r.id, {});
  await releases.addPullRequests(r.id, new Map([[SHA, { number: 1, title: 't', url: 'u' } as never]]));
  const ship = await releases.ship(r.id, 'U1', now, { keys: [], approval: false });
  if (ship.kind !== 'ok') throw new Error(`release not shipped: ${ship.kind}`);
  const attempt = ship.attempt;

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
    now,
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
    now,
  );
  if (a.kind !== 'accepted') throw new Error(`deploy not accepted: ${a.kind}`);
  const id = a.id;
  await releases.shipping(r.id, attempt, { deployId: id });
  await deploys.setWaiting(id, 'its turn');
  const begun = await deploys.begin(id, 'web', 'dev', { holder: 'w:deploy-1', leaseTtlMs: 30_000, worker: 'w', now });
  if (begun.kind !== 'started') throw new Error(`deploy not begun: ${begun.kind}`);
  await deploys.start(id, 'web', 'dev', begun.lease, 'w', now);
  const ci = new CiRuns(redis, k);
  await ci.claim({ id, app: 'web', env: 'dev', lease: begun.lease }, now, 'github_actions');
  await ci.note({ id, app: 'web', env: 'dev', lease: begun.lease }, { run: { id: '7' }, text: 'queued' });
  await deploys.finish({ id, app: 'web', env: 'dev' }, begun.lease, { status: 'succeeded' }, now + 1);
  await deploys.failQueued(2, 'no', now);
  await new CancelStore(redis, k).cancel(2, 'U1', now, 'stop');
  await new LogStore(redis, k, 100).sinceWithDeploy(id, 1);
  await releases.shipDone(r, attempt, id, 'failed', now);
  await releases.markStale(r.id, 'staging', 'f'.repeat(40), now);
  await releases.end(r, 'cancelled', 'no', now);
  await locks.release('web', 'dev', 'U1', now);

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

  await freezes.freeze('web', ['dev', 'staging'], { by: 'U1', reason: 'r', since: now, source: 'manual' }, 'f1');
  await freezes.alertFiring('web', 'dev', { key: 'a1', name: 'HighErrors', summary: 's' }, now);
  await freezes.lift('web', 'dev', ['manual']);
  await freezes.alertResolved('web', 'dev', 'a1');
  await freezes.expire('web', 'staging', 1, now);

  await new GitHubDeliveries(redis, k).newestPush('web', 'dev', 100);
  const outbox = new GitHubOutbox<{ state: string }>(redis, k, { claimMs: 1_000, retryMs: 100, maxTries: 3 });
  await outbox.enqueue(id, 1, { state: 'queued' });
  const claim = await outbox.claim();
  if ('deployId' in claim) await outbox.done(claim, { created: 5 });

  const reviews = new ReviewAppStore(redis, k);
  await reviews.change('web', 42, { from: ['none'], set: { state: 'waiting', title: 't' } }, now);
  await reviews.admit('web', 42, 1, now);
  await reviews.admit('web', 43, 1, now);
  await reviews.free('web', 42, 1, now);
}
