import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import { type CommandRun, CommandWatch, describeProcs, finalState, overlaps, procStat, stubbornScript } from '../helpers/command-runs';
import { latest } from '../helpers/fake-slack';
import { Harness, writeScript } from '../helpers/harness';

/**
 * A deploy command must never outlive its supervision. These tests kill a worker (its pid, or its
 * whole process group as systemd's KillMode=control-group or an OOM group kill does), or the
 * command's supervisor, mid-deploy, while the command ignores SIGTERM and has children (and a
 * grandchild) that ignore it too; then they check what an operator would see: nothing of the
 * killed deploy keeps running, no two deploys of the env ever run at once (a retry or the next
 * deploy waits until the killed one is gone), and every deploy ends in exactly one final state.
 */

/** The harness's lease_ttl (3s); the kill grace is min(10s, lease_ttl / 4). */
const LEASE_TTL_MS = 3_000;
const KILL_GRACE_MS = Math.min(10_000, LEASE_TTL_MS / 4);
/**
 * How long a killed deploy's processes may outlive the kill: they are to be stopped within the kill
 * grace (plus the moment it takes to notice the death); this allows a lease's life more, so only a
 * command that would still run when another worker could take the env counts as left running.
 */
const GONE_WITHIN_MS = KILL_GRACE_MS + LEASE_TTL_MS;

type Kill = 'pid' | 'group';

describe("a deploy command never outlives its worker's supervision", () => {
  let h: Harness | undefined;
  let watch: CommandWatch | undefined;
  afterEach(async () => {
    // Whatever a failing test left running is killed here, never left to run on.
    watch?.killLeftovers();
    watch?.stop();
    await h?.stop();
    h = watch = undefined;
  });

  /**
   * One app "web", env staging, whose deploy command is stubborn: its first run takes 600 s
   * (it only ends if something stops it), later runs 0.5 s.
   */
  async function start(onWorkerLost: 'fail' | 'retry'): Promise<{ h: Harness; watch: CommandWatch }> {
    let record = '';
    h = await Harness.start({
      role: 'app',
      config: ({ dir, repo }) => {
        record = path.join(dir, 'runs.txt');
        const script = stubbornScript({ record, marker: path.join(dir, 'first-run'), firstSeconds: '600', seconds: '0.5' });
        return {
          feed_channel: 'C0FEED',
          apps: {
            web: {
              path: repo,
              environments: { staging: { on_worker_lost: onWorkerLost, deploy: [writeScript(dir, 'stubborn.sh', script)] } },
            },
          },
        };
      },
    });
    watch = new CommandWatch(record);
    return { h, watch };
  }

  /** SIGKILL to the worker's pid or to its whole process group; returns when (ms). */
  function kill(worker: ChildProcess, how: Kill): number {
    const at = Date.now();
    process.kill(how === 'group' ? -worker.pid! : worker.pid!, 'SIGKILL');
    return at;
  }

  /** What of `run` is still alive GONE_WITHIN_MS after `killedAt`, in words (empty when nothing is). */
  async function leftAlive(w: CommandWatch, run: CommandRun, killedAt: number): Promise<string[]> {
    const { alive } = await w.waitGone(run, killedAt + GONE_WITHIN_MS);
    return alive.length
      ? [
          `${alive.length} process(es) of deploy #${run.deployId}'s command still alive ${GONE_WITHIN_MS / 1000} s after the kill: ${describeProcs(alive, killedAt)}`,
        ]
      : [];
  }

  const overlapsOf = (w: CommandWatch) => overlaps(w, w.runs()).map((o) => o.text);

  test.each<[Kill]>([['pid'], ['group']])(
    'kill -9 of the worker (%s) mid-deploy: the command and its children are gone before the env lease could pass on, the deploy is reported failed once, and the next deploy runs alone',
    async (how) => {
      const { h, watch } = await start('fail');
      const doomed = h.spawnWorker({ ownGroup: true });
      const { id } = await h.deploy('staging');
      const run = await watch.waitForRun(`deploy #${id}'s command`, (r) => r.deployId === id);
      const killedAt = kill(doomed, how);
      h.spawnWorker({ ownGroup: true });

      expect(await leftAlive(watch, run, killedAt)).toEqual([]);

      const failed = await h.slack.waitForFeed(id, 'failed', 30_000);
      expect(JSON.stringify(latest(failed).blocks)).toContain('the worker running it stopped mid-deploy');
      const next = await h.deploy('staging', 'U0BEN');
      await h.slack.waitForFeed(next.id, 'succeeded');

      expect(overlapsOf(watch)).toEqual([]);
      expect({ [id]: finalState(h.slack.feedMessage(id)), [next.id]: finalState(h.slack.feedMessage(next.id)) }).toEqual({
        [id]: 'failed',
        [next.id]: 'succeeded',
      });
    },
  );

  test('on_worker_lost: retry, kill -9 of the worker group mid-deploy: attempt 2 starts only once attempt 1 is gone, and succeeds', async () => {
    const { h, watch } = await start('retry');
    const doomed = h.spawnWorker({ ownGroup: true });
    const { id } = await h.deploy('staging');
    const first = await watch.waitForRun(`deploy #${id}'s first attempt`, (r) => r.deployId === id);
    const killedAt = kill(doomed, 'group');
    h.spawnWorker({ ownGroup: true });

    const done = await h.slack.waitForFeed(id, 'succeeded', 30_000);
    expect(JSON.stringify(latest(done).blocks)).toContain('attempt 2');
    const second = watch.runs().find((r) => r.deployId === id && r !== first);
    expect(second).toBeDefined();
    // The retry never ran next to attempt 1: it started after attempt 1's last process was last seen alive.
    expect(overlapsOf(watch)).toEqual([]);
    expect(second!.startMs).toBeGreaterThanOrEqual(watch.lastAlive(first));
    expect(await leftAlive(watch, first, killedAt)).toEqual([]);
    expect(finalState(h.slack.feedMessage(id))).toBe('succeeded');
  });

  test('on_worker_lost: retry, the one-process `ferry start` (its worker on a thread) killed with its group mid-deploy and started again at once: attempt 2 waits until attempt 1 is gone', async () => {
    const { h, watch } = await start('retry');
    const doomed = h.spawnWorker({ ownGroup: true, start: true });
    const { id } = await h.deploy('staging');
    const first = await watch.waitForRun(`deploy #${id}'s first attempt`, (r) => r.deployId === id);
    expect(procStat(procStat(first.runPid)!.ppid)!.ppid).toBe(doomed.pid); // its supervisor is the start process's child
    const killedAt = kill(doomed, 'group');
    h.spawnWorker({ ownGroup: true, start: true });

    const done = await h.slack.waitForFeed(id, 'succeeded', 30_000);
    expect(JSON.stringify(latest(done).blocks)).toContain('attempt 2');
    const second = watch.runs().find((r) => r.deployId === id && r !== first)!;
    expect(overlapsOf(watch)).toEqual([]);
    expect(second.startMs).toBeGreaterThanOrEqual(watch.lastAlive(first));
    expect(await leftAlive(watch, first, killedAt)).toEqual([]);
    expect(finalState(h.slack.feedMessage(id))).toBe('succeeded');
  });

  test('kill -9 of the worker group with another deploy queued behind: that deploy starts only once the killed one is gone', async () => {
    const { h, watch } = await start('fail');
    const doomed = h.spawnWorker({ ownGroup: true });
    const { id } = await h.deploy('staging');
    const killed = await watch.waitForRun(`deploy #${id}'s command`, (r) => r.deployId === id);
    const queued = await h.deploy('staging', 'U0BEN');
    await h.slack.waitForFeed(queued.id, 'queued');
    const killedAt = kill(doomed, 'group');
    h.spawnWorker({ ownGroup: true });

    await h.slack.waitForFeed(id, 'failed', 30_000);
    await h.slack.waitForFeed(queued.id, 'succeeded', 30_000);
    const next = watch.runs().find((r) => r.deployId === queued.id)!;
    expect(overlapsOf(watch)).toEqual([]);
    expect(next.startMs).toBeGreaterThanOrEqual(watch.lastAlive(killed));
    expect(await leftAlive(watch, killed, killedAt)).toEqual([]);
    expect({ [id]: finalState(h.slack.feedMessage(id)), [queued.id]: finalState(h.slack.feedMessage(queued.id)) }).toEqual({
      [id]: 'failed',
      [queued.id]: 'succeeded',
    });
  });

  test("kill -9 of the command's supervisor (its parent) mid-deploy: the worker stops the command's group, and the deploy queued behind starts only once it is gone", async () => {
    const { h, watch } = await start('fail');
    const worker = h.spawnWorker({ ownGroup: true });
    const { id } = await h.deploy('staging');
    const killed = await watch.waitForRun(`deploy #${id}'s command`, (r) => r.deployId === id);
    const queued = await h.deploy('staging', 'U0BEN');
    await h.slack.waitForFeed(queued.id, 'queued');
    const supervisor = procStat(killed.runPid)!.ppid;
    expect(supervisor).not.toBe(worker.pid);
    const killedAt = Date.now();
    process.kill(supervisor, 'SIGKILL');

    expect(await leftAlive(watch, killed, killedAt)).toEqual([]);
    await h.slack.waitForFeed(id, 'failed', 30_000);
    await h.slack.waitForFeed(queued.id, 'succeeded', 30_000);
    expect(overlapsOf(watch)).toEqual([]);
    expect({ [id]: finalState(h.slack.feedMessage(id)), [queued.id]: finalState(h.slack.feedMessage(queued.id)) }).toEqual({
      [id]: 'failed',
      [queued.id]: 'succeeded',
    });
    // the worker itself lived on and ran the next deploy
    expect(worker.exitCode === null && worker.signalCode === null).toBe(true);
  });
});
