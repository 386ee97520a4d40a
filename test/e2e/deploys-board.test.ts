import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { eventually } from '../helpers/wait';
import { Harness, LOCAL_DEPLOY, SIGNING_SECRET, writeScript } from '../helpers/harness';
import { post, sign, slashBody } from '../helpers/slack-requests';
import { githubWebUrl } from '../../src/config/env';
import { keys } from '../../src/store/keys';
import { ReviewAppStore } from '../../src/store/review-apps';

const ANA = 'U0ANA';
const BEN = 'U0BEN';

type Block = { type: string; text?: { text: string }; elements?: { text: string }[] };

describe('/deploys: the board, an env history and the audit log', () => {
  let h: Harness;
  afterEach(async () => {
    await h?.stop();
  });

  /** `/deploys <text>` as `user`: the ephemeral answer's blocks (within Slack's limits) as one text. */
  async function deploys(text: string, user = ANA): Promise<string> {
    const r = await h.slash('/deploys', text, user);
    expect(r.ack.status).toBe(200);
    expect(r.ack.ms).toBeLessThan(3_000);
    const answer = await h.slack.waitForResponse(r.id);
    expect(answer.response_type).toBe('ephemeral');
    const blocks = answer.blocks as Block[];
    expect(blocks.length).toBeGreaterThan(0);
    expect(blocks.length).toBeLessThanOrEqual(50);
    for (const b of blocks) if (b.type === 'section') expect(b.text!.text.length).toBeLessThanOrEqual(3_000);
    return blocks.map((b) => b.text?.text ?? b.elements?.map((e) => e.text).join(' ') ?? '').join('\n');
  }

  test('shows what runs where, locks and queues; lists an env history newest first; audits deploys and locks once', async () => {
    h = await Harness.start({
      config: ({ dir, repo, deployRoot }) => {
        // dev: fix-1 fails (exit 1); staging: waits for a gate file, so a deploy stays running while we look
        const devScript = writeScript(
          dir,
          'dev.sh',
          'echo "deploying $FERRY_REF"\nif [ "$FERRY_REF" = fix-1 ]; then echo "boom" >&2; exit 1; fi\nexec "$@"',
        );
        const gated = writeScript(dir, 'gated.sh', 'while [ ! -f "$1" ]; do sleep 0.1; done\necho "through the gate"');
        return {
          feed_channel: 'C0FEED',
          apps: {
            web: {
              path: repo,
              environments: {
                dev: { deploy: [devScript, LOCAL_DEPLOY, deployRoot] },
                staging: { deploy: [gated, path.join(dir, 'gate')] },
              },
            },
          },
        };
      },
    });
    const shaOk = h.repo.sha('feature/checkout');

    // two deploys to dev: Ana's succeeds, then Ben's fails
    const ok = await h.deploy('dev feature/checkout', ANA);
    await h.slack.waitForFeed(ok.id, 'succeeded');
    const bad = await h.deploy('dev fix-1', BEN);
    await h.slack.waitForFeed(bad.id, 'failed');

    // Ana locks dev for a moment and lets it go, then locks staging
    const lockDev = await h.slash('/lock', 'dev 1h reviewing', ANA);
    expect(await h.answer(lockDev.id)).toContain('is yours until');
    const unlockDev = await h.slash('/unlock', 'dev', ANA);
    expect(await h.answer(unlockDev.id)).toContain('Released your lock');
    const lockStaging = await h.slash('/lock', 'staging 2h QA <on> checkout', ANA);
    expect(await h.answer(lockStaging.id)).toContain('is yours until');

    // staging: one deploy running (held at the gate), one waiting behind it, the second delivered twice
    const running = await h.deploy('staging main', ANA);
    await h.slack.waitForFeed(running.id, 'running');
    const body = slashBody('/deploy', 'staging fix-1', ANA, h.slack.responseUrl('twice'));
    const at = Math.floor(Date.now() / 1000);
    expect((await post(`${h.url}/slack/events`, body, sign(SIGNING_SECRET, body, at - 5))).status).toBe(200);
    const first = String((await h.slack.waitForResponse('twice', 1)).text);
    expect(first).toMatch(/Accepted as \*deploy #4\*.*#1 in line/);
    // Slack signs a retry anew; the trigger_id is the same
    expect((await post(`${h.url}/slack/events`, body, sign(SIGNING_SECRET, body, at))).status).toBe(200);
    expect(String((await h.slack.waitForResponse('twice', 2)).text)).toContain('Already accepted as *deploy #4*');

    const board = await deploys('');
    const [devPart, stagingPart] = board.split('*staging*');
    expect(devPart).toContain('*dev*');
    expect(devPart).toContain(`runs \`${shaOk.slice(0, 7)}\` \`feature/checkout\` (deploy #${ok.id}) by <@U0ANA>`);
    expect(devPart).toMatch(/ago \(<!date\^\d+\^/);
    expect(devPart).toContain('lock: free');
    expect(devPart).toContain('queue: empty');
    expect(stagingPart).toContain('nothing deployed by Ferry yet');
    expect(stagingPart).toMatch(/:lock: locked by <@U0ANA> \(QA &lt;on&gt; checkout\) until <!date\^\d+\^/);
    expect(stagingPart).toContain(`queue: #${running.id} running, 1 waiting`);
    expect(board).not.toContain('frozen');

    // the staging deploys go through; the board follows
    writeFileSync(path.join(h.dir, 'gate'), '');
    await h.slack.waitForFeed(running.id, 'succeeded');
    await h.slack.waitForFeed(4, 'succeeded');
    const after = (await deploys('web')).split('*staging*')[1]!;
    expect(after).toContain(`runs \`${h.repo.sha('fix-1').slice(0, 7)}\` \`fix-1\` (deploy #4) by <@U0ANA>`);
    expect(after).toContain('queue: empty');

    const history = await deploys('dev');
    expect(history).toContain('*Last 2 deploys to `web` dev*, newest first');
    const lines = history.split('\n').filter((l) => l.startsWith('*#'));
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(new RegExp(`^\\*#${bad.id}\\* :x: failed after \\d+s \\(exit 1\\)`));
    expect(lines[0]).toContain('`fix-1`@`');
    expect(lines[0]).toContain('<@U0BEN>');
    expect(lines[1]).toMatch(
      new RegExp(
        `^\\*#${ok.id}\\* :white_check_mark: succeeded in \\d+s · \`feature/checkout\`@\`${shaOk.slice(0, 7)}\` · <@U0ANA> · \\d+s ago`,
      ),
    );

    const devAudit = await deploys('audit dev');
    const devEntries = devAudit.split('\n').filter((l) => /: \*(deploy|lock|unlock)\* · /.test(l));
    expect(devEntries.map((l) => /\*(deploy|lock|unlock)\*/.exec(l)![1])).toEqual(['unlock', 'lock', 'deploy', 'deploy']);
    expect(devEntries[0]).toContain('<@U0ANA> · :unlock: *unlock* · `web` dev · released (reviewing)');
    expect(devEntries[1]).toMatch(/<@U0ANA> · :lock: \*lock\* · `web` dev · reviewing, until \d{4}-\d\d-\d\d \d\d:\d\d UTC/);
    expect(devEntries[2]).toContain(`<@U0BEN> · :rocket: *deploy* · \`web\` dev #${bad.id} · fix-1 at ${h.repo.sha('fix-1').slice(0, 7)}`);
    expect(devEntries[3]).toContain(`<@U0ANA> · :rocket: *deploy* · \`web\` dev #${ok.id} · feature/checkout at ${shaOk.slice(0, 7)}`);

    const anaAudit = await deploys('audit <@U0ANA|ana>', BEN);
    expect(anaAudit).toContain('*Audit log: <@U0ANA>*');
    const anaEntries = anaAudit.split('\n').filter((l) => l.includes(' · <@U0ANA> · '));
    expect(anaEntries.map((l) => /\*(\w+)\* · `web` (\w+)( #\d+)?/.exec(l)!.slice(1, 4).join('').trim())).toEqual([
      'deploystaging #4',
      `deploystaging #${running.id}`,
      'lockstaging',
      'unlockdev',
      'lockdev',
      `deploydev #${ok.id}`,
    ]);
    expect(anaAudit).toContain('QA &lt;on&gt; checkout, until');
    // the retried delivery of deploy #4 was not recorded twice
    expect(anaAudit.match(/ #4 · /g)).toHaveLength(1);
    expect(await deploys('audit me', ANA)).toContain('*Audit log: <@U0ANA>*, last 6');
  });

  test('bad arguments are answered in the ack, with what exists', async () => {
    h = await Harness.start();
    const r = await h.slash('/deploys', 'stagign');
    expect(r.ackText).toContain('`web` has no environment `stagign`. Did you mean `staging`?');
    const who = await h.slash('/deploys', 'audit @ana');
    expect(who.ackText).toContain("I can't tell who `@ana` is");
    const help = await h.slash('/deploys', 'help');
    expect(help.ackText).toContain('*Audit log:*');
  });

  test('/deploys review lists the review apps that are around, with their PR, author, age, state and URL', async () => {
    h = await Harness.start({
      config: ({ deployRoot }) => ({
        feed_channel: 'C0FEED',
        people: { 'ana-gh': ANA },
        apps: {
          web: {
            repo: 'acme/shop',
            environments: { dev: { deploy: [LOCAL_DEPLOY, deployRoot] } },
            review_apps: { deploy: [LOCAL_DEPLOY, deployRoot], teardown: ['true'], url: 'https://pr-{number}.review.acme.dev', max: 2 },
          },
        },
      }),
    });
    expect(await deploys('review')).toContain('No review apps are live for `web`.');
    // The worker's start compares review apps with GitHub's open pull requests: done before these are written behind its back.
    await eventually('the start reconcile to be done', async () =>
      (await h.redis.zrange(`${h.prefix}:q:timers:completed`, '0', '-1')).some((id) => id.startsWith('review-reconcile-')),
    );
    const store = new ReviewAppStore(h.redis, keys(h.prefix));
    const now = Date.now();
    const base = { author: 'ana-gh', branch: 'feature/checkout', headSha: 'a'.repeat(40), fork: false, teardownTries: 0 };
    const opened = (pr: number, state: 'live' | 'waiting' | 'gone', ago: number, more = {}) =>
      store.change(
        'web',
        pr,
        {
          from: ['none'],
          set: {
            ...base,
            state,
            title: `PR ${pr} <b>`,
            url: `https://pr-${pr}.review.acme.dev`,
            openedAt: now - ago,
            lastPushAt: now - ago,
            ...more,
          },
        },
        now,
      );
    await opened(42, 'live', 2 * 3_600_000, { deployedSha: 'b'.repeat(40) });
    await opened(43, 'waiting', 60_000, { author: 'bob-gh', place: 1 });
    await opened(41, 'gone', 86_400_000, { gone: { reason: 'merged', at: now } });

    const answer = await deploys('review web');
    // Pull requests link to GitHub's web URL (here the stand-in's, as GitHub Enterprise's would be).
    const pulls = `${githubWebUrl(h.env.GITHUB_API_URL!)}/acme/shop/pull`;
    expect(answer).toContain('*Review apps of `web`*: 2 around');
    expect(answer).toContain(
      `*<${pulls}/42|#42>* PR 42 &lt;b&gt; · by <@U0ANA> · opened 2h ago · :large_green_circle: live (\`bbbbbbb\`) · <https://pr-42.review.acme.dev|https://pr-42.review.acme.dev>`,
    );
    expect(answer).toContain(
      `*<${pulls}/43|#43>* PR 43 &lt;b&gt; · by bob-gh · opened 1m ago · :hourglass: waiting for a place (#1 in line)`,
    );
    expect(answer).not.toContain('#41');
    // Not an app with review apps: which have them.
    expect((await h.slash('/deploys', 'review api')).ackText).toContain('There is no app `api` with review apps. Only `web` has them.');
  });
});
