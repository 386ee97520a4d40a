import type { Keys } from './keys';
import { luaCommand } from './lua';

// The deploy record's Lua scripts (src/store/lua/<name>.lua, whose headers say what each does and
// returns), run by DeployStore (deploys.ts): every multi-key change of a deploy is one of these.
// Each wrapper below is the one place that script's KEYS and ARGV are built.

/** What accept.lua creates (DeployStore.accept's NewDeploy, as the script needs it). */
export interface AcceptInput {
  k: Keys;
  app: string;
  env: string;
  ref: string;
  sha: string;
  user: string;
  feedChannel: string;
  now: number;
  idempotencyKey: string;
  idempotencyTtlS: number;
  historyKeep: number;
  claimLockMs?: number;
  lockReason?: string;
  rollbackOf?: string;
  override?: string;
  release?: { id: number; attempt: number; base: string };
  auto?: { by: string; from: string; commits: number };
  review?: { action: 'deploy' | 'teardown'; branch: string };
  /** delivery_retention (ms): a replaced deploy's record expires this long after. */
  retentionMs: number;
}

export const ACCEPT = luaCommand<AcceptInput, string[]>('accept', (i) => ({
  keys: {
    lock: i.k.lock(i.app, i.env),
    deploySeq: i.k.deploySeq,
    idempotency: i.k.idempotency(i.idempotencyKey),
    lockSeq: i.k.lockSeq,
    waitlist: i.k.waitlist(i.app, i.env),
    envDeploys: i.k.envDeploys(i.app, i.env),
    release: i.k.release(i.release?.id ?? 0),
    autoDeploy: i.k.autoDeploy(i.app, i.env),
    deployPrefix: i.k.deployPrefix,
  },
  argv: {
    user: i.user,
    now: i.now,
    claim: i.claimLockMs ? 1 : 0,
    lockTtlMs: i.claimLockMs ?? 0,
    idempotencyTtlS: i.idempotencyTtlS,
    app: i.app,
    env: i.env,
    ref: i.ref,
    sha: i.sha,
    feedChannel: i.feedChannel,
    historyKeep: i.historyKeep,
    rollbackOf: i.rollbackOf ?? '',
    lockReason: i.lockReason ?? '',
    override: i.override ?? '',
    release: i.release ? `${i.release.id}:${i.release.attempt}` : '',
    expectBase: i.release?.base ?? '',
    autoBy: i.auto?.by ?? '',
    autoFrom: i.auto?.from ?? '',
    autoCommits: i.auto?.commits ?? 0,
    review: i.review?.action ?? '',
    prBranch: i.review?.branch ?? '',
    retentionMs: i.retentionMs,
  },
}));

export interface BeginInput {
  k: Keys;
  id: number;
  app: string;
  env: string;
  holder: string;
  leaseTtlMs: number;
  now: number;
  worker: string;
  lineStaleMs: number;
}

export const BEGIN = luaCommand<BeginInput, string[]>('begin', (i) => ({
  keys: {
    deploy: i.k.deploy(i.id),
    lease: i.k.lease(i.app, i.env),
    fenceSeq: i.k.fenceSeq,
    lock: i.k.lock(i.app, i.env),
    envState: i.k.envState(i.app, i.env),
    freeze: i.k.freeze(i.app, i.env),
    leaseLine: i.k.leaseLine(i.app, i.env),
    leaseLineSeen: i.k.leaseLineSeen(i.app, i.env),
    leaseCi: i.k.leaseCi(i.app, i.env),
    deployPrefix: i.k.deployPrefix,
  },
  argv: { holder: i.holder, leaseTtlMs: i.leaseTtlMs, now: i.now, worker: i.worker, lineStaleMs: i.lineStaleMs, id: i.id },
}));

export interface StartInput {
  k: Keys;
  id: number;
  app: string;
  env: string;
  leaseValue: string;
  now: number;
  worker: string;
}

export const START = luaCommand<StartInput, [number, string?]>('start', (i) => ({
  keys: {
    deploy: i.k.deploy(i.id),
    lease: i.k.lease(i.app, i.env),
    envState: i.k.envState(i.app, i.env),
    lock: i.k.lock(i.app, i.env),
  },
  argv: { leaseValue: i.leaseValue, now: i.now, worker: i.worker },
}));

export interface FinishInput {
  k: Keys;
  id: number;
  app: string;
  env: string;
  leaseValue: string;
  now: number;
  status: string;
  exitCode?: number;
  error?: string;
  smoke?: string;
  /** delivery_retention (ms). */
  retentionMs: number;
}

export const FINISH = luaCommand<FinishInput, 0 | [number, number]>('finish', (i) => ({
  keys: {
    deploy: i.k.deploy(i.id),
    lease: i.k.lease(i.app, i.env),
    envState: i.k.envState(i.app, i.env),
    envDurations: i.k.envDurations(i.app, i.env),
    releaseOpen: i.k.releaseOpen(i.app, i.env),
    releaseBySource: i.k.releaseBySource(i.app, i.env),
    deliveryFinished: i.k.deliveryFinished(i.app, i.env),
  },
  argv: {
    leaseValue: i.leaseValue,
    now: i.now,
    status: i.status,
    exitCode: i.exitCode ?? '',
    error: i.error ?? '',
    smoke: i.smoke ?? '',
    retentionMs: i.retentionMs,
  },
}));

export const SET_WAITING = luaCommand<{ k: Keys; id: number; why: string; status: 'queued' | 'running' }, number>('set-waiting', (i) => ({
  keys: { deploy: i.k.deploy(i.id) },
  argv: { why: i.why, status: i.status },
}));

export const FAIL_QUEUED = luaCommand<{ k: Keys; id: number; now: number; error: string; retentionMs: number }, number>(
  'fail-queued',
  (i) => ({
    keys: { deploy: i.k.deploy(i.id) },
    argv: { now: i.now, error: i.error, retentionMs: i.retentionMs },
  }),
);
