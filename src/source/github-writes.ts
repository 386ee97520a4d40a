import type { Redis } from 'ioredis';
import { LuaScript } from '../store/lua';
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

/**
 * Takes the next turn: the later of now and the slot, which moves one spacing on. KEYS: 1 slot
 * (ms); ARGV: 1 spacing ms. Returns how long the caller waits. Redis's clock: one for every host.
 */
const TURN = new LuaScript(
  'github-write-turn',
  `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local at = math.max(now, tonumber(redis.call('GET', KEYS[1]) or '0'))
local spacing = tonumber(ARGV[1])
redis.call('SET', KEYS[1], at + spacing, 'PX', at + spacing - now + 60000)
return at - now
`,
);

/** Pushes the slot to at least now + ms. KEYS: 1 slot; ARGV: 1 ms. */
const HOLD_OFF = new LuaScript(
  'github-write-hold-off',
  `
local t = redis.call('TIME')
local until_ = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) + tonumber(ARGV[1])
if until_ > tonumber(redis.call('GET', KEYS[1]) or '0') then redis.call('SET', KEYS[1], until_, 'PX', tonumber(ARGV[1]) + 60000) end
return 0
`,
);

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
    const wait = Number(await TURN.run(this.redis, [this.key], [this.spacingMs]));
    if (wait > 0) await sleep(wait);
  }

  async holdOff(ms: number): Promise<void> {
    await HOLD_OFF.run(this.redis, [this.key], [Math.max(0, Math.ceil(ms))]);
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
