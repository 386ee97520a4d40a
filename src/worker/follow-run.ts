import type { Logger } from 'pino';
import { cancelledWhileRunningReason } from '../core/cancel';
import { type CiDeploy, type CiDriver, CiRefused, type RunRef, type RunView } from '../core/ci/types';
import type { Deploy } from '../core/deploy';
import { formatDuration } from '../core/duration';
import { escapeMrkdwn } from '../core/slack-format';
import type { DeployEventSink } from '../events/deploy-events';
import type { CiChange, CiRuns, CiTurn } from '../store/ci-runs';
import { isConnectionError } from '../store/redis-outage';
import type { DeployOutcome } from '../store/deploys';
import type { DeployCancel } from './cancel-watch';
import type { CiWake } from './ci-wake';
import type { LogBuffer } from './log-buffer';

/** Polls start this often and back off to MAX_POLL_MS while nothing changes (webhooks wake a follower sooner). */
export const MIN_POLL_MS = 1_000;
export const MAX_POLL_MS = 30_000;

/**
 * The worker stopped following a run it may not end (its lease lost, or it is shutting down): the
 * run goes on in the CI, nothing is recorded, and the next worker to take the deploy follows it on.
 */
export class HandOver extends Error {
  constructor(readonly why: string) {
    super(`stopped following the CI run: ${why}`);
    this.name = 'HandOver';
  }
}

export interface FollowDeps {
  ci: CiRuns;
  /** Webhooks about the run wake the follower (absent: it polls only). */
  wake?: CiWake;
  events: DeployEventSink;
  log: Logger;
  now: () => number;
  workerName: string;
  /** How often the run is read: from `minMs`, growing by half while nothing changes, up to `maxMs` (default 1 s to 30 s). */
  poll?: { minMs: number; maxMs: number };
}

/** One started deploy through a CI driver. */
export interface Following {
  deploy: Deploy;
  turn: CiTurn;
  driver: CiDriver;
  cd: CiDeploy;
  /** The env's timeout, counted from the deploy's start (a resumed follower keeps the first worker's clock). */
  timeoutMs: number;
  out: LogBuffer;
  /** Aborted when this worker must stop following (lease lost, shutdown): HandOver. */
  stop: AbortSignal;
  cancel?: DeployCancel;
}

/**
 * Dispatches the deploy's run once (or finds the run an earlier worker dispatched), follows it to
 * its end while holding the env lease, puts each ended job's log into the deploy's log, cancels it
 * when asked, and says how the deploy ended. Throws HandOver when it must stop following.
 */
export async function followRun(f: Following, d: FollowDeps): Promise<DeployOutcome> {
  const got = f.deploy.ci?.run ? await resume(f, d, f.deploy.ci.run) : await dispatchOnce(f, d);
  if (!('id' in got)) return got;
  return new Follower(f, d, got).follow();
}

/** A run an earlier worker dispatched and recorded: this worker follows it on. */
async function resume(f: Following, d: FollowDeps, run: RunRef): Promise<RunRef> {
  f.out.say(`following ${f.driver.what} (run ${run.id}) on: the worker that followed it stopped`);
  await record(f, d, { worker: d.workerName });
  return run;
}

/** Claims the dispatch and sends it, at most once per deploy; a claim an earlier worker left is resolved with the driver's recover. */
async function dispatchOnce(f: Following, d: FollowDeps): Promise<RunRef | DeployOutcome> {
  const claim = await d.ci.claim(f.turn, d.now()).catch((err: Error) => {
    // Redis unreachable: nothing was sent; the next worker to take the job claims it again.
    throw isConnectionError(err) ? new HandOver(`Redis did not answer: ${err.message}`) : err;
  });
  if (claim === 'lease-lost') throw new HandOver('lost the env lease');
  if (claim !== 'claimed') {
    const r = await f.driver.recover(f.cd, f.deploy.ci?.at ?? f.deploy.startedAt ?? d.now());
    if ('unknown' in r) {
      f.out.say(`the worker dispatching ${f.driver.what} stopped while sending it, and Ferry can't tell what it started: ${r.unknown}`);
      return {
        status: 'failed',
        error: `the worker dispatching ${escapeMrkdwn(f.driver.what)} stopped while sending it, and Ferry can't tell whether a run started (${escapeMrkdwn(r.unknown)}); it did not dispatch again: check the CI, then deploy again`,
      };
    }
    if ('run' in r) {
      f.out.say(`found run ${r.run.id}, which the worker that was lost had dispatched`);
      await record(f, d, { run: r.run, worker: d.workerName });
      return r.run;
    }
  }
  f.out.say(`dispatching ${f.driver.what} for ${f.cd.sha}`);
  let run: RunRef;
  try {
    run = await f.driver.dispatch(f.cd);
  } catch (err) {
    const msg = (err as Error).message;
    f.out.say(`the dispatch failed: ${msg}`);
    return {
      status: 'failed',
      error:
        err instanceof CiRefused
          ? escapeMrkdwn(msg)
          : `couldn't dispatch ${escapeMrkdwn(f.driver.what)}: ${escapeMrkdwn(msg.slice(0, 200))}; Ferry did not send it again (it may have arrived): check the CI, then deploy again`,
    };
  }
  f.out.say(`dispatched: run ${run.id}${run.url ? ` (${run.url})` : ''}`);
  await record(f, d, { run });
  d.events.emit({ type: 'changed', deployId: f.deploy.id });
  return run;
}

/** Follows one dispatched run to its end. */
class Follower {
  private readonly logged: Set<string>;
  private text: string | undefined;
  private cancelAsked = false;
  private last: RunView | undefined;

  constructor(
    private readonly f: Following,
    private readonly d: FollowDeps,
    private ref: RunRef,
  ) {
    this.logged = new Set(f.deploy.ci?.logged ?? []);
    this.text = f.deploy.ci?.text;
  }

  async follow(): Promise<DeployOutcome> {
    const { f, d } = this;
    const deadline = (f.deploy.startedAt ?? d.now()) + f.timeoutMs;
    const wake = d.wake?.watch(f.driver.wakeKeys(f.cd, this.ref));
    const { minMs, maxMs } = d.poll ?? { minMs: MIN_POLL_MS, maxMs: MAX_POLL_MS };
    let delay = minMs;
    try {
      for (;;) {
        if (f.stop.aborted) throw new HandOver(String(f.stop.reason));
        await this.cancelIfAsked();
        const view = await this.look();
        if (view instanceof CiRefused) return this.refused(view);
        if (view && (await this.saw(view))) delay = minMs;
        if (view?.phase === 'ended') return this.ended(view);
        const left = deadline - d.now();
        if (left <= 0) return this.timedOut();
        await waitFor(Math.min(delay, left), wake, [f.stop, ...(f.cancel && !this.cancelAsked ? [f.cancel.signal] : [])]);
        delay = Math.min(Math.round(delay * 1.5), maxMs);
      }
    } finally {
      wake?.stop();
    }
  }

  /** The run as the CI says it stands; undefined after a transient failure (tried again at the next poll); CiRefused when the CI says no. */
  private async look(): Promise<RunView | CiRefused | undefined> {
    try {
      return await this.f.driver.view(this.f.cd, this.ref);
    } catch (err) {
      if (err instanceof CiRefused) return err;
      this.d.log.warn({ err: (err as Error).message, run: this.ref.id }, 'could not read the CI run; trying again');
      return undefined;
    }
  }

  /** Records what changed (state words, URL, ended jobs' logs); true when anything did. */
  private async saw(view: RunView): Promise<boolean> {
    const { f, d } = this;
    this.last = view;
    let changed = false;
    if (view.url && view.url !== this.ref.url) {
      this.ref = { ...this.ref, url: view.url };
      await record(f, d, { run: this.ref });
      changed = true;
    }
    if (view.text !== this.text) {
      this.text = view.text;
      f.out.say(`${f.driver.what}: ${view.text}`);
      await record(f, d, { text: view.text });
      changed = true;
    }
    for (const job of view.jobs) {
      if (!job.ended || this.logged.has(job.id)) continue;
      await this.fetchLog(job);
      changed = true;
    }
    if (changed) d.events.emit({ type: 'changed', deployId: f.deploy.id });
    return changed;
  }

  private async fetchLog(job: RunView['jobs'][number]): Promise<void> {
    const { f, d } = this;
    f.out.say(`── ${job.name}${job.conclusion ? ` (${job.conclusion})` : ''} ──`);
    try {
      f.out.lines(await f.driver.jobLog(f.cd, this.ref, job));
    } catch (err) {
      f.out.say(`couldn't fetch the log of ${job.name}: ${(err as Error).message}`);
    }
    this.logged.add(job.id);
    await record(f, d, { logged: [...this.logged] });
  }

  /** A cancel request noticed: asks the CI once, then goes on following until the run ends. */
  private async cancelIfAsked(): Promise<void> {
    const asked = this.f.cancel?.request();
    if (!asked || this.cancelAsked) return;
    this.cancelAsked = true;
    try {
      const r = await this.f.driver.cancel(this.f.cd, this.ref, `cancelled from Slack by ${asked.by}`);
      this.f.out.say(
        'cannot' in r
          ? `cancel asked by ${asked.by}, but ${r.cannot}; waiting for the run's end`
          : `cancel asked by ${asked.by}: the CI was told to stop run ${this.ref.id}`,
      );
    } catch (err) {
      this.f.out.say(`cancel asked by ${asked.by}, but the CI refused: ${(err as Error).message}; waiting for the run's end`);
    }
  }

  private ended(view: RunView): DeployOutcome {
    const { f, d } = this;
    const asked = f.cancel?.request();
    const word = view.conclusion ?? view.outcome ?? 'ended';
    f.out.say(`run ${this.ref.id} ended: ${word}`);
    if (asked && this.cancelAsked && view.outcome !== 'succeeded') {
      const ranMs = Math.max(0, d.now() - (f.deploy.startedAt ?? f.deploy.createdAt));
      return { status: 'cancelled', error: cancelledWhileRunningReason(asked.by, ranMs) };
    }
    if (view.outcome === 'succeeded') return { status: 'succeeded' };
    if (view.outcome === 'cancelled')
      return { status: 'cancelled', error: `${escapeMrkdwn(f.driver.what)}: its run was cancelled in the CI` };
    return { status: 'failed', error: `${escapeMrkdwn(f.driver.what)}: its run ended ${escapeMrkdwn(word)}` };
  }

  /** The CI refused to show the run (gone, or the token may no longer see it): the deploy fails with why; the run is not followed further. */
  private refused(err: CiRefused): DeployOutcome {
    this.f.out.say(`${this.f.driver.what}: ${err.message}`);
    return { status: 'failed', error: escapeMrkdwn(err.message) };
  }

  /** The env's timeout passed: the run is asked to stop, and the deploy fails naming what it waited for. */
  private async timedOut(): Promise<DeployOutcome> {
    const { f } = this;
    const never = !this.last || this.last.phase === 'waiting';
    const what = `${f.driver.what} (run ${this.ref.id}) ${never ? 'never started' : 'did not end'} within ${formatDuration(f.timeoutMs)} (the env's timeout)`;
    let told = '';
    try {
      const r = await f.driver.cancel(f.cd, this.ref, `the env's timeout (${formatDuration(f.timeoutMs)}) passed`);
      told = 'cannot' in r ? `; ${r.cannot}` : '; Ferry asked the CI to cancel it';
    } catch (err) {
      told = `; asking the CI to cancel it failed: ${(err as Error).message}`;
    }
    f.out.say(`${what}${told}`);
    return { status: 'failed', error: escapeMrkdwn(`${what}${told}`) };
  }
}

/**
 * Writes what the follower learned, fenced by the env lease. A lost lease lets go (HandOver); Redis
 * not answering is waited out (a run that was dispatched must be recorded, not failed), until the
 * worker must stop.
 */
async function record(f: Following, d: FollowDeps, change: CiChange): Promise<void> {
  for (let tries = 0; ; tries++) {
    try {
      if (await d.ci.note(f.turn, change)) return;
      throw new HandOver('lost the env lease');
    } catch (err) {
      if (err instanceof HandOver || !isConnectionError(err as Error)) throw err;
      if (f.stop.aborted) throw new HandOver(String(f.stop.reason));
      if (tries === 0) d.log.warn({ err: (err as Error).message }, 'could not record the CI run; trying again');
      await waitFor(Math.min(250 * 2 ** tries, 2_000), undefined, [f.stop]);
    }
  }
}

/** Waits `ms`, or less: a wake (webhook), or any of `signals` aborting. */
async function waitFor(ms: number, wake: { next(): Promise<void> } | undefined, signals: AbortSignal[]): Promise<void> {
  const ctl = new AbortController();
  const any = AbortSignal.any([ctl.signal, ...signals]);
  try {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      any.addEventListener('abort', () => {
        clearTimeout(timer);
        resolve();
      });
      void wake?.next().then(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  } finally {
    ctl.abort();
  }
}
