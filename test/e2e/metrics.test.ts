import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { FerryProcess } from '../helpers/ferry-process';
import { makeTeamRepo, type TeamRepo } from '../helpers/git-repo';
import { Harness, LOCAL_DEPLOY, writeScript } from '../helpers/harness';
import { eventually } from '../helpers/wait';
import { family, parsePrometheus, type Sample, sampleValue } from '../helpers/prom-text';
import { ADMIN, ANA, BEN, DAN, FEED } from '../helpers/release-kit';
import { startOwnRedis } from '../helpers/redis-server';

const TOKEN = 'metrics-token-0123456789';

async function scrape(url: string, token = TOKEN): Promise<Sample[]> {
  const res = await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${token}` } });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toContain('text/plain; version=0.0.4');
  return parsePrometheus(await res.text());
}

/** Slack Web API calls as the fake Slack saw them, by method (`chat.update!429` is a chat.update). */
function callsByMethod(h: Harness): Record<string, number> {
  const out: Record<string, number> = {};
  for (const c of h.slack.calls) {
    const m = c.method.split('!')[0]!;
    out[m] = (out[m] ?? 0) + 1;
  }
  return out;
}

function countedByMethod(samples: Sample[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of samples.filter((x) => x.name === 'ferry_slack_api_calls_total'))
    out[s.labels.method!] = (out[s.labels.method!] ?? 0) + s.value;
  return out;
}

describe('GET /metrics', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.stop();
    h = undefined;
  });

  test('counters and gauges match what happened: a deploy succeeded, one failed, an env locked, one frozen, a release open', async () => {
    let team!: TeamRepo;
    h = await Harness.start({
      env: { FERRY_METRICS_TOKEN: TOKEN },
      config: ({ dir, repo, deployRoot }) => {
        team = makeTeamRepo(path.join(dir, 'team'));
        const failing = writeScript(dir, 'fail.sh', 'echo "migration failed" >&2\nexit 3');
        return {
          feed_channel: FEED,
          admins: [ADMIN],
          people: { 'ana@example.com': ANA, 'ben@example.com': BEN },
          freezes: [
            { name: 'audit', reason: 'audit', start: '2020-01-01 00:00', end: '2099-01-01 00:00', apps: ['api'], environments: ['hotfix'] },
          ],
          apps: {
            web: {
              path: team.path,
              environments: {
                staging: { deploy: [LOCAL_DEPLOY, deployRoot] },
                production: {
                  deploy: [LOCAL_DEPLOY, deployRoot],
                  promote_from: 'staging',
                  permissions: { deploy: [ANA, BEN, DAN, ADMIN] },
                  release: {},
                },
              },
            },
            api: {
              path: repo,
              environments: {
                dev: { deploy: [failing] },
                qa: { deploy: [LOCAL_DEPLOY, deployRoot] },
                prod: { deploy: [LOCAL_DEPLOY, deployRoot] },
                hotfix: { deploy: [LOCAL_DEPLOY, deployRoot] },
              },
            },
          },
        };
      },
    });
    const ferry = h;

    // The token: none, a wrong one, the right one.
    const none = await fetch(`${ferry.url}/metrics`);
    expect(none.status).toBe(401);
    expect(await none.text()).toContain('No token: send FERRY_METRICS_TOKEN as "Authorization: Bearer <token>".');
    const wrong = await fetch(`${ferry.url}/metrics`, { headers: { authorization: 'Bearer nope' } });
    expect(wrong.status).toBe(401);
    expect(await wrong.text()).toContain('Wrong token');

    // Two deploys that succeed (production, then staging) and the release between them (kit).
    for (const [env, ref] of [
      ['production', team.base],
      ['staging', 'main'],
    ] as const) {
      const d = await ferry.deploy(`web ${env} ${ref}`, ANA);
      await ferry.slack.waitForFeed(d.id, 'succeeded');
    }
    expect(await ferry.answer((await ferry.slash('/release', 'web', DAN)).id)).toMatch(/release #1\*/);
    const failed = await ferry.deploy('api dev main', ANA);
    await ferry.slack.waitForFeed(failed.id, 'failed');
    expect(await ferry.answer((await ferry.slash('/lock', 'api qa 1h testing', BEN)).id)).toContain('is yours until');
    expect(await ferry.answer((await ferry.slash('/freeze', 'api prod for 2h db migration', ADMIN)).id)).toContain('Froze');
    await ferry.running!.parts.settled();

    const m = await scrape(ferry.url);
    // Every env and status has its counter from the start (0 until something happens).
    const expected: Record<string, number> = {};
    for (const e of ['api,env=dev', 'api,env=hotfix', 'api,env=prod', 'api,env=qa', 'web,env=production', 'web,env=staging'])
      for (const status of ['cancelled', 'failed', 'succeeded']) expected[`app=${e},status=${status}`] = 0;
    expected['app=web,env=production,status=succeeded'] = 1;
    expected['app=web,env=staging,status=succeeded'] = 1;
    expected['app=api,env=dev,status=failed'] = 1;
    expect(family(m, 'ferry_deploys_total')).toEqual(expected);
    for (const [app, env] of [
      ['web', 'production'],
      ['web', 'staging'],
      ['api', 'dev'],
    ] as const) {
      expect(sampleValue(m, 'ferry_deploy_duration_seconds_count', { app, env })).toBe(1);
      expect(sampleValue(m, 'ferry_deploy_wait_seconds_count', { app, env })).toBe(1);
      expect(sampleValue(m, 'ferry_deploy_duration_seconds_sum', { app, env })).toBeLessThan(60);
    }
    expect(sampleValue(m, 'ferry_deploy_duration_seconds_count', { app: 'api', env: 'qa' })).toBeUndefined();

    const zeroOr = (one: string[]) => (s: string) => (one.includes(s) ? 1 : 0);
    const envs = [
      'app=api,env=dev',
      'app=api,env=hotfix',
      'app=api,env=prod',
      'app=api,env=qa',
      'app=web,env=production',
      'app=web,env=staging',
    ];
    const expectGauge = (name: string, ones: string[]) => {
      const f = family(m, name);
      expect(
        Object.fromEntries(
          Object.keys(f)
            .sort()
            .map((k) => [k, f[k]]),
        ),
      ).toEqual(Object.fromEntries(envs.map((e) => [e, zeroOr(ones)(e)])));
    };
    expectGauge('ferry_env_locked', ['app=api,env=qa']);
    // Frozen by a person, and by the schedule in the config.
    expectGauge('ferry_env_frozen', ['app=api,env=prod', 'app=api,env=hotfix']);
    expectGauge('ferry_queue_depth', []);
    expectGauge('ferry_deploy_running_seconds', []);
    expect(family(m, 'ferry_releases_open')).toEqual({ 'app=web': 1, 'app=api': 0 });
    expect(sampleValue(m, 'ferry_redis_up')).toBe(1);
    expect(sampleValue(m, 'ferry_deploy_timeout_seconds', { app: 'api', env: 'dev' })).toBe(30 * 60);

    // Every signed Slack request was timed: two /deploy and the /release (the kit), /deploy, /lock, /freeze.
    expect(sampleValue(m, 'ferry_ack_seconds_count')).toBe(6);
    expect(sampleValue(m, 'ferry_ack_seconds_bucket', { le: '3' })).toBe(6);
    // Every Web API call Slack saw, counted under its method (Ferry's client and Bolt's).
    expect(countedByMethod(m)).toEqual(callsByMethod(ferry));
    expect(sampleValue(m, 'ferry_slack_api_calls_total', { method: 'chat.postMessage', result: 'ok' })).toBeGreaterThan(0);
    // Process metrics, prom-client's names (unprefixed).
    expect(sampleValue(m, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);
    expect(m.some((s) => s.name === 'nodejs_heap_size_used_bytes')).toBe(true);
  });

  test('a deploy queued behind a running one shows in the queue depth and the running age; Slack errors and rate limits are counted', async () => {
    h = await Harness.start({
      config: ({ dir, repo, deployRoot }) => ({
        feed_channel: FEED,
        apps: {
          web: {
            path: repo,
            environments: {
              staging: { deploy: [writeScript(dir, 'slow.sh', `while [ ! -e ${dir}/go ]; do sleep 0.05; done`), deployRoot] },
            },
          },
        },
      }),
    });
    const ferry = h;
    ferry.slack.failNext('chat.postMessage', 429, { retryAfterS: 0 });
    const first = await ferry.deploy('staging main');
    await ferry.slack.waitForFeed(first.id, 'running');
    const second = await ferry.deploy('staging main');
    await ferry.running!.parts.settled();
    const m = await scrape(ferry.url);
    expect(sampleValue(m, 'ferry_queue_depth', { app: 'web', env: 'staging' })).toBe(2);
    expect(sampleValue(m, 'ferry_deploy_running_seconds', { app: 'web', env: 'staging' })).toBeGreaterThan(0);
    expect(sampleValue(m, 'ferry_slack_api_calls_total', { method: 'chat.postMessage', result: 'rate_limited' })).toBe(1);
    writeFileSync(path.join(ferry.dir, 'go'), '');
    await ferry.slack.waitForFeed(second.id, 'succeeded');
    await ferry.running!.parts.settled();
    // Its job leaves BullMQ's active list just after the deploy's end is recorded.
    const after = await eventually('the queue to empty', async () => {
      const s = await scrape(ferry.url);
      return sampleValue(s, 'ferry_queue_depth', { app: 'web', env: 'staging' }) === 0 && s;
    });
    expect(sampleValue(after, 'ferry_deploys_total', { app: 'web', env: 'staging', status: 'succeeded' })).toBe(2);
  });

  test('with Redis down a scrape still answers 200: the process metrics and ferry_redis_up 0', async () => {
    const redis = await startOwnRedis();
    h = await Harness.start({ role: 'app', env: { REDIS_URL: redis.url, FERRY_METRICS_TOKEN: TOKEN } });
    expect(sampleValue(await scrape(h.url), 'ferry_redis_up')).toBe(1);
    await redis.kill();
    const m = await scrape(h.url);
    expect(sampleValue(m, 'ferry_redis_up')).toBe(0);
    expect(family(m, 'ferry_env_locked')).toEqual({});
    expect(sampleValue(m, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);
    expect(sampleValue(m, 'ferry_deploys_total', { app: 'web', env: 'dev', status: 'succeeded' })).toBe(0);
  });
});

describe('GET /metrics of `ferry start` (the worker on a thread of its own)', () => {
  let h: Harness | undefined;
  let proc: FerryProcess | undefined;
  afterEach(async () => {
    await proc?.stop();
    await h?.stop();
  });

  test("includes the worker thread's deploy counters and histograms, and the process metrics once", async () => {
    h = await Harness.start({ role: 'app' });
    proc = new FerryProcess('start', { ...h.env, PORT: '0' });
    const listening = await proc.waitForLog('the app listening', (l) => l.msg === 'Slack app listening');
    const url = `http://127.0.0.1:${listening.port as number}`;
    await proc.waitForLog('the worker started', (l) => l.msg === 'worker started');
    // Queued by the app in this test; only the `ferry start` process has a worker, on its thread.
    const d = await h.deploy('staging main');
    await h.slack.waitForFeed(d.id, 'succeeded');
    const m = await eventuallyScrape(
      url,
      (s) => sampleValue(s, 'ferry_deploys_total', { app: 'web', env: 'staging', status: 'succeeded' }) === 1,
    );
    expect(sampleValue(m, 'ferry_deploy_duration_seconds_count', { app: 'web', env: 'staging' })).toBe(1);
    expect(sampleValue(m, 'ferry_deploy_wait_seconds_count', { app: 'web', env: 'staging' })).toBe(1);
    expect(sampleValue(m, 'ferry_deploys_total', { app: 'web', env: 'dev', status: 'failed' })).toBe(0);
    // The thread's Slack calls (its feed updates) are in too.
    expect(sampleValue(m, 'ferry_slack_api_calls_total', { method: 'chat.update', result: 'ok' })).toBeGreaterThan(0);
    // One process: its metrics once (the thread sends only Ferry's own), its start time kept.
    expect(m.filter((s) => s.name === 'process_cpu_user_seconds_total')).toHaveLength(1);
    expect(sampleValue(m, 'process_start_time_seconds')).toBeGreaterThan(0);
    expect(sampleValue(m, 'ferry_redis_up')).toBe(1);
  });
});

async function eventuallyScrape(url: string, ok: (s: Sample[]) => boolean): Promise<Sample[]> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const res = await fetch(`${url}/metrics`);
    expect(res.status).toBe(200);
    const s = parsePrometheus(await res.text());
    if (ok(s) || Date.now() > deadline) return s;
    await new Promise((r) => setTimeout(r, 100));
  }
}
