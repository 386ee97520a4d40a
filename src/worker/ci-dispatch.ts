import { cancelledBeforeStartReason } from '../core/cancel';
import { CiRefused, type Recovered, type RunRef } from '../core/ci/types';
import { escapeMrkdwn } from '../core/slack-format';
import type { DeployOutcome } from '../store/deploys';
import { isConnectionError } from '../store/redis-outage';
import { type FollowDeps, type Following, HandOver, record, waitFor } from './follow-shared';

/** A run an earlier worker dispatched and recorded: this worker follows it on (unless the env's driver changed since). */
export async function resume(f: Following, d: FollowDeps, run: RunRef): Promise<RunRef | DeployOutcome> {
  const was = f.deploy.ci?.driver;
  if (was && was !== f.driverName) return driverChanged(f, was, run);
  f.out.say(`following ${f.driver.what} (run ${run.id}) on: the worker that followed it stopped`);
  await record(f, d, { worker: d.workerName });
  return run;
}

/** The env's driver changed while the deploy's run went on: the new one can't follow it, so the deploy fails pointing at it. */
function driverChanged(f: Following, was: string, run: RunRef): DeployOutcome {
  const where = run.url ? ` (${run.url})` : '';
  f.out.say(`the env now deploys through ${f.driverName}, but this deploy's run ${run.id}${where} went through ${was}: not followed`);
  return {
    status: 'failed',
    error: escapeMrkdwn(
      `its env's driver changed from ${was} to ${f.driverName} while its run ${run.id} went on${where}; Ferry can't follow it through the new one: check that run, then deploy again`,
    ),
  };
}

/**
 * Claims the dispatch and sends it, at most once per deploy. A cancel asked before that sends
 * nothing. A claim an earlier worker left, or a dispatch that got no clear answer, is resolved with
 * the driver's recover: the run it started is followed, and nothing is sent twice.
 */
export async function dispatchOnce(f: Following, d: FollowDeps): Promise<RunRef | DeployOutcome> {
  await f.cancel?.check();
  const asked = f.cancel?.request();
  if (asked) {
    f.out.say(`cancelled by ${asked.by} before ${f.driver.what} was dispatched; nothing was sent`);
    return { status: 'cancelled', error: cancelledBeforeStartReason(asked.by) };
  }
  const claim = await d.ci.claim(f.turn, d.now(), f.driverName).catch((err: Error) => {
    // Redis unreachable: nothing was sent; the next worker to take the job claims it again.
    throw isConnectionError(err) ? new HandOver(`Redis did not answer: ${err.message}`) : err;
  });
  if (claim === 'lease-lost') throw new HandOver('lost the env lease');
  if (claim !== 'claimed') {
    const r = await recovered(f, d);
    if ('run' in r) {
      f.out.say(`found run ${r.run.id}, which the worker that was lost had dispatched`);
      await record(f, d, { run: r.run, worker: d.workerName }, f.hardStop);
      return r.run;
    }
    if ('unknown' in r)
      return unknownRun(
        f,
        `the worker dispatching ${f.driver.what} stopped while sending it, and Ferry can't tell whether a run started`,
        r.unknown,
      );
  }
  f.out.say(`dispatching ${f.driver.what} for ${f.cd.sha}`);
  let run: RunRef;
  try {
    run = await f.driver.dispatch(f.cd);
  } catch (err) {
    const msg = (err as Error).message;
    f.out.say(`the dispatch failed: ${msg}`);
    if (err instanceof CiRefused) return { status: 'failed', error: escapeMrkdwn(msg) };
    // No clear answer (a timeout, a 5xx): it may have arrived. The driver tells, if it can, what it started.
    const r = await recovered(f, d);
    if ('run' in r) {
      f.out.say(`found run ${r.run.id}: the dispatch had arrived`);
      run = r.run;
    } else if ('none' in r) {
      return {
        status: 'failed',
        error: `couldn't dispatch ${escapeMrkdwn(f.driver.what)}: ${escapeMrkdwn(msg.slice(0, 200))}; nothing was started: deploy again`,
      };
    } else
      return unknownRun(f, `couldn't dispatch ${f.driver.what} (${msg.slice(0, 200)}), and Ferry can't tell whether it arrived`, r.unknown);
  }
  f.out.say(`dispatched: run ${run.id}${run.url ? ` (${run.url})` : ''}`);
  // The run is going: it is recorded even while the worker is stopping (only a lost lease or the end of the grace stop this).
  await record(f, d, { run }, f.hardStop);
  d.events.emit({ type: 'changed', deployId: f.deploy.id });
  return run;
}

function unknownRun(f: Following, what: string, why: string): DeployOutcome {
  f.out.say(`${what}: ${why}`);
  return {
    status: 'failed',
    error: `${escapeMrkdwn(what)} (${escapeMrkdwn(why)}); it did not dispatch again: check the CI, then deploy again`,
  };
}

/** The driver's recover, its transient failures (GitHub or the CI not answering) tried again until the env's timeout. */
async function recovered(f: Following, d: FollowDeps): Promise<Recovered> {
  const since = f.deploy.ci?.at ?? f.deploy.startedAt ?? d.now();
  const deadline = (f.deploy.startedAt ?? d.now()) + f.timeoutMs;
  for (let tries = 0; ; tries++) {
    try {
      return await f.driver.recover(f.cd, since);
    } catch (err) {
      if (err instanceof CiRefused) return { unknown: err.message };
      if (f.stop.aborted) throw new HandOver(String(f.stop.reason));
      if (d.now() >= deadline) return { unknown: `asking the CI failed until the env's timeout: ${(err as Error).message}` };
      d.log.warn({ err: (err as Error).message }, 'could not ask the CI what the dispatch started; trying again');
      await waitFor(Math.min(1_000 * 2 ** tries, 30_000), undefined, [f.stop]);
    }
  }
}
