import { latest, type MessageVersion } from '../helpers/fake-slack';
import { branchWithCommit } from '../helpers/git-repo';
import { Harness } from '../helpers/harness';

const ANA = 'U0ANA';
const ADM = 'U0ADM';
const factsOf = (v: MessageVersion) => (v.blocks[1] as { elements: { text: string }[] }).elements[0]!.text;

/**
 * Required checks: GitHub's commit statuses and check runs of the SHA, read from the fake GitHub,
 * decide whether a deploy is refused (failed), waits (pending) or starts (green).
 */
describe('required checks', () => {
  let h: Harness;
  let n = 0;
  /** A new commit on a new branch of the app's repository, known to the fake GitHub by that branch name. */
  const commit = (): { ref: string; sha: string } => {
    const ref = `change-${++n}`;
    const sha = branchWithCommit(h.repo.path, ref);
    h.github.refs.set(`acme/web@${ref}`, sha);
    return { ref, sha };
  };
  async function auditLines(text: string): Promise<string[]> {
    const r = await h.slash('/deploys', `audit ${text}`, ADM);
    const blocks = (await h.slack.waitForResponse(r.id)).blocks as { text: { text: string } }[];
    return blocks
      .slice(1)
      .flatMap((b) => b.text.text.split('\n'))
      .map((l) => l.split(' · ').slice(1).join(' · '));
  }
  const seq = async () => Number(await h.redis.get(`${h.prefix}:deploy:seq`));

  beforeAll(async () => {
    h = await Harness.start({
      config: ({ repo }) => ({
        feed_channel: 'C0FEED',
        admins: [ADM],
        apps: {
          web: {
            repo: 'acme/web',
            clone_url: repo,
            environments: {
              staging: { deploy: ['/bin/true'], require_checks: ['ci/test', 'build'], checks_timeout: '20s' },
              production: { deploy: ['/bin/true'], require_checks: 'all', checks_timeout: '20s' },
              qa: { deploy: ['/bin/true'], require_checks: ['ci/test'], checks_timeout: '2s' },
              dev: { deploy: ['/bin/true'] },
            },
          },
        },
      }),
    });
  });
  afterAll(() => h.stop());

  test('pending checks: the deploy is accepted and waits, the feed naming them; when they pass it starts by itself (a list ignores checks not on it)', async () => {
    const c = commit();
    h.github.statuses.set(c.sha, [
      { context: 'ci/test', state: 'pending', target_url: 'https://ci.example.com/1' },
      { context: 'lint', state: 'failure' }, // not required by staging's list
    ]);
    h.github.checkRuns.set(c.sha, [{ name: 'build', status: 'in_progress' }]);
    const d = await h.deploy(`staging ${c.ref}`);
    expect(d.answer).toContain(`Accepted as *deploy #${d.id}*`);
    expect(d.answer).toContain(
      `:hourglass_flowing_sand: It waits for checks on \`${c.sha.slice(0, 7)}\`: ci/test (<https://ci.example.com/1|details>), build. It starts by itself when they pass`,
    );
    await h.slack.waitForFeed(d.id, 'queued, waiting');
    const waiting = latest(h.slack.feedMessage(d.id)!);
    expect(JSON.stringify(waiting.blocks)).toContain('queued, waiting: waiting for checks: ci/test, build');
    // The worker keeps asking GitHub while it waits, and does not start it.
    const asked = h.github.requests.filter((r) => r.includes(`${c.sha}/check-runs`)).length;
    await h.github.waitForRequests(h.github.requests.length + 4);
    expect(h.github.requests.filter((r) => r.includes(`${c.sha}/check-runs`)).length).toBeGreaterThan(asked);
    expect(await h.redis.hget(`${h.prefix}:deploy:${d.id}`, 'status')).toBe('queued');
    // one turns green: still waiting, now for the other only
    h.github.statuses.set(c.sha, [
      { context: 'ci/test', state: 'success' },
      { context: 'lint', state: 'failure' },
    ]);
    await h.slack.waitFor(
      'the feed to wait for build only',
      () => JSON.stringify(latest(h.slack.feedMessage(d.id)!).blocks).includes('waiting for checks: build') || undefined,
    );
    h.github.checkRuns.set(c.sha, [{ name: 'build', status: 'completed', conclusion: 'success' }]);
    await h.slack.waitForFeed(d.id, 'succeeded');
  });

  test('failed checks: /deploy is refused with their names and links and nothing is queued; an override by someone who may deploys it, shown in the feed and the audit log; anyone else is refused', async () => {
    const c = commit();
    h.github.statuses.set(c.sha, [
      { context: 'ci/test', state: 'failure', target_url: 'https://ci.example.com/2' },
      { context: 'docs', state: 'success' },
    ]);
    h.github.checkRuns.set(c.sha, [
      { name: 'lint', status: 'completed', conclusion: 'failure' },
      { name: 'optional', status: 'completed', conclusion: 'skipped' },
    ]);
    const before = await seq();
    const r = await h.slash('/deploy', `production ${c.ref}`, ANA);
    const short = c.sha.slice(0, 7);
    expect(await h.answer(r.id)).toBe(
      `Can't deploy \`${short}\` to *production*: checks failed: ci/test (<https://ci.example.com/2|details>), lint. Nothing was queued. \`/deploy web production ${c.ref} override &lt;reason&gt;\` deploys anyway, if you may override.`,
    );
    expect(await seq()).toBe(before);

    // Ana is no admin (override without a list: admins)
    const notAllowed = await h.slash('/deploy', `production ${c.ref} override trust me`, ANA);
    expect(await h.answer(notAllowed.id)).toBe(
      "You can't override the deploy rules of `web` *production*: `admins` (override without a list) allows <@U0ADM>. Ask one of them. Nothing was queued.",
    );
    expect(await seq()).toBe(before);

    const ok = await h.deploy(`production ${c.ref} override flaky lint, ci/test fixed in next`, ADM);
    expect(ok.answer).toContain(':warning: Checks overridden (ci/test failed, lint failed)');
    const msg = await h.slack.waitForFeed(ok.id, 'succeeded');
    expect(factsOf(latest(msg))).toContain(
      ':warning: checks overridden by <@U0ADM>: flaky lint, ci/test fixed in next (ci/test failed, lint failed)',
    );
    const lines = await auditLines('production');
    expect(lines).toContain(
      `<@U0ADM> · :warning: *override* · \`web\` production #${ok.id} · flaky lint, ci/test fixed in next (checks overridden: ci/test failed, lint failed)`,
    );
    expect(lines).toContain(`<@U0ANA> · :no_entry: *refused* · \`web\` production · deploy: checks failed on ${short}: ci/test, lint`);
    expect(lines).toContain('<@U0ANA> · :no_entry: *refused* · `web` production · override: admins (override without a list)');
  });

  test('`all`: every status and check run must be green (neutral and skipped runs count as green); a commit with none waits', async () => {
    const green = commit();
    h.github.statuses.set(green.sha, [{ context: 'ci/test', state: 'success' }]);
    h.github.checkRuns.set(green.sha, [
      { name: 'build', status: 'completed', conclusion: 'success' },
      { name: 'docs', status: 'completed', conclusion: 'neutral' },
      { name: 'e2e', status: 'completed', conclusion: 'skipped' },
    ]);
    const d = await h.deploy(`production ${green.ref}`);
    expect(d.answer).not.toContain('waits for checks');
    const msg = await h.slack.waitForFeed(d.id, 'succeeded');
    expect(msg.versions.some((v) => JSON.stringify(v.blocks).includes('waiting'))).toBe(false);

    const bare = commit();
    const w = await h.deploy(`production ${bare.ref}`);
    expect(w.answer).toContain('It waits for checks');
    await h.slack.waitForFeed(w.id, 'queued, waiting');
    expect(JSON.stringify(latest(h.slack.feedMessage(w.id)!).blocks)).toContain(
      'waiting for checks: any check (none has reported on this commit yet)',
    );
    h.github.checkRuns.set(bare.sha, [{ name: 'build', status: 'completed', conclusion: 'success' }]);
    await h.slack.waitForFeed(w.id, 'succeeded');
  });

  test('a check that fails while the deploy waits fails it, with its name and link; it never starts', async () => {
    const c = commit();
    h.github.statuses.set(c.sha, [{ context: 'ci/test', state: 'pending' }]);
    const d = await h.deploy(`staging ${c.ref}`);
    await h.slack.waitForFeed(d.id, 'queued, waiting');
    h.github.statuses.set(c.sha, [{ context: 'ci/test', state: 'error', target_url: 'https://ci.example.com/3' }]);
    const msg = await h.slack.waitForFeed(d.id, 'failed');
    const text = JSON.stringify(latest(msg).blocks);
    expect(text).toContain(`checks failed on \`${c.sha.slice(0, 7)}\`: ci/test (<https://ci.example.com/3|details>); it did not start.`);
    expect(await h.redis.hget(`${h.prefix}:deploy:${d.id}`, 'startedAt')).toBeNull();
  });

  test('checks still pending at checks_timeout fail the deploy, naming them', async () => {
    const c = commit();
    h.github.checkRuns.set(c.sha, [{ name: 'ci/test', status: 'queued' }]);
    const d = await h.deploy(`qa ${c.ref}`);
    expect(d.answer).toContain('fails if they fail, or are still pending after 2s');
    await h.slack.waitForFeed(d.id, 'queued, waiting');
    const msg = await h.slack.waitForFeed(d.id, 'failed', 15_000);
    expect(JSON.stringify(latest(msg).blocks)).toContain('checks still pending after 2s: ci/test; it did not start.');
    expect(await h.redis.hget(`${h.prefix}:deploy:${d.id}`, 'startedAt')).toBeNull();
  });

  test('GitHub failing to answer counts as pending, never green, and the feed says so', async () => {
    const c = commit();
    h.github.statuses.set(c.sha, [{ context: 'ci/test', state: 'success' }]);
    h.github.checksStatus = 500;
    try {
      const d = await h.deploy(`qa ${c.ref}`);
      expect(d.answer).toContain('It waits for checks');
      expect(d.answer).toContain('GitHub failed (500) when asked for the checks');
      await h.slack.waitForFeed(d.id, 'queued, waiting');
      expect(JSON.stringify(latest(h.slack.feedMessage(d.id)!).blocks)).toContain(
        'waiting for checks: ci/test (GitHub failed (500) when asked for the checks; Ferry asks again shortly)',
      );
      h.github.checksStatus = undefined;
      await h.slack.waitForFeed(d.id, 'succeeded');
    } finally {
      h.github.checksStatus = undefined;
    }
  });

  test('an env without require_checks never asks GitHub for checks', async () => {
    const c = commit();
    h.github.statuses.set(c.sha, [{ context: 'ci/test', state: 'failure' }]);
    const d = await h.deploy(`dev ${c.ref}`);
    await h.slack.waitForFeed(d.id, 'succeeded');
    expect(h.github.requests.filter((r) => r.includes(c.sha))).toEqual([]);
  });
});
