import { existsSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fakePull, pullRequestPayload } from '../helpers/fake-github';
import { Harness, writeScript } from '../helpers/harness';
import { deliver, WEBHOOK_SECRET } from '../helpers/webhooks';
import { eventually } from '../helpers/wait';

// A review app's teardown must never be forgotten: not when the worker running it is killed with
// kill -9 (its process group too): another worker reports it failed, and it is tried again.

describe('review apps under faults', () => {
  let h: Harness;
  afterEach(async () => {
    await h?.stop();
  });

  test('a worker killed (kill -9 of its process group) mid-teardown: the teardown is reported failed, kept, retried, and runs to the end once', async () => {
    h = await Harness.start({
      role: 'app',
      env: { GITHUB_WEBHOOK_SECRET: WEBHOOK_SECRET },
      config: ({ dir, repo }) => ({
        feed_channel: 'C0FEED',
        shutdown_grace: '1s',
        apps: {
          web: {
            repo: 'acme/web',
            clone_url: repo,
            environments: { staging: { deploy: ['/bin/true'] } },
            review_apps: {
              deploy: [writeScript(dir, 'up.sh', `echo "deploy $FERRY_SHA" >> "${dir}/runs"`)],
              // Says it started (with its pid), waits while `hold` exists, then records that it ran to the end.
              teardown: [
                writeScript(
                  dir,
                  'down.sh',
                  `echo $$ > "${dir}/teardown-pid-$FERRY_DEPLOY_ID"\nwhile [ -f "${dir}/hold" ]; do sleep 0.05; done\necho "teardown $FERRY_SHA" >> "${dir}/runs"`,
                ),
              ],
              url: 'https://pr-{number}.review.acme.dev',
            },
          },
        },
      }),
    });
    const file = (n: string) => path.join(h.dir, n);
    const runs = () => (existsSync(file('runs')) ? readFileSync(file('runs'), 'utf8').trim().split('\n') : []);
    const review = () => h.redis.hgetall(`${h.prefix}:review:web:11`);
    const state = (want: string) =>
      eventually(`review app #11 to be ${want}`, async () => ((await review()).state === want ? review() : undefined), 40_000);
    const sha = h.repo.sha('main');
    const doomed = h.spawnWorker({ ownGroup: true });

    const open = fakePull({ number: 11, sha, branch: 'eleven' });
    h.github.openPulls.set('acme/web', [open]);
    expect((await deliver(h.url, 'pull_request', pullRequestPayload('opened', open))).status).toBe(202);
    await state('live');

    writeFileSync(file('hold'), '');
    const closed = fakePull({ number: 11, sha, branch: 'eleven', state: 'closed' });
    h.github.openPulls.set('acme/web', [closed]);
    expect((await deliver(h.url, 'pull_request', pullRequestPayload('closed', closed))).status).toBe(202);
    const tearing = await state('tearing-down');
    const teardownId = Number(tearing.deployId);
    await eventually('the teardown command to start', () => existsSync(file(`teardown-pid-${teardownId}`)));
    const commandPid = Number(readFileSync(file(`teardown-pid-${teardownId}`), 'utf8'));

    // The worker and its process group (the supervisor and the teardown command) die at once.
    process.kill(-doomed.pid!, 'SIGKILL');
    await eventually('the teardown command to be gone', () => {
      try {
        process.kill(commandPid, 0);
        return false;
      } catch {
        return true;
      }
    });
    unlinkSync(file('hold'));
    h.spawnWorker();

    // Another worker finds the teardown lost: failed, reported, kept, its retry scheduled.
    const failed = await state('teardown-failed');
    expect(failed.teardownTries).toBe('1');
    expect(failed.error).toContain('stopped mid-deploy');
    // The retry is scheduled right after the state is recorded (the same after-deploy step).
    await eventually('the retry to be scheduled', async () => (await h.redis.exists(`${h.prefix}:q:timers:review-retry-web-11-1`)) === 1);
    await eventually('the pull request to say the teardown failed', () =>
      h.github.comments.some((c) => c.issue === 11 && /teardown failed/i.test(c.body)),
    );
    // Its place is still taken: it is not gone until its teardown succeeds.
    expect(await h.redis.zscore(`${h.prefix}:review:web:live`, '11')).not.toBeNull();

    // The retry (here asked for at once, as the retry timer or the reconcile would) runs it to the end, once.
    const down = await h.slash('/deploy', 'pr-11 teardown', 'U0ANA');
    expect(await h.answer(down.id)).toMatch(/tearing down/i);
    await state('gone');
    expect(runs()).toEqual([`deploy ${sha}`, `teardown ${sha}`]);
    expect(await h.redis.zscore(`${h.prefix}:review:web:live`, '11')).toBeNull();
  });
});
