import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Harness, LOCAL_DEPLOY, writeScript } from '../helpers/harness';
import { eventually } from '../helpers/wait';

const ANA = 'U0ANA';
const OWNER = 'U0OWNER';

const feedTexts = (h: Harness): string[] =>
  h.slack.calls.filter((c) => c.method === 'chat.postMessage' && c.body.channel === 'C0FEED').map((c) => String(c.body.text));

describe('smoke checks', () => {
  let h: Harness;
  afterEach(async () => {
    await h?.stop();
  });

  test('a failed smoke check fails the deploy, names requester and owners, freezes the env and rolls it back', async () => {
    let bad = '';
    let seen = '';
    h = await Harness.start({
      config: ({ dir, repo, deployRoot }) => {
        bad = path.join(dir, 'bad-sha');
        seen = path.join(dir, 'smoke-seen');
        writeFileSync(bad, 'none\n');
        const smoke = writeScript(
          dir,
          'smoke.sh',
          `echo "$FERRY_PHASE $FERRY_URL $FERRY_SHA" >> ${seen}\nif [ "$FERRY_SHA" = "$(cat ${bad})" ]; then echo "health check failed"; exit 3; fi\necho ok`,
        );
        return {
          feed_channel: 'C0FEED',
          apps: {
            web: {
              path: repo,
              environments: {
                staging: {
                  deploy: [LOCAL_DEPLOY, deployRoot],
                  smoke: [smoke],
                  url: 'https://staging.example.test',
                  owners: [OWNER],
                  on_smoke_failure: ['freeze', 'rollback'],
                },
              },
            },
          },
        };
      },
    });
    const revision = () => readFileSync(path.join(h.deployRoot, 'web/staging/REVISION'), 'utf8').trim();
    const a = h.repo.sha('feature/checkout');
    const b = h.repo.sha('fix-1');

    const first = await h.deploy('staging feature/checkout', ANA);
    await h.slack.waitForFeed(first.id, 'succeeded');
    expect(readFileSync(seen, 'utf8')).toBe(`smoke https://staging.example.test ${a}\n`);

    writeFileSync(bad, `${b}\n`);
    const second = await h.deploy('staging fix-1', ANA);
    await h.slack.waitForFeed(second.id, 'failed');
    const thread = await h.slack.waitFor('the failure thread', () =>
      h.slack.calls.find(
        (c) =>
          c.method === 'chat.postMessage' && c.body.thread_ts && String(c.body.text).includes(`deploy #${second.id} to staging failed`),
      ),
    );
    expect(String(thread.body.text)).toContain(
      `<@${ANA}> (owners of staging: <@${OWNER}>) deploy #${second.id} to staging failed: the smoke check failed (exit 3)`,
    );
    expect(JSON.stringify(thread.body.blocks)).toContain('--- smoke check ---');
    expect(JSON.stringify(thread.body.blocks)).toContain('health check failed');

    // the rollback: deploy #3 puts A back (its own smoke check passes), then the env is frozen
    await h.slack.waitForFeed(3, 'succeeded');
    expect(revision()).toBe(a);
    await eventually('the freeze line', () =>
      feedTexts(h).some((t) => t.includes(`frozen by Ferry: the smoke check of deploy #${second.id} failed`)),
    );
    expect(feedTexts(h).some((t) => t.includes(`rolling \`web\` *staging* back as deploy #3`))).toBe(true);
    const refused = await h.slash('/deploy', 'staging main', ANA);
    expect(await h.answer(refused.id)).toContain('frozen');
    expect(await h.redis.get(`${h.prefix}:deploy:seq`)).toBe('3');
  });
});

describe('promotion', () => {
  let h: Harness;
  afterEach(async () => {
    await h?.stop();
  });

  test('dev -> staging deploys by itself, staging -> production opens a release and deploys nothing there', async () => {
    h = await Harness.start({
      config: ({ repo, deployRoot }) => ({
        feed_channel: 'C0FEED',
        apps: {
          web: {
            path: repo,
            environments: {
              dev: { deploy: [LOCAL_DEPLOY, deployRoot], promote_to: 'staging', promote: 'auto' },
              staging: { deploy: [LOCAL_DEPLOY, deployRoot], promote_to: 'production', promote: 'auto' },
              production: { deploy: [LOCAL_DEPLOY, deployRoot], promote_from: 'staging', release: { ship: 'button' } },
            },
          },
        },
      }),
    });
    const a = h.repo.sha('feature/checkout');
    const first = await h.deploy('dev feature/checkout', ANA);
    await h.slack.waitForFeed(first.id, 'succeeded');
    const promoted = await h.slack.waitForFeed(2, 'succeeded');
    expect(readFileSync(path.join(h.deployRoot, 'web/staging/REVISION'), 'utf8').trim()).toBe(a);
    expect(JSON.stringify(promoted.versions[promoted.versions.length - 1])).toContain(`promoted from dev deploy #${first.id}`);
    await eventually('the release line', () =>
      feedTexts(h).some((t) => t.includes('staging deploy #2') && t.includes('through a release')),
    );
    expect(feedTexts(h).some((t) => t.includes(`promoted from dev deploy #${first.id} to *staging* as deploy #2`))).toBe(true);
    // nothing deployed to production; one deploy each to dev and staging
    expect(await h.redis.get(`${h.prefix}:deploy:seq`)).toBe('2');
    expect(() => readFileSync(path.join(h.deployRoot, 'web/production/REVISION'))).toThrow();
    const release = feedTexts(h).find((t) => t.includes('through a release'))!;
    expect(release).toMatch(/Opened/);
  });
});
