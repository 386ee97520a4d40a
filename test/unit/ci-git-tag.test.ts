import pino from 'pino';
import { GitTagDriver } from '../../src/ci/git-tag';
import { checksView, statusesView, type TagCheckRun, type TagSuite, tagSuites } from '../../src/core/ci/tag-checks';
import { type CiDeploy, CiRefused, type RunRef } from '../../src/core/ci/types';
import type { CiConfig } from '../../src/core/config/normalize-ci';
import { createGitHubClient } from '../../src/source/github';
import { LocalWritePacer } from '../../src/source/github-writes';
import { FakeGitHub } from '../helpers/fake-github';
import type { TagPush } from '../helpers/fake-github-tags';

/**
 * `git_tag:` against the GitHub stand-in: the tag moved once per deploy (created, moved, or deleted
 * and created again when it is at the SHA already, so that GitHub sends a push), and what the
 * tag's push started followed: its check suites (never the branch's on the same commit), commit
 * statuses, or nothing.
 */

const REPO = 'acme/web';
const SHA = 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678';
const OLD = '0123456789abcdef0123456789abcdef01234567';
let github: FakeGitHub;
const client = () =>
  createGitHubClient({ baseUrl: github.url, token: 'ghp_test', log: pino({ level: 'silent' }), writes: new LocalWritePacer(0) });
const deploy: CiDeploy = { id: 12, app: 'web', env: 'demo', sha: SHA, ref: 'main', user: 'U0ANA', repo: REPO };
type TagConfig = Extract<CiConfig, { driver: 'git_tag' }>;
const driver = (cfg: Partial<TagConfig> = {}) =>
  new GitTagDriver(
    { driver: 'git_tag', name: 'deploy-demo', follow: 'checks', ...cfg },
    { github: client(), repo: REPO, log: pino({ level: 'silent' }) },
  );

beforeAll(async () => {
  github = await new FakeGitHub().start();
});
afterAll(async () => {
  await github.stop();
});
beforeEach(() => {
  const t = github.tags;
  t.tags.clear();
  t.repos.clear();
  t.repos.set(REPO, { push: true });
  t.writes.length = 0;
  t.pushes.length = 0;
  t.suites.length = 0;
  t.statuses.clear();
  t.protectedTags.clear();
  t.onPush.length = 0;
  t.failNextWrite = undefined;
});

const writes = () => github.tags.writes.map((w) => `${w.method} ${w.tag}${w.sha ? `=${w.sha.slice(0, 7)}` : ''} ${w.status}`);

describe('dispatch moves the tag so that GitHub sends one push', () => {
  test('a missing tag is created; the run is the tag at the SHA, with the move time and a link to the tag', async () => {
    const run = await driver().dispatch(deploy);
    expect(writes()).toEqual(['POST deploy-demo=a1b2c3d 201']);
    expect(github.tags.pushes.map((p) => `${p.tag}@${p.sha}`)).toEqual([`deploy-demo@${SHA}`]);
    expect(run.id).toBe('deploy-demo@a1b2c3d');
    expect(run.url).toBe(`${github.url}/acme/web/releases/tag/deploy-demo`);
    expect(run.data).toMatchObject({ tag: 'deploy-demo', sha: SHA, afterId: '0' });
    expect(Math.abs(Number(run.data!.movedAt) - Date.now())).toBeLessThan(5_000);
  });

  test('a tag elsewhere is moved with force; placeholders are filled', async () => {
    github.tags.setTag(REPO, 'deploy-demo', OLD);
    await driver({ name: 'deploy-{env}' }).dispatch(deploy);
    expect(writes()).toEqual(['PATCH deploy-demo=a1b2c3d 200']);
    expect(github.tags.tagOf(REPO, 'deploy-demo')).toBe(SHA);
    expect(github.tags.pushes).toHaveLength(1);
  });

  test('a tag at the SHA already is deleted and created again: a move to where it is would push nothing', async () => {
    github.tags.setTag(REPO, 'deploy-demo', SHA);
    await driver().dispatch(deploy);
    expect(writes()).toEqual(['DELETE deploy-demo 204', 'POST deploy-demo=a1b2c3d 201']);
    expect(github.tags.pushes).toHaveLength(1);
  });

  test('a write whose answer was lost but which arrived is not sent again', async () => {
    github.tags.setTag(REPO, 'deploy-demo', OLD);
    github.tags.failNextWrite = { status: 502, message: 'Bad Gateway', applied: true };
    await driver().dispatch(deploy);
    expect(writes()).toEqual(['PATCH deploy-demo=a1b2c3d 502']);
    expect(github.tags.pushes).toHaveLength(1);
  });

  test('a write that failed and did not arrive is not sent again either: the error is thrown as it is (not a refusal)', async () => {
    github.tags.failNextWrite = { status: 502, message: 'Bad Gateway' };
    const err = await driver()
      .dispatch(deploy)
      .catch((e: Error) => e);
    expect(err).not.toBeInstanceOf(CiRefused);
    expect(writes()).toEqual(['POST deploy-demo=a1b2c3d 502']);
  });

  test('refusals say what to fix: a protected tag (422), an unknown repository (404), no contents: write (403)', async () => {
    github.tags.protectedTags.add('deploy-demo');
    await expect(driver().dispatch(deploy)).rejects.toThrow(
      /GitHub refused to move the tag deploy-demo \(HTTP 422: Repository rule violations found Cannot update this protected ref\.\s*\): check git_tag\.name in ferry\.yml, and that no tag protection rule/,
    );
    github.tags.repos.clear();
    await expect(driver().dispatch(deploy)).rejects.toThrow(
      "GitHub can't show acme/web to Ferry (404): check the app's repo: in ferry.yml, and give Ferry's GitHub token or App contents: write on it",
    );
    github.tags.repos.set(REPO, { push: true });
    github.tags.protectedTags.clear();
    github.tags.failNextWrite = { status: 403, message: 'Resource not accessible by integration' };
    const err = await driver()
      .dispatch(deploy)
      .catch((e: Error) => e);
    expect(err).toBeInstanceOf(CiRefused);
    expect((err as Error).message).toBe(
      "GitHub refused to move the tag deploy-demo (HTTP 403: Resource not accessible by integration): give Ferry's GitHub token or App contents: write on acme/web",
    );
  });
});

describe('following the checks the push of the tag started', () => {
  /** The tag's push starts an Actions suite with a deploy job; the branch's push on the same commit a failing suite. */
  const startsSuite = () => {
    const started: { suite?: ReturnType<typeof github.tags.addSuite> } = {};
    github.tags.onPush.push((p: TagPush) => {
      started.suite = github.tags.addSuite(p.repo, p.sha, p.tag);
    });
    return started;
  };

  test('waiting until a suite exists, running, then succeeded; the branch suite on the SHA and an older tag suite never count', async () => {
    const old = github.tags.addSuite(REPO, SHA, 'deploy-demo', { createdAt: Date.now() - 3_600_000 });
    github.tags.addCheck(old, 'deploy');
    github.tags.endSuite(old, 'failure');
    const d = driver();
    const run = await d.dispatch(deploy);
    expect(await d.view(deploy, run)).toMatchObject({
      phase: 'waiting',
      text: 'waiting for the checks the push of tag deploy-demo starts',
    });

    const branch = github.tags.addSuite(REPO, SHA, 'main');
    github.tags.endCheck(github.tags.addCheck(branch, 'lint'), 'failure');
    github.tags.endSuite(branch, 'failure');
    const suite = github.tags.addSuite(REPO, SHA, 'deploy-demo');
    const job = github.tags.addCheck(suite, 'deploy');
    const running = await d.view(deploy, run);
    expect(running).toMatchObject({ phase: 'running', text: 'in progress: deploy running' });
    expect(running.url).toBe(`https://github.com/acme/web/actions/runs/${suite.run!.id}/job/${job.id}`);
    expect(running.jobs).toEqual([{ id: String(job.id), name: 'deploy', ended: false }]);

    github.tags.endCheck(job, 'success', ['rolled out']);
    expect((await d.view(deploy, run)).phase).toBe('running'); // its suite has not completed: another job may follow
    github.tags.endSuite(suite, 'success');
    expect(await d.view(deploy, run)).toMatchObject({
      phase: 'ended',
      outcome: 'succeeded',
      conclusion: 'success',
      text: 'success: deploy ✓',
    });
  });

  test('a failure names the failing checks; checks: counts only the named ones', async () => {
    const started = startsSuite();
    const d = driver();
    const run = await d.dispatch(deploy);
    const s = started.suite!;
    github.tags.endCheck(github.tags.addCheck(s, 'build'), 'success');
    github.tags.endCheck(github.tags.addCheck(s, 'deploy'), 'failure');
    github.tags.endCheck(github.tags.addCheck(s, 'notify'), 'skipped');
    github.tags.endSuite(s, 'failure');
    expect(await d.view(deploy, run)).toMatchObject({ phase: 'ended', outcome: 'failed', conclusion: 'failure: deploy (failure)' });
    const only = driver({ checks: ['build'] });
    expect(await only.view(deploy, run)).toMatchObject({ phase: 'ended', outcome: 'succeeded', text: 'success: build ✓' });
  });

  test("job logs: an Actions job's log; another app's check run's output", async () => {
    const d = driver();
    const run = await d.dispatch(deploy);
    const actions = github.tags.addSuite(REPO, SHA, 'deploy-demo');
    const job = github.tags.addCheck(actions, 'deploy', { lines: ['pulling image'] });
    github.tags.endCheck(job, 'success', ['rolled out']);
    const circle = github.tags.addSuite(REPO, SHA, 'deploy-demo', { app: 'circleci-checks' });
    const other = github.tags.addCheck(circle, 'smoke');
    github.tags.endCheck(other, 'success', ['smoke ok', 'all good'], 'Smoke passed');
    const view = await d.view(deploy, run);
    const log = (name: string) => d.jobLog(deploy, run, view.jobs.find((j) => j.name === name)!);
    expect(await log('deploy')).toEqual(['pulling image', 'rolled out']);
    expect(await log('smoke')).toEqual(['Smoke passed', 'smoke ok', 'all good']);
  });

  test("cancel: GitHub Actions' workflow run is cancelled; another app's suite goes on", async () => {
    const started = startsSuite();
    const d = driver();
    const run = await d.dispatch(deploy);
    github.tags.addCheck(started.suite!, 'deploy');
    expect(await d.cancel(deploy, run)).toEqual({ asked: true });
    expect(started.suite!.run!.cancels).toBe(1);
    expect(await d.cancel(deploy, run)).toEqual({ asked: true });
    expect(started.suite!.run!.cancels).toBe(1);

    github.tags.endSuite(started.suite!, 'cancelled');
    expect(await driver().cancel(deploy, run)).toEqual({ cannot: 'the runs the push of tag deploy-demo started have ended already' });
    github.tags.addCheck(github.tags.addSuite(REPO, SHA, 'deploy-demo', { app: 'buildkite' }), 'deploy');
    expect(await driver().cancel(deploy, run)).toEqual({ cannot: 'Ferry can only cancel GitHub Actions runs; buildkite goes on' });
  });

  test('a cancel asked before the push started anything reaches the Actions run once it shows up', async () => {
    const d = driver();
    const run = await d.dispatch(deploy);
    expect(await d.cancel(deploy, run)).toEqual({
      cannot: 'the push of tag deploy-demo has started no GitHub Actions run yet (one that shows up while Ferry follows is cancelled)',
    });
    const suite = github.tags.addSuite(REPO, SHA, 'deploy-demo');
    github.tags.addCheck(suite, 'deploy');
    await d.view(deploy, run);
    expect(suite.run!.cancels).toBe(1);
  });

  test('recover: the tag at the SHA is the run (what started since the claim counts); elsewhere or missing, none', async () => {
    const since = Date.now();
    expect(await driver().recover(deploy, since)).toEqual({ none: true });
    github.tags.setTag(REPO, 'deploy-demo', OLD);
    expect(await driver().recover(deploy, since)).toEqual({ none: true });
    github.tags.setTag(REPO, 'deploy-demo', SHA);
    const r = (await driver().recover(deploy, since)) as { run: RunRef };
    expect(r.run).toMatchObject({ id: 'deploy-demo@a1b2c3d', data: { movedAt: String(since), tag: 'deploy-demo', sha: SHA } });
    expect(github.tags.writes).toEqual([]);
  });

  test('wakeKeys: the commit (check_run, check_suite and status webhooks)', async () => {
    expect(driver().wakeKeys(deploy)).toEqual([`sha:acme/web:${SHA}`]);
  });
});

describe('follow: statuses and none', () => {
  test('statuses posted after the move, the newest per context; named contexts only with checks:', async () => {
    github.tags.addStatus(SHA, 'ci/circleci: deploy', 'failure');
    const d = driver({ follow: 'statuses' });
    const run = await d.dispatch(deploy);
    expect(await d.view(deploy, run)).toMatchObject({ phase: 'waiting' });
    github.tags.addStatus(SHA, 'ci/circleci: deploy', 'pending', { targetUrl: 'https://circleci.com/gh/acme/web/77' });
    expect(await d.view(deploy, run)).toMatchObject({ phase: 'running', url: 'https://circleci.com/gh/acme/web/77' });
    github.tags.addStatus(SHA, 'ci/circleci: deploy', 'success', {
      description: 'Your tests passed on CircleCI!',
      targetUrl: 'https://circleci.com/gh/acme/web/77',
    });
    github.tags.addStatus(SHA, 'ci/circleci: lint', 'failure');
    expect(await d.view(deploy, run)).toMatchObject({
      phase: 'ended',
      outcome: 'failed',
      conclusion: 'failure: ci/circleci: lint (failure)',
    });
    const named = driver({ follow: 'statuses', checks: ['ci/circleci: deploy'] });
    const view = await named.view(deploy, run);
    expect(view).toMatchObject({ phase: 'ended', outcome: 'succeeded' });
    expect(await named.jobLog(deploy, run, view.jobs[0]!)).toEqual([
      'ci/circleci: deploy: success — Your tests passed on CircleCI!',
      'https://circleci.com/gh/acme/web/77',
    ]);
    expect(await named.cancel(deploy, run)).toEqual({
      cannot: 'Ferry can only cancel GitHub Actions runs; the CI posting commit statuses goes on',
    });
  });

  test('none: the deploy succeeds once the tag moved', async () => {
    const d = driver({ follow: 'none' });
    const run = await d.dispatch(deploy);
    expect(await d.view(deploy, run)).toEqual({
      phase: 'ended',
      outcome: 'succeeded',
      conclusion: 'tag moved',
      text: 'tag deploy-demo moved to a1b2c3d',
      jobs: [],
    });
  });
});

describe('ferry check', () => {
  test('an unknown repository, a token that may not push; a GitHub that does not answer is a warning', async () => {
    expect(await driver().check()).toEqual([]);
    github.tags.repos.set(REPO, { push: false });
    expect(await driver().check()).toEqual([
      {
        key: 'name',
        message: "Ferry's token may not push to acme/web, so it can't move the tag deploy-demo: give the token or App contents: write",
      },
    ]);
    github.tags.repos.clear();
    expect(await driver().check()).toEqual([
      {
        key: '',
        message:
          "GitHub can't show acme/web to Ferry's token (404): check the app's repo:, and give the token or App contents: write on it",
      },
    ]);
    const nowhere = new GitTagDriver(
      { driver: 'git_tag', name: 'deploy-demo', follow: 'checks' },
      {
        github: createGitHubClient({ baseUrl: 'http://127.0.0.1:1', log: pino({ level: 'silent' }) }),
        repo: REPO,
        log: pino({ level: 'silent' }),
      },
    );
    expect(await nowhere.check()).toEqual([expect.objectContaining({ key: 'name', warning: true })]);
  });
});

describe('the checks as one run (pure)', () => {
  const suite = (id: number, o: Partial<TagSuite> = {}): TagSuite => ({
    id,
    head_branch: 'deploy-demo',
    status: 'completed',
    conclusion: 'success',
    created_at: '2026-12-03T10:00:10Z',
    app: { slug: 'github-actions' },
    ...o,
  });
  const check = (id: number, name: string, conclusion: string | null = 'success'): TagCheckRun => ({
    id,
    name,
    status: conclusion ? 'completed' : 'in_progress',
    conclusion,
  });
  const moved = { at: Date.parse('2026-12-03T10:00:10Z'), afterId: 100 };

  test('suites of the tag made after the move: not the branch, not an earlier id, not much earlier', () => {
    const all = [suite(101), suite(102, { head_branch: 'main' }), suite(99), suite(103, { created_at: '2026-12-03T09:00:00Z' })];
    expect(tagSuites(all, 'deploy-demo', moved).map((s) => s.id)).toEqual([101]);
    expect(tagSuites(all, 'deploy-demo', { at: moved.at }).map((s) => s.id)).toEqual([101, 99]);
  });

  test("another app's empty queued suite holds nothing up; an empty Actions suite does", () => {
    const done = { suite: suite(101), runs: [check(1, 'deploy')] };
    expect(checksView([done, { suite: suite(102, { status: 'queued', app: { slug: 'idle-app' } }), runs: [] }], undefined, 'x').phase).toBe(
      'ended',
    );
    expect(checksView([done, { suite: suite(102, { status: 'queued' }), runs: [] }], undefined, 'x').phase).toBe('running');
  });

  test('named checks: ended once each has completed; a suite ended without one: it never ran', () => {
    const open = { suite: suite(101, { status: 'in_progress' }), runs: [check(1, 'deploy'), check(2, 'e2e', null)] };
    expect(checksView([open], ['deploy'], 'x').outcome).toBe('succeeded');
    const ended = { suite: suite(101), runs: [check(1, 'build')] };
    expect(checksView([ended], ['build', 'deploy'], 'x')).toMatchObject({ outcome: 'failed', conclusion: 'failure: deploy (never ran)' });
    expect(checksView([{ suite: suite(101), runs: [check(1, 'deploy', 'cancelled')] }], undefined, 'x')).toMatchObject({
      outcome: 'cancelled',
    });
  });

  test('suites that all completed without a check run: ended by their own conclusions', () => {
    expect(checksView([{ suite: suite(101, { conclusion: 'startup_failure' }), runs: [] }], undefined, 'x')).toMatchObject({
      phase: 'ended',
      outcome: 'failed',
      conclusion: 'failure: github-actions suite (startup_failure)',
    });
    expect(checksView([{ suite: suite(101), runs: [] }], undefined, 'x')).toMatchObject({ phase: 'ended', outcome: 'succeeded' });
    expect(checksView([{ suite: suite(101), runs: [] }], ['deploy'], 'x')).toMatchObject({ conclusion: 'failure: deploy (never ran)' });
  });

  test('statuses: only after the move, the newest per context', () => {
    const s = (id: number, context: string, state: string) => ({ id, context, state, created_at: '2026-12-03T10:00:20Z' });
    expect(
      statusesView([s(104, 'deploy', 'success'), s(103, 'deploy', 'pending'), s(90, 'lint', 'failure')], undefined, moved),
    ).toMatchObject({
      phase: 'ended',
      outcome: 'succeeded',
    });
  });
});
