import { Redis } from 'ioredis';
import { parseConfig } from '../../src/config/load';
import type { FerryConfig } from '../../src/core/config/types';
import { keys, type Keys } from '../../src/store/keys';

/** One app (`web`) with a locking dev env (lock_ttl 8h), staging and production; default branch `trunk`. */
export const ONE_APP_YAML = `
feed_channel: C0FEED
apps:
  web:
    path: ../repos/web
    default_branch: trunk
    environments:
      dev:
        deploy: [commands/deploy.sh]
        lock: true
        lock_ttl: 8h
      staging:
        deploy: [commands/deploy.sh]
      production:
        deploy: [commands/deploy.sh, --careful]
`;

/** Two apps: `web` (dev, staging, production) and `api` (dev, production). */
export const TWO_APP_YAML = `
feed_channel: C0FEED
apps:
  web:
    path: ../repos/web
    environments:
      dev:
        deploy: [commands/deploy.sh]
        lock: true
      staging:
        deploy: [commands/deploy.sh]
      production:
        deploy: [commands/deploy.sh]
  api:
    repo: acme/api
    default_branch: develop
    environments:
      dev:
        deploy: [commands/deploy.sh]
      production:
        deploy: [commands/deploy.sh]
`;

export const oneApp = (): FerryConfig => parseConfig(ONE_APP_YAML, '/srv/ferry/ferry.yml');
export const twoApps = (): FerryConfig => parseConfig(TWO_APP_YAML, '/srv/ferry/ferry.yml');

export function redisUrl(): string {
  const url = process.env.FERRY_TEST_REDIS_URL;
  if (!url) throw new Error('FERRY_TEST_REDIS_URL is not set; run the tests through jest (test/helpers/global-setup.ts starts Redis)');
  return url;
}

let counter = 0;
/** Keys under a prefix no other test (or test file, or run) uses. */
export function uniqueKeys(label: string): Keys {
  counter += 1;
  return keys(`t-${label}-${process.pid}-${Date.now().toString(36)}-${counter}`);
}

/** Deletes every key under the prefix. */
export async function deletePrefix(redis: Redis, k: Keys): Promise<void> {
  let cursor = '0';
  do {
    const [next, found] = await redis.scan(cursor, 'MATCH', `${k.prefix}:*`, 'COUNT', 1000);
    cursor = next;
    if (found.length) await redis.del(...found);
  } while (cursor !== '0');
}

export function newRedis(): Redis {
  return new Redis(redisUrl(), { maxRetriesPerRequest: 1 });
}

/**
 * Two apps with governance: times in Europe/London; a weekend freeze on web production, a one-off
 * freeze of everything over Black Friday 2026, and web production deploying only Mon-Thu 09:30-17:00
 * London time (api production: daily 22:00-02:00 New York time).
 */
export const GOVERNED_YAML = `
feed_channel: C0FEED
time_zone: Europe/London
freezes:
  - name: weekend
    reason: no deploys at weekends
    every: Fri 16:00 to Mon 08:00
    apps: [web]
    environments: [production]
  - name: black-friday
    reason: peak trading
    start: 2026-11-27 00:00
    end: 2026-11-30 08:00
apps:
  web:
    path: ../repos/web
    environments:
      dev:
        deploy: [commands/deploy.sh]
      staging:
        deploy: [commands/deploy.sh]
      production:
        deploy: [commands/deploy.sh]
        window: Mon-Thu 09:30-17:00
  api:
    repo: acme/api
    environments:
      dev:
        deploy: [commands/deploy.sh]
      production:
        deploy: [commands/deploy.sh]
        window: [daily 22:00-02:00]
        time_zone: America/New_York
`;

export const governed = (): FerryConfig => parseConfig(GOVERNED_YAML, '/srv/ferry/ferry.yml');
