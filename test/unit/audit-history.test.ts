import type { Redis } from 'ioredis';
import { AuditLog } from '../../src/store/audit';
import { DeployStore } from '../../src/store/deploys';
import type { Keys } from '../../src/store/keys';
import { deletePrefix, newRedis, uniqueKeys } from './fixtures';

const NOW = Date.now();
const SHA = 'abcdefabcdefabcdefabcdefabcdefabcdefabcd';

let redis: Redis;
let k: Keys;
beforeAll(() => {
  redis = newRedis();
});
beforeEach(() => {
  k = uniqueKeys('audit');
});
afterEach(async () => {
  await deletePrefix(redis, k);
});
afterAll(async () => {
  await redis.quit();
});

describe('the audit log', () => {
  test('an entry shows in the full log, in its env and for its person, newest first', async () => {
    const audit = new AuditLog(redis, k);
    await audit.record({ at: NOW, user: 'U0ANA', action: 'lock', app: 'web', env: 'dev', detail: 'testing checkout' });
    await audit.record({
      at: NOW + 1,
      user: 'U0BOB',
      action: 'deploy',
      app: 'web',
      env: 'staging',
      deployId: 7,
      detail: 'main at abcdef1',
    });
    await audit.record({ at: NOW + 2, user: 'U0ANA', action: 'unlock', app: 'web', env: 'dev' });
    expect((await audit.byEnv('web', 'dev')).map((e) => e.action)).toEqual(['unlock', 'lock']);
    expect((await audit.byUser('U0BOB')).map((e) => e.deployId)).toEqual([7]);
    expect((await audit.recent(2)).map((e) => e.action)).toEqual(['unlock', 'deploy']);
    expect((await audit.byUser('U0ANA'))[1]).toEqual({
      at: NOW,
      user: 'U0ANA',
      action: 'lock',
      app: 'web',
      env: 'dev',
      detail: 'testing checkout',
    });
  });

  test('each list keeps its newest entries only', async () => {
    const audit = new AuditLog(redis, k, 3);
    for (let i = 0; i < 5; i++)
      await audit.record({ at: NOW + i, user: 'U0ANA', action: 'freeze', app: 'web', env: 'prod', detail: `#${i}` });
    expect((await audit.byEnv('web', 'prod', 10)).map((e) => e.detail)).toEqual(['#4', '#3', '#2']);
  });
});

describe("an env's deploy history", () => {
  test("lists the env's deploys newest first, and no other env's", async () => {
    const deploys = new DeployStore(redis, k);
    const ids: number[] = [];
    for (const [env, i] of [
      ['dev', 1],
      ['staging', 2],
      ['dev', 3],
    ] as const) {
      const r = await deploys.accept(
        { app: 'web', env, ref: `ref-${i}`, sha: SHA, user: 'U0ANA', feedChannel: 'C0FEED', idempotencyKey: `h${i}` },
        NOW + i,
      );
      if (r.kind === 'accepted') ids.push(r.id);
    }
    expect((await deploys.history('web', 'dev')).map((d) => d.ref)).toEqual(['ref-3', 'ref-1']);
    expect((await deploys.history('web', 'dev', 1)).map((d) => d.id)).toEqual([ids[2]]);
    expect(await deploys.history('web', 'production')).toEqual([]);
  });
});
