import type { Redis } from 'ioredis';
import type { GoneReason, ReviewApp, ReviewState } from '../core/review/review-app';
import { reviewEnvName } from '../core/review/env';
import type { Keys } from './keys';
import { luaCommand } from './lua';
import { assignDefined } from '../util/defined';

/** The fields of a review app's record that callers set (the rest are its key and updatedAt). */
export type ReviewFields = Partial<Omit<ReviewApp, 'app' | 'pr' | 'env' | 'updatedAt'>>;

/** A change to a review app's record, made only if it is where the caller saw it (review-set.lua). */
export interface ReviewChange {
  /** It must be in one of these states; 'none': there must be no record yet. Absent: any. */
  from?: readonly (ReviewState | 'none')[];
  /** It must be on this deploy (its newest). */
  onDeploy?: number;
  set?: ReviewFields;
  /** Fields to clear. */
  clear?: readonly (keyof ReviewFields)[];
}

export type Admission = { kind: 'live' | 'admitted'; admitted: number[] } | { kind: 'waiting'; place: number; admitted: number[] };

const SET = luaCommand<{ k: Keys; app: string; pr: number; now: number; c: ReviewChange }, number>('review-set', (i) => ({
  keys: { record: i.k.reviewApp(i.app, i.pr), known: i.k.reviewKnown(i.app) },
  argv: {
    pr: i.pr,
    now: i.now,
    from: (i.c.from ?? []).join(','),
    onDeploy: i.c.onDeploy ?? '',
    clear: (i.c.clear ?? []).flatMap(fieldOf).join(','),
  },
  moreArgv: encode(i.c.set ?? {}),
}));

type SlotInput = { k: Keys; app: string; pr: number; max: number; now: number };
const slotKeys = (i: SlotInput) => ({ live: i.k.reviewLive(i.app), line: i.k.reviewLine(i.app), prefix: i.k.reviewAppPrefix(i.app) });
const ADMIT = luaCommand<SlotInput, (string | number)[]>('review-admit', (i) => ({
  keys: slotKeys(i),
  argv: { pr: i.pr, max: i.max, now: i.now },
}));
const FREE = luaCommand<SlotInput, (string | number)[]>('review-free', (i) => ({
  keys: slotKeys(i),
  argv: { pr: i.pr, max: i.max, now: i.now },
}));

/**
 * Review apps in Redis: a record per pull request (HASH), the places (at most review_apps.max hold
 * one) and the line for them, kept by Lua scripts so that any number of processes agree.
 */
export class ReviewAppStore {
  constructor(
    private readonly redis: Redis,
    private readonly k: Keys,
  ) {}

  async get(app: string, pr: number): Promise<ReviewApp | undefined> {
    return decode(app, pr, await this.redis.hgetall(this.k.reviewApp(app, pr)));
  }

  /** Changes the record if it is as `c` expects; true when it did. */
  async change(app: string, pr: number, c: ReviewChange, now: number): Promise<boolean> {
    return (await SET(this.redis, { k: this.k, app, pr, now, c })) === 1;
  }

  /** The app's review apps, most recently changed first (at most `limit`). */
  async list(app: string, limit = 200): Promise<ReviewApp[]> {
    const prs = await this.redis.zrevrange(this.k.reviewKnown(app), 0, limit - 1);
    if (prs.length === 0) return [];
    const m = this.redis.multi();
    for (const pr of prs) m.hgetall(this.k.reviewApp(app, Number(pr)));
    const rows = (await m.exec()) ?? [];
    return rows.flatMap(([, h], i) => decode(app, Number(prs[i]), h as Record<string, string>) ?? []);
  }

  /** A place for the review app, or its place in line; and the PRs first in line that took places freed meanwhile. */
  async admit(app: string, pr: number, max: number, now: number): Promise<Admission> {
    const [kind, place, ...rest] = await ADMIT(this.redis, { k: this.k, app, pr, max, now });
    const admitted = rest.map(Number);
    return kind === 'waiting' ? { kind, place: Number(place), admitted } : { kind: kind as 'live' | 'admitted', admitted };
  }

  /** Frees the review app's place (or place in line); returns the PRs first in line that took the free places. */
  async free(app: string, pr: number, max: number, now: number): Promise<number[]> {
    return (await FREE(this.redis, { k: this.k, app, pr, max, now })).map(Number);
  }

  /** Where the PR is in line (1: next), or undefined when it is not waiting. */
  async placeInLine(app: string, pr: number): Promise<number | undefined> {
    const rank = await this.redis.zrank(this.k.reviewLine(app), String(pr));
    return rank === null ? undefined : rank + 1;
  }

  /** The PRs waiting in line, first first. */
  async line(app: string): Promise<number[]> {
    return (await this.redis.zrange(this.k.reviewLine(app), '0', '-1')).map(Number);
  }

  /** Claims the first post of the review app's feed message for `poster`, for `ttlMs` (one process posts it). */
  async claimFeedPost(app: string, pr: number, poster: string, ttlMs: number): Promise<boolean> {
    return (await this.redis.set(`${this.k.reviewApp(app, pr)}:feed-poster`, poster, 'PX', ttlMs, 'NX')) === 'OK';
  }

  /** Records the review app's feed message; false if another process's message was recorded first. */
  async setFeedTs(app: string, pr: number, channel: string, ts: string): Promise<boolean> {
    const key = this.k.reviewApp(app, pr);
    const r = await this.redis.multi().hsetnx(key, 'feedTs', ts).hget(key, 'feedTs').exec();
    const won = r?.[1]?.[1] === ts;
    if (won) await this.redis.hset(key, 'feedChannel', channel);
    return won;
  }

  /** How many review apps hold a place. */
  async liveCount(app: string): Promise<number> {
    return this.redis.zcard(this.k.reviewLive(app));
  }
}

/** A record field's name(s) in the hash: `gone` is three fields. */
function fieldOf(f: keyof ReviewFields): string[] {
  return f === 'gone' ? ['goneReason', 'goneAt', 'goneBy'] : [f];
}

function encode(f: ReviewFields): string[] {
  const out: string[] = [];
  for (const [name, v] of Object.entries(f)) {
    if (v === undefined) continue;
    if (name === 'gone') {
      const g = v as NonNullable<ReviewApp['gone']>;
      out.push('goneReason', g.reason, 'goneAt', String(g.at), 'goneBy', g.by ?? '');
    } else out.push(name, typeof v === 'boolean' ? (v ? '1' : '0') : String(v));
  }
  return out;
}

const STATES: readonly ReviewState[] = ['waiting', 'deploying', 'live', 'failed', 'tearing-down', 'teardown-failed', 'gone'];

function decode(app: string, pr: number, h: Record<string, string>): ReviewApp | undefined {
  if (!h.state || !STATES.includes(h.state as ReviewState)) return undefined;
  const num = (v: string | undefined) => (v === undefined || v === '' ? undefined : Number(v));
  const r: ReviewApp = {
    app,
    pr,
    env: reviewEnvName(pr),
    state: h.state as ReviewState,
    title: h.title ?? '',
    author: h.author ?? '',
    branch: h.branch ?? '',
    headSha: h.headSha ?? '',
    fork: h.fork === '1',
    url: h.url ?? '',
    openedAt: Number(h.openedAt ?? 0),
    lastPushAt: Number(h.lastPushAt ?? 0),
    updatedAt: Number(h.updatedAt ?? 0),
    teardownTries: Number(h.teardownTries ?? 0),
  };
  return assignDefined(r, {
    place: num(h.place),
    deployId: num(h.deployId),
    deployedSha: h.deployedSha || undefined,
    deployedId: num(h.deployedId),
    error: h.error || undefined,
    commentId: num(h.commentId),
    feedChannel: h.feedChannel || undefined,
    feedTs: h.feedTs || undefined,
    gone: h.goneReason ? { reason: h.goneReason as GoneReason, at: Number(h.goneAt ?? 0), ...(h.goneBy && { by: h.goneBy }) } : undefined,
  });
}
