import type { Redis } from 'ioredis';
import { luaCommand } from '../store/lua';
import { sleep } from '../util/deadline';

/** GitHub asks for writes (POST, PATCH, PUT, DELETE) a second apart per token, and counts them across all of a token's clients. */
export const GITHUB_WRITE_SPACING_MS = 1_000;

/** Hands out turns for writes to GitHub, `spacingMs` apart. */
export interface WritePacer {
  /** Resolves when the caller may send its write (its turn is taken, even if it then sends nothing). */
  turn(): Promise<void>;
  /** No turn starts before `ms` from now (GitHub answered a secondary rate limit with retry-after). */
  holdOff(ms: number): Promise<void>;
}

/** Takes the next turn, `spacingMs` after the last; resolves to how long to wait (github-write-turn.lua). */
const TURN = luaCommand<{ slot: string; spacingMs: number }, number>('github-write-turn', (i) => ({
  keys: { slot: i.slot },
  argv: { spacingMs: i.spacingMs },
}));

/** Pushes the slot to at least now + ms (github-write-hold-off.lua). */
const HOLD_OFF = luaCommand<{ slot: string; ms: number }, number>('github-write-hold-off', (i) => ({
  keys: { slot: i.slot },
  argv: { ms: i.ms },
}));

/**
 * Turns shared by every process on one Redis (the app, its worker thread, worker replicas): they
 * all write with the same token, which GitHub's secondary rate limits count as one.
 */
export class RedisWritePacer implements WritePacer {
  constructor(
    private readonly redis: Redis,
    private readonly key: string,
    /** Tests only: GitHub's own spacing otherwise. */
    readonly spacingMs = GITHUB_WRITE_SPACING_MS,
  ) {}

  async turn(): Promise<void> {
    const wait = Number(await TURN(this.redis, { slot: this.key, spacingMs: this.spacingMs }));
    if (wait > 0) await sleep(wait);
  }

  async holdOff(ms: number): Promise<void> {
    await HOLD_OFF(this.redis, { slot: this.key, ms: Math.max(0, Math.ceil(ms)) });
  }
}

/** Turns for one process alone (a client made without Redis: the bench, tools). */
export class LocalWritePacer implements WritePacer {
  private next = 0;
  constructor(readonly spacingMs = GITHUB_WRITE_SPACING_MS) {}

  async turn(): Promise<void> {
    const now = Date.now();
    const at = Math.max(now, this.next);
    this.next = at + this.spacingMs;
    if (at > now) await sleep(at - now);
  }

  async holdOff(ms: number): Promise<void> {
    this.next = Math.max(this.next, Date.now() + ms);
  }
}
