import type { Redis } from 'ioredis';
import type { Deploy } from '../../src/core/deploy';
import { renderDeployMessage } from '../../src/core/feed-message';
import { parseRollback, ROLLBACK_USAGE, rollbackHelp } from '../../src/core/parse/rollback';
import { chooseRollback, type RollbackArg, rollbackDetail, rollbackLabel, rollbackOf } from '../../src/core/rollback';
import { DeployStore } from '../../src/store/deploys';
import type { Keys } from '../../src/store/keys';
import { LockStore } from '../../src/store/locks';
import { deletePrefix, newRedis, oneApp, twoApps, uniqueKeys } from './fixtures';

const A = 'aaaaaaa000000000000000000000000000000000';
const B = 'bbbbbbb000000000000000000000000000000000';
const C = 'ccccccc000000000000000000000000000000000';
const T0 = Date.UTC(2025, 2, 4, 13, 5, 0);
const AT = { app: 'web', env: 'staging' };
const PREVIOUS: RollbackArg = { kind: 'previous' };

function dep(id: number, sha: string, status: Deploy['status'] = 'succeeded', over: Partial<Deploy> = {}): Deploy {
  return { id, app: 'web', env: 'staging', ref: `ref-${id}`, sha, user: 'U0ANA', status, createdAt: T0 + id, rev: 1, attempt: 1, ...over };
}
const errorOf = (r: ReturnType<typeof chooseRollback>): string => ('error' in r ? r.error : `not an error: ${JSON.stringify(r)}`);

describe('chooseRollback without an argument', () => {
  test('takes the newest succeeded deploy whose SHA is not the one running', () => {
    const history = [dep(4, C), dep(3, B, 'failed'), dep(2, C), dep(1, A)];
    expect(chooseRollback(history, C, PREVIOUS, AT)).toEqual({ sha: A, fromDeploy: 1, ref: 'ref-1' });
  });

  test('the plain case: B runs, A was before it', () => {
    expect(chooseRollback([dep(2, B), dep(1, A)], B, PREVIOUS, AT)).toEqual({ sha: A, fromDeploy: 1, ref: 'ref-1' });
  });

  test('skips queued, running and cancelled deploys', () => {
    const history = [dep(5, C, 'queued'), dep(4, C, 'running'), dep(3, B, 'cancelled'), dep(2, B), dep(1, A)];
    expect(chooseRollback(history, B, PREVIOUS, AT)).toMatchObject({ sha: A, fromDeploy: 1 });
  });

  test('nothing deployed yet', () => {
    expect(errorOf(chooseRollback([], undefined, PREVIOUS, AT))).toBe(
      'Nothing has been deployed to `web` *staging* yet, so there is nothing to roll back. `/deploy web staging &lt;ref&gt;` deploys something.',
    );
    expect(errorOf(chooseRollback([dep(1, A, 'failed')], undefined, PREVIOUS, AT))).toContain(
      'Nothing has been deployed to `web` *staging* yet',
    );
  });

  test('several deploys of the running SHA and nothing older: names them', () => {
    const e = errorOf(chooseRollback([dep(41, A), dep(40, A)], A, PREVIOUS, AT));
    expect(e).toBe(
      '#41 and #40 are the same SHA (`aaaaaaa`, which runs on `web` *staging* now); nothing older succeeded there, so there is nothing earlier to roll back to. To put back another commit, name it: `/rollback web staging &lt;sha&gt;`.',
    );
    expect(errorOf(chooseRollback([dep(5, A), dep(4, A), dep(3, B, 'failed'), dep(2, A), dep(1, A), dep(0, A)], A, PREVIOUS, AT))).toMatch(
      /^#5, #4, #2 and 2 more are the same SHA/,
    );
  });

  test('one deploy, which runs now', () => {
    expect(errorOf(chooseRollback([dep(1, A)], A, PREVIOUS, AT))).toMatch(
      /^#1 deployed `aaaaaaa`, which runs on `web` \*staging\* now, and nothing older succeeded there/,
    );
  });

  test('something runs but no deploy in the history succeeded', () => {
    expect(errorOf(chooseRollback([dep(2, B, 'failed')], A, PREVIOUS, AT))).toContain(
      '`web` *staging* runs `aaaaaaa`, but I know of no earlier successful deploy there',
    );
  });
});

describe('chooseRollback to a named deploy', () => {
  const history = [dep(3, C), dep(2, B, 'failed'), dep(1, A)];
  const named = (d: Deploy | undefined, id = d?.id ?? 99): RollbackArg => ({ kind: 'deploy', id, deploy: d });

  test('a succeeded deploy of this env: its SHA and ref', () => {
    expect(chooseRollback(history, C, named(history[2]), AT)).toEqual({ sha: A, fromDeploy: 1, ref: 'ref-1' });
  });

  test('a deploy that failed or was cancelled says so', () => {
    expect(errorOf(chooseRollback(history, C, named(history[1]), AT))).toBe(
      'Deploy #2 failed, so `bbbbbbb` never ran on `web` *staging* through it; roll back to a deploy that succeeded, or name the commit SHA if you are sure.',
    );
    expect(errorOf(chooseRollback(history, C, named(dep(7, B, 'cancelled')), AT))).toMatch(/^Deploy #7 was cancelled/);
    expect(errorOf(chooseRollback(history, C, named(dep(8, B, 'running')), AT))).toBe(
      'Deploy #8 is still running; roll back to a deploy that has succeeded.',
    );
  });

  test('a deploy to another env or app says where it went', () => {
    expect(errorOf(chooseRollback(history, C, named(dep(9, A, 'succeeded', { env: 'production' })), AT))).toBe(
      "Deploy #9 was to `web` *production*, not `web` *staging*; pick one of `web` *staging*'s own deploys, or name a commit SHA.",
    );
    expect(errorOf(chooseRollback(history, C, named(dep(10, A, 'succeeded', { app: 'api' })), AT))).toContain(
      'Deploy #10 was to `api` *staging*',
    );
  });

  test('no such deploy', () => {
    expect(errorOf(chooseRollback(history, C, named(undefined, 42), AT))).toBe(
      'There is no deploy #42. The ids are in the deploy feed (Deploy #41).',
    );
  });

  test('the deploy whose SHA runs now', () => {
    expect(errorOf(chooseRollback(history, C, named(history[0]), AT))).toBe(
      'Deploy #3 deployed `ccccccc`, which is what runs on `web` *staging* now; there is nothing to roll back.',
    );
  });
});

describe('chooseRollback to a SHA', () => {
  test('a SHA deployed before: from that deploy, with its ref', () => {
    expect(chooseRollback([dep(2, B), dep(1, A)], B, { kind: 'sha', sha: A }, AT)).toEqual({ sha: A, fromDeploy: 1, ref: 'ref-1' });
  });

  test('a SHA never deployed here: the short SHA is its ref', () => {
    expect(chooseRollback([dep(2, B), dep(1, A)], B, { kind: 'sha', sha: C }, AT)).toEqual({ sha: C, ref: 'ccccccc' });
  });

  test('the SHA that runs already', () => {
    expect(errorOf(chooseRollback([dep(2, B)], B, { kind: 'sha', sha: B }, AT))).toBe(
      '`bbbbbbb` is what runs on `web` *staging* already; there is nothing to roll back.',
    );
  });
});

describe('how a rollback reads', () => {
  test('rollbackOf, the audit detail and the label', () => {
    expect(rollbackOf({ sha: A, fromDeploy: 41 })).toBe('41');
    expect(rollbackOf({ sha: A })).toBe(A);
    expect(rollbackDetail(A, '41')).toBe('to aaaaaaa (from #41)');
    expect(rollbackDetail(A, A)).toBe('to aaaaaaa');
    expect(rollbackLabel({ sha: A, rollbackOf: '41' })).toBe('rollback to `aaaaaaa` (from #41)');
  });

  test('the feed message marks a rollback, and renders the same every time', () => {
    const d = dep(43, A, 'queued', { rollbackOf: '41', ref: 'main' });
    const m = renderDeployMessage(d, { now: T0, position: 1 });
    expect(m.text).toBe(':hourglass_flowing_sand: Deploy #43 · web to staging (rollback to aaaaaaa): queued, starting next');
    expect((m.blocks[0] as { text: { text: string } }).text.text).toBe(
      ':hourglass_flowing_sand: *Deploy #43 · web to staging*\n:rewind: rollback to `aaaaaaa` (from #41)\nqueued, starting next',
    );
    expect(renderDeployMessage(d, { now: T0, position: 1 })).toEqual(m);
    const done = renderDeployMessage(
      { ...d, status: 'succeeded', startedAt: T0, finishedAt: T0 + 3_000, previousSha: B },
      { now: T0 + 5_000 },
    );
    expect(done.text).toBe(':white_check_mark: Deploy #43 · web to staging (rollback to aaaaaaa): succeeded in 3s');
    expect(JSON.stringify(done.blocks)).toContain('replacing `bbbbbbb`');
  });

  test('a rollback to a SHA without a deploy names only the SHA; a plain deploy is not marked', () => {
    const m = renderDeployMessage(dep(44, C, 'queued', { rollbackOf: C }), { now: T0 });
    expect((m.blocks[0] as { text: { text: string } }).text.text).toContain('\n:rewind: rollback to `ccccccc`\n');
    expect(JSON.stringify(renderDeployMessage(dep(45, C, 'queued'), { now: T0 }))).not.toContain('rollback');
  });
});

describe('parseRollback', () => {
  const config = oneApp();
  const ok = (text: string) => {
    const r = parseRollback(text, config);
    if (r.kind !== 'ok') throw new Error(JSON.stringify(r));
    return r.value;
  };
  const err = (text: string, c = config) => {
    const r = parseRollback(text, c);
    return r.kind === 'error' ? r.message : `not an error: ${JSON.stringify(r)}`;
  };

  test('env alone, a deploy id (#42 or 42), a SHA', () => {
    expect(ok('staging')).toEqual({ app: 'web', env: 'staging', target: { kind: 'previous' } });
    expect(ok('web staging #42')).toEqual({ app: 'web', env: 'staging', target: { kind: 'deploy', id: 42 } });
    expect(ok('staging 42')).toEqual({ app: 'web', env: 'staging', target: { kind: 'deploy', id: 42 } });
    expect(ok('staging #12345678')).toMatchObject({ target: { kind: 'deploy', id: 12345678 } });
    expect(ok('staging ABCDEF1')).toMatchObject({ target: { kind: 'sha', sha: 'abcdef1' } });
    expect(ok('staging 1234567')).toMatchObject({ target: { kind: 'sha', sha: '1234567' } });
    expect(ok(`staging ${A}`)).toMatchObject({ target: { kind: 'sha', sha: A } });
  });

  test('help, bad words, extra words, unknown env', () => {
    expect(parseRollback('help', config)).toEqual({ kind: 'help' });
    expect(err('staging main')).toBe(
      '`main` is neither a deploy id (`#42`) nor a commit SHA (7 to 40 hex characters). To deploy a branch or tag, use `/deploy`. Usage: `/rollback [app] &lt;env&gt; [deploy-id|sha]`',
    );
    expect(err('staging abc')).toContain('is neither a deploy id');
    expect(err('staging <@U1>')).toContain('`&lt;@U1&gt;` contains');
    // The dangerous word is named before the word count.
    expect(err('staging ;rm -rf')).toContain("Can't roll back to that: `;rm` contains `;`");
    expect(err('staging 41 --force')).toContain('`--force` starts with `-`');
    expect(err('staging #0')).toContain('is not a deploy id');
    expect(err('staging 41 40')).toContain("I don't know what to do with `40`: a rollback takes at most one deploy id or SHA.");
    expect(err('stagign')).toContain('Did you mean `staging`?');
    expect(err('', twoApps())).toBe(`Tell me what to do. Usage: ${ROLLBACK_USAGE}`);
  });

  test('help text: usage, what each form does, the lock', () => {
    const help = rollbackHelp(config);
    expect(help).toContain(ROLLBACK_USAGE);
    expect(help).toContain('until you `/unlock` it');
    expect(help).toContain('`/rollback dev #41`');
    expect(rollbackHelp(twoApps())).toContain('`/rollback web dev`');
  });
});

describe('accepting a rollback (ACCEPT script)', () => {
  let redis: Redis;
  let k: Keys;
  beforeAll(() => {
    redis = newRedis();
  });
  beforeEach(() => {
    k = uniqueKeys('rollback');
  });
  afterEach(async () => {
    await deletePrefix(redis, k);
  });
  afterAll(async () => {
    await redis.quit();
  });

  // Locks expire in Redis a day after they end, so these use the real clock.
  const T0 = Date.now();
  const base = { app: 'web', env: 'staging', ref: 'main', sha: A, user: 'U0ANA', feedChannel: 'C0FEED' };

  test('marks the record and claims the lock with the given reason, atomically; a repeat is the same deploy', async () => {
    const deploys = new DeployStore(redis, k);
    const locks = new LockStore(redis, k);
    const r = await deploys.accept(
      { ...base, idempotencyKey: 'rb1', claimLockMs: 7 * 86_400_000, lockReason: 'rolled back by ana', rollbackOf: '41' },
      T0,
    );
    expect(r).toMatchObject({ kind: 'accepted', id: 1, lock: { until: T0 + 7 * 86_400_000 } });
    expect(await deploys.get(1)).toMatchObject({ rollbackOf: '41', sha: A, ref: 'main' });
    expect(await locks.get('web', 'staging', T0)).toMatchObject({ holder: 'U0ANA', reason: 'rolled back by ana', since: T0 });
    expect(await deploys.acceptedAs('rb1')).toBe(1);
    expect(await deploys.acceptedAs('rb2')).toBeUndefined();
    expect(await deploys.accept({ ...base, idempotencyKey: 'rb1', claimLockMs: 1, lockReason: 'x', rollbackOf: '9' }, T0 + 1)).toEqual({
      kind: 'duplicate',
      id: 1,
    });
  });

  test("the reason replaces the requester's own lock reason and keeps its start; someone else's lock refuses it", async () => {
    const deploys = new DeployStore(redis, k);
    const locks = new LockStore(redis, k);
    await locks.claim('web', 'staging', 'U0ANA', T0, T0 + 3_600_000, 'testing checkout');
    await deploys.accept(
      { ...base, idempotencyKey: 'rb1', claimLockMs: 7 * 86_400_000, lockReason: 'rolled back by ana', rollbackOf: '41' },
      T0 + 10,
    );
    expect(await locks.get('web', 'staging', T0 + 10)).toMatchObject({
      reason: 'rolled back by ana',
      since: T0,
      until: T0 + 10 + 7 * 86_400_000,
    });
    const other = await deploys.accept(
      { ...base, user: 'U0BEN', idempotencyKey: 'rb2', claimLockMs: 7 * 86_400_000, lockReason: 'rolled back by ben', rollbackOf: '41' },
      T0 + 20,
    );
    expect(other).toMatchObject({ kind: 'locked', lock: { holder: 'U0ANA', reason: 'rolled back by ana' } });
    // a plain deploy's record has no mark, and its lock reason is still "deploying <ref>"
    await deploys.accept({ ...base, env: 'dev', idempotencyKey: 'd1', claimLockMs: 60_000 }, T0);
    const plain = (await deploys.history('web', 'dev'))[0]!;
    expect(plain.rollbackOf).toBeUndefined();
    expect(await locks.get('web', 'dev', T0)).toMatchObject({ reason: 'deploying main' });
  });
});
