import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { AggregatorRegistry, type MetricObjectWithValues, type MetricValue, type Registry } from 'prom-client';

export type MetricsJson = MetricObjectWithValues<MetricValue<string>>[];

export interface MetricsEndpointDeps {
  registry: Registry;
  /** FERRY_METRICS_TOKEN: when set, a scrape must carry it as `Authorization: Bearer <token>`. */
  token?: string;
  /** The metrics of the other registries of this process (the worker thread's in `ferry start`), combined into the answer. */
  others: () => Promise<MetricsJson[]>;
  log: Logger;
}

export interface MetricsEndpoint {
  /** GET /metrics. */
  handle(req: IncomingMessage, res: ServerResponse): Promise<void>;
}

const digest = (s: string): Buffer => createHash('sha256').update(s).digest();

/**
 * GET /metrics in Prometheus' text format: this process's registry, with the worker thread's
 * counters and histograms added in (`ferry start`). Never a 500: a Redis that does not answer
 * shows as ferry_redis_up 0 (see redis-gauges.ts), a thread that does not answer is left out.
 */
export function createMetricsEndpoint(d: MetricsEndpointDeps): MetricsEndpoint {
  const expected = d.token === undefined ? undefined : digest(d.token);
  return {
    async handle(req, res) {
      if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'Send GET requests here.');
      if (expected) {
        const token = bearer(req);
        if (!token || !timingSafeEqual(digest(token), expected)) {
          res.setHeader('www-authenticate', 'Bearer realm="ferry-metrics"');
          return send(res, 401, `${token ? 'Wrong token' : 'No token'}: send FERRY_METRICS_TOKEN as "Authorization: Bearer <token>".`);
        }
      }
      const text = await render(d);
      res.writeHead(200, { 'content-type': d.registry.contentType });
      res.end(req.method === 'HEAD' ? undefined : text);
    },
  };
}

function bearer(req: IncomingMessage): string | undefined {
  const m = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '');
  return m?.[1]?.trim() || undefined;
}

async function render(d: MetricsEndpointDeps): Promise<string> {
  const others = await d.others().catch((err: Error) => {
    d.log.warn({ err: err.message }, 'metrics: the worker thread did not answer; its counters are left out of this scrape');
    return [];
  });
  if (others.length === 0) return d.registry.metrics();
  return combine(await d.registry.getMetricsAsJSON(), others).metrics();
}

/**
 * This registry's metrics with the others': metrics they share (Ferry's counters and histograms)
 * are summed; the rest are this registry's as they are. prom-client's aggregate() applies each
 * metric's aggregator, and some process defaults have 'omit' or 'average' ones (meant for many
 * cluster workers): a metric only this registry has is taken as it is ('first').
 */
export function combine(own: MetricsJson, others: readonly MetricsJson[]): Registry {
  const shared = new Set(others.flatMap((o) => o.map((m) => m.name)));
  const mine = own.map((m) => (shared.has(m.name) ? m : { ...m, aggregator: 'first' as const }));
  return AggregatorRegistry.aggregate([mine, ...others]);
}

function send(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' });
  res.end(`${text}\n`);
}
