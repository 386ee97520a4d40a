import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { FerryError } from '../errors';

/** A Redis node or sentinel: host and port. */
export interface HostPort {
  host: string;
  port: number;
}

/** TLS to Redis: the CA that signed its certificate (REDIS_TLS_CA_FILE, read at start) and the name to check it for. */
export interface RedisTls {
  ca?: string;
  servername?: string;
}

/** Credentials for the Redis data nodes (REDIS_USERNAME, REDIS_PASSWORD); a URL may carry its own. */
interface RedisAuth {
  username?: string;
  password?: string;
  tls?: RedisTls;
}

/**
 * Where Ferry's Redis is, and how to reach it (env.redis): one server by URL, a primary found
 * through Sentinel, or a Cluster. Every connection Ferry opens is made from this
 * (src/store/redis-connect.ts).
 */
export type RedisTarget =
  | ({ kind: 'url'; url: string } & RedisAuth)
  | ({ kind: 'sentinel'; sentinels: HostPort[]; name: string; sentinelPassword?: string } & RedisAuth)
  | ({ kind: 'cluster'; nodes: HostPort[] } & RedisAuth);

const DEFAULT_URL = 'redis://127.0.0.1:6379';
const HOWTO =
  'Set one of: REDIS_URL (one server; rediss:// for TLS), REDIS_SENTINELS with REDIS_SENTINEL_NAME (Sentinel), or REDIS_CLUSTER_NODES (Cluster); see docs/configuration.md.';

const blank = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : typeof v === 'string' ? v.trim() : v);
const opt = z.preprocess(blank, z.string().optional());

const hostPorts = (name: string) =>
  z.preprocess(
    blank,
    z
      .string()
      .transform((v, ctx) => {
        const out: HostPort[] = [];
        for (const item of v.split(',').map((s) => s.trim())) {
          const m = /^(\[[^\]]+\]|[^:\s]+):(\d{1,5})$/.exec(item);
          const port = Number(m?.[2]);
          if (!m || port < 1 || port > 65535) {
            ctx.addIssue({
              code: 'custom',
              message: `${name}: ${JSON.stringify(item)} is not host:port; write e.g. ${name}=10.0.0.1:26379,10.0.0.2:26379`,
            });
            return z.NEVER;
          }
          out.push({ host: m[1]!.replace(/^\[|\]$/g, ''), port });
        }
        return out;
      })
      .optional(),
  );

const TLS_FLAG = /^(1|true|on|yes)$/i;

const schema = z.object({
  REDIS_URL: z.preprocess(
    blank,
    z
      .string()
      .refine((v) => /^rediss?:\/\/[^/]/.test(v) && URL.canParse(v), {
        message:
          'REDIS_URL must be a redis:// or rediss:// (TLS) URL, e.g. REDIS_URL=redis://10.0.0.5:6379 or rediss://:password@redis.acme.com:6380',
      })
      .optional(),
  ),
  REDIS_SENTINELS: hostPorts('REDIS_SENTINELS'),
  REDIS_SENTINEL_NAME: opt,
  REDIS_CLUSTER_NODES: hostPorts('REDIS_CLUSTER_NODES'),
  REDIS_USERNAME: opt,
  REDIS_PASSWORD: opt,
  REDIS_SENTINEL_PASSWORD: opt,
  REDIS_TLS: z.preprocess(
    blank,
    z
      .string()
      .regex(/^(1|true|on|yes|0|false|off|no)$/i, { message: 'REDIS_TLS must be on or off' })
      .optional(),
  ),
  REDIS_TLS_CA_FILE: opt,
  REDIS_TLS_SERVERNAME: opt,
});

type Vars = z.infer<typeof schema>;

const fail = (msg: string): never => {
  throw new FerryError('ENV_MISSING', msg);
};

/** Reads and checks the Redis variables; every error says which variable to set or drop. */
export function readRedisEnv(env: NodeJS.ProcessEnv): RedisTarget {
  const parsed = schema.safeParse(env);
  if (!parsed.success) fail(`${parsed.error.issues.map((i) => i.message).join('; ')}. ${HOWTO}`);
  const v = parsed.data!;
  const kinds = [v.REDIS_URL && 'REDIS_URL', v.REDIS_SENTINELS && 'REDIS_SENTINELS', v.REDIS_CLUSTER_NODES && 'REDIS_CLUSTER_NODES'].filter(
    (k): k is string => !!k,
  );
  if (kinds.length > 1) {
    const drop = kinds.includes('REDIS_URL')
      ? 'drop REDIS_URL (Sentinel or Cluster find their servers themselves; a password goes in REDIS_PASSWORD, TLS is REDIS_TLS=on)'
      : 'drop one of them';
    fail(`${kinds.join(' and ')} are both set, but Ferry connects one way: ${drop}. ${HOWTO}`);
  }
  if (v.REDIS_SENTINEL_NAME && !v.REDIS_SENTINELS)
    fail('REDIS_SENTINEL_NAME is set without REDIS_SENTINELS: add the sentinels (REDIS_SENTINELS=host:port,…) or drop it.');
  if (v.REDIS_SENTINEL_PASSWORD && !v.REDIS_SENTINELS)
    fail('REDIS_SENTINEL_PASSWORD is set without REDIS_SENTINELS: add the sentinels (REDIS_SENTINELS=host:port,…) or drop it.');
  const tls = tlsOf(v);
  const auth = {
    ...(v.REDIS_USERNAME && { username: v.REDIS_USERNAME }),
    ...(v.REDIS_PASSWORD && { password: v.REDIS_PASSWORD }),
    ...(tls && { tls }),
  };
  if (v.REDIS_SENTINELS) {
    if (!v.REDIS_SENTINEL_NAME)
      fail(
        'REDIS_SENTINELS is set without REDIS_SENTINEL_NAME: set it to the name the sentinels monitor the primary under (`sentinel monitor <name> …` in sentinel.conf, often mymaster).',
      );
    return {
      kind: 'sentinel',
      sentinels: v.REDIS_SENTINELS,
      name: v.REDIS_SENTINEL_NAME!,
      ...(v.REDIS_SENTINEL_PASSWORD && { sentinelPassword: v.REDIS_SENTINEL_PASSWORD }),
      ...auth,
    };
  }
  if (v.REDIS_CLUSTER_NODES) return { kind: 'cluster', nodes: v.REDIS_CLUSTER_NODES, ...auth };
  const url = v.REDIS_URL ?? DEFAULT_URL;
  if (v.REDIS_PASSWORD && new URL(url).password) fail('REDIS_URL carries a password and REDIS_PASSWORD is set too: drop one of them.');
  return { kind: 'url', url, ...auth };
}

/** TLS: on for a rediss:// URL, or REDIS_TLS=on with Sentinel or Cluster; the CA file read now. */
function tlsOf(v: Vars): RedisTls | undefined {
  const viaUrl = !!v.REDIS_URL?.startsWith('rediss://');
  if (v.REDIS_TLS && v.REDIS_URL)
    fail('REDIS_TLS is set with REDIS_URL: drop REDIS_TLS and use a rediss:// URL for TLS (redis:// for none).');
  const on = viaUrl || (!!v.REDIS_TLS && TLS_FLAG.test(v.REDIS_TLS));
  const extra = [v.REDIS_TLS_CA_FILE && 'REDIS_TLS_CA_FILE', v.REDIS_TLS_SERVERNAME && 'REDIS_TLS_SERVERNAME'].filter(Boolean);
  if (!on) {
    if (extra.length)
      fail(
        `${extra.join(' and ')} set, but the connection to Redis is not TLS: use a rediss:// REDIS_URL (or REDIS_TLS=on with Sentinel or Cluster), or drop ${extra.join(' and ')}.`,
      );
    return undefined;
  }
  const tls: RedisTls = {};
  if (v.REDIS_TLS_SERVERNAME) tls.servername = v.REDIS_TLS_SERVERNAME;
  if (v.REDIS_TLS_CA_FILE) {
    try {
      tls.ca = readFileSync(v.REDIS_TLS_CA_FILE, 'utf8');
    } catch (err) {
      fail(
        `REDIS_TLS_CA_FILE=${JSON.stringify(v.REDIS_TLS_CA_FILE)} can't be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}): point it at the PEM file of the CA that signed Redis's certificate, or drop it to trust the system's CAs.`,
      );
    }
    if (!tls.ca!.includes('-----BEGIN CERTIFICATE-----'))
      fail(
        `REDIS_TLS_CA_FILE=${JSON.stringify(v.REDIS_TLS_CA_FILE)} is not a PEM certificate (it should hold -----BEGIN CERTIFICATE-----).`,
      );
  }
  return tls;
}

/** Where Redis is, for a log line or an error (no credentials). */
export function describeRedis(t: RedisTarget): string {
  const list = (hs: HostPort[]) => hs.map((h) => `${h.host}:${h.port}`).join(',');
  if (t.kind === 'sentinel') return `Sentinel ${t.name} via ${list(t.sentinels)}`;
  if (t.kind === 'cluster') return `Cluster ${list(t.nodes)}`;
  const u = new URL(t.url);
  return `${u.protocol}//${u.host}`;
}

/** The Redis passwords, for the log redactor: REDIS_PASSWORD, REDIS_SENTINEL_PASSWORD, one in REDIS_URL. */
export function redisSecrets(t: RedisTarget): string[] {
  const inUrl = t.kind === 'url' ? decodeURIComponent(new URL(t.url).password) : '';
  return [t.password, t.kind === 'sentinel' ? t.sentinelPassword : undefined, inUrl].filter((s): s is string => !!s);
}
