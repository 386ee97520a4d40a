import fc from 'fast-check';
import { Harness } from '../helpers/harness';
import { fuzz, fuzzTimeout, headerValue, JUNK_VALUES, mutatedFrom } from '../helpers/hostile';
import { SseClient } from '../helpers/sse';
import { hubSignature, pushPayload, WEBHOOK_SECRET } from '../helpers/webhooks';

// Ferry's other routes under hostile input: GitHub's webhook, the alerts endpoint, the log page
// and its event stream, and any method or path at all. None answers 5xx; Jest fails the running
// test on any unhandled rejection or uncaught exception in this process.

const TOKEN = 'alert-token-0123456789abcdef';
const SHA = (c: string) => c.repeat(40);

describe('hostile input to the other routes', () => {
  let h: Harness;
  /** A queued deploy and its log page token (made before the alerts property can freeze staging). */
  let id: number;
  let token: string | undefined;
  beforeAll(async () => {
    h = await Harness.start({
      role: 'app',
      env: {
        GITHUB_WEBHOOK_SECRET: WEBHOOK_SECRET,
        FERRY_ALERT_TOKEN: TOKEN,
        FERRY_PUBLIC_URL: 'http://ferry.test',
        FERRY_LINK_SECRET: 'hostile-test-link-secret-0123456789',
      },
      config: ({ repo }) => ({
        feed_channel: 'C0FEED',
        apps: {
          web: {
            repo: 'acme/web',
            clone_url: repo,
            environments: { dev: { deploy: ['/bin/true'], lock: true }, staging: { deploy: ['/bin/true'], auto_deploy: 'main' } },
          },
        },
      }),
    });
    h.github.repos.set('acme/web', h.repo.path);
    id = (await h.deploy('web staging main')).id;
    const log = await h.slash('/deploy', `log ${id}`);
    token = new RegExp(`/deploys/${id}\\?t=([0-9a-z]+\\.[A-Za-z0-9_-]+)`).exec(await h.answer(log.id))?.[1];
  });
  afterAll(async () => {
    await h?.stop();
  });
  afterEach(async () => {
    expect((await fetch(`${h.url}/healthz`)).status).toBe(200);
  });

  const noServerError = (status: number, what: string, body: string) => {
    if (status >= 500) throw new Error(`${what}: HTTP ${status}: ${body.slice(0, 200)}`);
  };

  test(
    'GitHub webhook deliveries, signed or not, with any event, delivery and body, never get a 5xx',
    async () => {
      const repository = { full_name: 'acme/web', name: 'web' };
      const sender = { login: 'octocat' };
      const deliveries: [string, unknown][] = [
        ['push', pushPayload({ before: SHA('1'), after: SHA('2') })],
        ['push', { ...pushPayload({ before: SHA('0'), after: SHA('3') }), ref: 'refs/tags/v1.0.0', created: true }],
        ['create', { ref: 'v1.0.0', ref_type: 'tag', repository, sender }],
        ['release', { action: 'published', release: { tag_name: 'v1.0.0' }, repository, sender }],
        ['check_run', { action: 'completed', check_run: { head_sha: SHA('4') }, repository }],
        ['status', { sha: SHA('5'), state: 'success', repository }],
        ['ping', { zen: 'Keep it logically awesome.' }],
      ];
      // Mostly an event with its own payload, mutated; else any event with any body.
      const paired = fc.constantFrom(...deliveries).chain(([e, p]) => mutatedFrom([p]).map((m) => [e, JSON.stringify(m)] as const));
      const event = fc.oneof(fc.constantFrom(...deliveries.map(([e]) => e), 'pull_request', ''), headerValue);
      const any = fc.tuple(event, fc.oneof(fc.json(), fc.string()));
      const signed = fc.constantFrom('valid', 'valid', 'valid', 'wrong', 'none', 'junk');
      await fc.assert(
        fc.asyncProperty(
          fc.oneof({ weight: 3, arbitrary: paired }, { weight: 1, arbitrary: any }),
          signed,
          fc.option(headerValue, { freq: 8 }),
          headerValue,
          async ([e, b], how, delivery, junk) => {
            const signature =
              how === 'valid'
                ? hubSignature(WEBHOOK_SECRET, b)
                : how === 'wrong'
                  ? hubSignature('not-the-secret', b)
                  : how === 'junk'
                    ? junk
                    : undefined;
            const headers: Record<string, string> = {
              'content-type': 'application/json',
              'x-github-event': e,
              ...(delivery !== null && { 'x-github-delivery': delivery }),
              ...(signature !== undefined && { 'x-hub-signature-256': signature }),
            };
            const res = await fetch(`${h.url}/github/webhook`, { method: 'POST', body: b, headers });
            noServerError(res.status, `${e} ${how}: ${b.slice(0, 200)}`, await res.text());
          },
        ),
        fuzz(250),
      );
    },
    fuzzTimeout(250, 50),
  );

  test(
    'alerts to any path, with or without the token, with any body, never get a 5xx',
    async () => {
      const alert = {
        status: 'firing',
        labels: { alertname: 'HighErrorRate', job: 'web' },
        annotations: { summary: 'errors' },
        fingerprint: 'abc',
        generatorURL: 'http://prometheus/graph',
      };
      const bases = [
        { version: '4', status: 'firing', alerts: [alert, { ...alert, status: 'resolved', fingerprint: 'def' }] },
        { status: 'firing', summary: 'Checkout errors', name: 'errors', url: 'https://grafana/d/1' },
        { status: 'resolved', name: 'errors' },
      ];
      const body = fc.oneof(
        { weight: 3, arbitrary: mutatedFrom(bases).map((p) => JSON.stringify(p)) },
        { weight: 1, arbitrary: fc.json() },
        { weight: 1, arbitrary: fc.string() },
      );
      const path = fc.oneof(
        fc.constantFrom(
          '/alerts/web/dev',
          '/alerts/web/staging',
          '/alerts/web',
          '/alerts/',
          '/alerts/web/dev/x',
          '/alerts/%E0%A4%A/dev',
          '/alerts/__proto__/dev',
          '/alerts/web/constructor',
          '/alerts/%2e%2e/dev',
        ),
        fc.stringMatching(/^\/alerts\/[\x21-\x7e]{0,30}$/),
      );
      const auth = fc.constantFrom<Record<string, string>>(
        { authorization: `Bearer ${TOKEN}` },
        { 'x-ferry-token': TOKEN },
        { authorization: 'Bearer wrong' },
        { authorization: TOKEN },
        {},
      );
      await fc.assert(
        fc.asyncProperty(path, auth, body, async (p, a, b) => {
          const res = await fetch(`${h.url}${p}`, { method: 'POST', body: b, headers: { 'content-type': 'application/json', ...a } });
          noServerError(res.status, `${p}: ${b.slice(0, 200)}`, await res.text());
        }),
        fuzz(250),
      );
    },
    fuzzTimeout(250, 50),
  );

  test(
    'any method, path, query and headers to any route never get a 5xx',
    async () => {
      const path = fc.oneof(
        fc.constantFrom(
          '/healthz',
          '/slack/events',
          '/github/webhook',
          '/alerts/web/dev',
          '/deploys/1',
          '/deploys/1/events',
          '/deploys/999999999999999',
          '/deploys/abc',
          '/assets/log-page.js',
          '/assets/../../etc/passwd',
          '/favicon.ico',
          '/',
          '//',
          '/%00',
        ),
        fc.stringMatching(/^\/[\x21-\x7e]{0,40}$/),
      );
      const query = fc.oneof(
        fc.constant(''),
        fc.constantFrom('?t=', '?t=abc', '?t=zzzzzzzz.aaaa', '?t=1.x&from=-5', '?from=1e308'),
        fc.stringMatching(/^\?[\x21-\x7e]{0,40}$/),
      );
      const method = fc.constantFrom('GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH');
      const headers = fc.dictionary(
        fc.constantFrom(
          'last-event-id',
          'accept',
          'content-type',
          'authorization',
          'x-slack-signature',
          'x-slack-request-timestamp',
          'x-hub-signature-256',
          'x-github-event',
          'range',
          'if-none-match',
        ),
        headerValue,
        { maxKeys: 4 },
      );
      await fc.assert(
        fc.asyncProperty(method, path, query, headers, fc.string({ maxLength: 50 }), async (m, p, q, hs, b) => {
          const ctl = new AbortController();
          const res = await fetch(`${h.url}${p}${q}`, {
            method: m,
            headers: hs,
            signal: ctl.signal,
            ...(m !== 'GET' && m !== 'HEAD' && { body: b }),
          });
          ctl.abort(); // an event stream would stay open; its status is all this needs
          noServerError(res.status, `${m} ${p}${q}`, '');
        }),
        fuzz(250),
      );
    },
    fuzzTimeout(250, 50),
  );

  test(
    "a deploy's event stream with any `from` or Last-Event-ID streams the deploy",
    async () => {
      expect(token).toBeDefined();
      const junk = fc.oneof(fc.constantFrom(...JUNK_VALUES, '1e308', '-0', '9007199254740993', 'Infinity', 'NaN'), headerValue);
      await fc.assert(
        fc.asyncProperty(junk, fc.option(junk), async (from, lastEventId) => {
          const page = await fetch(`${h.url}/deploys/${id}?t=${token}&from=${encodeURIComponent(from)}`);
          expect(page.status).toBe(200);
          const s = await SseClient.open(
            `${h.url}/deploys/${id}/events?t=${token}&from=${encodeURIComponent(from)}`,
            lastEventId === null ? {} : { 'last-event-id': lastEventId },
          );
          try {
            expect(s.status).toBe(200);
            await s.waitFor('the deploy event', () => s.events.find((e) => e.event === 'deploy'), 2_000);
          } finally {
            s.close();
          }
        }),
        fuzz(60),
      );
    },
    fuzzTimeout(60, 100),
  );
});
