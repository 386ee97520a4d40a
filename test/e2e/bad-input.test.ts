import { Harness } from '../helpers/harness';
import { post, sign, slashBody } from '../helpers/slack-requests';

describe('bad input gets a specific answer in the ack and changes nothing', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await Harness.start({
      config: ({ repo, deployRoot }) => ({
        feed_channel: 'C0FEED',
        apps: {
          web: {
            path: repo,
            environments: {
              dev: { deploy: ['/bin/true'], lock: true },
              staging: { deploy: ['/bin/true'] },
              production: { deploy: ['/bin/true'] },
            },
          },
          api: { path: repo, environments: { staging: { deploy: ['/bin/true', deployRoot] } } },
        },
      }),
    });
  });
  afterAll(async () => {
    await h?.stop();
  });
  afterEach(async () => {
    // Nothing was accepted, queued or posted.
    expect(await h.redis.get(`${h.prefix}:deploy:seq`)).toBeNull();
    expect(h.slack.messages).toHaveLength(0);
  });

  const cases: [string, string, RegExp][] = [
    ['empty text', '', /Tell me what to do\. Usage: `\/deploy \[app\] &lt;env&gt; \[ref\] \[override &lt;reason&gt;\]`/],
    ['an unknown app, with a suggestion', 'wbe dev', /There is no app `wbe`\. Did you mean `web`\? Apps: `web`, `api`/],
    [
      'an unknown env, with a suggestion',
      'web prod',
      /`web` has no environment `prod`\. Did you mean `production`\? It has `dev`, `staging`, `production`/,
    ],
    ['an env without its app when two apps have it', 'staging main', /Which app\? `web`, `api` have `staging`/],
    ['an app without an env', 'web', /Which environment of `web`\? It has `dev`, `staging`, `production`/],
    ['extra words', 'web dev main please now', /I don't know what to do with `please now`: a deploy takes one ref/],
    ['absurdly long text', `web dev ${'a'.repeat(400)}`, /That is 408 characters; a command here is at most 300/],
    ['a command substitution', 'web dev $(rm -rf /)', /I don't know what to do with `-rf \/\)`|contains/],
    ['a ref with a semicolon', 'web dev main;reboot', /`main;reboot` contains `;`; refs may only use letters, digits/],
    ['a ref with $( )', 'web dev $(id)', /`\$\(id\)` contains `\$` `\(` `\)`; refs may only use/],
    ['a ref that starts with -', 'web dev --upload-pack=touch', /starts with `-`, which git would read as an option/],
    ['a ref with ..', 'web dev main..evil', /contains `\.\.`, which is a range/],
    ['a ref with a backtick', 'web dev ma`id`in', /contains "`"; refs may only use/],
  ];

  test.each(cases)('%s', async (_name, text, expected) => {
    const r = await h.slash('/deploy', text);
    expect(r.ack.status).toBe(200);
    expect(r.ack.ms).toBeLessThan(3_000);
    expect(r.ackText).toMatch(expected);
  });

  test('help explains usage and lists apps and environments', async () => {
    const r = await h.slash('/deploy', 'help');
    expect(r.ackText).toContain('*Deploy:* `/deploy [app] &lt;env&gt; [ref] [override &lt;reason&gt;]`');
    expect(r.ackText).toContain('`web`: dev, staging, production');
    expect(r.ackText).toContain('`api`: staging');
  });

  test('/lock and /unlock refuse bad input the same way', async () => {
    expect((await h.slash('/lock', 'web dev 4hours')).ackText).toContain('`4hours` is not a duration; use e.g. 30m, 4h, 2d');
    expect((await h.slash('/lock', 'web dev 30d')).ackText).toContain('A lock lasts at most 7d');
    expect((await h.slash('/unlock', 'web dev now')).ackText).toContain("I don't know what to do with `now`");
    expect((await h.slash('/lock', 'help')).ackText).toContain('*Lock:* `/lock [app] &lt;env&gt; [duration] [reason]`');
  });
});

describe('requests that are not from Slack are refused', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await Harness.start();
  });
  afterAll(async () => {
    expect(await h.redis.get(`${h.prefix}:deploy:seq`)).toBeNull();
    await h?.stop();
  });

  const url = () => `${h.url}/slack/events`;
  const body = () => slashBody('/deploy', 'dev main', 'U0EVE', h.slack.responseUrl('forged'));

  test('a forged signature gets 401 and queues nothing', async () => {
    const r = await post(url(), body(), sign('not-the-signing-secret', body()));
    expect(r.status).toBe(401);
    expect(r.body).toContain('Bad or expired Slack signature');
  });

  test('a signature older than five minutes gets 401', async () => {
    const b = body();
    const r = await post(url(), b, sign('test-signing-secret-0123456789', b, Math.floor(Date.now() / 1000) - 600));
    expect(r.status).toBe(401);
  });

  test('a missing signature gets 401', async () => {
    const r = await post(url(), body(), {});
    expect(r.status).toBe(401);
    expect(r.body).toContain('must come from Slack');
  });

  test('an exact replay of a signed request is refused the second time', async () => {
    const b = slashBody('/deploy', 'help', 'U0EVE', h.slack.responseUrl('replay'));
    const headers = sign('test-signing-secret-0123456789', b);
    expect((await post(url(), b, headers)).status).toBe(200);
    const again = await post(url(), b, headers);
    expect(again.status).toBe(401);
    expect(again.body).toContain('already received once');
  });
});
