import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { signLogToken } from '../../src/core/log-link';
import { latest } from '../helpers/fake-slack';
import { BOT_TOKEN, Harness, SIGNING_SECRET, writeScript } from '../helpers/harness';
import { SseClient } from '../helpers/sse';

/** What Ferry is told its public address is; the tests swap it for the harness's real one. */
const PUBLIC = 'http://ferry.test';
const LINK_SECRET = 'log-page-test-secret-0123456789abcdef';
const LINK = /http:\/\/ferry\.test\/deploys\/(\d+)\?t=([0-9a-z]+\.[A-Za-z0-9_-]{43})/;
const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** One app, `web`: staging prints a known log, dev waits for a file the test writes, production fails. */
function config(gate: string) {
  return ({ dir, repo }: { dir: string; repo: string }) => ({
    feed_channel: 'C0FEED',
    apps: {
      web: {
        path: repo,
        environments: {
          staging: {
            deploy: [
              writeScript(
                dir,
                'print.sh',
                'echo "hello from deploy $FERRY_DEPLOY_ID"\necho "<b>not bold</b> & \\"quoted\\""\nfor i in $(seq 1 30); do echo "line $i"; done',
              ),
            ],
          },
          dev: {
            deploy: [
              writeScript(dir, 'gate.sh', `echo "before the gate"\nwhile [ ! -f "${gate}" ]; do sleep 0.05; done\necho "after the gate"`),
            ],
          },
          production: { deploy: [writeScript(dir, 'fail.sh', 'echo "about to fail"\nexit 4')] },
        },
      },
    },
  });
}

interface Lines {
  first: number;
  lines: string[];
}

describe('the deploy log page', () => {
  let h: Harness;
  let gate: string;
  beforeAll(async () => {
    h = await Harness.start({
      env: { FERRY_PUBLIC_URL: PUBLIC, FERRY_LINK_SECRET: LINK_SECRET },
      config: (paths) => {
        gate = path.join(paths.dir, 'gate');
        return config(gate)(paths);
      },
    });
  });
  afterAll(async () => {
    await h?.stop();
  });

  /** The log page link in deploy #id's feed message, pointed at the harness's server. */
  async function feedLink(id: number, status: string): Promise<string> {
    const msg = await h.slack.waitForFeed(id, status);
    const m = LINK.exec(JSON.stringify(latest(msg).blocks));
    if (!m) throw new Error(`no log link in deploy #${id}'s feed message: ${JSON.stringify(latest(msg).blocks)}`);
    expect(Number(m[1])).toBe(id);
    return local(m[0]);
  }
  const local = (url: string) => url.replace(PUBLIC, h.url);
  const recordKey = (id: number) => `${h.prefix}:deploy:${id}`;
  const createdAt = async (id: number) => Number(await h.redis.hget(recordKey(id), 'createdAt'));
  /** A token signed as Ferry signs them: this instance's redis_prefix (unless told another) and deploy #id's record. */
  const sign = async (id: number, expiresAt: number, redisPrefix = h.prefix) =>
    signLogToken({ secret: LINK_SECRET, redisPrefix }, { id, createdAt: await createdAt(id) }, expiresAt);
  const expectNotValid = async (u: string, forId: number) => {
    const res = await fetch(u);
    expect(res.status).toBe(403);
    const html = await res.text();
    expect(html).toContain(`This link is not valid for deploy #${forId} — it may have been changed or cut off when it was copied.`);
    expect(html).toContain(`Use the link in the deploy's feed message, or type <code>/deploy log ${forId}</code> in Slack.`);
  };

  test("the feed message links the page, which shows the deploy's facts and its whole log, escaped", async () => {
    h.slack.names.set('U0ANA', 'Ana Lima');
    const { id } = await h.deploy('staging main');
    const url = await feedLink(id, 'succeeded');
    expect(JSON.stringify(latest(h.slack.feedMessage(id)!).blocks)).toContain('|full log>');

    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const html = await res.text();
    expect(html).toContain(`<h1>Deploy #${id} <span class="target">web to staging</span></h1>`);
    expect(html).toContain('<span id="status" class="badge badge-succeeded">succeeded</span>');
    expect(html).toContain(`<code title="${h.repo.sha('main')}">${h.repo.sha('main').slice(0, 7)}</code>`);
    // The requester's Slack name, not the member ID (which stays in the tooltip).
    expect(html).toContain('<dt>Requested by</dt><dd><span title="U0ANA">Ana Lima</span></dd>');
    expect(html).toContain('<dt>Ref</dt><dd><code>main</code></dd>');
    expect(html).toMatch(/<dt>Queued<\/dt><dd><time datetime="\d{4}-\d\d-\d\dT[\d:.]+Z">/);
    expect(html).toMatch(/<dd id="f-finished"><time datetime=/);
    expect(html).toMatch(/<dd id="f-duration">\d+s<\/dd>/);
    expect(html).toContain(`hello from deploy ${id}\n</span>`);
    expect(html).toContain('&lt;b&gt;not bold&lt;/b&gt; &amp; &quot;quoted&quot;');
    expect(html).not.toContain('<b>not bold</b>');
    // Every line, numbered: Ferry's own lines, then the command's 32.
    const numbers = [...html.matchAll(/<span class="l" id="L(\d+)" data-n="\1">/g)].map((m) => Number(m[1]));
    expect(numbers).toEqual(numbers.map((_, i) => i + 1));
    expect(html).toContain('line 30\n</span>');
    expect(html).toContain('<script type="module" src="../assets/log-page.js"></script>');
    expect(html).not.toMatch(/<script>|<style|style="/);
  });

  test('pages carry a strict CSP, no referrer, no caching; the script and stylesheet are served', async () => {
    const { id } = await h.deploy('staging main');
    const url = await feedLink(id, 'succeeded');
    for (const u of [url, url.replace(/t=[^&]+/, 't=nonsense')]) {
      const res = await fetch(u);
      expect(res.headers.get('content-security-policy')).toBe(CSP);
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    }
    const js = await fetch(`${h.url}/assets/log-page.js`);
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(await js.text()).toContain('EventSource');
    const css = await fetch(`${h.url}/assets/log-page.css`);
    expect(css.status).toBe(200);
    expect(css.headers.get('content-type')).toBe('text/css; charset=utf-8');
  });

  test('a changed, cut-off, missing or borrowed token gets a 403 that says what to do; so does any token for a deploy with no record', async () => {
    const { id } = await h.deploy('staging main');
    const url = await feedLink(id, 'succeeded');
    const token = new URL(url).searchParams.get('t')!;
    const at = token.indexOf('.') + 5; // a character inside the signature
    const flipped = token.slice(0, at) + (token[at] === 'A' ? 'B' : 'A') + token.slice(at + 1);
    await expectNotValid(`${h.url}/deploys/${id}?t=${flipped}`, id);
    await expectNotValid(`${h.url}/deploys/${id}?t=${token.slice(0, 20)}`, id);
    await expectNotValid(`${h.url}/deploys/${id + 1000}?t=${token}`, id + 1000); // another deploy (that does not exist)

    const missing = await fetch(`${h.url}/deploys/${id}`);
    expect(missing.status).toBe(403);
    expect(await missing.text()).toContain('and this one has none');

    const events = await fetch(`${h.url}/deploys/${id}/events?t=${flipped}`);
    expect(events.status).toBe(403);

    // No record, nothing to check a token against: even one signed with the right secret and
    // prefix (for whatever createdAt) is just "not valid"; a missing deploy is never told apart.
    const noRecord = signLogToken(
      { secret: LINK_SECRET, redisPrefix: h.prefix },
      { id: 99999, createdAt: Date.now() },
      Date.now() + 60_000,
    );
    await expectNotValid(`${h.url}/deploys/99999?t=${noRecord}`, 99999);
    expect((await fetch(`${h.url}/deploys/99999/events?t=${noRecord}`)).status).toBe(403);
    await expectNotValid(`${h.url}/deploys/99999?t=${token}`, 99999);
  });

  test('a link dies with its record: not for another Ferry sharing the secret, nor a new record under the same id', async () => {
    const { id } = await h.deploy('staging main');
    const url = await feedLink(id, 'succeeded');
    const token = new URL(url).searchParams.get('t')!;
    const events = url.replace(`/deploys/${id}?`, `/deploys/${id}/events?`);
    expect((await fetch(url)).status).toBe(200);
    expect(token).toBe(await sign(id, (await createdAt(id)) + 7 * 86_400_000));

    // Another Ferry (another redis_prefix) with the same secret and its own deploy #id.
    const otherFerrys = await sign(id, Date.now() + 60_000, `${h.prefix}-other`);
    await expectNotValid(`${h.url}/deploys/${id}?t=${otherFerrys}`, id);
    expect((await fetch(`${h.url}/deploys/${id}/events?t=${otherFerrys}`)).status).toBe(403);

    // Redis wiped and ids started again: a new deploy #id, created at another time.
    const record = await h.redis.hgetall(recordKey(id));
    try {
      await h.redis.hset(recordKey(id), 'createdAt', String(Number(record.createdAt) + 1));
      await expectNotValid(url, id);
      expect((await fetch(events)).status).toBe(403);
      // The record removed: the link is "not valid" too, never a hint that the deploy is gone.
      await h.redis.del(recordKey(id));
      await expectNotValid(url, id);
      expect((await fetch(events)).status).toBe(403);
    } finally {
      await h.redis.hset(recordKey(id), record);
    }
    expect((await fetch(url)).status).toBe(200);
  });

  test('an expired link gets a 403 that says until when it was valid and how to get a fresh one', async () => {
    const { id } = await h.deploy('staging main');
    await h.slack.waitForFeed(id, 'succeeded');
    const expiredAt = Date.now() - 60_000;
    const res = await fetch(`${h.url}/deploys/${id}?t=${await sign(id, expiredAt)}`);
    expect(res.status).toBe(403);
    const html = await res.text();
    expect(html).toContain(
      `This link to the log of deploy #${id} has expired (it was valid until <time datetime="${new Date(expiredAt).toISOString()}">`,
    );
    expect(html).toContain(`Ask Ferry for a fresh one: type <code>/deploy log ${id}</code> in Slack.`);
    const events = await fetch(`${h.url}/deploys/${id}/events?t=${await sign(id, expiredAt)}`);
    expect(events.status).toBe(403);
  });

  test('the event stream delivers the lines of a running deploy as they are printed, then its end', async () => {
    const { id } = await h.deploy('dev');
    const url = await feedLink(id, 'running');
    const stream = await SseClient.open(`${url.replace(`/deploys/${id}?`, `/deploys/${id}/events?`)}&from=1`);
    try {
      expect(stream.status).toBe(200);
      expect(stream.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
      expect(stream.headers.get('content-security-policy')).toBe(CSP);
      const printed = () => stream.all<Lines>('lines').flatMap((e) => e.lines);
      await stream.waitFor('"before the gate"', () => printed().includes('before the gate'));
      expect(stream.all<{ status: string }>('deploy').map((d) => d.status)).toContain('running');
      expect(printed()).not.toContain('after the gate');
      expect(stream.events.some((e) => e.event === 'end')).toBe(false);

      writeFileSync(gate, '');
      await stream.waitFor('"after the gate"', () => printed().includes('after the gate'));
      await stream.waitFor('the end event', () => stream.events.find((e) => e.event === 'end'));
      await stream.closed();

      const deploys = stream.all<{ status: string; finishedAt?: number }>('deploy');
      expect(deploys.at(-1)).toMatchObject({ status: 'succeeded', id });
      expect(deploys.at(-1)!.finishedAt).toEqual(expect.any(Number));
      // Lines arrive once each, in order, numbered from 1; each event's id is its last line's number.
      const chunks = stream.events.filter((e) => e.event === 'lines');
      let next = 1;
      for (const c of chunks) {
        const body = JSON.parse(c.data) as Lines;
        expect(body.first).toBe(next);
        next = body.first + body.lines.length;
        expect(c.id).toBe(String(next - 1));
      }
      expect(printed().filter((l) => l === 'before the gate')).toHaveLength(1);
      expect(stream.events.at(-1)!.event).toBe('end');

      // A reconnect with Last-Event-ID resumes after that line.
      const resumeAfter = chunks[0]!.id!;
      const again = await SseClient.open(`${url.replace(`/deploys/${id}?`, `/deploys/${id}/events?`)}&from=1`, {
        'last-event-id': resumeAfter,
      });
      await again.closed();
      const resumed = again.all<Lines>('lines');
      if (Number(resumeAfter) < next - 1) expect(resumed[0]!.first).toBe(Number(resumeAfter) + 1);
      expect(resumed.flatMap((e) => e.lines)).toEqual(printed().slice(Number(resumeAfter)));
      expect(again.events.at(-1)!.event).toBe('end');
    } finally {
      stream.close();
    }
  });

  test('the page redacts secrets in the log, whoever wrote them', async () => {
    const { id } = await h.deploy('staging main');
    const url = await feedLink(id, 'succeeded');
    await h.redis.rpush(`${h.prefix}:deploy:${id}:log`, `leaked ${BOT_TOKEN} here`, `and the signing secret ${SIGNING_SECRET}`);
    const html = await (await fetch(url)).text();
    expect(html).not.toContain(BOT_TOKEN);
    expect(html).not.toContain(SIGNING_SECRET);
    expect(html).toContain('leaked [redacted] here');
    expect(html).toContain('and the signing secret [redacted]');
  });

  test('`/deploy log <id>` answers with a fresh link that works, and the deploy in one line', async () => {
    const { id } = await h.deploy('staging main');
    await h.slack.waitForFeed(id, 'succeeded');
    for (const text of [`log ${id}`, `log #${id}`]) {
      const r = await h.slash('/deploy', text);
      expect(r.ack.status).toBe(200);
      const answer = await h.answer(r.id);
      expect(answer).toContain(`Deploy #${id} · web to staging: succeeded in`);
      expect(answer).toContain(`|Full log of deploy #${id}>`);
      expect(answer).toContain('The link works until <!date^');
      const m = LINK.exec(answer);
      expect(m).not.toBeNull();
      const res = await fetch(local(m![0]));
      expect(res.status).toBe(200);
      expect(await res.text()).toContain(`hello from deploy ${id}`);
    }
    const none = await h.slash('/deploy', 'log 9999');
    expect(await h.answer(none.id)).toMatch(
      /^There is no deploy #9999\. Deploy ids run from #1 to #\d+; the id is in each deploy's feed message/,
    );
  });

  test("a failed deploy's thread post ends with a link to the full log", async () => {
    const { id } = await h.deploy('production main');
    const msg = await h.slack.waitForFeed(id, 'failed');
    const thread = await h.slack.waitFor('the failure log in the thread', () => h.slack.messages.find((m) => m.thread_ts === msg.ts));
    const blocks = thread.versions[0]!.blocks as { type: string; elements?: { text: string }[] }[];
    const last = blocks.at(-1)!;
    expect(last.type).toBe('context');
    expect(last.elements![0]!.text).toMatch(new RegExp(`^<http://ferry\\.test/deploys/${id}\\?t=[^|]+\\|Full log of deploy #${id}>$`));
    const res = await fetch(local(LINK.exec(last.elements![0]!.text)![0]));
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('about to fail');
  });

  test('the 404 page lists the log page route', async () => {
    const res = await fetch(`${h.url}/nope`);
    expect(res.status).toBe(404);
    expect(await res.text()).toContain('GET /deploys/<id>?t=<token>');
  });
});

describe('without FERRY_PUBLIC_URL', () => {
  let h: Harness;
  afterEach(async () => {
    await h?.stop();
  });

  test('the feed has no log link, /deploy log says how to turn the page on and shows the last lines, and the page is off', async () => {
    h = await Harness.start({ config: config('/nonexistent') });
    const { id } = await h.deploy('staging main');
    const msg = await h.slack.waitForFeed(id, 'succeeded');
    expect(JSON.stringify(msg.versions)).not.toContain('full log');
    expect(JSON.stringify(msg.versions)).not.toContain('/deploys/');

    const r = await h.slash('/deploy', `log ${id}`);
    const answer = await h.answer(r.id);
    expect(answer).toContain(`Deploy #${id} · web to staging: succeeded in`);
    expect(answer).toContain(
      "The deploy log page is off: whoever runs Ferry can turn it on by setting FERRY_PUBLIC_URL to the address where Slack users reach Ferry's HTTP port",
    );
    expect(answer).toContain('Last 10 lines of the log:\n```');
    expect(answer).toContain('line 30');
    expect(answer).not.toContain('line 19\n');
    expect(answer).not.toContain('/deploys/');

    const page = await fetch(`${h.url}/deploys/${id}?t=x`);
    expect(page.status).toBe(404);
    expect(await page.text()).toContain('The deploy log page is off on this Ferry: set FERRY_PUBLIC_URL');
  });
});

describe('without FERRY_LINK_SECRET', () => {
  test('links are signed with a random secret kept in Redis, which every process shares', async () => {
    const h = await Harness.start({ env: { FERRY_PUBLIC_URL: PUBLIC } });
    try {
      const { id } = await h.deploy('staging');
      const msg = await h.slack.waitForFeed(id, 'succeeded');
      const secret = await h.redis.get(`${h.prefix}:link-secret`);
      expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
      const m = LINK.exec(JSON.stringify(latest(msg).blocks))!;
      const createdAt = Number(await h.redis.hget(`${h.prefix}:deploy:${id}`, 'createdAt'));
      expect(m[2]).toBe(signLogToken({ secret: secret!, redisPrefix: h.prefix }, { id, createdAt }, createdAt + 7 * 86_400_000));
      expect((await fetch(m[0].replace(PUBLIC, h.url))).status).toBe(200);
    } finally {
      await h.stop();
    }
  });
});
