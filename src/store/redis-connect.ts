import { Cluster, Redis, type RedisOptions } from 'ioredis';
import type { ConnectionOptions } from 'node:tls';
import type { RedisTarget, RedisTls } from '../config/redis-env';
import { RECONNECT } from './redis-outage';

/**
 * What one connection is for: the options it keeps whatever kind of Redis it reaches (how long a
 * command may wait, how it reconnects). Connection details (URL, sentinels, nodes, TLS, passwords)
 * come from the target.
 */
export type ConnectionPurpose = Pick<RedisOptions, 'maxRetriesPerRequest' | 'commandTimeout' | 'retryStrategy' | 'lazyConnect'>;

/**
 * Opens one connection to Ferry's Redis, whatever its kind: one server (redis:// or rediss://),
 * the primary the sentinels name (followed through a failover: ioredis asks the sentinels again on
 * every reconnect, with the purpose's back-off), or a
 * Cluster (the purpose's options apply to each node's connection).
 *
 * A Cluster is returned typed as `Redis`: it answers the same commands (both are ioredis
 * Commanders), BullMQ takes it as a connection (it checks `isCluster`), and the stores keep their
 * narrow `Redis` parameter. What a Cluster needs of the keys (one hash tag per Ferry) is the key
 * layout's business (src/store/keys.ts); code that needs to know asks `env.redis.kind`.
 */
export function connectRedis(target: RedisTarget, purpose: ConnectionPurpose): Redis {
  const auth = {
    ...(target.username && { username: target.username }),
    ...(target.password && { password: target.password }),
  };
  const tls = target.tls && tlsOptions(target.tls);
  switch (target.kind) {
    case 'url':
      // Options after the URL win over it: TLS (with its CA) only for rediss://, as the URL says.
      return new Redis(target.url, { ...purpose, ...auth, ...(tls && { tls }) });
    case 'sentinel':
      return new Redis({
        ...purpose,
        ...auth,
        sentinels: target.sentinels,
        name: target.name,
        ...(target.sentinelPassword && { sentinelPassword: target.sentinelPassword }),
        ...(tls && { tls, enableTLSForSentinelMode: true, sentinelTLS: tls }),
        // While no sentinel answers: the same back-off as any reconnect.
        sentinelRetryStrategy: RECONNECT.retryStrategy!,
        // A primary demoted while still up (a manual failover) answers writes with READONLY:
        // reconnect (the sentinels name the new primary) and send the command again. Not
        // `failoverDetector`: in ioredis 6 its +switch-master ends a connection that is
        // reconnecting at that moment for good ("Connection is closed"), which a killed primary makes likely.
        reconnectOnError: (err: Error) => (err.message.startsWith('READONLY') ? 2 : false),
      });
    case 'cluster':
      return new Cluster(target.nodes, {
        redisOptions: { ...purpose, ...auth, ...(tls && { tls }) },
        clusterRetryStrategy: purpose.retryStrategy ?? RECONNECT.retryStrategy!,
        ...(purpose.lazyConnect && { lazyConnect: true }),
      }) as unknown as Redis;
  }
}

function tlsOptions(t: RedisTls): ConnectionOptions {
  return { ...(t.ca && { ca: t.ca }), ...(t.servername && { servername: t.servername }) };
}
