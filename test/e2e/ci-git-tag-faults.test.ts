import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import type { FakeSuite, TagPush } from '../helpers/fake-github-tags';
import { Harness, ROOT } from '../helpers/harness';
import { eventually } from '../helpers/wait';

// `git_tag:` when things go wrong: a worker killed (kill -9 of its group) while following the run
// (followed on by the next worker, the tag never moved twice), GitHub refusing the move (an unknown
// repository, a protected tag, a token without contents: write), its rate limit (waited out), a
// push that starts nothing (failed at the env's timeout, naming what it waited for), and
// `ferry check` naming each settings problem with its key path and the fix.

const TAGS = { demo: 'deploy-demo', locked: 'deploy-locked', slow: 'deploy-slow' };

const config = ({ repo }: { repo: string }) => ({
  feed_channel: 'C0FEED',
  shutdown_grace: '1s',
  apps: {
    web: {
      repo: 'acme/web',
      clone_url: repo,
      environments: {
        demo: { git_tag: { name: TAGS.demo } },
        locked: { git_tag: { name: TAGS.locked } },
        slow: { git_tag: { name: TAGS.slow }, timeout: '4s' },
      },
    },
    ghost: { repo: 'acme/ghost', clone_url: repo, environments: { demo: { git_tag: { name: 'deploy-{env}' } } } },
  },
});

describe('deploying by moving a git tag, under faults', () => {
  let h: Harness;
  const record = (id: number) => h.redis.hgetall(`${h.prefix}:deploy:${id}`);
  const logOf = async (id: number) => (await h.redis.lrange(`${h.prefix}:deploy:${id}:log`, 0, -1)).join('\n');
  const status = (id: number, want: string) =>
    eventually(`deploy #${id} to be ${want}`, async () => ((await record(id)).status === want ? record(id) : undefined), 40_000);
  const started: FakeSuite[] = [];
  const pushesOf = (tag: string) => h.github.tags.pushes.filter((p) => p.tag === tag);

  beforeEach(async () => {
    started.length = 0;
    h = await Harness.start({ role: 'app', config });
    for (const repo of ['acme/web', 'acme/ghost']) h.github.repos.set(repo, h.repo.path);
    h.github.tags.repos.set('acme/web', { push: true });
    h.github.tags.onPush.push((p: TagPush) => {
      if (p.tag === TAGS.demo) started.push(h.github.tags.addSuite(p.repo, p.sha, p.tag));
    });
  });
  afterEach(async () => {
    await h?.stop();
  });

  test('a worker killed (kill -9 of its process group) while following: the next worker follows the run on; one final state, the tag moved once', async () => {
    const doomed = h.spawnWorker({ ownGroup: true });
    const { id } = await h.deploy('web demo main');
    const suite = await eventually('the tag push to start a suite', () => started[0]);
    const job = h.github.tags.addCheck(suite, 'deploy', { lines: ['rolling out'] });
    await eventually('the worker to follow the run', async () => (await record(id)).ciText?.includes('deploy running'));

    process.kill(-doomed.pid!, 'SIGKILL');
    h.spawnWorker();
    await eventually(
      'the next worker to follow the run on',
      async () => (await logOf(id)).includes('the worker that followed it stopped'),
      40_000,
    );
    h.github.tags.endCheck(job, 'success', ['rolled out']);
    h.github.tags.endSuite(suite, 'success');
    await status(id, 'succeeded');

    const feed = await h.slack.waitForFeed(id, 'succeeded');
    expect(feed.versions.filter((v) => /: (failed|cancelled)/.test(v.text))).toEqual([]);
    expect(h.github.tags.writes.map((w) => `${w.method} ${w.tag} ${w.status}`)).toEqual([`POST ${TAGS.demo} 201`]);
    expect(pushesOf(TAGS.demo)).toHaveLength(1);
    expect(await logOf(id)).toContain('rolled out');
  });

  test('GitHub refusing the move fails the deploy with what to fix; its rate limit is waited out; a push that starts nothing fails at the timeout', async () => {
    h.spawnWorker();
    // An unknown repository (404).
    const ghost = await h.deploy('ghost demo main');
    expect((await status(ghost.id, 'failed')).error).toContain(
      "GitHub can't show acme/ghost to Ferry (404): check the app's repo: in ferry.yml, and give Ferry's GitHub token or App contents: write on it",
    );
    // A tag protection rule (422).
    h.github.tags.protectedTags.add(TAGS.locked);
    const locked = await h.deploy('web locked main');
    const refused = await status(locked.id, 'failed');
    expect(refused.error).toContain('GitHub refused to move the tag deploy-locked (HTTP 422: Repository rule violations found');
    expect(refused.error).toContain('check git_tag.name in ferry.yml');
    await h.slack.waitForFeed(locked.id, 'failed');
    // A token without contents: write (403, not a rate limit).
    h.github.tags.protectedTags.clear();
    h.github.tags.failNextWrite = { status: 403, message: 'Resource not accessible by integration' };
    const forbidden = await h.deploy('web locked main');
    expect((await status(forbidden.id, 'failed')).error).toContain(
      "GitHub refused to move the tag deploy-locked (HTTP 403: Resource not accessible by integration): give Ferry's GitHub token or App contents: write on acme/web",
    );
    expect(pushesOf(TAGS.locked)).toEqual([]);

    // GitHub's rate limit on the worker's requests: waited out, the tag moved once, the run followed to its end.
    const { id } = await h.deploy('web demo main');
    h.github.rateLimitNext = 3;
    const suite = await eventually('the tag push to start a suite', () => started[0], 30_000);
    h.github.tags.endCheck(h.github.tags.addCheck(suite, 'deploy'), 'success');
    h.github.tags.endSuite(suite, 'success');
    await status(id, 'succeeded');
    expect(h.github.rateLimitNext).toBe(0);
    expect(pushesOf(TAGS.demo)).toHaveLength(1);

    // A push that starts nothing: failed at the env's timeout, naming what it waited for.
    const slow = await h.deploy('web slow main');
    const timedOut = await status(slow.id, 'failed');
    expect(timedOut.error).toMatch(/the git tag deploy-slow \(run deploy-slow@[0-9a-f]{7}\) never started within 4s \(the env's timeout\)/);
    expect(pushesOf(TAGS.slow)).toHaveLength(1);
  });

  test('ferry check names the key path and the fix: a repository the token cannot see, a token that may not push', async () => {
    h.github.tags.repos.set('acme/web', { push: false });
    const yml = path.join(h.dir, 'check.yml');
    writeFileSync(yml, YAML.stringify(config({ repo: h.repo.path })));
    // Asynchronously: the GitHub stand-in answers from this process.
    const { code, out } = await new Promise<{ code: number | null; out: string }>((resolve) => {
      execFile(
        process.execPath,
        [path.join(ROOT, 'dist/src/bin/ferry.js'), 'check', yml],
        {
          cwd: h.dir,
          env: {
            PATH: process.env.PATH!,
            HOME: h.dir,
            GITHUB_API_URL: h.github.url,
            GITHUB_TOKEN: 'ghp_testtoken000000000000000000000000',
          },
          encoding: 'utf8',
        },
        (err, _stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? null) : 0, out: stderr }),
      );
    });
    expect(code).toBe(1);
    const pushFix = "Ferry's token may not push to acme/web, so it can't move the tag";
    expect(out).toContain(`  apps.web.environments.demo.git_tag.name: ${pushFix} deploy-demo: give the token or App contents: write\n`);
    expect(out).toContain(`  apps.web.environments.slow.git_tag.name: ${pushFix} deploy-slow`);
    expect(out).toContain(
      "  apps.ghost.environments.demo.git_tag: GitHub can't show acme/ghost to Ferry's token (404): check the app's repo:, and give the token or App contents: write on it\n",
    );
  });
});
