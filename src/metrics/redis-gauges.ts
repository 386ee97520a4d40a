import type { Logger } from 'pino';
import { Gauge, type Registry } from 'prom-client';
import type { FerryConfig } from '../core/config/types';
import { withDeadline } from '../util/deadline';
import type { EnvState } from './env-state';
import { METRIC_NAMES } from './ferry-metrics';

/** A scrape waits this long for Redis, then answers without the Redis gauges (ferry_redis_up 0). */
const READ_MS = 2_000;

type EnvLabels = 'app' | 'env';

/**
 * The gauges read from Redis at scrape time (prom-client collect()), so that every replica reports
 * the same truth: queue depth, locks, freezes, open releases, the running deploy's age; and each
 * env's timeout, from the config. prom-client collects a registry's metrics all at once, so the
 * collects of one scrape share one read of Redis (two round trips, see env-state.ts). When the read
 * fails or takes over READ_MS, `ferry_redis_up` is 0 and the Redis gauges have no samples in that
 * scrape (rather than stale ones, or an error).
 */
export function registerRedisGauges(
  registry: Registry,
  d: { read: () => Promise<EnvState[]>; config: Pick<FerryConfig, 'appNames' | 'apps'>; log: Logger },
): void {
  let inflight: Promise<EnvState[] | undefined> | undefined;
  const read = (): Promise<EnvState[] | undefined> => {
    inflight ??= withDeadline(
      d.read().catch((err: Error) => {
        d.log.warn({ err: err.message }, 'metrics: could not read Redis; this scrape has ferry_redis_up 0');
        return undefined;
      }),
      READ_MS,
      undefined,
    ).finally(() => {
      inflight = undefined;
    });
    return inflight;
  };
  const perEnv = (name: string, help: string, value: (s: EnvState) => number) =>
    new Gauge<EnvLabels>({
      name,
      help,
      labelNames: ['app', 'env'],
      registers: [registry],
      async collect() {
        const states = await read();
        this.reset();
        for (const s of states ?? []) this.set({ app: s.app, env: s.env }, value(s));
      },
    });
  new Gauge({
    name: METRIC_NAMES.redisUp,
    help: "Whether this scrape read Ferry's state from Redis (1) or not (0: the Redis gauges are left out).",
    registers: [registry],
    async collect() {
      this.set((await read()) ? 1 : 0);
    },
  });
  perEnv(
    METRIC_NAMES.queueDepth,
    "Deploys in the env's queue: waiting their turn plus the one running (held ones not counted).",
    (s) => s.queueDepth,
  );
  perEnv(METRIC_NAMES.envLocked, 'Whether the env is locked by someone (1) or not (0).', (s) => (s.locked ? 1 : 0));
  perEnv(
    METRIC_NAMES.envFrozen,
    'Whether the env is frozen (1: by a person, an alert, a release or a scheduled freeze) or not (0).',
    (s) => (s.frozen ? 1 : 0),
  );
  perEnv(METRIC_NAMES.deployRunning, "How long the env's running deploy has run, in seconds (0 when none runs).", (s) => s.runningSeconds);
  new Gauge<'app'>({
    name: METRIC_NAMES.releasesOpen,
    help: "The app's releases open or shipping.",
    labelNames: ['app'],
    registers: [registry],
    async collect() {
      const states = await read();
      this.reset();
      if (!states) return;
      for (const app of d.config.appNames) this.set({ app }, states.filter((s) => s.app === app && s.releaseOpen).length);
    },
  });
  const timeout = new Gauge<EnvLabels>({
    name: METRIC_NAMES.deployTimeout,
    help: "The env's deploy timeout (timeout:, plus smoke_timeout: with a smoke check), in seconds.",
    labelNames: ['app', 'env'],
    registers: [registry],
  });
  for (const app of d.config.appNames) {
    for (const env of d.config.apps[app]!.envNames) {
      const e = d.config.apps[app]!.envs[env]!;
      timeout.set({ app, env }, (e.timeoutMs + (e.smoke ? e.smokeTimeoutMs : 0)) / 1000);
    }
  }
}
