import type { Redis } from 'ioredis';
import type { Keys } from './keys';
import { luaCommand } from './lua';

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
 * that shows it, and puts the deploy in the outbox, or earlier in it (github-outbox-enqueue.lua).
 */
const ENQUEUE = luaCommand<{ k: Keys; deployId: number; rank: number; jobJson: string; now: number }, number>(
  'github-outbox-enqueue',
  (i) => ({
    keys: { github: i.k.deployGitHub(i.deployId), outbox: i.k.githubOutbox },
    argv: { deployId: i.deployId, rank: i.rank, job: i.jobJson, now: i.now, keepS: KEEP_S, outcomeRank: OUTCOME_RANK, later: LATER },
  }),
);

/**
 * Records a write or its failure, keeps the deploy in the outbox while GitHub is behind (with a
 * backoff after a failure, given up after the last try) and releases the claim (github-outbox-done.lua).
 */
const DONE = luaCommand<
  {
    k: Keys;
    claim: Claim;
    created: number | '';
    posted: number;
    failed: 0 | 1 | 2;
    now: number;
    retryMs: number;
    maxTries: number;
  },
  'done' | 'more' | 'gave-up'
>('github-outbox-done', (i) => ({
  keys: { github: i.k.deployGitHub(i.claim.deployId), outbox: i.k.githubOutbox, claim: i.k.deployGitHubLock(i.claim.deployId) },
  argv: {
    deployId: i.claim.deployId,
    token: i.claim.token,
    created: i.created,
    posted: i.posted,
    failed: i.failed,
    now: i.now,
    retryMs: i.retryMs,
    maxTries: i.maxTries,
    keepS: KEEP_S,
    outcomeRank: OUTCOME_RANK,
    later: LATER,
  },
}));

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
    const added = await ENQUEUE(this.redis, { k: this.k, deployId, rank, jobJson: JSON.stringify(job), now: Date.now() });
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
    return DONE(this.redis, {
      k: this.k,
      claim: c,
      created: r.created ?? '',
      posted: r.posted ?? 0,
      failed,
      now: Date.now(),
      retryMs: this.o.retryMs,
      maxTries: this.o.maxTries,
    });
  }
}
