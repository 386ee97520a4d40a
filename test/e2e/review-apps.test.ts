import { existsSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fakePull, pullRequestPayload } from '../helpers/fake-github';
import { latest } from '../helpers/fake-slack';
import { Harness, writeScript } from '../helpers/harness';
import { deliver, WEBHOOK_SECRET } from '../helpers/webhooks';
import { eventually } from '../helpers/wait';
import { start as startFerry } from '../../src/main';

// Review apps as GitHub and Slack meet them: signed pull_request webhooks to Ferry, GitHub's REST
// API played by the fake (pull requests, comments, deployments), the commands run for real.

/** Each run of the review scripts, one line each: what, PR number, SHA, branch, URL. */
const RECORD = (dir: string, what: string) =>
  `echo "${what} $FERRY_PR_NUMBER $FERRY_SHA $FERRY_PR_BRANCH $FERRY_REVIEW_URL $FERRY_REVIEW_ACTION" >> "${dir}/runs"`;

describe('review apps', () => {
  let h: Harness;
  let sha: { a: string; b: string; c: string };
  const runs = (): string[] => {
    try {
      return readFileSync(path.join(h.dir, 'runs'), 'utf8').trim().split('\n').filter(Boolean);
    } catch {
      return [];
    }
  };
  const pulls = (): Record<string, unknown>[] => h.github.openPulls.get('acme/web') ?? [];
  /** Sets the PR as GitHub has it now, and delivers the webhook. */
  const event = async (action: string, o: Parameters<typeof fakePull>[0], more: Parameters<typeof pullRequestPayload>[2] = {}) => {
    const pull = fakePull(o);
    h.github.openPulls.set('acme/web', [...pulls().filter((p) => p.number !== o.number), pull]);
    const r = await deliver(h.url, 'pull_request', pullRequestPayload(action, pull, more));
    expect(r.status).toBe(202);
    return r;
  };
  const review = async (pr: number) => h.redis.hgetall(`${h.prefix}:review:web:${pr}`);
  const state = (pr: number, want: string) =>
    eventually(`review app #${pr} to be ${want}`, async () => ((await review(pr)).state === want ? review(pr) : undefined));
  const comments = (pr: number) => h.github.comments.filter((c) => c.issue === pr);
  const deploymentsOf = (env: string) => h.github.deployments.filter((d) => d.environment === env);
  const reviewMessages = () =>
    h.slack.messages.filter((m) => m.channel === 'C0FEED' && !m.thread_ts && latest(m).text.includes('Review app'));

  const start = async (review: Record<string, unknown> = {}) => {
    h = await Harness.start({
      env: { GITHUB_WEBHOOK_SECRET: WEBHOOK_SECRET, FERRY_PUBLIC_URL: 'https://ferry.acme.dev' },
      config: ({ dir, repo }) => ({
        feed_channel: 'C0FEED',
        shutdown_grace: '1s',
        people: { 'ana-gh': 'U0ANA' },
        apps: {
          web: {
            repo: 'acme/web',
            clone_url: repo,
            environments: { staging: { deploy: ['/bin/true'] } },
            review_apps: {
              // While the file `hold` exists, a deploy waits (after saying it started).
              deploy: [
                writeScript(
                  dir,
                  'review-up.sh',
                  `touch "${dir}/started-$FERRY_DEPLOY_ID"\nwhile [ -f "${dir}/hold" ]; do sleep 0.05; done\n${RECORD(dir, 'deploy')}`,
                ),
              ],
              teardown: [
                writeScript(
                  dir,
                  'review-down.sh',
                  `if [ -f "${dir}/fail-teardown" ]; then rm "${dir}/fail-teardown"; exit 3; fi\n${RECORD(dir, 'teardown')}`,
                ),
              ],
              url: 'https://pr-{number}.review.acme.dev',
              max: 2,
              ...review,
            },
          },
        },
      }),
    });
    sha = { a: h.repo.sha('main'), b: h.repo.sha('fix-1'), c: h.repo.sha('feature/checkout') };
  };
  afterEach(async () => {
    await h?.stop();
  });

  test('opened: deployed once with its head SHA; one comment with the URL; a transient GitHub deployment; a push redeploys; closed tears down once', async () => {
    await start();
    await event('opened', { number: 42, sha: sha.a, branch: 'feature/cart', author: 'ana-gh' });
    const live = await state(42, 'live');
    expect(live).toMatchObject({ deployedSha: sha.a, url: 'https://pr-42.review.acme.dev', branch: 'feature/cart' });
    expect(runs()).toEqual([`deploy 42 ${sha.a} feature/cart https://pr-42.review.acme.dev deploy`]);
    const comment = await eventually('the PR comment to say it is live', () => {
      const c = comments(42);
      return c.length === 1 && c[0]!.body.includes('https://pr-42.review.acme.dev') && c[0]!.body.includes(sha.a.slice(0, 7))
        ? c[0]
        : undefined;
    });
    expect(comment.body).toContain('/deploys/');
    const first = await eventually('a success deployment of pr-42', () =>
      deploymentsOf('pr-42').find((d) => d.statuses.some((s) => s.state === 'success')),
    );
    expect(first.body).toMatchObject({ environment: 'pr-42', transient_environment: true, production_environment: false });
    expect(first.statuses.at(-1)).toMatchObject({ state: 'success', environment_url: 'https://pr-42.review.acme.dev' });
    await eventually('the review app message to say live', () => reviewMessages().find((m) => latest(m).text.includes('pr-42')));

    // A push: redeployed, the same comment updated.
    await event('synchronize', { number: 42, sha: sha.b, branch: 'feature/cart', author: 'ana-gh' }, { before: sha.a, after: sha.b });
    await eventually('the push deployed', async () => (await review(42)).deployedSha === sha.b);
    expect(runs()).toHaveLength(2);
    await eventually('the comment to show the new SHA', () => comments(42)[0]!.body.includes(sha.b.slice(0, 7)));
    expect(comments(42)).toHaveLength(1);
    expect(deploymentsOf('pr-42')).toHaveLength(2);

    // Merged: the teardown runs once, the deployment goes inactive, a redelivery does nothing more.
    const closed = await event('closed', { number: 42, sha: sha.b, branch: 'feature/cart', author: 'ana-gh', merged: true });
    await state(42, 'gone');
    expect(runs().slice(2)).toEqual([`teardown 42 ${sha.b} feature/cart https://pr-42.review.acme.dev teardown`]);
    await eventually('the deployment to go inactive', () =>
      deploymentsOf('pr-42')
        .at(-1)!
        .statuses.some((s) => s.state === 'inactive'),
    );
    await eventually(
      'the comment to say torn down',
      () => /torn down/i.test(comments(42)[0]!.body) && /merged/i.test(comments(42)[0]!.body),
    );
    const again = await deliver(h.url, 'pull_request', JSON.parse(JSON.stringify(pullRequestPayload('closed', pulls()[0]!))), {
      delivery: closed.delivery,
    });
    expect(again.status).toBe(200);
    await deliver(h.url, 'pull_request', pullRequestPayload('closed', pulls()[0]!));
    await h.running!.parts.settled();
    expect(runs().filter((r) => r.startsWith('teardown'))).toHaveLength(1);
    expect(
      reviewMessages().filter((m) => latest(m).text.includes('pr-42') || JSON.stringify(latest(m).blocks).includes('#42')),
    ).toHaveLength(1);
  });

  test("a fork's pull request runs nothing, and neither do drafts or unlabelled ones until they qualify", async () => {
    await start({ labels: ['preview'] });
    await event('opened', { number: 7, sha: sha.a, branch: 'evil', author: 'mallory', fork: true, labels: ['preview'] });
    await event('opened', { number: 8, sha: sha.b, branch: 'wip', draft: true, labels: ['preview'] });
    await event('opened', { number: 9, sha: sha.c, branch: 'plain' });
    // Junk is refused with what is wrong, and changes nothing.
    for (const junk of [
      { action: 'opened' },
      { action: 'opened', pull_request: { number: 'x' }, repository: { full_name: 'acme/web' } },
      [],
    ])
      expect((await deliver(h.url, 'pull_request', junk)).status).toBe(400);
    await h.running!.parts.settled();
    // From Slack neither: the fork's code never runs.
    const r = await h.slash('/deploy', 'pr-7', 'U0ANA');
    expect(await h.answer(r.id)).toContain('comes from a fork');
    expect(runs()).toEqual([]);
    expect(h.github.comments).toEqual([]);
    expect(await review(7)).toEqual({});
    // The label arrives: #9 deploys.
    await event('labeled', { number: 9, sha: sha.c, branch: 'plain', labels: ['preview'] }, { label: 'preview' });
    await state(9, 'live');
    expect(runs()).toEqual([`deploy 9 ${sha.c} plain https://pr-9.review.acme.dev deploy`]);
  });

  test('pushes that arrive while one deploys collapse into the newest; a freeze holds them; /deploy pr-N <ref> deploys a ref', async () => {
    await start();
    writeFileSync(path.join(h.dir, 'hold'), '');
    await event('opened', { number: 6, sha: sha.a, branch: 'six' });
    await eventually('the first deploy to start', () => existsSync(path.join(h.dir, 'started-1')));
    await event('synchronize', { number: 6, sha: sha.b, branch: 'six' }, { before: sha.a, after: sha.b });
    await event('synchronize', { number: 6, sha: sha.c, branch: 'six' }, { before: sha.b, after: sha.c });
    await h.running!.parts.settled();
    expect(await h.redis.hget(`${h.prefix}:deploy:2`, 'status')).toBe('cancelled');
    unlinkSync(path.join(h.dir, 'hold'));
    await eventually('the newest push deployed', async () => (await review(6)).deployedSha === sha.c);
    expect(runs().map((r) => r.split(' ')[2])).toEqual([sha.a, sha.c]);

    // Frozen: a push is accepted and held; it runs when the freeze lifts.
    const freeze = await h.slash('/freeze', 'review', 'U0ANA');
    expect(await h.answer(freeze.id)).toContain('Froze');
    await event('synchronize', { number: 6, sha: sha.a, branch: 'six' }, { before: sha.c, after: sha.a });
    await h.running!.parts.settled();
    await eventually('the push to wait for the freeze', async () =>
      ((await h.redis.hget(`${h.prefix}:deploy:4`, 'waitingFor')) ?? '').includes('frozen'),
    );
    expect(runs()).toHaveLength(2);
    const unfreeze = await h.slash('/unfreeze', 'review', 'U0ANA');
    await h.answer(unfreeze.id);
    await eventually('the held push deployed', async () => (await review(6)).deployedSha === sha.a);

    // A person deploys a branch to it from Slack.
    h.github.refs.set('acme/web@fix-1', sha.b);
    const r = await h.slash('/deploy', 'pr-6 fix-1', 'U0ANA');
    expect(await h.answer(r.id)).toContain('#5');
    await eventually('fix-1 deployed', async () => (await review(6)).deployedSha === sha.b);
    expect(runs().at(-1)).toBe(`deploy 6 ${sha.b} six https://pr-6.review.acme.dev deploy`);
  });

  test('max holds: the third waits in line and says so; it deploys when one goes away', async () => {
    await start({ max: 1 });
    await event('opened', { number: 1, sha: sha.a, branch: 'one' });
    await state(1, 'live');
    await event('opened', { number: 2, sha: sha.b, branch: 'two' });
    await state(2, 'waiting');
    await eventually('#2 to be told it is next in line', () => comments(2)[0]?.body.includes('next in line'));
    expect(runs()).toHaveLength(1);
    await event('closed', { number: 1, sha: sha.a, branch: 'one', state: 'closed' });
    await state(2, 'live');
    expect(runs()).toEqual([
      `deploy 1 ${sha.a} one https://pr-1.review.acme.dev deploy`,
      `teardown 1 ${sha.a} one https://pr-1.review.acme.dev teardown`,
      `deploy 2 ${sha.b} two https://pr-2.review.acme.dev deploy`,
    ]);
  });

  test('an idle review app past its ttl is torn down, and the pull request says why', async () => {
    await start({ ttl: '2s' });
    await event('opened', { number: 5, sha: sha.a, branch: 'quiet' });
    await state(5, 'live');
    const gone = await state(5, 'gone');
    expect(gone.goneReason).toBe('idle');
    expect(runs()).toEqual([
      `deploy 5 ${sha.a} quiet https://pr-5.review.acme.dev deploy`,
      `teardown 5 ${sha.a} quiet https://pr-5.review.acme.dev teardown`,
    ]);
    await eventually('the comment to say it went idle', () => /without a push/.test(comments(5)[0]?.body ?? ''));
  });

  test('a failed teardown is reported, kept and tried again (never forgotten); /deploy pr-N teardown and /deploys review from Slack', async () => {
    await start();
    await event('opened', { number: 3, sha: sha.a, branch: 'three', author: 'ana-gh' });
    await state(3, 'live');
    const list = await h.slash('/deploys', 'review', 'U0BEN');
    const listed = JSON.stringify(await h.slack.waitForResponse(list.id, 1));
    expect(listed).toContain('#3');
    expect(listed).toContain('https://pr-3.review.acme.dev');
    writeFileSync(path.join(h.dir, 'fail-teardown'), '');
    const down = await h.slash('/deploy', 'pr-3 teardown', 'U0BEN');
    expect(await h.answer(down.id)).toMatch(/tear/i);
    const failed = await state(3, 'teardown-failed');
    expect(failed.teardownTries).toBe('1');
    // Its retry is scheduled, and the pull request and the channel say so.
    // (scheduled right after the state is recorded, in the same after-deploy step)
    await eventually('the retry to be scheduled', async () => (await h.redis.exists(`${h.prefix}:q:timers:review-retry-web-3-1`)) === 1);
    await eventually('the comment to say the teardown failed', () => /teardown failed/i.test(comments(3)[0]?.body ?? ''));
    // Asked again (as the retry does), it goes.
    const again = await h.slash('/deploy', 'pr-3 teardown', 'U0BEN');
    await h.answer(again.id);
    await state(3, 'gone');
    expect(runs().filter((r) => r.startsWith('teardown'))).toEqual([`teardown 3 ${sha.a} three https://pr-3.review.acme.dev teardown`]);
  });

  test('reconcile at start: a review app whose pull request closed while Ferry was down is torn down', async () => {
    await start();
    await event('opened', { number: 4, sha: sha.a, branch: 'four' });
    await state(4, 'live');
    // Ferry stops; the pull request is closed meanwhile (its webhook lost); Ferry starts again: the start's reconcile finds it.
    await h.running!.stop();
    h.github.openPulls.set('acme/web', [fakePull({ number: 4, sha: sha.a, branch: 'four', state: 'closed' })]);
    h.running = await startFerry('all', h.env);
    await state(4, 'gone');
    expect(runs().filter((r) => r.startsWith('teardown'))).toHaveLength(1);
  });
});
