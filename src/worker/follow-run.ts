import { cancelledWhileRunningReason } from '../core/cancel';
import { CiRefused, type RunRef, type RunView } from '../core/ci/types';
import { formatDuration } from '../core/duration';
import { escapeMrkdwn } from '../core/slack-format';
import type { DeployOutcome } from '../store/deploys';
import { dispatchOnce, resume } from './ci-dispatch';
import { type FollowDeps, type Following, HandOver, record, waitFor } from './follow-shared';

export { type FollowDeps, type Following, HandOver } from './follow-shared';

/** Polls start this often and back off to MAX_POLL_MS while nothing changes (webhooks wake a follower sooner). */
export const MIN_POLL_MS = 1_000;
export const MAX_POLL_MS = 30_000;

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

/** Follows one dispatched run to its end. */
class Follower {
  private readonly logged: Set<string>;
  private text: string | undefined;
  /** The CI was asked to cancel (or said it can't): not asked again. */
  private cancelAsked = false;
  /** Tries to ask it (a try without an answer is tried again at the next read). */
  private cancelTries = 0;
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
        await waitFor(Math.min(delay, left), wake, [f.stop, ...(f.cancel && this.cancelTries === 0 ? [f.cancel.signal] : [])]);
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
    const text = d.redact ? d.redact(view.text) : view.text;
    if (text !== this.text) {
      this.text = text;
      f.out.say(`${f.driver.what}: ${text}`);
      await record(f, d, { text });
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
    // The lines are in the log before the job is marked logged (a worker killed in between fetches it again, never loses it).
    await f.out.flush();
    this.logged.add(job.id);
    await record(f, d, { logged: [...this.logged] });
  }

  /** A cancel request noticed: asks the CI once, then goes on following until the run ends. */
  private async cancelIfAsked(): Promise<void> {
    const asked = this.f.cancel?.request();
    if (!asked || this.cancelAsked) return;
    this.cancelAsked = true;
    this.cancelTries++;
    try {
      const r = await this.f.driver.cancel(this.f.cd, this.ref, `cancelled from Slack by ${asked.by}`);
      this.f.out.say(
        'cannot' in r
          ? `cancel asked by ${asked.by}, but ${r.cannot}; waiting for the run's end`
          : `cancel asked by ${asked.by}: the CI was told to stop run ${this.ref.id}`,
      );
    } catch (err) {
      if (err instanceof CiRefused) {
        this.f.out.say(`cancel asked by ${asked.by}, but the CI refused: ${err.message}; waiting for the run's end`);
        return;
      }
      // No answer: asked again at the next read.
      this.cancelAsked = false;
      this.d.log.warn({ err: (err as Error).message }, 'could not ask the CI to cancel the run; trying again');
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
