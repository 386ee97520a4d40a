import { createMetricsEndpoint, type MetricsEndpoint, type MetricsJson } from '../metrics/endpoint';
import { readEnvStates } from '../metrics/env-state';
import { registerRedisGauges } from '../metrics/redis-gauges';
import type { Shared } from './shared';

/**
 * GET /metrics for a process that serves HTTP: its registry (s.metrics) with the gauges read from
 * Redis at scrape time added, and `others` (the worker thread's registry in `ferry start`).
 */
export function buildMetricsEndpoint(s: Shared, others: () => Promise<MetricsJson[]>): MetricsEndpoint {
  const log = s.log.child({ component: 'metrics' });
  registerRedisGauges(s.metrics.registry, {
    read: () =>
      readEnvStates({
        redis: s.redis,
        k: s.k,
        queueKeys: (app, env) => {
          const q = s.queues.deployQueue(app, env);
          return { wait: q.toKey('wait'), prioritized: q.toKey('prioritized'), active: q.toKey('active') };
        },
        config: s.config,
        now: s.now,
      }),
    config: s.config,
    log,
  });
  return createMetricsEndpoint({
    registry: s.metrics.registry,
    ...(s.env.metricsToken && { token: s.env.metricsToken }),
    others,
    log,
  });
}
