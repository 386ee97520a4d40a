import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { FerryEnv } from '../config/env';
import { describeRedis, type RedisTarget } from '../config/redis-env';
import { FerryError } from '../errors';
import { withDeadline } from '../util/deadline';
import { connectRedis } from '../store/redis-connect';
import { RECONNECT, RedisOutage } from '../store/redis-outage';

/** The process's main Redis connection, and whether Redis answers across all its connections. */
export interface MainConnection {
  redis: Redis;
  /** Logs an outage once, not per connection and retry. */
  outage: RedisOutage;
  /**
   * Rejects with a FerryError saying what to fix when Redis refuses Ferry in a way no retry can
   * mend (its TLS certificate can't be checked, TLS on one side only, a wrong password); never
   * resolves. Start-up races it, so a misconfiguration stops Ferry at once instead of a silent retry loop.
   */
  misconfigured: Promise<never>;
}

/**
 * Commands fail fast while Redis is down (the person is told), instead of queueing forever.
 * commandTimeout: a call on a half-open connection fails instead of hanging.
 */
export function openMainConnection(env: FerryEnv, log: Logger): MainConnection {
  const outage = new RedisOutage(log, Date.now, whatToCheck(env.redis));
  const redis = outage.watch(connectRedis(env.redis, { maxRetriesPerRequest: 2, commandTimeout: 5_000, ...RECONNECT }), 'main');
  const misconfigured = new Promise<never>((_, reject) => {
    const onError = (err: Error) => {
      const why = unfixable(err, env.redis);
      if (!why) return;
      redis.off('error', onError);
      reject(new FerryError('ENV_MISSING', `${why} (${describeRedis(env.redis)}: ${err.message})`));
    };
    redis.on('error', onError);
    redis.once('ready', () => redis.off('error', onError));
  });
  misconfigured.catch(() => {});
  return { redis, outage, misconfigured };
}

/** What to fix, for an error retrying can't mend; undefined for one it may (Redis down, a failover). */
function unfixable(err: Error, t: RedisTarget): string | undefined {
  const code = String((err as NodeJS.ErrnoException).code ?? '');
  const text = `${code} ${err.message}`;
  if (/CERT|SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER/.test(code))
    return t.tls?.ca
      ? "Can't reach Redis over TLS: its certificate is not signed by the CA in REDIS_TLS_CA_FILE, or not for this host (set REDIS_TLS_SERVERNAME to the name in the certificate)"
      : "Can't reach Redis over TLS: its certificate could not be checked against the system's CAs. Set REDIS_TLS_CA_FILE to the PEM file of the CA that signed it";
  if (/EPROTO|ERR_SSL|wrong version number|packet length too long/i.test(text))
    return t.tls
      ? "Can't reach Redis over TLS: the server does not speak TLS on that port. Use redis:// (or drop REDIS_TLS), or the server's tls-port"
      : "Can't reach Redis: the server speaks TLS on that port. Use a rediss:// REDIS_URL (REDIS_TLS=on with Sentinel or Cluster)";
  if (/WRONGPASS|NOAUTH|invalid password|invalid username-password/i.test(err.message))
    return 'Redis refused the credentials: check REDIS_PASSWORD (and REDIS_USERNAME), or the password in REDIS_URL';
  return undefined;
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
