import { Cluster, Redis, type RedisOptions } from 'ioredis';
import type { Logger } from 'pino';
import type { FerryEnv } from '../config/env';
import { withDeadline } from '../util/deadline';
import { RECONNECT, RedisOutage } from '../store/redis-outage';
import { onRedisCluster, redisClusterNodes } from './redis-mode';

/** The process's main Redis connection, and whether Redis answers across all its connections. */
export interface MainConnection {
  redis: Redis;
  /** Logs an outage once, not per connection and retry. */
  outage: RedisOutage;
}

/**
 * Commands fail fast while Redis is down (the person is told), instead of queueing forever.
 * commandTimeout: a call on a half-open connection fails instead of hanging.
 */
export function openMainConnection(env: FerryEnv, log: Logger): MainConnection {
  const outage = new RedisOutage(log);
  const redis = outage.watch(connect(env, { maxRetriesPerRequest: 2, commandTimeout: 5_000 }), 'main');
  return { redis, outage };
}

/**
 * A connection that waits out outages, for what blocks on Redis: BullMQ's workers (their
 * blocking connections are copies of it, with the same back-off) and pub/sub subscribers.
 */
export function openWaitingConnection(env: FerryEnv, outage: RedisOutage, name: string): Redis {
  return outage.watch(connect(env, { maxRetriesPerRequest: null }), name);
}

/**
 * One connection: to REDIS_URL, or with REDIS_CLUSTER_NODES to the cluster (every node with the
 * same options; the cluster client reconnects with Ferry's back-off). Minimal cluster branch until
 * the connection factory lands: a Cluster answers every command Ferry and BullMQ send, so it
 * stands in for the Redis type.
 */
function connect(env: FerryEnv, options: Pick<RedisOptions, 'maxRetriesPerRequest' | 'commandTimeout'>): Redis {
  if (!onRedisCluster(env)) return new Redis(env.redisUrl, { ...options, ...RECONNECT });
  const cluster = new Cluster(redisClusterNodes(env), { redisOptions: options, clusterRetryStrategy: RECONNECT.retryStrategy! });
  return cluster as unknown as Redis;
}

/** The health check: Redis answers PING within a second. */
export function redisHealthy(redis: Pick<Redis, 'ping'>): Promise<boolean> {
  return withDeadline(
    redis.ping().then(
      (r) => r === 'PONG',
      () => false,
    ),
    1_000,
    false,
  );
}
