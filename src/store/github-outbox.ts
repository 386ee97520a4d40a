import type { Redis } from 'ioredis';
import type { Keys } from './keys';
import { LuaScript } from './lua';

/** The rank of a deploy's outcome (success, failure, inactive): the last state it gets. */
export const OUTCOME_RANK = 3;
/**
 * Added to the due time (ms) of a write that only shows an intermediate state (queued,
 * in_progress) on a deployment that exists: those go when no creation or outcome is due.
 * Scores stay integers below 1e14, which Lua's number formatting writes exactly.
 */
const LATER = 1e13;
const KEEP_S = 30 * 86_400;

/**
 * Asks for the deploy's state on GitHub: raises the rank wanted (never lowers it) with the job
 * that shows it, and puts the deploy in the outbox, or earlier in it. KEYS: 1 the deploy's
 * GitHub hash, 2 outbox; ARGV: 1 deploy id, 2 rank, 3 job (JSON), 4 now ms, 5 keep s.
 * Returns 0 when GitHub already has that rank or a later one.
 */
const ENQUEUE = new LuaScript(
  'github-outbox-enqueue',
  `
local sent = tonumber(redis.call('HGET', KEYS[1], 'rank') or '0')
local rank = tonumber(ARGV[2])
if rank <= sent then return 0 end
local want = tonumber(redis.call('HGET', KEYS[1], 'want') or '0')
if rank >= want then
  redis.call('HSET', KEYS[1], 'want', rank, 'job', ARGV[3])
  want = rank
end
redis.call('EXPIRE', KEYS[1], ARGV[5])
local urgent = redis.call('HEXISTS', KEYS[1], 'id') == 0 or want >= ${OUTCOME_RANK}
redis.call('ZADD', KEYS[2], 'LT', (urgent and 0 or ${LATER}) + tonumber(ARGV[4]), ARGV[1])
return 1
`,
);

/**
 * Records a write (the deployment created, or the rank posted) or its failure, then keeps the
 * deploy in the outbox, at the back of its line, if GitHub is still behind (after a backoff when
 * it failed; given up after `max` tries), and releases the claim. KEYS: 1 hash, 2 outbox, 3 claim;
 * ARGV: 1 deploy id, 2 claim token, 3 deployment id or '', 4 rank posted or 0, 5 0 done /
 * 1 failed / 2 failed for good, 6 now ms, 7 first backoff ms, 8 max tries, 9 keep s.
 */
const DONE = new LuaScript(
  'github-outbox-done',
  `
local h = KEYS[1]
if ARGV[3] ~= '' then redis.call('HSET', h, 'id', ARGV[3]) end
local sent = tonumber(redis.call('HGET', h, 'rank') or '0')
if tonumber(ARGV[4]) > sent then
  sent = tonumber(ARGV[4])
  redis.call('HSET', h, 'rank', sent)
end
local tries = 0
if ARGV[5] == '0' then redis.call('HDEL', h, 'tries')
elseif ARGV[5] == '1' then tries = redis.call('HINCRBY', h, 'tries', 1)
else tries = tonumber(ARGV[8]) end
local want = tonumber(redis.call('HGET', h, 'want') or '0')
local created = redis.call('HEXISTS', h, 'id') == 1
local out = 'done'
if want == 0 or (created and want <= sent) then
  redis.call('ZREM', KEYS[2], ARGV[1])
elseif tries >= tonumber(ARGV[8]) then
  redis.call('ZREM', KEYS[2], ARGV[1])
  redis.call('HDEL', h, 'tries')
  out = 'gave-up'
else
  local delay = 0
  if tries > 0 then delay = math.min(60000, tonumber(ARGV[7]) * 2 ^ (tries - 1)) end
  local urgent = (not created) or want >= ${OUTCOME_RANK}
  redis.call('ZADD', KEYS[2], (urgent and 0 or ${LATER}) + tonumber(ARGV[6]) + delay, ARGV[1])
  out = 'more'
end
if redis.call('EXISTS', h) == 1 then redis.call('EXPIRE', h, ARGV[9]) end
if redis.call('GET', KEYS[3]) == ARGV[2] then redis.call('DEL', KEYS[3]) end
return out
`,
);

/** A deploy taken from the outbox by one process, which alone writes to its GitHub deployment until done(). */
export interface Claim {
  deployId: number;
  token: string;
}

/** What the deploy's GitHub deployment has and is to get. */
export interface Mirrored<J> {
  /** GitHub's deployment id, once created. */
  id?: number;
  /** The rank of the newest state GitHub has. */
  sent: number;
  /** The newest state asked for, as the write that shows it. */
  job?: J;
}

/**
 * The writes GitHub Deployments are waiting for, in Redis so that any process sends them (one
 * that stops or dies leaves them to the others, or to the next to start). One entry per deploy,
 * holding only its newest state: a state asked for while an older one still waits replaces it.
 * Creations and outcomes are due first, oldest first; intermediate states when none is due.
 */
export class GitHubOutbox<J> {
  constructor(
    private readonly redis: Redis,
    private readonly k: Keys,
    private readonly o: { claimMs: number; retryMs: number; maxTries: number },
  ) {}

  /** Asks for `rank` (shown by `job`); false when GitHub already has it or a later state. */
  async enqueue(deployId: number, rank: number, job: J): Promise<boolean> {
    const added = await ENQUEUE.run(
      this.redis,
      [this.k.deployGitHub(deployId), this.k.githubOutbox],
      [deployId, rank, JSON.stringify(job), Date.now(), KEEP_S],
    );
    return added === 1;
  }

  /**
   * Claims the first due deploy no other process holds; else says when to look again: when the
   * next one is due, or when claims held elsewhere run out (in case their holder died).
   */
  async claim(): Promise<Claim | { wakeInMs: number | undefined }> {
    const now = Date.now();
    const box = this.k.githubOutbox;
    const due = [
      ...(await this.redis.zrangebyscore(box, '-inf', now, 'LIMIT', 0, 20)),
      ...(await this.redis.zrangebyscore(box, LATER, LATER + now, 'LIMIT', 0, 20)),
    ];
    for (const id of due) {
      const token = `${process.pid}:${Math.random().toString(36).slice(2)}`;
      if ((await this.redis.set(this.k.deployGitHubLock(Number(id)), token, 'PX', this.o.claimMs, 'NX')) === 'OK')
        return { deployId: Number(id), token };
    }
    if (due.length) return { wakeInMs: this.o.claimMs };
    const [soon, later] = await Promise.all([
      this.redis.zrangebyscore(box, now, `(${LATER}`, 'WITHSCORES', 'LIMIT', 0, 1),
      this.redis.zrangebyscore(box, LATER + now, '+inf', 'WITHSCORES', 'LIMIT', 0, 1),
    ]);
    const next = Math.min(soon[1] !== undefined ? Number(soon[1]) : Infinity, later[1] !== undefined ? Number(later[1]) - LATER : Infinity);
    return { wakeInMs: Number.isFinite(next) ? Math.max(0, next - now) : undefined };
  }

  async read(deployId: number): Promise<Mirrored<J>> {
    const h = await this.redis.hgetall(this.k.deployGitHub(deployId));
    return { ...(h.id && { id: Number(h.id) }), sent: Number(h.rank ?? 0), ...(h.job && { job: JSON.parse(h.job) as J }) };
  }

  /** Records the claim's write and lets it go: 'more' while GitHub is behind, 'gave-up' after the last try. */
  async done(c: Claim, r: { created?: number; posted?: number; failed?: 'retry' | 'for-good' }): Promise<'done' | 'more' | 'gave-up'> {
    const failed = r.failed === 'for-good' ? 2 : r.failed ? 1 : 0;
    const args = [c.deployId, c.token, r.created ?? '', r.posted ?? 0, failed, Date.now(), this.o.retryMs, this.o.maxTries, KEEP_S];
    return (await DONE.run(
      this.redis,
      [this.k.deployGitHub(c.deployId), this.k.githubOutbox, this.k.deployGitHubLock(c.deployId)],
      args,
    )) as 'done' | 'more' | 'gave-up';
  }
}
