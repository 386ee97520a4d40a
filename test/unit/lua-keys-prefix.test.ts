import type { Redis } from 'ioredis';
import { RedisWritePacer } from '../../src/source/github-writes';
import type { Keys } from '../../src/store/keys';
import { recording, runStoreScripts, type ScriptCall, scriptsBySha } from '../helpers/every-script';
import { deletePrefix, newRedis, uniqueKeys } from './fixtures';

// Every script's keys come in through KEYS, and all of them carry Ferry's key prefix: a Redis
// Cluster deployment puts one hash tag in the prefix and every script runs on one slot
// (test/unit/redis-cluster-store.test.ts runs them on a real cluster). Run against a real Redis,
// through a client that records the KEYS of every script call; this also shows that a script runs
// again when Redis has forgotten it (EVALSHA answers NOSCRIPT, then EVAL).

const NOW = Date.now();

let raw: Redis;
let k: Keys;
const calls: ScriptCall[] = [];
/** While set, EVALSHA answers NOSCRIPT, as after a Redis restart (a real SCRIPT FLUSH would disturb the other test files sharing this Redis). */
let forgotten = false;

beforeAll(() => {
  raw = newRedis();
  k = uniqueKeys('lua-keys');
});
afterAll(async () => {
  await deletePrefix(raw, k);
  await raw.quit();
});

test("every key of every store's scripts carries Ferry's prefix", async () => {
  const redis = recording(raw, calls, () => forgotten);
  await runStoreScripts(redis, k, NOW);

  // Redis forgets its scripts (a restart): each call runs its script with EVAL instead.
  forgotten = true;
  const before = calls.length;
  const pacer = new RedisWritePacer(redis, k.githubWriteSlot, 1);
  await pacer.turn();
  await pacer.holdOff(1);
  expect(calls.slice(before).map((c) => c.how)).toEqual(['evalsha', 'eval', 'evalsha', 'eval']);
  expect(Number(await raw.get(k.githubWriteSlot))).toBeGreaterThan(0);

  // every script ran but the user group fetch claim's release (its one key is k.usergroupFetch; test/unit/permissions.test.ts runs it)
  const byName = scriptsBySha();
  const ran = new Set(calls.map((c) => byName.get(c.sha)));
  expect([...byName.values()].filter((name) => !ran.has(name))).toEqual(['release-usergroup-fetch']);
  const outside = calls.flatMap((c) => c.keys).filter((key) => !key.startsWith(`${k.prefix}:`));
  expect(outside).toEqual([]);
});
