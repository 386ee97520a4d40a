import { envOf } from '../core/review/env';
import type { Logger } from 'pino';
import { cancelledBeforeStartReason } from '../core/cancel';
import type { Deploy } from '../core/deploy';
import { exclusiveWaitText } from '../core/exclusive';
import { hasFollowUps } from '../core/follow-ups';
import { escapeMrkdwn } from '../core/slack-format';
import type { FerryConfig, EnvConfig } from '../core/config/types';
import type { Redactor } from '../core/redact';
import type { DeployEventSink } from '../events/deploy-events';
import type { DeployJobData } from '../queue/names';
import type { BeginResult, DeployOutcome, DeployStore } from '../store/deploys';
import { deployLeaseHolder, leaseDeployId, type LeaseStore } from '../store/lease';
import type { LogStore } from '../store/logs';
import { sleep } from '../util/deadline';
import type { CancelWatch, DeployCancel } from './cancel-watch';
import { type CommandDeps, execute, type Tree } from './execute-deploy';
import { keepLease } from './lease-keeper';
import { prepareTree } from './prepare-tree';
import { HandOver } from './follow-run';
import { type CiDeps, deployThroughCi } from './run-ci';
import { LogBuffer } from './log-buffer';
import type { Workspaces } from './workspace';

export interface RunDeps extends Omit<CommandDeps, 'now'> {
  config: FerryConfig;
  redact: Redactor;
  workspaces: Workspaces;
  deploys: DeployStore;
  leases: LeaseStore;
  logs: LogStore;
  /**
   * Told how the deploy goes: what it waits for, its start, its end (with whether anything may
   * follow it: releases follow their ship deploys and notice their envs moving, promotions, smoke
   * failure actions); a re-run of a finished deploy tells its end again, so a worker lost in
   * between is covered.
   */
  events: DeployEventSink;
  log: Logger;
  /** This worker's name, shown in the feed ("on host:pid"). */
  workerName: string;
  /** Aborted when the worker must stop its running deploy (shutdown grace period over). */
  shutdown: AbortSignal;
  /** Aborted as the worker starts to stop: deploys through CI hand their runs over at once (nothing is lost by it). */
  leaving?: AbortSignal;
  /** Notices cancel requests for the deploys this process runs (pub/sub, plus a check on the lease tick). */
  cancels?: CancelWatch;
  /** Deploying through an env's CI driver (absent: no env has one). */
  ci?: CiDeps;
  now?: () => number;
}

/** The env was frozen between the worker's gate and the start: the job goes back to be held (see worker.ts). */
export class FrozenAtStart extends Error {
  constructor(deployId: number) {
    super(`deploy #${deployId}: its env was frozen just before it started`);
  }
}

/** Attempts of one deploy that a lost worker may cost before it is failed, with on_worker_lost: retry. */
const MAX_ATTEMPTS = 3;

/**
 * Runs one deploy job: waits for the env lease, refuses if someone else now holds the env's lock,
 * checks the SHA out, runs the env's command, and records the outcome. Safe to run again for the
 * same deploy: a finished deploy is left alone, and one whose worker died is failed or retried.
 */
export async function runDeploy(job: DeployJobData, d: RunDeps): Promise<void> {
  const now = d.now ?? Date.now;
  const { deployId } = job;
  const log = d.log.child({ deployId });
  const out = new LogBuffer(deployId, d.logs, d.redact, log);
  // The tree is checked out before the env's lease is taken: the lease (and "running") then covers
  // the command alone, and a deploy waiting for its turn has its tree ready when the turn comes.
  // A deploy through the env's CI needs none, unless the env has a smoke check to run here.
  const envCfg = envOf(d.config.apps[job.app], job.env);
  const tree = needsTree(envCfg, d) ? await prepareTree(deployId, d, out, log) : undefined;
  try {
    await runPrepared(job, tree, out, d, log, now);
  } finally {
    await out.close();
    if (tree?.dir) await d.workspaces.remove(tree.dir).catch(() => {});
  }
}

/**
 * Whether a deploy gets a checkout: a command runs in one; a deploy through the env's CI needs none,
 * unless the env has a smoke check to run here. (Review apps' envs have no CI driver.)
 */
function needsTree(envCfg: EnvConfig | undefined, d: Pick<RunDeps, 'ci'>): boolean {
  return !(envCfg?.ci && d.ci && !envCfg.smoke);
}

/** One turn of a deploy under its env lease, and whether (and with what follow-ups) its outcome is recorded. */
interface Turn {
  job: DeployJobData;
  lease: string;
  out: LogBuffer;
  d: RunDeps;
  log: Logger;
  now: () => number;
  /** Undefined on the paths that end it without running it: anything may follow those. */
  started?: Deploy;
  recorded?: { followUps: boolean };
}

async function runPrepared(
  job: DeployJobData,
  tree: Tree | undefined,
  out: LogBuffer,
  d: RunDeps,
  log: Logger,
  now: () => number,
): Promise<void> {
  const { deployId, app, env } = job;
  const begun = await beginWhenFree(job, d, log);
  if (begun.kind === 'missing') return;
  if (begun.kind === 'frozen') throw new FrozenAtStart(deployId);
  if (begun.kind === 'finished') {
    // A re-run of a finished deploy (its worker died after recording the outcome): make sure the
    // feed shows it and what follows it is queued; the deploy itself is never run again.
    d.events.emit({ type: 'finished', deployId, app, env, followUps: true });
    return;
  }
  const t: Turn = { job, lease: begun.lease, out, d, log, now };
  const lost = new AbortController();
  const cancel = d.cancels?.watch(deployId);
  const renewer = keepLease(
    { app, env, lease: t.lease, ttlMs: d.config.leaseTtlMs, leases: d.leases, log },
    lost,
    cancel && (() => void cancel.check()),
  );
  let handedOver = false;
  try {
    const envCfg = envOf(d.config.apps[app], env);
    if (!envCfg) return await finish(t, { status: 'failed', error: `\`${app}\` ${env} is no longer in the config` });
    const refused = await notStarting(t, begun, envCfg, cancel);
    if (refused) return await finish(t, refused);
    t.started = begun.kind === 'started' ? begun.deploy : (await d.deploys.get(deployId))!;
    log.info({ sha: t.started.sha, attempt: t.started.attempt }, 'deploy started');
    d.events.emit({ type: 'started', deployId, app, env });
    const stops = [lost.signal, d.shutdown, ...(cancel ? [cancel.signal] : [])];
    const ready = !needsTree(envCfg, d) || tree?.sha === t.started.sha ? tree : await prepareTree(deployId, d, out, log, t.started);
    const teardown = t.started.review?.action === 'teardown' ? d.config.apps[app]?.reviewApps?.teardown : undefined;
    const argv = teardown ?? envCfg.deploy;
    if (envCfg.ci && d.ci && !teardown) {
      const turn = { id: deployId, app, env, lease: t.lease };
      const ci = {
        deploy: t.started,
        app: d.config.apps[app]!,
        envCfg,
        turn,
        out,
        stop: AbortSignal.any([lost.signal, d.shutdown, ...(d.leaving ? [d.leaving] : [])]),
        hardStop: AbortSignal.any([lost.signal, d.shutdown]),
        // The smoke check after the run stops as a command would (a lost lease, the end of the grace, a cancel).
        smokeSignal: AbortSignal.any(stops),
      };
      return await finish(
        t,
        await deployThroughCi({ ...ci, ...(ready && { tree: ready }), ...(cancel && { cancel }) }, { ...d, ci: d.ci, now }),
      );
    }
    if (!argv) return await finish(t, { status: 'failed', error: `${env} has no deploy command and no CI driver Ferry can use here` });
    const x = { deploy: t.started, envCfg, argv, out, signal: AbortSignal.any(stops), tree: ready ?? { error: 'nothing to check out' } };
    await finish(t, await execute({ ...x, ...(cancel && { cancel }) }, { ...d, now }));
  } catch (err) {
    // A CI run this worker stops following goes on: nothing is recorded, and the next worker to
    // take the job follows it on (the lease, kept, holds the env until it expires).
    if (err instanceof HandOver) {
      handedOver = true;
      log.warn({ why: err.why }, 'stopped following the CI run; the next worker follows it on');
      throw err;
    }
    // Record what can be recorded; if even that fails (the lease is gone), the job's next attempt
    // finds the deploy still running and reports it as lost.
    log.error({ err: (err as Error).message }, 'deploy job failed');
    await finish(t, {
      status: 'failed',
      error: `Ferry hit an error while running it: ${escapeMrkdwn((err as Error).message).slice(0, 200)}`,
    }).catch(() => {});
    throw err;
  } finally {
    renewer.stop();
    cancel?.stop();
    if (!handedOver) await d.leases.release(app, env, t.lease).catch(() => {});
    d.events.emit(t.recorded ? { type: 'finished', deployId, app, env, followUps: t.recorded.followUps } : { type: 'changed', deployId });
  }
}

/** Records the deploy's outcome under its lease (and what may follow it, for the finished event). */
async function finish(t: Turn, said: DeployOutcome): Promise<void> {
  const { deployId: id, app, env } = t.job;
  // An error may quote outside text (a CI's answer, a git message): no secret of Ferry's reaches Slack through it.
  const outcome = said.error === undefined ? said : { ...said, error: t.d.redact(said.error) };
  await t.out.flush();
  const r = await t.d.deploys.finish({ id, app, env }, t.lease, outcome, t.now());
  if (!r) throw new Error('lost the env lease before recording the outcome');
  t.log.info({ status: outcome.status, exitCode: outcome.exitCode, error: outcome.error }, 'deploy finished');
  t.recorded = { followUps: !t.started || hasFollowUps(t.d.config, t.started, outcome, r.releases) };
}

/**
 * Why a begun deploy ends without running (locked, its env moved under its release, its worker
 * lost and not to be retried), or undefined when it runs: a lost worker's deploy retried with
 * `on_worker_lost: retry` is started again here.
 */
async function notStarting(
  t: Turn,
  begun: Extract<BeginResult, { kind: 'started' | 'locked' | 'moved' | 'lost' }>,
  envCfg: EnvConfig,
  cancel: DeployCancel | undefined,
): Promise<DeployOutcome | undefined> {
  const { deployId, app, env } = t.job;
  if (begun.kind === 'locked') return { status: 'failed', error: `${env} was locked by <@${begun.holder}> before it could start` };
  if (begun.kind === 'moved') {
    const now = begun.sha ? `\`${begun.sha.slice(0, 7)}\`` : 'nothing';
    return {
      status: 'failed',
      error: `${env} runs ${now} now, not what its release was made from (a deploy ran there first), so it did not start; refresh the release`,
    };
  }
  if (begun.kind !== 'lost') return undefined;
  // A deploy through CI is followed on, never run again: its record says what was dispatched (see
  // follow-run.ts). One whose env has stopped deploying through CI is not run as a command.
  if (envCfg.ci) return undefined;
  const ci = (await t.d.deploys.get(deployId))?.ci;
  if (ci)
    return {
      status: 'failed',
      error: `its env now runs a deploy command, but this deploy went through ${ci.driver ?? 'CI'}${ci.run ? ` (run ${escapeMrkdwn(ci.run.id)})` : ''}, which may still be going: check the CI, then deploy again`,
    };
  await cancel?.check();
  const asked = cancel?.request();
  if (asked) return { status: 'cancelled', error: `${cancelledBeforeStartReason(asked.by)}; the worker running it had stopped mid-deploy` };
  if (envCfg.onWorkerLost === 'fail' || begun.attempt >= MAX_ATTEMPTS) {
    return {
      status: 'failed',
      error: `the worker running it stopped mid-deploy (attempt ${begun.attempt}); check the env, then deploy again`,
    };
  }
  t.log.warn({ attempt: begun.attempt }, 'the worker running this deploy was lost; running it again');
  const again = await t.d.deploys.start(deployId, app, env, t.lease, t.d.workerName, t.now());
  if (again.kind === 'locked') return { status: 'failed', error: `${env} was locked by <@${again.holder}> before it could run again` };
  if (again.kind === 'lease-lost') throw new Error('lost the env lease before starting');
  return undefined;
}

/**
 * Begins the deploy as soon as its env lease is free; a lease left by a dead worker expires by itself.
 * For an app in an exclusive group the lease is the group's: while another app's deploy holds it
 * (or goes first), the feed says which one this deploy waits for.
 */
async function beginWhenFree(job: DeployJobData, d: RunDeps, log: Logger): Promise<Exclude<BeginResult, { kind: 'busy' | 'behind' }>> {
  let waitingFor: string | undefined;
  for (;;) {
    const r = await d.deploys.begin(job.deployId, job.app, job.env, {
      holder: deployLeaseHolder(d.workerName, job.deployId),
      leaseTtlMs: d.config.leaseTtlMs,
      worker: d.workerName,
      now: (d.now ?? Date.now)(),
    });
    if (r.kind !== 'busy' && r.kind !== 'behind') return r;
    const ahead = r.kind === 'busy' ? leaseDeployId(r.heldBy) : r.first;
    const cause = r.kind === 'busy' ? `held by ${r.heldBy}` : `behind #${r.first}`;
    if (cause !== waitingFor) {
      waitingFor = cause;
      log.info(
        r.kind === 'busy' ? { heldBy: r.heldBy } : { behind: r.first },
        r.kind === 'busy' ? 'waiting for the env lease' : 'waiting for the deploy ahead in the env lease line',
      );
      await showExclusiveWait(job, ahead, r.kind === 'busy' ? 'running' : 'first', d).catch((err: Error) =>
        log.warn({ err: err.message }, 'could not show what the deploy waits for'),
      );
    }
    if (d.shutdown.aborted) throw new Error('worker shutting down');
    await sleep(Math.min(1_000, d.config.leaseTtlMs / 10));
  }
}

/** When another app of the deploy's exclusive group is ahead of it, says so on the deploy (and its feed message). */
async function showExclusiveWait(job: DeployJobData, aheadId: number | undefined, why: 'running' | 'first', d: RunDeps): Promise<void> {
  const group = Object.hasOwn(d.config.exclusiveGroupOf, job.app) ? d.config.exclusiveGroupOf[job.app] : undefined;
  if (group === undefined) return;
  const ahead = aheadId === undefined ? undefined : await d.deploys.get(aheadId);
  if (ahead?.app === job.app) return; // its own app's deploy (a lost worker's lease running out): not the group's doing
  const text = exclusiveWaitText({ group, env: job.env, why, ...(ahead && { ahead: { id: ahead.id, app: ahead.app } }) });
  if (await d.deploys.setWaiting(job.deployId, text)) d.events.emit({ type: 'changed', deployId: job.deployId });
}
