import type { FerryEnv } from '../config/env';

/**
 * Whether this Ferry runs on a Redis Cluster: REDIS_CLUSTER_NODES is set. The one place that
 * decides it (the key names' hash tag, the connections); once the connection factory's
 * `env.redis` exists this becomes `env.redis.kind === 'cluster'`.
 */
export function onRedisCluster(env: Pick<FerryEnv, 'processEnv'>): boolean {
  return redisClusterNodes(env).length > 0;
}

/** REDIS_CLUSTER_NODES (`host:port,host:port,...`): the nodes a cluster client starts from. */
export function redisClusterNodes(env: Pick<FerryEnv, 'processEnv'>): { host: string; port: number }[] {
  return (env.processEnv.REDIS_CLUSTER_NODES ?? '')
    .split(',')
    .map((n) => n.trim())
    .filter(Boolean)
    .map((n) => {
      const at = n.lastIndexOf(':');
      return at < 0 ? { host: n, port: 6379 } : { host: n.slice(0, at), port: Number(n.slice(at + 1)) };
    });
}
