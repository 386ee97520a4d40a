import http from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { combine, createMetricsEndpoint } from '../../src/metrics/endpoint';
import { createFerryMetrics } from '../../src/metrics/ferry-metrics';
import { countingSlackFetch, methodOf } from '../../src/metrics/slack-calls';
import { family, parsePrometheus, sampleValue } from '../helpers/prom-text';

const log = pino({ level: 'silent' });
const envs = [{ app: 'web', env: 'staging' }];

describe('metrics', () => {
  test("combine: the thread's counters and histograms are added to the main registry's, the process metrics kept once", async () => {
    const main = createFerryMetrics({ envs, processDefaults: true });
    const thread = createFerryMetrics({ envs, processDefaults: false });
    main.deploys.finished('web', 'staging', 'cancelled', undefined);
    thread.deploys.finished('web', 'staging', 'succeeded', 12);
    thread.deploys.finished('web', 'staging', 'succeeded', 200);
    thread.deploys.started('web', 'staging', 3);
    main.ack(0.02);
    main.slackCall('chat.postMessage', 'ok');
    thread.slackCall('chat.postMessage', 'ok');
    thread.githubCall('5xx');
    const text = await combine(await main.json(), [await thread.json()]).metrics();
    const s = parsePrometheus(text);
    expect(family(s, 'ferry_deploys_total')).toEqual({
      'app=web,env=staging,status=cancelled': 1,
      'app=web,env=staging,status=failed': 0,
      'app=web,env=staging,status=succeeded': 2,
    });
    expect(sampleValue(s, 'ferry_deploy_duration_seconds_count', { app: 'web', env: 'staging' })).toBe(2);
    expect(sampleValue(s, 'ferry_deploy_duration_seconds_sum', { app: 'web', env: 'staging' })).toBe(212);
    expect(sampleValue(s, 'ferry_deploy_duration_seconds_bucket', { app: 'web', env: 'staging', le: '30' })).toBe(1);
    expect(sampleValue(s, 'ferry_deploy_duration_seconds_bucket', { app: 'web', env: 'staging', le: '+Inf' })).toBe(2);
    expect(sampleValue(s, 'ferry_deploy_wait_seconds_count', { app: 'web', env: 'staging' })).toBe(1);
    expect(sampleValue(s, 'ferry_slack_api_calls_total', { method: 'chat.postMessage', result: 'ok' })).toBe(2);
    expect(sampleValue(s, 'ferry_github_api_calls_total', { result: '5xx' })).toBe(1);
    expect(sampleValue(s, 'ferry_ack_seconds_count')).toBe(1);
    // prom-client's cluster aggregators would drop the start time ('omit') and average others: kept as they are.
    expect(sampleValue(s, 'process_start_time_seconds')).toBeGreaterThan(0);
    expect(s.filter((x) => x.name === 'process_cpu_user_seconds_total')).toHaveLength(1);
    expect(text).toContain('# TYPE ferry_deploy_duration_seconds histogram');
    expect(text).toContain('# TYPE ferry_deploys_total counter');
  });

  test('the endpoint: 401 without the token or with another, 200 with it; a thread that fails is left out', async () => {
    const m = createFerryMetrics({ envs, processDefaults: false });
    m.deploys.finished('web', 'staging', 'failed', 1);
    const endpoint = createMetricsEndpoint({
      registry: m.registry,
      token: 's3cret',
      others: async () => {
        throw new Error('thread gone');
      },
      log,
    });
    const server = http.createServer((req, res) => void endpoint.handle(req, res));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`;
    try {
      const none = await fetch(url);
      expect(none.status).toBe(401);
      expect(none.headers.get('www-authenticate')).toContain('Bearer');
      expect(await none.text()).toBe('No token: send FERRY_METRICS_TOKEN as "Authorization: Bearer <token>".\n');
      expect((await fetch(url, { headers: { authorization: 'Bearer s3cre' } })).status).toBe(401);
      const ok = await fetch(url, { headers: { authorization: 'Bearer s3cret' } });
      expect(ok.status).toBe(200);
      expect(sampleValue(parsePrometheus(await ok.text()), 'ferry_deploys_total', { app: 'web', env: 'staging', status: 'failed' })).toBe(
        1,
      );
      expect((await fetch(url, { method: 'POST', headers: { authorization: 'Bearer s3cret' } })).status).toBe(405);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });

  test("Slack calls are counted by method and result: ok, Slack's error code, rate_limited, http_error; response_url posts are not", async () => {
    const seen: string[] = [];
    const answers: Record<string, () => Response> = {
      'chat.postMessage': () => Response.json({ ok: true }),
      'chat.update': () => Response.json({ ok: false, error: 'message_not_found' }),
      'users.info': () => new Response('slow down', { status: 429, headers: { 'retry-after': '1' } }),
      'views.open': () => new Response('oops', { status: 503 }),
    };
    const base = (async (input: string | URL | Request) => {
      const url = String(input);
      if (url.includes('down')) throw new TypeError('fetch failed');
      return (answers[methodOf(url)] ?? (() => Response.json({ ok: true })))();
    }) as typeof fetch;
    const f = countingSlackFetch((m, r) => seen.push(`${m} ${r}`), 'https://slack.test/api/', base);
    for (const m of ['chat.postMessage', 'chat.update', 'users.info', 'views.open']) await f(`https://slack.test/api/${m}`);
    await expect(f('https://slack.test/api/down')).rejects.toThrow('fetch failed');
    const res = await f('https://slack.test/api/chat.postMessage');
    expect(await res.json()).toEqual({ ok: true }); // the client still reads the body
    await f('https://hooks.slack.test/actions/T0/1/abc');
    expect(seen).toEqual([
      'chat.postMessage ok',
      'chat.update message_not_found',
      'users.info rate_limited',
      'views.open http_error',
      'down http_error',
      'chat.postMessage ok',
    ]);
  });
});
