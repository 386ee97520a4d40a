import type { Logger } from 'pino';
import type { DeliveryFiguresSource } from '../core/delivery/types';
import { StatsPage } from '../http/stats-page';
import { WebAssets } from '../http/web-assets';
import type { Shared } from './shared';

/** The stats page, when FERRY_PUBLIC_URL is set and there is a figures source: like the log page, every process with an HTTP server serves it. */
export function buildStatsPage(s: Shared, log: Logger, delivery: DeliveryFiguresSource | undefined): StatsPage | undefined {
  const links = s.links.logLinks;
  if (!links || !delivery) return undefined;
  return new StatsPage({
    links,
    delivery,
    apps: s.config.appNames,
    logUrl: async (id) => {
      const dep = await s.stores.deploys.get(id);
      return dep && s.links.logUrl(dep);
    },
    commitUrl: s.links.commitUrl,
    assets: new WebAssets(),
    log: log.child({ component: 'stats-page' }),
    now: s.now,
  });
}
