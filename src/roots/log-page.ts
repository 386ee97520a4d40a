import type { Logger } from 'pino';
import { LogPage } from '../http/log-page';
import { WebAssets } from '../http/web-assets';
import type { Shared } from './shared';

/** The deploy log page, when FERRY_PUBLIC_URL is set: it needs only Redis, so every process with an HTTP server serves it. */
export function buildLogPage(s: Shared, log: Logger): LogPage | undefined {
  const links = s.links.logLinks;
  if (!links) return undefined;
  return new LogPage({
    links,
    deploys: s.stores.deploys,
    logs: s.stores.logs,
    commitUrl: s.links.commitUrl,
    redact: s.redact,
    nameOf: s.nameOf,
    assets: new WebAssets(),
    log: log.child({ component: 'log-page' }),
  });
}
