import { mkdtempSync, readFileSync, writeFileSync, chmodSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { readEnv } from '../../src/config/env';
import { parseConfig } from '../../src/config/load';
import { makeRedactor } from '../../src/core/redact';
import { DeployStore } from '../../src/store/deploys';
import { LeaseStore } from '../../src/store/lease';
import { CommandSupervisor } from '../../src/worker/supervisor';
import { LogStore } from '../../src/store/logs';
import { runDeploy } from '../../src/worker/run-deploy';
import { Workspaces } from '../../src/worker/workspace';
import { makeRepo } from '../helpers/git-repo';
import { deletePrefix, newRedis, uniqueKeys } from './fixtures';

/**
 * The env lease guards against two deploys overlapping when a worker is cut off from Redis. A
 * half-open connection makes renewals hang rather than fail; the watchdog must stop the command
 * anyway, before the lease (3 s here) can expire and pass to another worker.
 */
describe('lease watchdog', () => {
  const redis = newRedis();
  afterAll(() => redis.disconnect());

  test('renewals that hang stop the command well before the lease expires, and it is reported', async () => {
    const k = uniqueKeys('watchdog');
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ferry-watchdog-'));
    const repo = makeRepo(path.join(dir, 'repo'));
    const marks = path.join(dir, 'marks');
    const script = path.join(dir, 'slow.sh');
    writeFileSync(
      script,
      `#!/usr/bin/env bash\necho "start $(date +%s%3N)" >> ${marks}\ntrap 'echo "stopped $(date +%s%3N)" >> ${marks}; exit 143' TERM\nsleep 60 & wait\n`,
    );
    chmodSync(script, 0o755);
    const config = parseConfig(
      `feed_channel: C0FEED\nredis_prefix: ${k.prefix}\nlease_ttl: 3s\nworkspace_dir: ${dir}/work\napps:\n  web:\n    path: ${repo.path}\n    environments:\n      dev: { deploy: [${script}] }\n`,
      path.join(dir, 'ferry.yml'),
    );
    const deploys = new DeployStore(redis, k);
    const accepted = await deploys.accept(
      { app: 'web', env: 'dev', ref: 'main', sha: repo.sha('main'), user: 'U0ANA', feedChannel: 'C0FEED', idempotencyKey: 'w1' },
      Date.now(),
    );
    if (accepted.kind !== 'accepted') throw new Error(accepted.kind);

    const real = new LeaseStore(redis, k);
    const hanging = Object.assign(Object.create(real) as LeaseStore, { renew: () => new Promise<boolean>(() => {}) });
    const env = readEnv({ PATH: process.env.PATH!, HOME: dir });
    const supervisor = new CommandSupervisor(pino({ level: 'silent' }), { PATH: process.env.PATH! });
    const t0 = Date.now();
    await runDeploy(
      { deployId: accepted.id, app: 'web', env: 'dev' },
      {
        config,
        env,
        deploys,
        leases: hanging,
        logs: new LogStore(redis, k, 100),
        events: { emit: () => {} },
        workspaces: new Workspaces(config.workspaceDir, () => ({ PATH: process.env.PATH!, HOME: dir })),
        supervisor,
        redact: makeRedactor([]),
        log: pino({ level: 'silent' }),
        workerName: 'test-worker',
        shutdown: new AbortController().signal,
        graceMs: 750,
      },
    );
    supervisor.close();
    const took = Date.now() - t0;
    const lines = readFileSync(marks, 'utf8').trim().split('\n');
    const started = Number(lines[0]!.split(' ')[1]);
    const stopped = Number(lines[1]!.split(' ')[1]);
    // stopped once half the lease's life passed without a renewal, well before it could expire
    expect(stopped - started).toBeLessThan(3_000);
    expect(took).toBeLessThan(6_000);
    const d = (await deploys.get(accepted.id))!;
    expect(d.status).toBe('failed');
    expect(d.error).toContain("couldn't renew the env lease in time");
    await deletePrefix(redis, k);
  });
});
