import type { Keys } from './keys';
import type { NewRelease } from '../core/release/types';
import { luaCommand } from './lua';

/**
 * The release store's scripts (src/store/lua/release-*.lua, whose headers say what each does and
 * returns): each change to a release and the keys beside it happens in one of these, so every
 * replica sees a release move from one whole state to the next (an ack counts once, a hold and a
 * ship can't cross, a stale release never ships). Each wrapper is the one place its KEYS and ARGV
 * are built.
 */

/** The release's app and envs: the keys beside it (its open key, its source's set) come from them. */
interface Where {
  k: Keys;
  id: number;
  app: string;
  from: string;
  to: string;
}

export interface CreateInput {
  k: Keys;
  release: NewRelease;
  commitsJson: string;
  idempotencyKey: string;
  idempotencyTtlS: number;
}

export const CREATE = luaCommand<CreateInput, string[]>('release-create', ({ k, release: r, ...i }) => ({
  keys: {
    releaseSeq: k.releaseSeq,
    releaseOpen: k.releaseOpen(r.app, r.to),
    idempotency: k.idempotency(`release:${i.idempotencyKey}`),
    releaseBySource: k.releaseBySource(r.app, r.from),
    releasePrefix: k.releasePrefix,
    releaseBySourcePrefix: k.releaseBySourcePrefix,
  },
  argv: { idempotencyTtlS: i.idempotencyTtlS, commits: i.commitsJson, now: r.createdAt },
  moreArgv: Object.entries(recordFields(r)).flat(),
}));

/** A new release's record, as field/value pairs (id, status, rev and reminders are release-create.lua's). */
function recordFields(r: NewRelease): Record<string, string | number> {
  return {
    app: r.app,
    from: r.from,
    to: r.to,
    sourceSha: r.sourceSha,
    requester: r.requester,
    createdAt: r.createdAt,
    commitCount: r.commitCount,
    authors: JSON.stringify(r.authors),
    fields: JSON.stringify(r.fields),
    ...(r.targetSha && { targetSha: r.targetSha }),
    ...(r.sourceRef && { sourceRef: r.sourceRef }),
    ...(r.tag && { tag: r.tag }),
    ...(r.diverged && { divergedAhead: r.diverged.ahead, divergedBehind: r.diverged.behind }),
    ...(r.noBase && { noBase: 1 }),
    ...(r.compareUrl && { compareUrl: r.compareUrl }),
  };
}

export const ACK = luaCommand<
  { k: Keys; id: number; who: string; now: number; approve: boolean; keys: readonly string[] },
  (string | number)[]
>('release-ack', (i) => ({
  keys: { release: i.k.release(i.id), acks: i.k.releaseAcks(i.id), approvals: i.k.releaseApprovals(i.id) },
  argv: { who: i.who, now: i.now, approve: i.approve ? '1' : '0' },
  moreArgv: i.keys,
}));

export const HOLD = luaCommand<{ k: Keys; id: number; who: string; holdJson: string }, (string | number)[]>('release-hold', (i) => ({
  keys: { release: i.k.release(i.id), holds: i.k.releaseHolds(i.id) },
  argv: { who: i.who, hold: i.holdJson },
}));

export const LIFT = luaCommand<{ k: Keys; id: number; who: string }, number>('release-lift', (i) => ({
  keys: { release: i.k.release(i.id), holds: i.k.releaseHolds(i.id) },
  argv: { who: i.who },
}));

export interface ShipInput {
  k: Keys;
  id: number;
  shipper: string;
  now: number;
  approval: boolean;
  /** The user whose approval doesn't count ('' for none). */
  notCounting: string;
  keys: readonly string[];
}

export const SHIP = luaCommand<ShipInput, (string | number)[]>('release-ship', (i) => ({
  keys: {
    release: i.k.release(i.id),
    acks: i.k.releaseAcks(i.id),
    approvals: i.k.releaseApprovals(i.id),
    holds: i.k.releaseHolds(i.id),
  },
  argv: { shipper: i.shipper, now: i.now, approval: i.approval ? '1' : '0', notCounting: i.notCounting },
  moreArgv: i.keys,
}));

export const SHIPPING = luaCommand<{ k: Keys; id: number; attempt: number; deployId: number | ''; note: string }, number>(
  'release-shipping',
  (i) => ({
    keys: { release: i.k.release(i.id) },
    argv: { deployId: i.deployId, attempt: i.attempt, note: i.note },
  }),
);

export const SHIP_DONE = luaCommand<Where & { deployId: number; status: string; now: number; attempt: number }, number>(
  'release-ship-done',
  (i) => ({
    keys: { release: i.k.release(i.id), releaseOpen: i.k.releaseOpen(i.app, i.to), releaseBySource: i.k.releaseBySource(i.app, i.from) },
    argv: { deployId: i.deployId, status: i.status, now: i.now, attempt: i.attempt },
  }),
);

export const END = luaCommand<Where & { how: 'cancelled' | 'expired'; reason: string; now: number }, (string | number)[]>(
  'release-end',
  (i) => ({
    keys: { release: i.k.release(i.id), releaseOpen: i.k.releaseOpen(i.app, i.to), releaseBySource: i.k.releaseBySource(i.app, i.from) },
    argv: { how: i.how, reason: i.reason, now: i.now },
  }),
);

export const STALE = luaCommand<{ k: Keys; id: number; sha: string; now: number; env: string }, number>('release-stale', (i) => ({
  keys: { release: i.k.release(i.id) },
  argv: { sha: i.sha, now: i.now, env: i.env },
}));

export const FIELDS = luaCommand<{ k: Keys; id: number; fieldsJson: string }, number>('release-fields', (i) => ({
  keys: { release: i.k.release(i.id) },
  argv: { fields: i.fieldsJson },
}));

export const PULLS = luaCommand<{ k: Keys; id: number; prsJson: string }, number>('release-pulls', (i) => ({
  keys: { release: i.k.release(i.id), commits: i.k.releaseCommits(i.id) },
  argv: { prs: i.prsJson },
}));
