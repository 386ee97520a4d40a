import type { Redis } from 'ioredis';
import pino from 'pino';
import { parseConfig } from '../../src/config/load';
import type { Deploy } from '../../src/core/deploy';
import { GitHubDeployments } from '../../src/services/github-deployments';
import { createGitHubClient } from '../../src/source/github';
import type { Keys } from '../../src/store/keys';
import { FakeGitHub } from '../helpers/fake-github';
import { deletePrefix, newRedis, TWO_APP_YAML, uniqueKeys } from './fixtures';

/** GitHub Deployments mirror Ferry's deploys of `repo:` apps: one deployment per deploy, states in order, errors never in the way. */

const config = parseConfig(TWO_APP_YAML, '/srv/ferry/ferry.yml');
const SHA = 'abcdef0123456789abcdef0123456789abcdef01';
let redis: Redis;
let k: Keys;
let github: FakeGitHub;
beforeAll(async () => {
  redis = newRedis();
  github = await new FakeGitHub().start();
});
beforeEach(() => {
  k = uniqueKeys('ghdeploy');
  github.deployments.length = 0;
});
afterEach(async () => {
  await deletePrefix(redis, k);
});
afterAll(async () => {
  await redis.quit();
  await github.stop();
});

const mirror = () =>
  new GitHubDeployments({
    client: createGitHubClient({ baseUrl: github.url, log: pino({ level: 'silent' }) }),
    config,
    redis,
    k,
    logUrl: (d) => `https://ferry.test/deploys/${d.id}?t=x`,
    log: pino({ level: 'silent' }),
  });

const deploy = (status: Deploy['status'], over: Partial<Deploy> = {}): Deploy => ({ id: 7, app: 'api', env: 'production', ref: 'v1.2.0', sha: SHA, user: 'U0ANA', status, createdAt: 1, rev: 1, attempt: 1, ...over });

test('a deploy of a repo: app is one deployment for its SHA and env, auto_merge off, with its states in order and the log page', async () => {
  const m = mirror();
  for (const s of ['queued', 'running', 'succeeded'] as const) await m.mirror(deploy(s, s === 'queued' ? {} : { startedAt: 2 }));
  expect(github.deployments).toHaveLength(1);
  const d = github.deployments[0]!;
  expect(d).toMatchObject({ repo: 'acme/api', ref: SHA, environment: 'production' });
  expect(d.body).toMatchObject({ auto_merge: false, required_contexts: [], payload: { ferry_deploy_id: 7 }, production_environment: true });
  expect(d.statuses.map((s) => s.state)).toEqual(['queued', 'in_progress', 'success']);
  expect(d.statuses.every((s) => s.log_url === 'https://ferry.test/deploys/7?t=x')).toBe(true);
});

test('failed and cancelled deploys end as failure and inactive', async () => {
  const m = mirror();
  await m.mirror(deploy('failed', { id: 8, exitCode: 3, startedAt: 2 }));
  await m.mirror(deploy('cancelled', { id: 9 }));
  // Each seen only at its end: the states it went through are posted too (a cancelled queued one never ran).
  expect(github.deployments.map((d) => d.statuses.map((s) => [s.state, s.description]))).toEqual([
    [
      ['queued', 'Deploy #8 queued by Ferry'],
      ['in_progress', 'Deploy #8 running'],
      ['failure', 'Deploy #8 failed (exit 3)'],
    ],
    [
      ['queued', 'Deploy #9 queued by Ferry'],
      ['inactive', 'Deploy #9 cancelled'],
    ],
  ]);
});

test('states only move forward: a late "queued" after "in_progress", or a repeat, posts nothing', async () => {
  const m = mirror();
  await m.mirror(deploy('running', { startedAt: 2 }));
  await m.mirror(deploy('queued'));
  await m.mirror(deploy('running', { startedAt: 2 }));
  expect(github.deployments[0]!.statuses.map((s) => s.state)).toEqual(['queued', 'in_progress']);
});

test('a state GitHub did not take is posted again with the next update, in order', async () => {
  const m = mirror();
  await m.mirror(deploy('queued'));
  github.deploymentStatusFailures = 1;
  await m.mirror(deploy('succeeded', { startedAt: 2 }));
  expect(github.deployments[0]!.statuses.map((s) => s.state)).toEqual(['queued']);
  await m.mirror(deploy('succeeded', { startedAt: 2 }));
  expect(github.deployments[0]!.statuses.map((s) => s.state)).toEqual(['queued', 'in_progress', 'success']);
});

test('two replicas mirroring the same deploy at once create one deployment', async () => {
  await Promise.all([mirror().mirror(deploy('queued')), mirror().mirror(deploy('failed', { startedAt: 2 })), mirror().mirror(deploy('queued'))]);
  expect(github.deployments).toHaveLength(1);
  // Whatever order they ran in, GitHub saw each state once, in order.
  expect(github.deployments[0]!.statuses.map((s) => s.state)).toEqual(['queued', 'in_progress', 'failure']);
});

test('apps from a local repository are not mirrored; GitHub not answering does not throw', async () => {
  await mirror().mirror(deploy('queued', { app: 'web' }));
  expect(github.deployments).toHaveLength(0);
  github.hang = true;
  const slow = new GitHubDeployments({
    client: createGitHubClient({ baseUrl: github.url, log: pino({ level: 'silent' }) }),
    config,
    redis,
    k,
    logUrl: () => undefined,
    log: pino({ level: 'silent' }),
    timeoutMs: 200,
  });
  try {
    await expect(slow.mirror(deploy('queued', { id: 11 }))).resolves.toBeUndefined();
  } finally {
    github.release();
  }
});
