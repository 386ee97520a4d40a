import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FerryProcess } from '../helpers/ferry-process';
import { Harness } from '../helpers/harness';
import { freePort } from '../helpers/ports';

jest.setTimeout(60_000);

/**
 * Ferry on a Redis that only speaks TLS (rediss://), its certificate signed by a CA of the test's
 * own (made with openssl): with REDIS_TLS_CA_FILE it deploys; without it, it says at start that
 * the certificate could not be checked and exits, instead of hanging.
 */
describe('Redis over TLS', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ferry-redis-tls-'));
  let redis: ChildProcess | undefined;
  let exited: Promise<void> | undefined;
  let url = '';
  const ca = path.join(dir, 'ca.crt');

  beforeAll(async () => {
    if (spawnSync('openssl', ['version']).status !== 0)
      throw new Error('openssl is missing: install it (apt-get install openssl; scripts/setup.sh does it)');
    const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
    ssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=Ferry test CA', '-keyout', 'ca.key', '-out', 'ca.crt');
    ssl('req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost', '-keyout', 'redis.key', '-out', 'redis.csr');
    writeFileSync(path.join(dir, 'san.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
    ssl(
      'x509',
      '-req',
      '-in',
      'redis.csr',
      '-CA',
      'ca.crt',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-days',
      '1',
      '-extfile',
      'san.ext',
      '-out',
      'redis.crt',
    );
    const port = await freePort();
    // Only TLS: a plain connection is not even possible.
    redis = spawn(
      'redis-server',
      [
        '--bind',
        '127.0.0.1',
        '--port',
        '0',
        '--tls-port',
        String(port),
        '--dir',
        dir,
        '--save',
        '',
        '--appendonly',
        'no',
        '--tls-cert-file',
        'redis.crt',
        '--tls-key-file',
        'redis.key',
        '--tls-ca-cert-file',
        'ca.crt',
        '--tls-auth-clients',
        'no',
      ],
      { cwd: dir, stdio: ['ignore', 'pipe', 'ignore'] },
    );
    exited = new Promise((r) => redis!.once('exit', () => r()));
    await new Promise<void>((resolve, reject) => {
      let out = '';
      redis!.stdout!.on('data', (c: Buffer) => {
        out += c.toString();
        if (out.includes('Ready to accept connections')) resolve();
      });
      void exited!.then(() => reject(new Error(`redis-server (TLS) did not start: ${out}`)));
    });
    url = `rediss://127.0.0.1:${port}`;
  });

  afterAll(async () => {
    redis?.kill('SIGKILL');
    await exited;
    rmSync(dir, { recursive: true, force: true });
  });

  test('with the CA file, a deploy runs over TLS', async () => {
    const h = await Harness.start({ env: { REDIS_URL: url, REDIS_TLS_CA_FILE: ca } });
    try {
      const d = await h.deploy('staging');
      await h.slack.waitForFeed(d.id, 'succeeded');
    } finally {
      await h.stop();
    }
  });

  test('without it, Ferry says the certificate could not be checked and exits', async () => {
    const ferry = new FerryProcess('app', {
      PATH: process.env.PATH!,
      SLACK_BOT_TOKEN: 'xoxb-000000000000-000000000000-testtokenvalue1234',
      SLACK_SIGNING_SECRET: 'test-signing-secret-0123456789',
      SLACK_API_URL: 'http://127.0.0.1:9/api/',
      FERRY_CONFIG: path.join(__dirname, '../../ferry.example.yml'),
      REDIS_URL: url,
      PORT: '0',
    });
    const exit = await ferry.exited;
    expect(exit.code).toBe(1);
    expect(ferry.tail()).toMatch(/Can't reach Redis over TLS.*certificate.*REDIS_TLS_CA_FILE/s);
  });
});
