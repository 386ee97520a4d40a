import type { Logger } from 'pino';
import { childBaseEnv, type FerryEnv } from '../config/env';
import type { FerryConfig } from '../config/types';
import { cancelledBeforeStartReason, cancelledWhileRunningReason } from '../core/cancel';
import type { Deploy } from '../core/deploy';
import { formatDuration } from '../core/duration';
import { exclusiveWaitText } from '../core/exclusive';
import type { Redactor } from '../core/redact';
import { escapeMrkdwn } from '../core/slack-format';
import type { FeedPublisher } from '../feed/publisher';
import type { DeployJobData } from '../queue/names';
import type { BeginResult, DeployStore } from '../store/deploys';
import { deployLeaseHolder, leaseDeployId, type LeaseStore } from '../store/lease';
import type { LockStore } from '../store/locks';
import type { LogStore } from '../store/logs';
import type { CancelAsked } from '../store/cancel';
import type { CancelWatch, DeployCancel } from './cancel-watch';
import { runCommand } from './run-command';
import { SMOKE_MARKER, smokeEnv, smokeOutcome } from './smoke';
import { sleep } from '../util/deadline';
import type { Workspaces } from './workspace';

export interface RunDeps {
  config: FerryConfig;
  env: FerryEnv;
  deploys: DeployStore;
  leases: LeaseStore;
  locks: LockStore;
  logs: LogStore;
  feed: FeedPublisher;
  workspaces: Workspaces;
  redact: Redactor;
  log: Logger;
  /** This worker's name, shown in the feed ("on host:pid"). */
  workerName: string;
  /** Aborted when the worker must stop its running deploy (shutdown grace period over). */
  shutdown: AbortSignal;
  /** Between SIGTERM and SIGKILL when a command is stopped. */
  graceMs: number;
  /** Notices cancel requests for the deploys this process runs (pub/sub, plus a check on the lease tick). */
  cancels?: CancelWatch;
  now?: () => number;
  /**
   * Told once a deploy's outcome is recorded (releases follow their ship deploys and notice their
   * source moving); also on a re-run of a finished deploy, so a worker lost in between is covered.
   */
  onFinished?: (deployId: number) => Promise<void>;
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
  const { deployId, app, env } = job;
  const log = d.log.child({ deployId });
  const begun = await beginWhenFree(job, d, log);
  if (begun.kind === 'missing') return;
  if (begun.kind === 'frozen') throw new FrozenAtStart(deployId);
  if (begun.kind === 'finished') {
    // A re-run of a finished deploy (its worker died after recording the outcome): make sure the
    // feed shows it; the deploy itself is never run again.
    d.feed.inBackground('feed update', () => d.feed.postFailureLog(deployId), deployId);
    if (d.onFinished) d.feed.inBackground('after the deploy', () => d.onFinished!(deployId), deployId);
    return;
  }
  const lease = begun.lease;
  const lost = new AbortController();
  const cancel = d.cancels?.watch(deployId);
  const renewer = keepLease(app, env, lease, d, lost, log, cancel && (() => void cancel.check()));
  const finish = async (outcome: Parameters<DeployStore['finish']>[2]) => {
    if (!(await d.deploys.finish({ id: deployId, app, env }, lease, outcome, now()))) throw new Error('lost the env lease before recording the outcome');
    log.info({ status: outcome.status, exitCode: outcome.exitCode, error: outcome.error }, 'deploy finished');
    if (d.onFinished) d.feed.inBackground('after the deploy', () => d.onFinished!(deployId), deployId);
  };
  try {
    const envCfg = d.config.apps[app]?.envs[env];
    if (!envCfg) return await finish({ status: 'failed', error: `\`${app}\` ${env} is no longer in the config` });
    if (begun.kind === 'locked') return await finish({ status: 'failed', error: `${env} was locked by <@${begun.holder}> before it could start` });
    if (begun.kind === 'moved') {
      const now = begun.sha ? `\`${begun.sha.slice(0, 7)}\`` : 'nothing';
      return await finish({ status: 'failed', error: `${env} runs ${now} now, not what its release was made from (a deploy ran there first), so it did not start; refresh the release` });
    }
    if (begun.kind === 'lost') {
      await d.workspaces.removeRun(deployId).catch(() => {});
      await cancel?.check();
      const asked = cancel?.request();
      if (asked) return await finish({ status: 'cancelled', error: `${cancelledBeforeStartReason(asked.by)}; the worker running it had stopped mid-deploy` });
      if (envCfg.onWorkerLost === 'fail' || begun.attempt >= MAX_ATTEMPTS) {
        return await finish({ status: 'failed', error: `the worker running it stopped mid-deploy (attempt ${begun.attempt}); check the env, then deploy again` });
      }
      log.warn({ attempt: begun.attempt }, 'the worker running this deploy was lost; running it again');
      const again = await d.deploys.start(deployId, app, env, lease, d.workerName, now());
      if (again.kind === 'locked') return await finish({ status: 'failed', error: `${env} was locked by <@${again.holder}> before it could run again` });
      if (again.kind === 'lease-lost') throw new Error('lost the env lease before starting');
    }
    const started = (await d.deploys.get(deployId))!;
    log.info({ sha: started.sha, attempt: started.attempt }, 'deploy started');
    d.feed.inBackground('feed update', () => d.feed.refresh(deployId), deployId);
    d.feed.inBackground('queue positions update', () => d.feed.refreshWaiting(app, env));

    const stops = [lost.signal, d.shutdown, ...(cancel ? [cancel.signal] : [])];
    const smoke = envCfg.smoke && { argv: envCfg.smoke, timeoutMs: envCfg.smokeTimeoutMs, url: envCfg.url };
    const result = await execute(started, envCfg.deploy, envCfg.timeoutMs, envCfg.passEnv, d, AbortSignal.any(stops), log, cancel, smoke);
    await finish(result);
  } catch (err) {
    // Record what can be recorded; if even that fails (the lease is gone), the job's next attempt
    // finds the deploy still running and reports it as lost.
    log.error({ err: (err as Error).message }, 'deploy job failed');
    await finish({ status: 'failed', error: `Ferry hit an error while running it: ${escapeMrkdwn((err as Error).message).slice(0, 200)}` }).catch(() => {});
    throw err;
  } finally {
    renewer.stop();
    cancel?.stop();
    await d.leases.release(app, env, lease).catch(() => {});
    d.feed.inBackground('feed update', () => d.feed.postFailureLog(deployId), deployId);
    d.feed.inBackground('queue positions update', () => d.feed.refreshWaiting(app, env));
  }
}

async function execute(
  dep: Deploy,
  argv: string[],
  timeoutMs: number,
  passEnv: string[],
  d: RunDeps,
  signal: AbortSignal,
  log: Logger,
  cancel?: DeployCancel,
  smoke?: { argv: string[]; timeoutMs: number; url: string | undefined },
): Promise<Parameters<DeployStore['finish']>[2]> {
  const pending: string[] = [];
  let flushing: Promise<void> = Promise.resolve();
  const flush = () => {
    const lines = pending.splice(0);
    if (lines.length) flushing = flushing.then(() => d.logs.append(dep.id, lines)).catch((err: Error) => log.warn({ err: err.message }, 'log write failed'));
    return flushing;
  };
  const say = (line: string) => {
    pending.push(`[ferry] ${line}`);
  };
  const ticker = setInterval(flush, 250);
  let dir: string | undefined;
  try {
    const app = d.config.apps[dep.app]!;
    say(`checking out ${dep.sha} (${dep.ref}) from ${app.repo ?? app.path ?? app.cloneUrl}`);
    try {
      dir = await d.workspaces.checkout(app, dep.sha, dep.id);
    } catch (err) {
      const msg = d.redact((err as Error).message);
      say(`checkout failed: ${msg}`);
      return { status: 'failed', error: `couldn't check out ${dep.sha.slice(0, 7)}: ${escapeMrkdwn(msg.slice(0, 300))}` };
    }
    // A cancel stops the command as a timeout does (SIGTERM to its group, SIGKILL after graceMs);
    // the outcome is recorded as cancelled, not failed.
    const cancelled = (req: CancelAsked, exitCode?: number): Parameters<DeployStore['finish']>[2] => {
      const ranMs = Math.max(0, (d.now ?? Date.now)() - (dep.startedAt ?? dep.createdAt));
      say(`cancelled by ${req.by} after ${formatDuration(ranMs)}; ${exitCode === undefined ? 'the command was not started' : 'stopped'}`);
      return { status: 'cancelled', ...(exitCode !== undefined && { exitCode }), error: cancelledWhileRunningReason(req.by, ranMs) };
    };
    const early = cancel?.request();
    if (early) return cancelled(early);
    say(`running ${argv.join(' ')}`);
    const env = {
      ...childBaseEnv(d.env.processEnv, passEnv),
      FERRY_APP: dep.app,
      FERRY_ENV: dep.env,
      FERRY_REF: dep.ref,
      FERRY_SHA: dep.sha,
      FERRY_PREVIOUS_SHA: dep.previousSha ?? '',
      FERRY_DEPLOY_ID: String(dep.id),
      FERRY_USER: dep.user,
    };
    const r = await runCommand({
      argv,
      cwd: dir,
      env,
      timeoutMs,
      graceMs: d.graceMs,
      signal,
      onLines: (lines) => {
        pending.push(...lines.map(d.redact));
        if (pending.length >= 200) void flush();
      },
    });
    if (r.timedOut) {
      say(`timed out after ${formatDuration(timeoutMs)}; stopped`);
      return { status: 'failed', exitCode: r.exitCode, error: `timed out after ${formatDuration(timeoutMs)} (the env's timeout)` };
    }
    const req = cancel?.request();
    if (req && r.stoppedBecause !== undefined && r.stoppedBecause === String(cancel!.signal.reason)) return cancelled(req, r.exitCode);
    if (r.stoppedBecause) {
      say(`stopped: ${r.stoppedBecause}`);
      return { status: 'failed', exitCode: r.exitCode, error: `stopped: ${r.stoppedBecause}` };
    }
    say(`exited with ${r.exitCode}`);
    if (r.exitCode !== 0) return { status: 'failed', exitCode: r.exitCode, error: `the deploy command exited with ${r.exitCode}` };
    if (!smoke) return { status: 'succeeded', exitCode: 0 };
    // The smoke check (src/worker/smoke.ts): same checkout, same variables plus FERRY_URL and
    // FERRY_PHASE=smoke, output in the same log after a marker. Whatever it says, the new code is
    // installed now (FINISH records it as what runs on the env).
    pending.push(SMOKE_MARKER);
    say(`running ${smoke.argv.join(' ')}`);
    const s = await runCommand({
      argv: smoke.argv,
      cwd: dir,
      env: smokeEnv(env, smoke.url),
      timeoutMs: smoke.timeoutMs,
      graceMs: d.graceMs,
      signal,
      onLines: (lines) => {
        pending.push(...lines.map(d.redact));
        if (pending.length >= 200) void flush();
      },
    });
    const outcome = smokeOutcome(s, smoke.timeoutMs);
    say(outcome.status === 'succeeded' ? 'smoke check passed' : s.timedOut ? `smoke check timed out after ${formatDuration(smoke.timeoutMs)}; stopped` : `smoke check failed (exit ${s.exitCode})`);
    return outcome;
  } finally {
    clearInterval(ticker);
    await flush();
    if (dir) await d.workspaces.remove(dir).catch(() => {});
  }
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
      log.info(r.kind === 'busy' ? { heldBy: r.heldBy } : { behind: r.first }, r.kind === 'busy' ? 'waiting for the env lease' : 'waiting for the deploy ahead in the env lease line');
      await showExclusiveWait(job, ahead, r.kind === 'busy' ? 'running' : 'first', d).catch((err: Error) => log.warn({ err: err.message }, "could not show what the deploy waits for"));
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
  if (await d.deploys.setWaiting(job.deployId, text)) d.feed.inBackground('feed update', () => d.feed.refresh(job.deployId), job.deployId);
}

/**
 * Renews the lease six times per its life. A watchdog on the same tick stops the deploy once
 * half the lease's life has passed without a successful renewal, whether the renewals failed or
 * are hanging (a half-open connection), so the command is gone before the lease can expire and
 * pass to another worker: stopped by ttl/2 + ttl/6, plus the kill grace of at most ttl/4.
 * `onTick` runs on every tick too (the fallback check for cancel requests).
 */
function keepLease(app: string, env: string, lease: string, d: RunDeps, lost: AbortController, log: Logger, onTick?: () => void): { stop: () => void } {
  const ttl = d.config.leaseTtlMs;
  let lastRenewed = Date.now();
  let renewing = false;
  const timer = setInterval(() => {
    onTick?.();
    if (Date.now() - lastRenewed > ttl / 2) {
      lost.abort("this worker couldn't renew the env lease in time (Redis unreachable?)");
      return;
    }
    if (renewing) return;
    renewing = true;
    d.leases
      .renew(app, env, lease, ttl)
      .then((ok) => {
        if (ok) lastRenewed = Date.now();
        else lost.abort('this worker lost the env lease (another worker took over)');
      })
      .catch((err: Error) => log.warn({ err: err.message }, 'lease renewal failed'))
      .finally(() => {
        renewing = false;
      });
  }, ttl / 6);
  return { stop: () => clearInterval(timer) };
}
