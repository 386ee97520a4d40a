import type { Redis } from 'ioredis';
import pino from 'pino';
import { readEnv } from '../../src/config/env';
import { parseConfig } from '../../src/config/load';
import { renderBoard } from '../../src/core/board';
import { noWorkerText, parsePoolList, servesPool, unusedPools } from '../../src/core/pools';
import { DeployStore } from '../../src/store/deploys';
import type { Keys } from '../../src/store/keys';
import { WorkerPools } from '../../src/store/worker-pools';
import { startPoolHeartbeat } from '../../src/worker/pool-heartbeat';
import { startPoolWatch } from '../../src/worker/pool-watch';
import { deletePrefix, newRedis, uniqueKeys } from './fixtures';

const yaml = (pool: string) =>
  `feed_channel: C0FEED\napps:\n  web:\n    path: .\n    environments:\n      staging:\n        deploy: [x/y.sh]\n      production:\n        deploy: [x/y.sh]\n${pool}`;

describe('pool: in ferry.yml', () => {
  test('an env without pool: is in the default pool; pool: names its own', () => {
    const c = parseConfig(yaml('        pool: prod\n'), '/srv/ferry.yml');
    expect(c.apps.web!.envs.staging!.pool).toBe('default');
    expect(c.apps.web!.envs.production!.pool).toBe('prod');
  });

  test.each([['Prod'], ['prod east'], ["''"], ['[prod]']])('pool: %s is refused, saying what a pool name is', (bad) => {
    expect(() => parseConfig(yaml(`        pool: ${bad}\n`), '/srv/ferry.yml')).toThrow(
      /production\.pool.*(worker pool's name|name of the worker pool).*a pool name is a simple word: lower-case letters, digits, - and _/s,
    );
  });
});

describe('FERRY_WORKER_POOLS', () => {
  test('unset or blank: every pool; a list: those pools', () => {
    expect(parsePoolList(undefined, 'FERRY_WORKER_POOLS')).toEqual({ pools: { kind: 'every' } });
    expect(parsePoolList('  ', 'FERRY_WORKER_POOLS')).toEqual({ pools: { kind: 'every' } });
    expect(parsePoolList('prod, default,prod', 'FERRY_WORKER_POOLS')).toEqual({ pools: { kind: 'only', pools: ['prod', 'default'] } });
    expect(readEnv({ FERRY_WORKER_POOLS: 'prod' }).workerPools).toEqual({ kind: 'only', pools: ['prod'] });
    expect(readEnv({}).workerPools).toEqual({ kind: 'every' });
  });

  test('a bad name stops the worker with what a pool name is and how to list them', () => {
    expect(() => readEnv({ FERRY_WORKER_POOLS: 'prod,,Stage' })).toThrow(
      'FERRY_WORKER_POOLS has an empty name, "Stage": a pool name is a simple word: lower-case letters, digits, - and _ (at most 40), e.g. prod or default. List the pools separated by commas, e.g. FERRY_WORKER_POOLS=prod,default, or leave it unset to take every pool.',
    );
    const flag = parsePoolList('prod;db', '--pools');
    expect('error' in flag && flag.error).toContain('e.g. --pools prod,default');
  });

  test('which envs a worker takes, and pools no env uses', () => {
    const every = { kind: 'every' } as const;
    const prod = { kind: 'only', pools: ['prod', 'prdo'] } as const;
    expect(servesPool(every, 'prod')).toBe(true);
    expect(servesPool(prod, 'prod')).toBe(true);
    expect(servesPool(prod, 'default')).toBe(false);
    expect(unusedPools(prod, ['default', 'prod'])).toEqual(['prdo']);
    expect(unusedPools(every, ['default'])).toEqual([]);
  });
});

describe('the /deploys board', () => {
  test('an env whose pool has no live worker says so, with how many deploys wait for one', () => {
    const r = renderBoard({
      now: 0,
      apps: [
        {
          app: 'web',
          envs: [
            { env: 'production', queue: { waiting: 2 }, noWorker: 'prod' },
            { env: 'staging', queue: { waiting: 0 } },
          ],
        },
      ],
    });
    const text = JSON.stringify(r.blocks);
    expect(text).toContain('no worker of pool `prod` is running: 2 deploys waiting for a worker of pool `prod`');
    expect(text.match(/no worker of pool/g)).toHaveLength(1);
    const compact = renderBoard({
      now: 0,
      apps: [
        { app: 'web', envs: [{ env: 'production', queue: { waiting: 0 }, noWorker: 'prod' }] },
        { app: 'api', envs: [{ env: 'production', queue: { waiting: 0 } }] },
      ],
    });
    expect(JSON.stringify(compact.blocks)).toContain('no worker of pool `prod` is running: deploys here wait until one starts');
  });
});

describe('live workers of a pool (Redis)', () => {
  let redis: Redis;
  let k: Keys;
  let pools: WorkerPools;
  beforeEach(() => {
    redis = newRedis();
    k = uniqueKeys('pools');
    pools = new WorkerPools(redis, k);
  });
  afterEach(async () => {
    await deletePrefix(redis, k);
    await redis.quit();
  });

  test('a worker is live in its pools while it announces itself, and gone at once when it withdraws', async () => {
    const prod = { kind: 'only', pools: ['prod'] } as const;
    expect(await pools.live('prod')).toBe(false);
    await pools.announce(prod, 'w1', 15_000);
    expect(await pools.live('prod')).toBe(true);
    expect(await pools.live('default')).toBe(false);
    await pools.withdraw(prod, 'w1');
    expect(await pools.live('prod')).toBe(false);
  });

  test('a worker of every pool makes every pool live', async () => {
    await pools.announce({ kind: 'every' }, 'w1', 15_000);
    expect(await pools.live('prod')).toBe(true);
    expect(await pools.live('default')).toBe(true);
  });

  test('a worker that stops announcing itself (killed) drops out when its last announcement lapses', async () => {
    const beat = startPoolHeartbeat({
      pools,
      served: { kind: 'only', pools: ['prod'] },
      worker: 'w1',
      log: pino({ level: 'silent' }),
      everyMs: 50,
      ttlMs: 300,
    });
    await waitUntil(() => pools.live('prod'));
    // A kill: the beats stop, nothing withdraws it.
    await beat.stop().catch(() => {});
    await pools.announce({ kind: 'only', pools: ['prod'] }, 'w2', 300);
    expect(await pools.live('prod')).toBe(true);
    await waitUntil(async () => !(await pools.live('prod')), 3_000);
  });

  test("the note on a queued deploy: set once, cleared only while it is still the pool's note", async () => {
    const deploys = new DeployStore(redis, k);
    const a = await deploys.accept(
      { app: 'web', env: 'production', ref: 'main', sha: 'a'.repeat(40), user: 'U1', feedChannel: 'C1', idempotencyKey: 'p1' },
      Date.now(),
    );
    const id = a.kind === 'accepted' ? a.id : 0;
    expect(await pools.note(id, 'prod', 'set')).toBe(true);
    expect(await pools.note(id, 'prod', 'set')).toBe(false);
    expect((await deploys.get(id))!.waitingFor).toBe(noWorkerText('prod'));
    // The pool keeps the noted deploys: once a worker is live, only they are looked at.
    expect(await pools.noted('prod')).toEqual([id]);
    expect(await pools.note(id, 'prod', 'clear')).toBe(true);
    expect((await deploys.get(id))!.waitingFor).toBeUndefined();
    expect(await pools.noted('prod')).toEqual([]);
    // A worker noted something else meanwhile: clearing the pool's note leaves it.
    await deploys.setWaiting(id, 'frozen until 17:00');
    expect(await pools.note(id, 'prod', 'clear')).toBe(false);
    expect((await deploys.get(id))!.waitingFor).toBe('frozen until 17:00');
  });
});

describe('the pool watch', () => {
  test('notes queued deploys of envs whose pool has no live worker, once, and takes the note off when one appears', async () => {
    const config = parseConfig(yaml('        pool: prod\n'), '/srv/ferry.yml');
    const notes = new Map<number, string>();
    let prodLive = false;
    const changed: number[] = [];
    const watch = startPoolWatch({
      config,
      queues: { unstarted: async (_app, env) => (env === 'production' ? [5, 6] : [7]) },
      pools: {
        live: async (pool) => pool === 'default' || prodLive,
        note: async (id, pool, how) => {
          const had = notes.get(id);
          if (how === 'set' && had !== pool) return notes.set(id, pool) && true;
          if (how === 'clear' && had === pool) return notes.delete(id);
          return false;
        },
        noted: async (pool) => [...notes].filter(([, p]) => p === pool).map(([id]) => id),
      },
      events: { emit: (e) => changed.push(e.deployId) },
      log: pino({ level: 'silent' }),
      intervalMs: 60_000,
    });
    try {
      await watch.check();
      await watch.check();
      expect([...notes]).toEqual([
        [5, 'prod'],
        [6, 'prod'],
      ]);
      expect(changed).toEqual([5, 6]);
      prodLive = true;
      await watch.check();
      expect(notes.size).toBe(0);
      expect(changed).toEqual([5, 6, 5, 6]);
    } finally {
      watch.stop();
    }
  });
});

async function waitUntil(ok: () => Promise<boolean>, timeoutMs = 2_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await ok())) {
    if (Date.now() > until) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 25));
  }
}
