import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { FerryEnv } from '../config/env';
import { describeRedis, type RedisTarget } from '../config/redis-env';
import { withDeadline } from '../util/deadline';
import { connectRedis } from '../store/redis-connect';
import { RECONNECT, RedisOutage } from '../store/redis-outage';

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
  const outage = new RedisOutage(log, Date.now, whatToCheck(env.redis));
  const redis = outage.watch(connectRedis(env.redis, { maxRetriesPerRequest: 2, commandTimeout: 5_000, ...RECONNECT }), 'main');
  return { redis, outage };
}

/**
 * A connection that waits out outages, for what blocks on Redis: BullMQ's workers (their
 * blocking connections are copies of it, with the same back-off) and pub/sub subscribers.
 */
export function openWaitingConnection(env: FerryEnv, outage: RedisOutage, name: string): Redis {
  return outage.watch(connectRedis(env.redis, { maxRetriesPerRequest: null, ...RECONNECT }), name);
}

/** For the outage warning: the settings that say where Redis is. */
function whatToCheck(t: RedisTarget): string {
  if (t.kind === 'sentinel')
    return `that the sentinels in REDIS_SENTINELS answer and name a primary for REDIS_SENTINEL_NAME (${describeRedis(t)})`;
  if (t.kind === 'cluster') return `that the nodes in REDIS_CLUSTER_NODES answer (${describeRedis(t)})`;
  return 'that REDIS_URL points at it';
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
