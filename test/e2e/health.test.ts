import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Harness } from '../helpers/harness';

/** A Redis of this test's own, so it can be stopped under a running Ferry. */
async function ownRedis(): Promise<{ url: string; proc: ChildProcess }> {
  const port = await new Promise<number>((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
  const proc = spawn(
    'redis-server',
    ['--bind', '127.0.0.1', '--port', String(port), '--save', '', '--dir', mkdtempSync(path.join(os.tmpdir(), 'ferry-redis-'))],
    { stdio: ['ignore', 'pipe', 'ignore'] },
  );
  await new Promise<void>((resolve) =>
    proc.stdout!.on('data', (c: Buffer) => String(c).includes('Ready to accept connections') && resolve()),
  );
  return { url: `redis://127.0.0.1:${port}`, proc };
}

describe('GET /healthz', () => {
  test('is 200 while Redis answers and 503 once it does not', async () => {
    const redis = await ownRedis();
    const h = await Harness.start({ role: 'app', env: { REDIS_URL: redis.url } });
    try {
      const ok = await fetch(`${h.url}/healthz`);
      expect(ok.status).toBe(200);
      expect(await ok.json()).toEqual({ ok: true });

      const exited = new Promise((r) => redis.proc.on('exit', r));
      redis.proc.kill('SIGKILL');
      await exited;
      const down = await fetch(`${h.url}/healthz`);
      expect(down.status).toBe(503);
      expect(await down.json()).toEqual({ ok: false, error: 'Redis is not answering' });
    } finally {
      await h.stop();
    }
  });

  test('a worker-only process serves /healthz when PORT is set (for container health checks)', async () => {
    const h = await Harness.start({ role: 'app' });
    try {
      const port = await new Promise<number>((resolve) => {
        const s = net.createServer().listen(0, '127.0.0.1', () => {
          const p = (s.address() as net.AddressInfo).port;
          s.close(() => resolve(p));
        });
      });
      h.env.PORT = String(port);
      const worker = h.spawnWorker();
      const ready = await new Promise<boolean>((resolve) => {
        worker.stdout!.on('data', (c: Buffer) => String(c).includes('worker started') && resolve(true));
        worker.on('exit', () => resolve(false));
      });
      expect(ready).toBe(true);
      const res = await fetch(`http://127.0.0.1:${port}/healthz`);
      expect(res.status).toBe(200);
    } finally {
      await h.stop();
    }
  });

  test('unknown paths get a 404 that names the routes Ferry serves', async () => {
    const h = await Harness.start({ role: 'app' });
    try {
      const res = await fetch(`${h.url}/nope`);
      expect(res.status).toBe(404);
      expect(await res.text()).toContain('POST /slack/events, GET /healthz, GET /metrics and GET /deploys/<id>?t=<token>');
    } finally {
      await h.stop();
    }
  });
});
