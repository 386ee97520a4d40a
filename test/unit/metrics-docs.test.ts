import { readFileSync } from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import YAML from 'yaml';
import { createFerryMetrics } from '../../src/metrics/ferry-metrics';
import { registerRedisGauges } from '../../src/metrics/redis-gauges';

// The dashboard and the alert rules in docs/ parse, and query only metrics Ferry exports.

const ROOT = path.resolve(__dirname, '../..');

/** Every metric name Ferry's registry exports, with a histogram's _bucket, _sum and _count series. */
async function exported(): Promise<Set<string>> {
  const m = createFerryMetrics({ envs: [{ app: 'web', env: 'staging' }], processDefaults: true });
  const config = { appNames: ['web'], apps: { web: { envNames: ['staging'], envs: { staging: { timeoutMs: 1000, smokeTimeoutMs: 0 } } } } };
  registerRedisGauges(m.registry, { read: async () => [], config: config as never, log: pino({ level: 'silent' }) });
  const names = new Set<string>();
  for (const metric of await m.registry.getMetricsAsJSON()) {
    names.add(metric.name);
    if (String(metric.type) === 'histogram') for (const s of ['_bucket', '_sum', '_count']) names.add(`${metric.name}${s}`);
  }
  return names;
}

/** The Ferry metric names a PromQL expression uses. */
const queried = (expr: string): string[] => [...expr.matchAll(/\b(ferry_[a-z_]+)\b/g)].map((m) => m[1]!);

describe('docs/grafana and docs/prometheus', () => {
  test('the Grafana dashboard parses and its panels query only metrics Ferry exports', async () => {
    const names = await exported();
    const dash = JSON.parse(readFileSync(path.join(ROOT, 'docs/grafana/ferry-dashboard.json'), 'utf8')) as {
      panels: { title: string; targets: { expr: string }[] }[];
    };
    const exprs = dash.panels.flatMap((p) => p.targets.map((t) => t.expr));
    expect(exprs.length).toBeGreaterThan(10);
    for (const e of exprs) {
      expect(queried(e).length).toBeGreaterThan(0);
      for (const n of queried(e)) expect({ expr: e, metric: n, exported: names.has(n) }).toEqual({ expr: e, metric: n, exported: true });
    }
    // What the dashboard is for: deploys by status, durations, waits, queue depth, locks and freezes, Slack and GitHub, acks.
    const all = exprs.join('\n');
    for (const n of [
      'ferry_deploys_total',
      'ferry_deploy_duration_seconds_bucket',
      'ferry_deploy_wait_seconds_bucket',
      'ferry_queue_depth',
    ]) {
      expect(all).toContain(n);
    }
    for (const n of [
      'ferry_env_locked',
      'ferry_env_frozen',
      'ferry_slack_api_calls_total',
      'ferry_github_api_calls_total',
      'ferry_ack_seconds_bucket',
    ]) {
      expect(all).toContain(n);
    }
  });

  test('the alert rules parse and query only metrics Ferry exports', async () => {
    const names = await exported();
    const rules = YAML.parse(readFileSync(path.join(ROOT, 'docs/prometheus/ferry-alerts.yml'), 'utf8')) as {
      groups: { name: string; rules: { alert: string; expr: string; for?: string }[] }[];
    };
    const list = rules.groups.flatMap((g) => g.rules);
    expect(list.map((r) => r.alert)).toEqual(
      expect.arrayContaining(['FerryDeployStuck', 'FerryDeployOverTimeout', 'FerryEnvFrozenForADay', 'FerrySlackErrors']),
    );
    for (const r of list) {
      expect(queried(r.expr).length).toBeGreaterThan(0);
      for (const n of queried(r.expr))
        expect({ alert: r.alert, metric: n, exported: names.has(n) }).toEqual({ alert: r.alert, metric: n, exported: true });
    }
  });
});
