import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readEnv } from '../../src/config/env';
import { describeRedis, readRedisEnv, redisSecrets } from '../../src/config/redis-env';
import { type FerryError, isFerryError } from '../../src/errors';

function errorOf(vars: NodeJS.ProcessEnv): FerryError {
  try {
    readRedisEnv(vars);
  } catch (err) {
    if (isFerryError(err, 'ENV_MISSING')) return err;
    throw err;
  }
  throw new Error('expected a start-up error');
}

const dir = mkdtempSync(path.join(os.tmpdir(), 'ferry-redis-env-'));
const CA = path.join(dir, 'ca.pem');
writeFileSync(CA, '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
const NOT_PEM = path.join(dir, 'key.txt');
writeFileSync(NOT_PEM, 'hello');

describe('Redis settings (env.redis)', () => {
  test('nothing set: the local Redis by URL', () => {
    expect(readRedisEnv({})).toEqual({ kind: 'url', url: 'redis://127.0.0.1:6379' });
    expect(readEnv({ REDIS_URL: '  ' }).redis).toEqual({ kind: 'url', url: 'redis://127.0.0.1:6379' });
  });

  test('REDIS_URL as today, with a username and password beside it', () => {
    expect(readRedisEnv({ REDIS_URL: 'redis://r:6380/2', REDIS_USERNAME: 'ferry', REDIS_PASSWORD: 'pw-123456' })).toEqual({
      kind: 'url',
      url: 'redis://r:6380/2',
      username: 'ferry',
      password: 'pw-123456',
    });
  });

  test('rediss:// is TLS; the CA file is read at start, the server name kept', () => {
    expect(readRedisEnv({ REDIS_URL: 'rediss://r:6380' })).toEqual({ kind: 'url', url: 'rediss://r:6380', tls: {} });
    const t = readRedisEnv({ REDIS_URL: 'rediss://r:6380', REDIS_TLS_CA_FILE: CA, REDIS_TLS_SERVERNAME: 'redis.acme.com' });
    expect(t).toEqual({
      kind: 'url',
      url: 'rediss://r:6380',
      tls: { ca: expect.stringContaining('BEGIN CERTIFICATE'), servername: 'redis.acme.com' },
    });
  });

  test('Sentinel: sentinels, the name they monitor, both passwords', () => {
    expect(
      readRedisEnv({
        REDIS_SENTINELS: '10.0.0.1:26379, 10.0.0.2:26380,[::1]:26381',
        REDIS_SENTINEL_NAME: 'mymaster',
        REDIS_PASSWORD: 'data-secret',
        REDIS_SENTINEL_PASSWORD: 'sentinel-secret',
      }),
    ).toEqual({
      kind: 'sentinel',
      sentinels: [
        { host: '10.0.0.1', port: 26379 },
        { host: '10.0.0.2', port: 26380 },
        { host: '::1', port: 26381 },
      ],
      name: 'mymaster',
      password: 'data-secret',
      sentinelPassword: 'sentinel-secret',
    });
  });

  test('Sentinel and Cluster with REDIS_TLS=on and a CA', () => {
    expect(readRedisEnv({ REDIS_SENTINELS: 'a:1', REDIS_SENTINEL_NAME: 'm', REDIS_TLS: 'on', REDIS_TLS_CA_FILE: CA })).toMatchObject({
      kind: 'sentinel',
      tls: { ca: expect.stringContaining('BEGIN CERTIFICATE') },
    });
    expect(readRedisEnv({ REDIS_CLUSTER_NODES: 'a:7000,b:7001', REDIS_TLS: 'true' })).toEqual({
      kind: 'cluster',
      nodes: [
        { host: 'a', port: 7000 },
        { host: 'b', port: 7001 },
      ],
      tls: {},
    });
    expect(readRedisEnv({ REDIS_CLUSTER_NODES: 'a:7000', REDIS_TLS: 'off' })).toEqual({
      kind: 'cluster',
      nodes: [{ host: 'a', port: 7000 }],
    });
  });

  test.each([
    [
      { REDIS_URL: 'redis://a:1', REDIS_SENTINELS: 'b:2', REDIS_SENTINEL_NAME: 'm' },
      /REDIS_URL and REDIS_SENTINELS are both set.*drop REDIS_URL/,
    ],
    [{ REDIS_URL: 'redis://a:1', REDIS_CLUSTER_NODES: 'b:2' }, /REDIS_URL and REDIS_CLUSTER_NODES are both set.*drop REDIS_URL/],
    [
      { REDIS_SENTINELS: 'b:2', REDIS_SENTINEL_NAME: 'm', REDIS_CLUSTER_NODES: 'c:3' },
      /REDIS_SENTINELS and REDIS_CLUSTER_NODES are both set.*drop one/,
    ],
    [{ REDIS_SENTINELS: 'b:2' }, /REDIS_SENTINELS is set without REDIS_SENTINEL_NAME: set it to the name the sentinels monitor/],
    [{ REDIS_SENTINEL_NAME: 'm' }, /REDIS_SENTINEL_NAME is set without REDIS_SENTINELS/],
    [{ REDIS_CLUSTER_NODES: 'c:3', REDIS_SENTINEL_PASSWORD: 'x' }, /REDIS_SENTINEL_PASSWORD is set without REDIS_SENTINELS/],
    [
      { REDIS_SENTINELS: 'b', REDIS_SENTINEL_NAME: 'm' },
      /REDIS_SENTINELS: "b" is not host:port; write e.g. REDIS_SENTINELS=10.0.0.1:26379/,
    ],
    [{ REDIS_CLUSTER_NODES: 'a:7000,b:99999' }, /REDIS_CLUSTER_NODES: "b:99999" is not host:port/],
    [{ REDIS_URL: 'http://a:1' }, /REDIS_URL must be a redis:\/\/ or rediss:\/\/ \(TLS\) URL/],
    [{ REDIS_URL: 'redis://:pw@a:1', REDIS_PASSWORD: 'other' }, /REDIS_URL carries a password and REDIS_PASSWORD is set too: drop one/],
    [
      { REDIS_URL: 'redis://a:1', REDIS_TLS_CA_FILE: CA },
      /REDIS_TLS_CA_FILE set, but the connection to Redis is not TLS: use a rediss:\/\/ REDIS_URL/,
    ],
    [{ REDIS_TLS_SERVERNAME: 'x' }, /REDIS_TLS_SERVERNAME set, but the connection to Redis is not TLS/],
    [{ REDIS_URL: 'rediss://a:1', REDIS_TLS: 'on' }, /REDIS_TLS is set with REDIS_URL: drop REDIS_TLS and use a rediss:\/\/ URL/],
    [{ REDIS_CLUSTER_NODES: 'a:1', REDIS_TLS: 'maybe' }, /REDIS_TLS must be on or off/],
    [
      { REDIS_URL: 'rediss://a:1', REDIS_TLS_CA_FILE: '/nonexistent/ca.pem' },
      /REDIS_TLS_CA_FILE="\/nonexistent\/ca.pem" can't be read \(ENOENT\): point it at the PEM file/,
    ],
    [{ REDIS_URL: 'rediss://a:1', REDIS_TLS_CA_FILE: NOT_PEM }, /is not a PEM certificate/],
  ])('%j is refused at start: %s', (vars, message) => {
    expect(errorOf(vars).message).toMatch(message);
  });

  test('every error names the ways to connect', () => {
    expect(errorOf({ REDIS_URL: 'http://a' }).message).toContain('see docs/configuration.md');
  });

  test('what it is, for logs, and its secrets, for the redactor', () => {
    expect(describeRedis(readRedisEnv({ REDIS_URL: 'redis://:topsecret@r:6380/1' }))).toBe('redis://r:6380');
    expect(describeRedis(readRedisEnv({ REDIS_SENTINELS: 'a:1,b:2', REDIS_SENTINEL_NAME: 'm' }))).toBe('Sentinel m via a:1,b:2');
    expect(describeRedis(readRedisEnv({ REDIS_CLUSTER_NODES: 'a:1' }))).toBe('Cluster a:1');
    expect(redisSecrets(readRedisEnv({ REDIS_URL: 'redis://:top%40secret@r:6380' }))).toEqual(['top@secret']);
    expect(
      redisSecrets(readRedisEnv({ REDIS_SENTINELS: 'a:1', REDIS_SENTINEL_NAME: 'm', REDIS_PASSWORD: 'p1', REDIS_SENTINEL_PASSWORD: 'p2' })),
    ).toEqual(['p1', 'p2']);
  });
});
