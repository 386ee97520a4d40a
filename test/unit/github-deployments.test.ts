import type { Redis } from 'ioredis';
import pino from 'pino';
import { parseConfig } from '../../src/config/load';
import type { Deploy } from '../../src/core/deploy';
import { GitHubDeployments } from '../../src/services/github-deployments';
import { createGitHubClient } from '../../src/source/github';
import { RedisWritePacer } from '../../src/source/github-writes';
import type { Keys } from '../../src/store/keys';
import { FakeGitHub } from '../helpers/fake-github';
import { eventually } from '../helpers/wait';
import { deletePrefix, newRedis, TWO_APP_YAML, uniqueKeys } from './fixtures';

/**
 * GitHub Deployments mirror Ferry's deploys of `repo:` apps: one deployment per deploy, states
 * only forward, and when writes queue up (GitHub wants them spaced) only each deploy's newest
 * state is sent, creations and outcomes first.
 */

const config = parseConfig(TWO_APP_YAML, '/srv/ferry/ferry.yml');
/** The same apps, api with review apps (env pr-<n>). */
const reviewConfig = parseConfig(
  TWO_APP_YAML.replace(
    '    default_branch: develop\n',
    [
      '    default_branch: develop',
      '    review_apps:',
      '      deploy: [commands/review-up.sh]',
      '      teardown: [commands/review-down.sh]',
      '      url: https://pr-{number}.review.acme.dev',
      '',
    ].join('\n'),
  ),
  '/srv/ferry/ferry.yml',
);
const SHA = 'abcdef0123456789abcdef0123456789abcdef01';
/**
 * Ferry's write spacing here; the stand-in refuses writes less than a third of that apart (its
 * clock is not Ferry's, and a loaded machine delays a send after its turn by a few ms).
 */
const SPACING_MS = 60;
let redis: Redis;
let k: Keys;
let github: FakeGitHub;
let warnings: { msg: string; err?: string }[];
beforeAll(async () => {
  redis = newRedis();
  github = await new FakeGitHub().start();
  github.writeSpacingMs = SPACING_MS / 3;
});
beforeEach(() => {
  k = uniqueKeys('ghdeploy');
  github.deployments.length = 0;
  github.requests.length = 0;
  github.spacingRefusals.length = 0;
  // Each test has a pacer slot of its own (new keys), so the stand-in forgets the last test's writes.
  github.forgetWrites();
  warnings = [];
});
afterEach(async () => {
  expect(github.spacingRefusals).toEqual([]);
  await deletePrefix(redis, k);
});
afterAll(async () => {
  await redis.quit();
  await github.stop();
});

const log = () => pino({ level: 'warn' }, { write: (line: string) => void warnings.push(JSON.parse(line) as { msg: string }) });
const client = (o: { url?: string; timeoutMs?: number } = {}) =>
  createGitHubClient({
    baseUrl: o.url ?? github.url,
    log: log(),
    writes: new RedisWritePacer(redis, k.githubWriteSlot, SPACING_MS),
    ...(o.timeoutMs && { timeoutMs: o.timeoutMs }),
  });
const mirror = (o: { url?: string; timeoutMs?: number; claimMs?: number; config?: typeof config } = {}) =>
  new GitHubDeployments({
    client: client(o),
    config: o.config ?? config,
    redis,
    k,
    logUrl: (d) => `https://ferry.test/deploys/${d.id}?t=x`,
    log: log(),
    retryMs: 20,
    ...(o.claimMs && { claimMs: o.claimMs }),
  });

const deploy = (status: Deploy['status'], over: Partial<Deploy> = {}): Deploy => ({
  id: 7,
  app: 'api',
  env: 'production',
  ref: 'v1.2.0',
  sha: SHA,
  user: 'U0ANA',
  status,
  createdAt: 1,
  rev: 1,
  attempt: 1,
  ...over,
});
const states = (id = 1) => github.deployments.find((d) => d.id === id)?.statuses.map((s) => s.state);
const writes = () => github.requests.filter((r) => r.startsWith('POST /repos/'));

test('a deploy of a repo: app is one deployment for its SHA and env, auto_merge off, with each state GitHub has time for, and the log page', async () => {
  const m = mirror();
  for (const s of ['queued', 'running', 'succeeded'] as const) {
    await m.mirror(deploy(s, s === 'queued' ? {} : { startedAt: 2 }));
    await m.settled();
  }
  expect(github.deployments).toHaveLength(1);
  const d = github.deployments[0]!;
  expect(d).toMatchObject({ repo: 'acme/api', ref: SHA, environment: 'production' });
  expect(d.body).toMatchObject({ auto_merge: false, required_contexts: [], payload: { ferry_deploy_id: 7 }, production_environment: true });
  expect(d.statuses.map((s) => s.state)).toEqual(['queued', 'in_progress', 'success']);
  expect(d.statuses.every((s) => s.log_url === 'https://ferry.test/deploys/7?t=x')).toBe(true);
  expect(warnings).toEqual([]);
});

test("an env deploying through github_deployment: gets no deployment from the mirror: the driver's own deployment is the deploy's record", async () => {
  const cdConfig = parseConfig(
    TWO_APP_YAML.replace(
      '      dev:\n        deploy: [commands/deploy.sh]\n      production:',
      '      dev:\n        github_deployment: { environment: qa }\n      production:',
    ),
    '/srv/ferry/ferry.yml',
  );
  expect(cdConfig.apps.api!.envs.dev!.ci?.driver).toBe('github_deployment');
  const m = mirror({ config: cdConfig });
  for (const s of ['queued', 'running', 'succeeded', 'failed'] as const) await m.mirror(deploy(s, { id: 21, env: 'dev', startedAt: 2 }));
  // The app's other envs are mirrored as before.
  await m.mirror(deploy('succeeded', { id: 22, env: 'production', startedAt: 2 }));
  await m.settled();
  expect(github.deployments.map((d) => [d.environment, d.body.payload])).toEqual([['production', { ferry_deploy_id: 22 }]]);
});

test('a deploy first seen at its end is created and given only its outcome: failure, or inactive when cancelled', async () => {
  const m = mirror();
  await m.mirror(deploy('failed', { id: 8, exitCode: 3, startedAt: 2 }));
  await m.mirror(deploy('cancelled', { id: 9 }));
  await m.settled();
  expect(github.deployments.map((d) => [d.body.payload, d.statuses.map((s) => [s.state, s.description])])).toEqual([
    [{ ferry_deploy_id: 8 }, [['failure', 'Deploy #8 failed (exit 3)']]],
    [{ ferry_deploy_id: 9 }, [['inactive', 'Deploy #9 cancelled']]],
  ]);
});

test('while a write waits, newer states replace older ones; creations and outcomes go before queued and in_progress', async () => {
  const m = mirror();
  github.hang = true;
  await m.mirror(deploy('queued', { id: 1 }));
  await github.waitForRequests(1); // deploy 1's creation is on its way; everything below waits behind it
  await m.mirror(deploy('queued', { id: 2 }));
  await m.mirror(deploy('queued', { id: 3 }));
  await m.mirror(deploy('running', { id: 1, startedAt: 2 }));
  await m.mirror(deploy('running', { id: 2, startedAt: 2 }));
  await m.mirror(deploy('succeeded', { id: 2, startedAt: 2 }));
  await m.mirror(deploy('running', { id: 2, startedAt: 2 })); // a late word is not a step back
  github.release();
  await m.settled();
  const ids = new Map(github.deployments.map((d) => [d.id, d.body.payload as { ferry_deploy_id: number }]));
  expect([...ids.values()].map((p) => p.ferry_deploy_id)).toEqual([1, 2, 3]);
  expect(writes()).toEqual([
    'POST /repos/acme/api/deployments',
    'POST /repos/acme/api/deployments',
    'POST /repos/acme/api/deployments',
    'POST /repos/acme/api/deployments/2/statuses',
    'POST /repos/acme/api/deployments/1/statuses',
    'POST /repos/acme/api/deployments/3/statuses',
  ]);
  expect([states(1), states(2), states(3)]).toEqual([['in_progress'], ['success'], ['queued']]);
});

test('states only move forward: a late "queued" after "in_progress", or a repeat, posts nothing, from any replica', async () => {
  const m = mirror();
  await m.mirror(deploy('running', { startedAt: 2 }));
  await m.settled();
  const other = mirror();
  await m.mirror(deploy('queued'));
  await other.mirror(deploy('queued'));
  await m.mirror(deploy('running', { startedAt: 2 }));
  await Promise.all([m.settled(), other.settled()]);
  expect(states()).toEqual(['in_progress']);
});

test('a write GitHub did not take is tried again after a backoff, with the newest state', async () => {
  const m = mirror();
  await m.mirror(deploy('queued'));
  await m.settled();
  github.deploymentStatusFailures = 1;
  await m.mirror(deploy('succeeded', { startedAt: 2 }));
  await eventually('the outcome to be posted again', () => states()?.length === 2);
  expect(states()).toEqual(['queued', 'success']);
  const said = warnings.map((w) => w.msg);
  expect(said).toContain("GitHub did not take an update of the deploy's GitHub deployment; trying again");
  expect(said).not.toContain('could not mirror the deploy to GitHub Deployments');
});

test('two replicas mirroring the same deploy at once create one deployment', async () => {
  const replicas = [mirror(), mirror(), mirror()];
  await Promise.all([
    replicas[0]!.mirror(deploy('queued')),
    replicas[1]!.mirror(deploy('failed', { startedAt: 2 })),
    replicas[2]!.mirror(deploy('queued')),
  ]);
  await eventually('the outcome on GitHub', () => states()?.includes('failure'));
  await Promise.all(replicas.map((r) => r.settled()));
  expect(github.deployments).toHaveLength(1);
  // Whatever order they ran in, each state GitHub saw came after the ones before it.
  expect([['failure'], ['queued', 'failure']]).toContainEqual(states());
});

test('a write held by a process that stopped answering is sent by another once its claim runs out', async () => {
  const dead = await new FakeGitHub().start();
  dead.hang = true;
  try {
    const stuck = mirror({ url: dead.url, claimMs: 300 });
    await stuck.mirror(deploy('succeeded', { startedAt: 2 }));
    await dead.waitForRequests(1);
    // A process that starts (or any other that is running) finds the write in the outbox.
    const fresh = mirror({ claimMs: 300 });
    await eventually('the deploy on GitHub', () => states()?.includes('success'), 10_000);
    expect(states()).toEqual(['success']);
    await dead.stop();
    await Promise.all([stuck.settled(), fresh.settled()]);
  } finally {
    await dead.stop().catch(() => {});
  }
});

test('apps from a local repository are not mirrored; a write GitHub does not answer times out once sent, and is tried again', async () => {
  const m = mirror({ timeoutMs: 200 });
  await m.mirror(deploy('queued', { app: 'web' }));
  await m.settled();
  expect(github.requests).toEqual([]);
  github.hang = true;
  await m.mirror(deploy('succeeded', { id: 11, startedAt: 2 }));
  const timedOut = await eventually('the timeout', () => warnings.find((w) => /aborted/.test(w.err ?? '')));
  expect(timedOut.msg).toBe("GitHub did not take an update of the deploy's GitHub deployment; trying again");
  github.hang = false; // the held requests stay unanswered, as after an outage
  await eventually('the deploy on GitHub', () => states()?.includes('success'), 10_000);
});

test("a write's timeout starts when it is sent, not while it waits its turn", async () => {
  const c = createGitHubClient({
    baseUrl: github.url,
    log: log(),
    writes: new RedisWritePacer(redis, k.githubWriteSlot, 100),
    timeoutMs: 250,
  });
  // Six writes at once: the last waits some 500 ms for its turn, twice its timeout.
  const made = await Promise.all(
    Array.from({ length: 6 }, (_, i) => c.rest.repos.createDeployment({ owner: 'acme', repo: 'api', ref: SHA, environment: `e${i}` })),
  );
  expect(made.map((r) => r.status)).toEqual([201, 201, 201, 201, 201, 201]);
  expect(warnings).toEqual([]);
  // One that GitHub does not answer fails as an abort, at once: not a "500" retried three times.
  github.hang = true;
  try {
    const before = github.requests.length;
    await expect(c.rest.repos.getCommit({ owner: 'acme', repo: 'api', ref: 'main' })).rejects.toMatchObject({
      name: 'AbortError',
      message: expect.stringMatching(/aborted/),
    });
    expect(github.requests.length - before).toBe(1);
  } finally {
    github.hang = false; // the held request stays unanswered
  }
});

test('the stand-in refuses a write sooner than its spacing after the last from the same token, as GitHub does', async () => {
  const post = (token: string) =>
    fetch(`${github.url}/repos/acme/api/deployments`, {
      method: 'POST',
      headers: { authorization: `token ${token}` },
      body: JSON.stringify({ ref: SHA, environment: 'x' }),
    });
  github.writeSpacingMs = 60_000;
  try {
    const [first, second, other] = [await post('a'), await post('a'), await post('b')];
    expect([first.status, second.status, other.status]).toEqual([201, 403, 201]);
    expect(second.headers.get('retry-after')).toBe('60');
    expect(((await second.json()) as { message: string }).message).toMatch(/secondary rate limit/);
    expect(github.spacingRefusals).toEqual(['POST /repos/acme/api/deployments']);
  } finally {
    github.writeSpacingMs = SPACING_MS / 3;
    github.spacingRefusals.length = 0;
  }
});

describe('review apps', () => {
  const URL = 'https://pr-42.review.acme.dev';
  const review = (status: Deploy['status'], over: Partial<Deploy> = {}) =>
    deploy(status, { env: 'pr-42', ref: 'feature/login', review: { action: 'deploy', branch: 'feature/login' }, ...over });

  test("a review app's deploy is a transient, non-production deployment of env pr-42, each status carrying the app's URL", async () => {
    const m = mirror({ config: reviewConfig });
    for (const s of ['queued', 'running', 'succeeded'] as const) {
      await m.mirror(review(s, s === 'queued' ? {} : { startedAt: 2 }));
      await m.settled();
    }
    expect(github.deployments).toHaveLength(1);
    const d = github.deployments[0]!;
    expect(d).toMatchObject({ repo: 'acme/api', ref: SHA, environment: 'pr-42' });
    expect(d.body).toMatchObject({ transient_environment: true, production_environment: false, payload: { ferry_deploy_id: 7 } });
    expect(d.statuses.map((s) => [s.state, s.environment_url])).toEqual([
      ['queued', URL],
      ['in_progress', URL],
      ['success', URL],
    ]);
    // A named env of the same app is as before: no transient environment, no environment_url.
    await m.mirror(deploy('succeeded', { id: 8, startedAt: 2 }));
    await m.settled();
    const prod = github.deployments[1]!;
    expect(prod.body).not.toHaveProperty('transient_environment');
    expect(prod.body).toMatchObject({ production_environment: true });
    expect(prod.statuses).toEqual([{ state: 'success', log_url: 'https://ferry.test/deploys/8?t=x', description: 'Deploy #8 succeeded' }]);
    expect(warnings).toEqual([]);
  });

  test("a review app's teardown is not mirrored", async () => {
    const m = mirror({ config: reviewConfig });
    for (const s of ['queued', 'running', 'succeeded'] as const) {
      await m.mirror(review(s, { review: { action: 'teardown', branch: 'feature/login' }, startedAt: 2 }));
    }
    await m.settled();
    expect(github.requests).toEqual([]);
  });

  test('retire: the deployment goes inactive after its outcome, once, and never back', async () => {
    const m = mirror({ config: reviewConfig });
    await m.mirror(review('succeeded', { startedAt: 2 }));
    await m.settled();
    await m.retire(7);
    await m.settled();
    expect(states()).toEqual(['success', 'inactive']);
    expect(github.deployments[0]!.statuses[1]).toMatchObject({
      environment_url: URL,
      description: 'Deploy #7: the review app pr-42 was torn down',
      log_url: 'https://ferry.test/deploys/7?t=x',
    });
    // Again, from this process or another, and a late word of the outcome: nothing more is posted.
    const other = mirror({ config: reviewConfig });
    await m.retire(7);
    await other.retire(7);
    await other.mirror(review('succeeded', { startedAt: 2 }));
    await Promise.all([m.settled(), other.settled()]);
    expect(states()).toEqual(['success', 'inactive']);
    expect(writes()).toHaveLength(3);
  });

  test('retire after a failed deploy; a retire GitHub did not take is tried again', async () => {
    const m = mirror({ config: reviewConfig });
    await m.mirror(review('failed', { startedAt: 2, exitCode: 1 }));
    await m.settled();
    github.deploymentStatusFailures = 1;
    await m.retire(7);
    await eventually('the inactive status', () => states()?.length === 2);
    expect(states()).toEqual(['failure', 'inactive']);
    expect(warnings.map((w) => w.msg)).toContain("GitHub did not take an update of the deploy's GitHub deployment; trying again");
    expect(warnings.map((w) => w.msg)).not.toContain('could not mirror the deploy to GitHub Deployments');
  });

  test('retire is a no-op for a deploy without a deployment, or one cancelled (already inactive)', async () => {
    const m = mirror({ config: reviewConfig });
    await m.retire(99);
    await m.mirror(deploy('queued', { id: 5, app: 'web' }));
    await m.retire(5);
    await m.settled();
    expect(github.requests).toEqual([]);
    await m.mirror(review('cancelled', { id: 6 }));
    await m.settled();
    await m.retire(6);
    await m.settled();
    expect(github.deployments.map((d) => d.statuses.map((s) => s.state))).toEqual([['inactive']]);
  });

  test('a retire asked for before the outcome was written goes after the creation, still inactive at the end', async () => {
    // A GitHub of its own: the one above still holds requests of earlier tests that release() would answer.
    const own = await new FakeGitHub().start();
    try {
      const m = mirror({ config: reviewConfig, url: own.url });
      own.hang = true;
      await m.mirror(review('queued', { id: 1 }));
      await own.waitForRequests(1);
      await m.mirror(review('succeeded', { id: 1, startedAt: 2 }));
      await m.retire(1);
      own.release();
      await m.settled();
      expect(own.deployments.map((d) => [d.environment, d.statuses.map((s) => s.state)])).toEqual([['pr-42', ['inactive']]]);
    } finally {
      await own.stop();
    }
  });
});
