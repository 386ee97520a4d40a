import { Redis } from 'ioredis';
import { parseConfig } from '../../src/config/load';
import type { FerryConfig } from '../../src/config/types';
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
