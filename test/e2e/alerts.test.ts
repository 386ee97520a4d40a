import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { AuditLog } from '../../src/store/audit';
import { keys } from '../../src/store/keys';
import { latest } from '../helpers/fake-slack';
import { Harness, writeScript } from '../helpers/harness';
import { eventually, waitForFile } from '../helpers/wait';

const TOKEN = 'alert-token-0123456789abcdef';
const ANA = 'U0ANA';
const BEN = 'U0BEN';
const QA = 'U0QA';

/** Marks that it ran (`ran-<id>`), then waits until the test releases it (`release-<id>`). */
const GATE = (dir: string) => `touch "${dir}/ran-$FERRY_DEPLOY_ID"
while [ ! -f "${dir}/release-$FERRY_DEPLOY_ID" ]; do sleep 0.05; done`;

/** One Alertmanager alert as its webhook sends it. */
function amAlert(name: string, status: 'firing' | 'resolved', summary: string, fingerprint: string) {
  return {
    status,
    labels: { alertname: name, job: 'web', severity: 'critical' },
    annotations: { summary, description: `${summary} (long)` },
    startsAt: '2026-11-30T10:00:00Z',
    endsAt: status === 'resolved' ? '2026-11-30T10:05:00Z' : '0001-01-01T00:00:00Z',
    generatorURL: `http://prometheus.example.org:9090/graph?g0.expr=${name}`,
    fingerprint,
  };
}

/** Alertmanager's webhook body (version 4) for a group of alerts. */
function amBody(alerts: ReturnType<typeof amAlert>[]) {
  return {
    receiver: 'ferry',
    status: alerts.some((a) => a.status === 'firing') ? 'firing' : 'resolved',
    alerts,
    groupLabels: { job: 'web' },
    commonLabels: { job: 'web' },
    commonAnnotations: {},
    externalURL: 'http://alertmanager.example.org:9093',
    version: '4',
    groupKey: '{}:{job="web"}',
    truncatedAlerts: 0,
  };
}

describe('alerts: POST /alerts/<app>/<env>', () => {
  let h: Harness;
  const file = (name: string) => path.join(h.dir, name);
  const release = (id: number) => writeFileSync(file(`release-${id}`), '');
  /** Top-level feed lines that are not deploy messages (freezes, alerts), oldest first. */
  const feedLines = () =>
    h.slack.messages
      .filter((m) => m.channel === 'C0FEED' && !m.thread_ts && !m.versions[0]!.text.includes('Deploy #'))
      .map((m) => latest(m).text);
  const feedLine = (what: string, match: RegExp) =>
    h.slack.waitFor(`the feed to say ${what}`, () => feedLines().find((l) => match.test(l)));
  const freeze = () => h.redis.hgetall(`${h.prefix}:freeze:web:staging`);

  async function send(
    body: unknown,
    headers: Record<string, string> = { authorization: `Bearer ${TOKEN}` },
    where = '/alerts/web/staging',
  ): Promise<{ status: number; text: string; json?: unknown }> {
    const res = await fetch(h.url + where, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: res.status, text, json };
  }

  /** `/deploy staging main`'s refusal. */
  async function refusal(user = ANA): Promise<string> {
    const r = await h.slash('/deploy', 'staging main', user);
    return String((await h.slack.waitForResponse(r.id)).text);
  }

  beforeEach(async () => {
    h = await Harness.start({
      env: { FERRY_ALERT_TOKEN: TOKEN },
      config: ({ dir, repo }) => ({
        feed_channel: 'C0FEED',
        shutdown_grace: '1s',
        apps: {
          web: {
            path: repo,
            environments: { dev: { deploy: ['/bin/true'] }, staging: { deploy: [writeScript(dir, 'gate.sh', GATE(dir))] } },
          },
        },
      }),
    });
  });

  afterEach(async () => {
    await h?.stop();
    h = undefined as unknown as Harness;
  });

  test('an Alertmanager alert firing freezes the env and holds a queued deploy; its resolution unfreezes it and the deploy runs', async () => {
    const first = await h.deploy('staging main', ANA);
    await waitForFile(file(`ran-${first.id}`));
    const queued = await h.deploy('staging fix-1', BEN);
    release(queued.id);

    const fired = await send(amBody([amAlert('HighErrorRate', 'firing', 'Error rate above 5% on checkout', 'fp-errors')]));
    expect(fired).toMatchObject({ status: 200, json: { ok: true, frozen: ['HighErrorRate'], resolved: [], repeated: [] } });
    expect(await feedLine('frozen by the alert', /^:rotating_light:/)).toBe(
      ':rotating_light: `web` *staging* frozen by the alert *HighErrorRate*: Error rate above 5% on checkout (<http://prometheus.example.org:9090/graph?g0.expr=HighErrorRate|details>). Deploys there wait until it is resolved.',
    );
    expect(await freeze()).toMatchObject({
      source: 'alert',
      name: 'HighErrorRate',
      by: 'alert',
      reason: 'Error rate above 5% on checkout',
    });

    // a new deploy is refused, naming the alert
    expect(await refusal()).toMatch(
      /^Can't deploy: \*staging\* is frozen by the alert \*HighErrorRate\* \(Error rate above 5% on checkout\) since <!date\^\d+\^[^>]+>, it lifts when the alert is resolved\. Nothing was queued\.$/,
    );

    // the running deploy ends; the queued one is held by the gate, not started
    release(first.id);
    await h.slack.waitForFeed(first.id, 'succeeded');
    await h.slack.waitForFeed(queued.id, 'queued, waiting');
    await eventually('the queued deploy to be held', async () => (await h.running!.parts.queues.counts('web', 'staging')).delayed === 1);
    expect(existsSync(file(`ran-${queued.id}`))).toBe(false);

    const resolved = await send(amBody([amAlert('HighErrorRate', 'resolved', 'Error rate above 5% on checkout', 'fp-errors')]));
    expect(resolved).toMatchObject({ status: 200, json: { ok: true, frozen: [], resolved: ['HighErrorRate'], repeated: [] } });
    expect(await feedLine('unfrozen', /^:white_check_mark:/)).toBe(
      ':white_check_mark: `web` *staging* unfrozen: the alert *HighErrorRate* is resolved. 1 waiting deploy now goes ahead in order.',
    );
    await h.slack.waitForFeed(queued.id, 'succeeded');
    expect(await freeze()).toEqual({});

    const audit = await new AuditLog(h.redis, keys(h.prefix)).byEnv('web', 'staging');
    const byAlert = audit.filter((e) => e.user === 'alert').map((e) => [e.action, e.detail]);
    expect(byAlert).toEqual([
      ['unfreeze', ':white_check_mark: `web` *staging* unfrozen: the alert *HighErrorRate* is resolved.'],
      ['freeze', 'HighErrorRate: Error rate above 5% on checkout'],
    ]);

    // the same resolution again changes nothing and posts nothing
    const lines = feedLines().length;
    expect(await send(amBody([amAlert('HighErrorRate', 'resolved', 'x', 'fp-errors')]))).toMatchObject({
      status: 200,
      json: { resolved: [], repeated: ['HighErrorRate'] },
    });
    expect(feedLines()).toHaveLength(lines);
  });

  test('plain JSON firing and resolved (X-Ferry-Token); a repeated firing delivery changes nothing and posts once', async () => {
    const headers = { 'x-ferry-token': TOKEN };
    const body = { status: 'firing', name: 'DiskFull', summary: 'disk 95% full on db-1' };
    expect(await send(body, headers)).toMatchObject({ status: 200, json: { ok: true, frozen: ['DiskFull'] } });
    expect(await feedLine('frozen', /^:rotating_light:/)).toBe(
      ':rotating_light: `web` *staging* frozen by the alert *DiskFull*: disk 95% full on db-1. Deploys there wait until it is resolved.',
    );
    const since = (await freeze()).since;

    // Retried: answered, nothing changed, nothing posted (the post of a delivery is made before its answer)
    expect(await send(body, headers)).toMatchObject({ status: 200, json: { ok: true, frozen: [], repeated: ['DiskFull'] } });
    expect(await send(body, { authorization: `Bearer ${TOKEN}` })).toMatchObject({ status: 200, json: { repeated: ['DiskFull'] } });
    expect(feedLines().filter((l) => l.startsWith(':rotating_light:'))).toHaveLength(1);
    expect((await freeze()).since).toBe(since);
    expect(await refusal()).toContain('frozen by the alert *DiskFull* (disk 95% full on db-1)');

    // a plain alert with no name is called "alert"; resolving DiskFull by name lifts the freeze
    expect(await send({ status: 'resolved', name: 'DiskFull' }, headers)).toMatchObject({ status: 200, json: { resolved: ['DiskFull'] } });
    expect(await feedLine('unfrozen', /^:white_check_mark:/)).toBe(
      ':white_check_mark: `web` *staging* unfrozen: the alert *DiskFull* is resolved.',
    );
    expect(await freeze()).toEqual({});
    const ok = await h.deploy('staging main', ANA);
    await waitForFile(file(`ran-${ok.id}`));
    release(ok.id);
  });

  test('two alerts firing: the first resolved keeps the env frozen (named after the other); the second resolved unfreezes it', async () => {
    const both = await send(
      amBody([amAlert('HighErrorRate', 'firing', 'errors up', 'fp-a'), amAlert('HighLatency', 'firing', 'p99 over 2s', 'fp-b')]),
    );
    expect(both).toMatchObject({ status: 200, json: { frozen: ['HighErrorRate', 'HighLatency'] } });
    await feedLine('the second alert', /HighLatency/);
    expect(feedLines()).toEqual([
      ':rotating_light: `web` *staging* frozen by the alert *HighErrorRate*: errors up (<http://prometheus.example.org:9090/graph?g0.expr=HighErrorRate|details>). Deploys there wait until it is resolved.',
      ':rotating_light: The alert *HighLatency* is firing on `web` *staging* too: p99 over 2s (<http://prometheus.example.org:9090/graph?g0.expr=HighLatency|details>). It stays frozen until every alert there is resolved.',
    ]);

    // Alertmanager sends the group's state: one resolved, the other still firing (a repeat)
    const one = await send(
      amBody([amAlert('HighErrorRate', 'resolved', 'errors up', 'fp-a'), amAlert('HighLatency', 'firing', 'p99 over 2s', 'fp-b')]),
    );
    expect(one).toMatchObject({ status: 200, json: { frozen: [], resolved: ['HighErrorRate'], repeated: ['HighLatency'] } });
    expect(await feedLine('still frozen', /^:white_check_mark:/)).toBe(
      ':white_check_mark: The alert *HighErrorRate* on `web` *staging* is resolved; it stays frozen while *HighLatency* is firing.',
    );
    expect(await freeze()).toMatchObject({ source: 'alert', name: 'HighLatency', reason: 'p99 over 2s' });
    expect(await refusal()).toContain('is frozen by the alert *HighLatency* (p99 over 2s)');

    const two = await send(amBody([amAlert('HighLatency', 'resolved', 'p99 over 2s', 'fp-b')]));
    expect(two).toMatchObject({ status: 200, json: { resolved: ['HighLatency'] } });
    expect(await feedLine('unfrozen', /unfrozen: the alert \*HighLatency\*/)).toBe(
      ':white_check_mark: `web` *staging* unfrozen: the alert *HighLatency* is resolved.',
    );
    expect(await freeze()).toEqual({});
    expect(await h.redis.exists(`${h.prefix}:freeze:web:staging:alerts`)).toBe(0);
  });

  test("a person's freeze is not lifted by an alert's resolution; an alert's freeze is not lifted by /unfreeze", async () => {
    const f = await h.slash('/freeze', 'staging QA sign-off', QA);
    await h.answer(f.id);
    await feedLine('frozen by QA', /^:snowflake:/);

    expect(await send({ status: 'firing', name: 'DiskFull', summary: 'disk full' })).toMatchObject({
      status: 200,
      json: { frozen: ['DiskFull'] },
    });
    expect(await feedLine('already frozen', /^:rotating_light:/)).toBe(
      ':rotating_light: The alert *DiskFull* is firing on `web` *staging*: disk full. It was already frozen by <@U0QA>; that freeze stays as it is.',
    );
    expect(await freeze()).toMatchObject({ source: 'manual', by: QA, reason: 'QA sign-off' });

    expect(await send({ status: 'resolved', name: 'DiskFull' })).toMatchObject({ status: 200, json: { resolved: ['DiskFull'] } });
    expect(await feedLine('resolved', /^:white_check_mark:/)).toBe(
      ':white_check_mark: The alert *DiskFull* on `web` *staging* is resolved. It stays frozen by <@U0QA>. `/unfreeze web staging` lifts it.',
    );
    expect(await freeze()).toMatchObject({ source: 'manual', by: QA });
    expect(await refusal()).toContain('is frozen by <@U0QA> (QA sign-off)');

    const u = await h.slash('/unfreeze', 'staging', QA);
    expect(await h.answer(u.id)).toBe(':sunny: Unfroze `web` *staging*.');

    // and the reverse: an alert's freeze outlives /unfreeze
    await send({ status: 'firing', name: 'DiskFull', summary: 'disk full again' });
    await feedLine('frozen by the alert', /frozen by the alert \*DiskFull\*: disk full again/);
    const u2 = await h.slash('/unfreeze', 'staging', QA);
    expect(await h.answer(u2.id)).toBe('`web` *staging* is frozen by the alert, not by a person; it lifts when the alert is resolved.');
    expect(await freeze()).toMatchObject({ source: 'alert', name: 'DiskFull' });
  });

  test("a person's freeze lifted while an alert fires there: the env stays frozen, now by the alert, until it resolves", async () => {
    const f = await h.slash('/freeze', 'staging release checks', QA);
    await h.answer(f.id);
    expect(await send({ status: 'firing', name: 'ErrorBudget', summary: 'error budget burning' })).toMatchObject({
      status: 200,
      json: { frozen: ['ErrorBudget'] },
    });
    const u = await h.slash('/unfreeze', 'staging', QA);
    expect(await h.answer(u.id)).toBe(
      'Lifted that freeze, but `web` *staging* stays frozen: the alert *ErrorBudget* is still firing there; it lifts when the alert is resolved.',
    );
    expect(await feedLine('still frozen by the alert', /still firing, so it stays frozen/)).toBe(
      ":rotating_light: `web` *staging*: <@U0QA>'s freeze was lifted, but the alert *ErrorBudget* is still firing, so it stays frozen until the alert is resolved.",
    );
    expect(await freeze()).toMatchObject({ source: 'alert', name: 'ErrorBudget', reason: 'error budget burning' });
    expect(await refusal()).toContain('is frozen by the alert *ErrorBudget*');
    expect(await send({ status: 'resolved', name: 'ErrorBudget' })).toMatchObject({ status: 200, json: { resolved: ['ErrorBudget'] } });
    expect(await freeze()).toEqual({});
  });

  test('a missing or wrong token is 401 and freezes nothing; an unknown app or env is 404; a bad body is 400', async () => {
    const firing = { status: 'firing', name: 'DiskFull', summary: 'disk full' };
    const none = await send(firing, {});
    expect(none.status).toBe(401);
    expect(none.text).toBe('No token: send FERRY_ALERT_TOKEN as "Authorization: Bearer <token>" or "X-Ferry-Token: <token>".\n');
    for (const headers of [{ authorization: 'Bearer nope' }, { 'x-ferry-token': `${TOKEN}x` }, { authorization: TOKEN }] as Record<
      string,
      string
    >[]) {
      const r = await send(firing, headers);
      expect([r.status, r.text.split(':')[0]]).toEqual([401, headers.authorization === TOKEN ? 'No token' : 'Wrong token']);
    }
    // a wrong token learns nothing about the apps
    expect((await send(firing, { authorization: 'Bearer nope' }, '/alerts/nope/staging')).status).toBe(401);

    expect(await send(firing, undefined, '/alerts/web/production')).toMatchObject({
      status: 404,
      text: 'App "web" has no env "production"; its envs: dev, staging.\n',
    });
    expect(await send(firing, undefined, '/alerts/api/staging')).toMatchObject({ status: 404, text: 'No app "api" here; apps: web.\n' });
    expect((await send(firing, undefined, '/alerts/web')).status).toBe(404);

    for (const body of [
      '{not json',
      '[]',
      JSON.stringify({ status: 'on fire' }),
      JSON.stringify({ version: '4', alerts: [{ status: 'firing', labels: 'x' }, { status: 'bad' }] }),
    ]) {
      const r = await send(body);
      expect(r.status).toBe(400);
      expect(r.text).toContain('Send JSON: either Prometheus Alertmanager');
    }

    expect(await freeze()).toEqual({});
    expect(await h.redis.exists(`${h.prefix}:freeze:web:staging:alerts`)).toBe(0);
    expect(feedLines()).toEqual([]);
    // and the env still deploys
    const ok = await h.deploy('staging main', ANA);
    await waitForFile(file(`ran-${ok.id}`));
    release(ok.id);
  });
});
