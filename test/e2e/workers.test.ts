import { readFileSync } from 'node:fs';
import path from 'node:path';
import { latest } from '../helpers/fake-slack';
import { Harness, writeScript } from '../helpers/harness';
import { waitForFile } from '../helpers/wait';

/** A deploy command that records when it started and ended, so overlaps and order can be checked. */
const RECORDING = (file: string, seconds: string) => `echo "start $FERRY_DEPLOY_ID $(date +%s%N)" >> ${file}
sleep ${seconds}
echo "end $FERRY_DEPLOY_ID $(date +%s%N)" >> ${file}`;

function intervals(file: string): { id: number; start: number; end: number }[] {
  const byId = new Map<number, { id: number; start: number; end: number }>();
  for (const line of readFileSync(file, 'utf8').trim().split('\n')) {
    const [what, id, ns] = line.split(' ');
    const e = byId.get(Number(id)) ?? { id: Number(id), start: 0, end: 0 };
    e[what as 'start' | 'end'] = Number(BigInt(ns!) / 1_000_000n);
    byId.set(Number(id), e);
  }
  return [...byId.values()].sort((a, b) => a.start - b.start);
}

describe('per-env queue across worker processes', () => {
  let h: Harness;
  afterEach(async () => {
    await h?.stop();
  });

  test('three deploys to one env from two workers never overlap and run in the order they were accepted; another env runs in parallel', async () => {
    let record = '';
    let otherRecord = '';
    h = await Harness.start({
      role: 'app',
      config: ({ dir, repo }) => {
        record = path.join(dir, 'staging.txt');
        otherRecord = path.join(dir, 'dev.txt');
        return {
          feed_channel: 'C0FEED',
          apps: {
            web: {
              path: repo,
              environments: {
                staging: { deploy: [writeScript(dir, 'staging.sh', RECORDING(record, '0.4'))] },
                dev: { deploy: [writeScript(dir, 'dev.sh', RECORDING(otherRecord, '0.4'))] },
              },
            },
          },
        };
      },
    });
    h.spawnWorker();
    h.spawnWorker();
    const ids: number[] = [];
    for (const [user, ref] of [
      ['U0ANA', 'main'],
      ['U0BEN', 'fix-1'],
      ['U0CAT', 'feature/checkout'],
    ] as const)
      ids.push((await h.deploy(`staging ${ref}`, user)).id);
    const dev = await h.deploy('dev main', 'U0DAN');
    const last = await h.slack.waitForFeed(ids[2]!, 'succeeded');
    await h.slack.waitForFeed(dev.id, 'succeeded');
    for (const id of ids) expect(latest(h.slack.feedMessage(id)!).text).toContain('succeeded');

    const runs = intervals(record);
    expect(runs.map((r) => r.id)).toEqual(ids);
    for (let i = 1; i < runs.length; i++) expect(runs[i]!.start).toBeGreaterThanOrEqual(runs[i - 1]!.end);
    // dev did not wait for staging's queue
    const devRun = intervals(otherRecord)[0]!;
    expect(devRun.start).toBeLessThan(runs[2]!.start);
    // the third deploy was shown waiting its turn before it ran
    expect(last.versions.some((v) => /queued (behind #\d|, next in line)/.test(v.text))).toBe(true);
  });

  test('a worker killed with SIGKILL mid-deploy: its deploy is reported failed, the orphaned command is stopped, and the env is free again', async () => {
    let pidFile = '';
    h = await Harness.start({
      role: 'app',
      config: ({ dir, repo }) => {
        pidFile = path.join(dir, 'pid');
        return {
          feed_channel: 'C0FEED',
          apps: {
            web: {
              path: repo,
              environments: {
                staging: {
                  deploy: [
                    writeScript(
                      dir,
                      'slow.sh',
                      `echo $$ > ${pidFile}.tmp && mv ${pidFile}.tmp ${pidFile}\nif [ "$FERRY_DEPLOY_ID" = 1 ]; then sleep 600; fi`,
                    ),
                  ],
                },
              },
            },
          },
        };
      },
    });
    const doomed = h.spawnWorker();
    const { id } = await h.deploy('staging');
    await waitForFile(pidFile);
    const orphan = Number(readFileSync(pidFile, 'utf8'));
    doomed.kill('SIGKILL');
    h.spawnWorker();

    const failed = await h.slack.waitForFeed(id, 'failed', 30_000);
    expect(JSON.stringify(latest(failed).blocks)).toContain('the worker running it stopped mid-deploy');
    expect(alive(orphan)).toBe(false);

    const next = await h.deploy('staging', 'U0BEN');
    await h.slack.waitForFeed(next.id, 'succeeded');
  });

  test('with on_worker_lost: retry, a deploy whose worker was killed runs again and succeeds', async () => {
    let marker = '';
    h = await Harness.start({
      role: 'app',
      config: ({ dir, repo }) => {
        marker = path.join(dir, 'first-attempt');
        return {
          feed_channel: 'C0FEED',
          apps: {
            web: {
              path: repo,
              environments: {
                staging: {
                  on_worker_lost: 'retry',
                  deploy: [writeScript(dir, 'flaky.sh', `if [ ! -e ${marker} ]; then touch ${marker}; sleep 600; fi\necho second attempt`)],
                },
              },
            },
          },
        };
      },
    });
    const doomed = h.spawnWorker();
    const { id } = await h.deploy('staging');
    await waitForFile(marker);
    doomed.kill('SIGKILL');
    h.spawnWorker();
    const done = await h.slack.waitForFeed(id, 'succeeded', 30_000);
    expect(latest(done).blocks.length).toBeGreaterThan(0);
    expect(JSON.stringify(latest(done).blocks)).toContain('attempt 2');
  });

  test('SIGTERM lets the running deploy finish, then the worker exits', async () => {
    h = await Harness.start({
      role: 'app',
      config: ({ dir, repo }) => ({
        feed_channel: 'C0FEED',
        apps: { web: { path: repo, environments: { staging: { deploy: [writeScript(dir, 'medium.sh', 'sleep 1; echo done')] } } } },
      }),
    });
    const worker = h.spawnWorker();
    const { id } = await h.deploy('staging');
    await h.slack.waitForFeed(id, 'running since');
    const exited = new Promise<number | null>((r) => worker.on('exit', (code) => r(code)));
    worker.kill('SIGTERM');
    await h.slack.waitForFeed(id, 'succeeded');
    expect(await exited).toBe(0);
  });

  test('SIGTERM to the one-process `ferry start` (its worker on a thread) lets the running deploy finish, then the process exits 0', async () => {
    h = await Harness.start({
      role: 'app',
      config: ({ dir, repo }) => ({
        feed_channel: 'C0FEED',
        apps: { web: { path: repo, environments: { staging: { deploy: [writeScript(dir, 'medium.sh', 'sleep 1; echo done')] } } } },
      }),
    });
    const ferry = h.spawnWorker({ start: true });
    const { id } = await h.deploy('staging');
    await h.slack.waitForFeed(id, 'running since');
    const exited = new Promise<number | null>((r) => ferry.on('exit', (code) => r(code)));
    ferry.kill('SIGTERM');
    await h.slack.waitForFeed(id, 'succeeded');
    expect(await exited).toBe(0);
  });
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
