import type { AddressInfo } from 'node:net';
import path from 'node:path';
import pino from 'pino';
import { deployLogUrl, type LogLinks } from '../../src/core/log-link';
import type { DeliveryFiguresSource } from '../../src/core/delivery/types';
import { createHttpServer } from '../../src/http/server';
import { StatsPage } from '../../src/http/stats-page';
import { WebAssets } from '../../src/http/web-assets';
import { ROOT } from './harness';

export const STATS_LINKS: LogLinks = {
  publicUrl: 'http://ferry.test',
  secret: 'stats-test-secret-0123456789abcdef',
  redisPrefix: 'ferry',
  ttlMs: 7 * 86_400_000,
};

/**
 * Ferry's HTTP server with the stats page only, on a free port, over a given figures source (a fake
 * one, test/helpers/fake-figures.ts): the page's stylesheet served from src/web, as dist/web has it.
 */
export async function startStatsServer(o: {
  delivery: DeliveryFiguresSource;
  apps: string[];
  now: () => number;
  /** Deploys whose records exist (their log links can be made). */
  records?: Record<number, number>;
}): Promise<{ url: string; close(): Promise<void> }> {
  const log = pino({ level: 'silent' });
  const statsPage = new StatsPage({
    links: STATS_LINKS,
    delivery: o.delivery,
    apps: o.apps,
    logUrl: async (id) => {
      const createdAt = o.records?.[id];
      return createdAt === undefined ? undefined : deployLogUrl(STATS_LINKS, { id, createdAt });
    },
    commitUrl: (_app, sha) => `https://github.com/acme/web/commit/${sha}`,
    assets: new WebAssets(path.join(ROOT, 'src/web')),
    log,
    now: o.now,
  });
  const server = createHttpServer({ healthy: async () => true, log, statsPage });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, close: () => new Promise((r) => server.close(() => r())) };
}
