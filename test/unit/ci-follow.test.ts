import type { Redis } from 'ioredis';
import pino from 'pino';
import { type CiDeploy, type CiDriver, CiRefused, type Recovered, type RunRef, type RunView } from '../../src/core/ci/types';
import type { Deploy } from '../../src/core/deploy';
import { CiRuns, type CiTurn } from '../../src/store/ci-runs';
import { DeployStore } from '../../src/store/deploys';
import type { Keys } from '../../src/store/keys';
import { LeaseStore } from '../../src/store/lease';
import { LogStore } from '../../src/store/logs';
import type { DeployCancel } from '../../src/worker/cancel-watch';
import { followRun, HandOver } from '../../src/worker/follow-run';
import { LogBuffer } from '../../src/worker/log-buffer';
import { CiWake } from '../../src/worker/ci-wake';
import { publishCiWakes } from '../../src/store/ci-runs';
import { deletePrefix, newRedis, uniqueKeys } from './fixtures';

// The follower against real Redis and a scripted driver: a run is dispatched at most once per
// deploy, a claim left by a lost worker is resolved (never by dispatching blindly), the run is
// followed to its end through transient failures, and a worker that loses its lease lets go.

const SHA = 'b'.repeat(40);
const log = pino({ level: 'silent' });

/** A driver whose answers the test scripts; it counts what Ferry asked. */
class ScriptedDriver implements CiDriver {
  readonly what = 'the test CI';
  dispatches = 0;
  cancels = 0;
  views: (RunView | Error)[] = [];
  recovered: Recovered = { unknown: 'the test CI cannot tell' };
  dispatchError: Error | undefined;
  cancelAnswer: { asked: true } | { cannot: string } = { asked: true };
  logs = new Map<string, string[]>();
  async dispatch(): Promise<RunRef> {
    this.dispatches++;
    if (this.dispatchError) throw this.dispatchError;
    return { id: `run-${this.dispatches}`, url: `https://ci.example/run/${this.dispatches}` };
  }
  async recover(): Promise<Recovered> {
    return this.recovered;
  }
  async view(): Promise<RunView> {
    const next = this.views.length > 1 ? this.views.shift()! : this.views[0]!;
    if (next instanceof Error) throw next;
    return next;
  }
  async jobLog(_d: CiDeploy, _r: RunRef, job: { id: string }): Promise<string[]> {
    return this.logs.get(job.id) ?? [];
  }
  async cancel(): Promise<{ asked: true } | { cannot: string }> {
    this.cancels++;
    return this.cancelAnswer;
  }
  async check() {
    return [];
  }
  wakeKeys: (d: CiDeploy, r: RunRef) => string[] = () => [];
}

const running = (jobs: RunView['jobs'] = []): RunView => ({ phase: 'running', text: 'running', jobs });
const ended = (outcome: 'succeeded' | 'failed' | 'cancelled', conclusion: string): RunView => ({
  phase: 'ended',
  outcome,
  conclusion,
  text: conclusion,
  jobs: [],
});

let redis: Redis;
let k: Keys;
let deploys: DeployStore;
let runs: CiRuns;
let logs: LogStore;

beforeEach(() => {
  redis = newRedis();
  k = uniqueKeys('ci-follow');
  deploys = new DeployStore(redis, k);
  runs = new CiRuns(redis, k);
  logs = new LogStore(redis, k, 10_000);
});
afterEach(async () => {
  await deletePrefix(redis, k);
  await redis.quit();
});

let envs = 0;

/** A running deploy under its lease (an env of its own), as run-deploy.ts hands it to the follower. */
async function started(): Promise<{ deploy: Deploy; turn: CiTurn }> {
  const env = `prod-${++envs}`;
  const a = await deploys.accept(
    { app: 'web', env, ref: 'main', sha: SHA, user: 'U1', feedChannel: 'C1', idempotencyKey: `k-${Math.random()}` },
    Date.now(),
  );
  if (a.kind !== 'accepted') throw new Error(a.kind);
  const b = await deploys.begin(a.id, 'web', env, { holder: `w:deploy-${a.id}`, leaseTtlMs: 30_000, worker: 'w', now: Date.now() });
  if (b.kind !== 'started') throw new Error(b.kind);
  return { deploy: b.deploy, turn: { id: a.id, app: 'web', env, lease: b.lease } };
}

interface FollowOptions {
  timeoutMs?: number;
  stop?: AbortSignal;
  cancel?: DeployCancel;
  deploy?: Deploy;
  turn?: CiTurn;
  wake?: CiWake;
  poll?: { minMs: number; maxMs: number };
  runs?: CiRuns;
}

async function follow(driver: ScriptedDriver, o: FollowOptions = {}) {
  const s = o.deploy && o.turn ? { deploy: o.deploy, turn: o.turn } : await started();
  const out = new LogBuffer(s.deploy.id, logs, (t) => t.replace(/secret-\w+/g, '[redacted]'), log);
  const changed: number[] = [];
  try {
    const outcome = await followRun(
      {
        deploy: (await deploys.get(s.deploy.id))!,
        turn: s.turn,
        driver,
        driverName: 'test_ci',
        cd: { id: s.deploy.id, app: 'web', env: 'prod', sha: SHA, ref: 'main', user: 'U1' },
        timeoutMs: o.timeoutMs ?? 60_000,
        out,
        stop: o.stop ?? new AbortController().signal,
        ...(o.cancel && { cancel: o.cancel }),
      },
      {
        ci: o.runs ?? runs,
        events: { emit: (e) => changed.push(e.deployId) },
        log,
        now: Date.now,
        workerName: 'w2',
        ...(o.wake && { wake: o.wake }),
        ...(o.poll && { poll: o.poll }),
      },
    );
    return { outcome, id: s.deploy.id, changed };
  } finally {
    await out.close();
  }
}

const lines = async (id: number) => (await redis.lrange(k.deployLog(id), 0, -1)).join('\n');

test('dispatches once, records the run, follows it through a transient failure, logs each ended job once, ends with its outcome', async () => {
  const driver = new ScriptedDriver();
  driver.logs.set('j1', ['built', 'token secret-abc']);
  driver.views = [
    running(),
    new Error('ECONNRESET'),
    running([{ id: 'j1', name: 'build', ended: true, conclusion: 'success' }]),
    { ...ended('succeeded', 'success'), jobs: [{ id: 'j1', name: 'build', ended: true, conclusion: 'success' }] },
  ];
  const { outcome, id } = await follow(driver);
  expect(outcome).toEqual({ status: 'succeeded' });
  expect(driver.dispatches).toBe(1);
  const rec = (await deploys.get(id))!;
  expect(rec.ci).toMatchObject({ state: 'dispatched', run: { id: 'run-1', url: 'https://ci.example/run/1' }, logged: ['j1'] });
  const text = await lines(id);
  expect(text.split('built')).toHaveLength(2);
  expect(text).toContain('token [redacted]');
});

test('a failed run fails the deploy with its conclusion; a CI refusal while following fails it with its message', async () => {
  const failing = new ScriptedDriver();
  failing.views = [ended('failed', 'timed_out')];
  expect((await follow(failing)).outcome).toEqual({ status: 'failed', error: 'the test CI: its run ended timed_out' });
  const gone = new ScriptedDriver();
  gone.views = [new CiRefused('the run was deleted')];
  expect((await follow(gone)).outcome).toEqual({ status: 'failed', error: 'the run was deleted' });
});

test('a claim left by a lost worker: recovered run followed without a dispatch; unknown fails without a dispatch; none dispatches', async () => {
  for (const [recovered, dispatches] of [
    [{ run: { id: 'found-7' } }, 0],
    [{ unknown: 'no way to tell' }, 0],
    [{ none: true }, 1],
  ] as const) {
    const s = await started();
    expect(await runs.claim(s.turn, Date.now(), 'test_ci')).toBe('claimed');
    const driver = new ScriptedDriver();
    driver.recovered = recovered as Recovered;
    driver.views = [ended('succeeded', 'success')];
    const { outcome } = await follow(driver, { deploy: (await deploys.get(s.deploy.id))!, turn: s.turn });
    expect(driver.dispatches).toBe(dispatches);
    if ('unknown' in recovered) {
      expect(outcome.status).toBe('failed');
      expect(outcome.error).toContain("Ferry can't tell whether a run started (no way to tell); it did not dispatch again");
    } else expect(outcome).toEqual({ status: 'succeeded' });
    if ('run' in recovered) expect((await deploys.get(s.deploy.id))!.ci?.run?.id).toBe('found-7');
  }
});

test('a dispatch that failed without an answer is not sent again: the deploy fails saying so', async () => {
  const driver = new ScriptedDriver();
  driver.dispatchError = new Error('socket hang up');
  const { outcome } = await follow(driver);
  expect(driver.dispatches).toBe(1);
  expect(outcome.error).toContain("couldn't dispatch the test CI (socket hang up), and Ferry can't tell whether it arrived");
  expect(outcome.error).toContain('it did not dispatch again');
  // Where the CI can tell what the dispatch started, that run is followed; where it certainly started nothing, the deploy says so.
  const arrived = new ScriptedDriver();
  arrived.dispatchError = new Error('socket hang up');
  arrived.recovered = { run: { id: 'arrived-1' } };
  arrived.views = [ended('succeeded', 'success')];
  expect((await follow(arrived)).outcome).toEqual({ status: 'succeeded' });
  const none = new ScriptedDriver();
  none.dispatchError = new Error('socket hang up');
  none.recovered = { none: true };
  expect((await follow(none)).outcome.error).toContain('nothing was started: deploy again');
  // A recover that fails for a while (GitHub not answering) is asked again.
  const flaky = new ScriptedDriver();
  flaky.dispatchError = new Error('socket hang up');
  let asks = 0;
  flaky.recover = async () => {
    if (++asks < 2) throw new Error('ECONNRESET');
    return { run: { id: 'late-1' } };
  };
  flaky.views = [ended('succeeded', 'success')];
  expect((await follow(flaky)).outcome).toEqual({ status: 'succeeded' });
  expect(asks).toBe(2);
  const refused = new ScriptedDriver();
  refused.dispatchError = new CiRefused('no such workflow: fix ferry.yml');
  expect((await follow(refused)).outcome).toEqual({ status: 'failed', error: 'no such workflow: fix ferry.yml' });
});

test('the lease lost: the follower lets go (HandOver) and records nothing; the claim stops a second dispatch', async () => {
  const s = await started();
  const driver = new ScriptedDriver();
  driver.views = [running()];
  await new LeaseStore(redis, k).release('web', s.turn.env, s.turn.lease);
  await expect(follow(driver, { deploy: s.deploy, turn: s.turn })).rejects.toBeInstanceOf(HandOver);
  expect(driver.dispatches).toBe(0);
  expect((await deploys.get(s.deploy.id))!.ci).toBeUndefined();
});

test('stopping (shutdown) while following hands over; the record keeps the run for the next worker', async () => {
  const driver = new ScriptedDriver();
  driver.views = [running()];
  const stop = new AbortController();
  const s = await started();
  const following = follow(driver, { deploy: s.deploy, turn: s.turn, stop: stop.signal });
  for (;;) {
    if ((await deploys.get(s.deploy.id))!.ci?.run) break;
    await new Promise((r) => setImmediate(r));
  }
  stop.abort('the worker is shutting down');
  await expect(following).rejects.toBeInstanceOf(HandOver);
  expect((await deploys.get(s.deploy.id))!.ci?.run?.id).toBe('run-1');
});

/** A cancel request that arrives once the run has been dispatched (`already`: before anything). */
function cancelAfterDispatch(driver: ScriptedDriver, already = false): DeployCancel {
  const ctl = new AbortController();
  if (already) ctl.abort('cancelled by <@U2>');
  const dispatch = driver.dispatch.bind(driver);
  driver.dispatch = async () => {
    const run = await dispatch();
    ctl.abort('cancelled by <@U2>');
    return run;
  };
  return {
    signal: ctl.signal,
    request: () => (ctl.signal.aborted ? { by: 'U2', at: Date.now() } : undefined),
    check: async () => {},
    stop: () => {},
  };
}

test("a cancel asked while following: the CI is asked once, and the run's cancelled end ends the deploy cancelled", async () => {
  const driver = new ScriptedDriver();
  driver.views = [running(), running(), ended('cancelled', 'cancelled')];
  const { outcome } = await follow(driver, { cancel: cancelAfterDispatch(driver) });
  expect(driver.cancels).toBe(1);
  expect(outcome.status).toBe('cancelled');
  expect(outcome.error).toMatch(/^cancelled by <@U2>/);
});

test('a cancel asked before the dispatch: nothing is sent, the deploy ends cancelled', async () => {
  const driver = new ScriptedDriver();
  const { outcome, id } = await follow(driver, { cancel: cancelAfterDispatch(driver, true) });
  expect(driver.dispatches).toBe(0);
  expect(outcome.status).toBe('cancelled');
  expect((await deploys.get(id))!.ci).toBeUndefined();
});

test('a cancel the CI did not answer is asked again; one it answered is not', async () => {
  const driver = new ScriptedDriver();
  driver.views = [running(), running(), running(), ended('cancelled', 'cancelled')];
  let calls = 0;
  driver.cancel = async () => {
    calls++;
    if (calls === 1) throw new Error('ETIMEDOUT');
    return { asked: true };
  };
  const { outcome } = await follow(driver, { cancel: cancelAfterDispatch(driver), poll: { minMs: 10, maxMs: 10 } });
  expect(calls).toBe(2);
  expect(outcome.status).toBe('cancelled');
});

test('the env timeout: a run that never started fails naming it, and the CI is asked to stop it', async () => {
  const driver = new ScriptedDriver();
  driver.views = [{ phase: 'waiting', text: 'queued', jobs: [] }];
  const { outcome } = await follow(driver, { timeoutMs: 1 });
  expect(outcome.status).toBe('failed');
  expect(outcome.error).toBe("the test CI (run run-1) never started within 0s (the env's timeout); Ferry asked the CI to cancel it");
  expect(driver.cancels).toBe(1);
});

test('a webhook about the run wakes its follower: with polls an hour apart, the wake alone moves it on', async () => {
  const subscriber = newRedis();
  const wake = new CiWake(subscriber, k.ciWakeChannel, log);
  try {
    // CiWake subscribes on its own connection; a probe key tells when the subscription is live.
    const probe = wake.watch(['probe']);
    const live = probe.next();
    for (let i = 0; i < 200; i++) {
      await publishCiWakes(redis, k, ['probe']);
      if (await Promise.race([live.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 20))])) break;
    }
    probe.stop();
    const driver = new ScriptedDriver();
    driver.wakeKeys = () => ['gha-run:run-1'];
    let reads = 0;
    const view = driver.view.bind(driver);
    driver.view = async () => {
      reads++;
      if (reads === 2) return ended('succeeded', 'success');
      return view();
    };
    driver.views = [running()];
    const following = follow(driver, { wake, poll: { minMs: 3_600_000, maxMs: 3_600_000 } });
    for (;;) {
      if (reads >= 1) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    await publishCiWakes(redis, k, ['gha-run:run-1']);
    expect((await following).outcome).toEqual({ status: 'succeeded' });
    expect(reads).toBe(2);
  } finally {
    subscriber.disconnect();
  }
});

test('Redis not answering when the run is recorded is waited out: the run is recorded, not failed, and not dispatched again', async () => {
  const driver = new ScriptedDriver();
  driver.views = [ended('succeeded', 'success')];
  let failures = 2;
  const flaky = new CiRuns(redis, k);
  const note = flaky.note.bind(flaky);
  flaky.note = async (t, c) => {
    if (c.run && failures-- > 0) throw new Error('Connection is closed.');
    return note(t, c);
  };
  const { outcome, id } = await follow(driver, { runs: flaky });
  expect(outcome).toEqual({ status: 'succeeded' });
  expect(driver.dispatches).toBe(1);
  expect((await deploys.get(id))!.ci?.run?.id).toBe('run-1');
});

test('while a deploy through CI is running, its env is not begun by another deploy, even with its lease expired (its run goes on between workers)', async () => {
  const s = await started();
  expect(await runs.claim(s.turn, Date.now(), 'test_ci')).toBe('claimed');
  const b = await deploys.accept(
    { app: 'web', env: s.turn.env, ref: 'main', sha: SHA, user: 'U2', feedChannel: 'C1', idempotencyKey: `k-${Math.random()}` },
    Date.now(),
  );
  if (b.kind !== 'accepted') throw new Error(b.kind);
  // The following worker is gone: its lease ran out (here: released), the run still going.
  await new LeaseStore(redis, k).release('web', s.turn.env, s.turn.lease);
  const begin = () =>
    deploys.begin(b.id, 'web', s.turn.env, { holder: `w3:deploy-${b.id}`, leaseTtlMs: 30_000, worker: 'w3', now: Date.now() });
  expect(await begin()).toEqual({ kind: 'behind', first: s.deploy.id });
  // The next worker takes the run deploy over (begin: lost), follows it to its end; then the queued one begins.
  const taken = await deploys.begin(s.deploy.id, 'web', s.turn.env, {
    holder: `w2:deploy-${s.deploy.id}`,
    leaseTtlMs: 30_000,
    worker: 'w2',
    now: Date.now(),
  });
  if (taken.kind !== 'lost') throw new Error(taken.kind);
  await deploys.finish({ id: s.deploy.id, app: 'web', env: s.turn.env }, taken.lease, { status: 'succeeded' }, Date.now());
  await new LeaseStore(redis, k).release('web', s.turn.env, taken.lease);
  expect((await begin()).kind).toBe('started');
});
