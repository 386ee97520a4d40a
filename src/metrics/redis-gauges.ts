import type { Logger } from 'pino';
import { Gauge, type Registry } from 'prom-client';
import type { FerryConfig } from '../core/config/types';
import { withDeadline } from '../util/deadline';
import type { EnvState } from './env-state';
import { METRIC_NAMES } from './ferry-metrics';

/** A scrape waits this long for Redis, then answers without the Redis gauges (ferry_redis_up 0). */
const READ_MS = 2_000;

/**
 * The gauges read from Redis at scrape time, so that every replica reports the same truth:
 * queue depth, locks, freezes, open releases, the running deploy's age; and each env's timeout
 * from the config. `ferry_redis_up` is registered first: prom-client collects a registry's metrics
 * in the order they were registered, so its collect() reads Redis once per scrape and sets the
 * others before they are collected. When the read fails or takes over READ_MS, it is 0 and the
 * Redis gauges have no samples in that scrape (rather than stale ones, or an error).
 */
export function registerRedisGauges(
  registry: Registry,
  d: { read: () => Promise<EnvState[]>; config: Pick<FerryConfig, 'appNames' | 'apps'>; log: Logger },
): void {
  const envLabels = ['app', 'env'] as const;
  const g = {
    queue: gauge(
      METRIC_NAMES.queueDepth,
      "Deploys in the env's queue: waiting their turn plus the one running (held ones not counted).",
      envLabels,
    ),
    locked: gauge(METRIC_NAMES.envLocked, 'Whether the env is locked by someone (1) or not (0).', envLabels),
    frozen: gauge(
      METRIC_NAMES.envFrozen,
      'Whether the env is frozen (1: by a person, an alert, a release or a scheduled freeze) or not (0).',
      envLabels,
    ),
    releases: gauge(METRIC_NAMES.releasesOpen, "The app's releases open or shipping.", ['app']),
    running: gauge(METRIC_NAMES.deployRunning, "How long the env's running deploy has run, in seconds (0 when none runs).", envLabels),
  };
  const redisUp = new Gauge({
    name: METRIC_NAMES.redisUp,
    help: "Whether this scrape read Ferry's state from Redis (1) or not (0: the Redis gauges are left out).",
    registers: [],
    collect: async () => {
      for (const x of Object.values(g)) x.reset();
      const states = await withDeadline(
        d.read().catch((err: Error) => {
          d.log.warn({ err: err.message }, 'metrics: could not read Redis');
          return undefined;
        }),
        READ_MS,
        undefined,
      );
      redisUp.set(states ? 1 : 0);
      if (!states) return;
      const releases = new Map<string, number>();
      for (const s of states) {
        const l = { app: s.app, env: s.env };
        g.queue.set(l, s.queueDepth);
        g.locked.set(l, s.locked ? 1 : 0);
        g.frozen.set(l, s.frozen ? 1 : 0);
        g.running.set(l, s.runningSeconds);
        releases.set(s.app, (releases.get(s.app) ?? 0) + (s.releaseOpen ? 1 : 0));
      }
      for (const [app, n] of releases) g.releases.set({ app }, n);
    },
  });
  // First in the registry (see above), then the gauges it sets.
  registry.registerMetric(redisUp);
  for (const x of Object.values(g)) registry.registerMetric(x);
  const timeout = gauge(
    METRIC_NAMES.deployTimeout,
    "The env's deploy timeout (timeout:, plus smoke_timeout: with a smoke check), in seconds.",
    envLabels,
  );
  registry.registerMetric(timeout);
  for (const app of d.config.appNames) {
    for (const env of d.config.apps[app]!.envNames) {
      const e = d.config.apps[app]!.envs[env]!;
      timeout.set({ app, env }, (e.timeoutMs + (e.smoke ? e.smokeTimeoutMs : 0)) / 1000);
    }
  }
}

function gauge(name: string, help: string, labelNames: readonly string[]): Gauge {
  return new Gauge({ name, help, labelNames: [...labelNames], registers: [] });
}
