import { Redis } from 'ioredis';
import pino from 'pino';
import { parseConfig } from '../../src/config/load';
import type { Deploy } from '../../src/core/deploy';
import { GitHubDeployments } from '../../src/services/github-deployments';
import { createGitHubClient } from '../../src/source/github';
import { RedisWritePacer } from '../../src/source/github-writes';
import { keys } from '../../src/store/keys';
import { FakeGitHub } from '../helpers/fake-github';
import { Harness, writeScript } from '../helpers/harness';
import { eventually } from '../helpers/wait';

const RANK: Record<string, number> = { queued: 1, in_progress: 2, success: 3, failure: 3, inactive: 3 };
/** Each state GitHub got came after the ones before it. */
const forward = (states: string[]) => states.every((s, i) => i === 0 || RANK[s]! > RANK[states[i - 1]!]!);

/** The repository's environments page on GitHub tells the same story as the feed: one deployment per deploy, its states in order. */
describe('GitHub Deployments', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await Harness.start({
      env: { FERRY_PUBLIC_URL: 'https://ferry.acme.test' },
      config: ({ repo, dir }) => ({
        feed_channel: 'C0FEED',
        apps: {
          web: {
            repo: 'acme/web',
            clone_url: repo,
            environments: {
              staging: { deploy: ['/bin/true'] },
              production: { deploy: [writeScript(dir, 'fail.sh', 'echo broken; exit 4')] },
            },
          },
        },
      }),
    });
    h.github.refs.set('acme/web@main', h.repo.sha('main'));
    // Ferry spaces its writes a second apart, as GitHub asks; the stand-in holds it to that.
    h.github.writeSpacingMs = 800;
  });
  afterAll(() => h.stop());

  test('a deploy is a deployment for its SHA and env whose states go forward to success (linking the log page); a failed one ends in failure', async () => {
    const ok = await h.deploy('staging main');
    await h.slack.waitForFeed(ok.id, 'succeeded');
    const bad = await h.deploy('production main');
    await h.slack.waitForFeed(bad.id, 'failed');
    const ended = (env: string, state: string) =>
      h.github.deployments.find((d) => d.environment === env && d.statuses.some((s) => s.state === state));
    const staging = await eventually('staging deployment to succeed', () => ended('staging', 'success'));
    const production = await eventually('production deployment to fail', () => ended('production', 'failure'));
    expect(h.github.deployments).toHaveLength(2);
    expect(staging).toMatchObject({
      repo: 'acme/web',
      ref: h.repo.sha('main'),
      body: { auto_merge: false, required_contexts: [], payload: { ferry_deploy_id: ok.id } },
    });
    // queued and in_progress are shown when GitHub has time for them: these deploys were quicker than a write's turn.
    for (const d of [staging, production]) expect(forward(d.statuses.map((s) => s.state))).toBe(true);
    expect(staging.statuses.at(-1)!.log_url).toMatch(new RegExp(`^https://ferry\\.acme\\.test/deploys/${ok.id}\\?t=`));
    expect(production.statuses.at(-1)!.description).toBe(`Deploy #${bad.id} failed (exit 4)`);
    expect(h.github.spacingRefusals).toEqual([]);
  });
});

/**
 * A burst of 60 deploys a minute on one repository, mirrored by two replicas (an app and a worker)
 * at a time scale of 1 s = SPACING_MS: Ferry's writes SPACING_MS apart, the stand-in refusing any
 * sooner than STAND_IN_MS, as GitHub's secondary rate limit does. Every deploy ends on GitHub in
 * its real outcome, no state goes backwards, and no write is refused or given up.
 */
describe('GitHub Deployments under a burst of deploys', () => {
  // The stand-in refuses under a sixth of Ferry's spacing. It runs in the test's own process and
  // times a write when its handler runs: on a loaded machine (CI, the whole suite on two cores) a
  // send, or that handler, can lag its turn by well over 50 ms, which at GitHub's real 1 s spacing
  // is nothing. (At 80/25 this failed in two full runs of the suite out of three.)
  const SPACING_MS = 160;
  const STAND_IN_MS = 25;
  const DEPLOYS = 60;
  const config = parseConfig(
    'feed_channel: C0FEED\napps:\n  api:\n    repo: acme/api\n    environments:\n      production:\n        deploy: [deploy.sh]\n',
    '/srv/ferry/ferry.yml',
  );
  const k = keys(`t-ghburst-${process.pid}-${Date.now().toString(36)}`);
  const connections: Redis[] = [];
  let github: FakeGitHub;
  beforeAll(async () => {
    github = await new FakeGitHub().start();
    github.writeSpacingMs = STAND_IN_MS;
  });
  afterAll(async () => {
    const found = await connections[0]!.keys(`${k.prefix}:*`);
    if (found.length) await connections[0]!.del(...found);
    for (const c of connections) c.disconnect();
    await github.stop();
  });

  test('60 deploys a minute: every outcome reaches GitHub, states only forward, no write refused, none given up', async () => {
    const warnings: string[] = [];
    const replica = () => {
      const redis = new Redis(process.env.FERRY_TEST_REDIS_URL!);
      connections.push(redis);
      const log = pino({ level: 'warn' }, { write: (line: string) => void warnings.push(line) });
      const client = createGitHubClient({
        baseUrl: github.url,
        token: 'ghp_burst',
        log,
        writes: new RedisWritePacer(redis, k.githubWriteSlot, SPACING_MS),
      });
      return new GitHubDeployments({ client, config, redis, k, logUrl: (d) => `https://ferry.test/deploys/${d.id}`, log });
    };
    const [app, worker] = [replica(), replica()];
    const outcome = new Map<number, string>();
    const at = (units: number, fn: () => Promise<void>) =>
      new Promise<void>((resolve, reject) => setTimeout(() => fn().then(resolve, reject), units * SPACING_MS));
    const random = lcg(13);
    const lives = Array.from({ length: DEPLOYS }, (_, i) => {
      const id = i + 1;
      const dep = (status: Deploy['status'], over: Partial<Deploy> = {}): Deploy => ({
        id,
        app: 'api',
        env: 'production',
        ref: 'main',
        sha: 'a'.repeat(40),
        user: 'U0ANA',
        status,
        createdAt: 1,
        rev: 1,
        attempt: 1,
        ...over,
      });
      const wait = 1 + Math.floor(random() * 3);
      const run = 1 + Math.floor(random() * 5);
      const roll = random();
      const steps = [at(i, () => app.mirror(dep('queued'))), at(i + 0.5, () => worker.mirror(dep('queued')))]; // the feed's refreshes
      if (roll < 0.1) {
        outcome.set(id, 'inactive');
        steps.push(at(i + wait, () => app.mirror(dep('cancelled'))));
      } else {
        const failed = roll < 0.3;
        outcome.set(id, failed ? 'failure' : 'success');
        steps.push(at(i + wait, () => worker.mirror(dep('running', { startedAt: 2 }))));
        steps.push(
          at(i + wait + run, () => worker.mirror(dep(failed ? 'failed' : 'succeeded', { startedAt: 2, exitCode: failed ? 1 : 0 }))),
        );
      }
      return Promise.all(steps);
    });
    await Promise.all(lives);
    const last = (id: number) =>
      github.deployments.find((d) => (d.body.payload as { ferry_deploy_id: number }).ferry_deploy_id === id)?.statuses.at(-1)?.state;
    await eventually('every outcome on GitHub', () => [...outcome].every(([id, state]) => last(id) === state), 45_000);
    await Promise.all([app.settled(), worker.settled()]);

    const byDeploy = new Map<number, string[]>();
    for (const d of github.deployments) {
      const id = (d.body.payload as { ferry_deploy_id: number }).ferry_deploy_id;
      expect(byDeploy.has(id)).toBe(false); // one deployment per deploy
      byDeploy.set(
        id,
        d.statuses.map((s) => s.state),
      );
    }
    expect(byDeploy.size).toBe(DEPLOYS);
    for (const [id, states] of byDeploy) {
      expect(forward(states)).toBe(true);
      expect(states.at(-1)).toBe(outcome.get(id));
    }
    expect(github.spacingRefusals).toEqual([]);
    expect(warnings).toEqual([]);
    // Coalesced: far fewer statuses than the states the deploys went through (up to 3 each).
    expect([...byDeploy.values()].flat().length).toBeLessThan(DEPLOYS * 1.5);
  });
});

/** A small seeded generator, so the burst is the same every run. */
function lcg(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1_103_515_245 + 12_345) % 2 ** 31;
    return s / 2 ** 31;
  };
}
