import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { latest } from '../helpers/fake-slack';
import { FerryProcess } from '../helpers/ferry-process';
import { Harness, writeScript } from '../helpers/harness';

// Worker pools with real worker processes: an env of pool `prod` is run only by workers started
// with FERRY_WORKER_POOLS=prod (or --pools prod), each deploy command getting its pass_env values
// from the worker that runs it; with no prod worker up, the deploy's feed message says so.

/** A deploy command that records its deploy, start and end, and the pass-through DEPLOY_SECRET it was given. */
const RECORDING = (file: string) => `echo "start $FERRY_DEPLOY_ID $(date +%s%N) $DEPLOY_SECRET" >> ${file}
sleep 0.3
echo "end $FERRY_DEPLOY_ID $(date +%s%N) $DEPLOY_SECRET" >> ${file}`;

interface Run {
  id: number;
  start: number;
  end: number;
  secret: string;
}

function runs(file: string): Run[] {
  const byId = new Map<number, Run>();
  for (const line of readFileSync(file, 'utf8').trim().split('\n')) {
    const [what, id, ns, secret] = line.split(' ');
    const r = byId.get(Number(id)) ?? { id: Number(id), start: 0, end: 0, secret: secret ?? '' };
    r[what as 'start' | 'end'] = Number(BigInt(ns!) / 1_000_000n);
    byId.set(Number(id), r);
  }
  return [...byId.values()].sort((a, b) => a.start - b.start);
}

const NO_PROD_WORKER = 'waiting for a worker of pool `prod`';

describe('worker pools', () => {
  let h: Harness;
  const procs: FerryProcess[] = [];
  let prodFile = '';
  let stagingFile = '';

  beforeEach(async () => {
    h = await Harness.start({
      role: 'app',
      config: ({ dir, repo }) => {
        prodFile = path.join(dir, 'production.txt');
        stagingFile = path.join(dir, 'staging.txt');
        return {
          feed_channel: 'C0FEED',
          apps: {
            web: {
              path: repo,
              environments: {
                staging: { deploy: [writeScript(dir, 'staging.sh', RECORDING(stagingFile))], pass_env: ['DEPLOY_SECRET'] },
                production: { deploy: [writeScript(dir, 'production.sh', RECORDING(prodFile))], pass_env: ['DEPLOY_SECRET'], pool: 'prod' },
              },
            },
          },
        };
      },
    });
  });
  afterEach(async () => {
    await Promise.all(procs.splice(0).map((p) => p.stop()));
    await h?.stop();
  });

  /** A worker process with these pools (by FERRY_WORKER_POOLS, or by --pools) and this DEPLOY_SECRET, once it has started. */
  async function worker(pools: string, secret: string, how: 'env' | 'flag' = 'env'): Promise<FerryProcess> {
    const env = { ...h.env, DEPLOY_SECRET: secret, ...(how === 'env' && { FERRY_WORKER_POOLS: pools }) };
    const p = new FerryProcess('worker', env, how === 'flag' ? ['--pools', pools] : []);
    procs.push(p);
    await p.waitForLog('worker started', (l) => l.msg === 'worker started');
    return p;
  }

  const workerName = (p: FerryProcess) => `${hostname()}:${p.pid}`;

  test('a prod-pool env is deployed only by prod workers, in order, with their pass_env values, while a default worker idles', async () => {
    const idle = await worker('default', 'staging-secret');
    const prodA = await worker('prod', 'prod-secret', 'flag');
    const prodB = await worker('prod', 'prod-secret');
    // The default worker serves staging's queue only; the prod workers production's only.
    expect(idle.lines.find((l) => l.msg === 'worker started')).toMatchObject({ queues: 1, pools: 'pools default' });
    expect(prodA.lines.find((l) => l.msg === 'worker started')).toMatchObject({ queues: 1, pools: 'pools prod' });

    const ids: number[] = [];
    for (const user of ['U0ANA', 'U0BEN', 'U0CAT']) ids.push((await h.deploy('production main', user)).id);
    const staging = await h.deploy('staging main', 'U0DAN');
    for (const id of ids) await h.slack.waitForFeed(id, 'succeeded');
    await h.slack.waitForFeed(staging.id, 'succeeded');

    const deploys = h.running!.parts.deploys;
    const prodWorkers = [workerName(prodA), workerName(prodB)];
    for (const id of ids) expect(prodWorkers).toContain((await deploys.get(id))!.worker);
    expect((await deploys.get(staging.id))!.worker).toBe(workerName(idle));

    // In order, never overlapping, though two workers serve the env; each with the prod worker's secret.
    const prod = runs(prodFile);
    expect(prod.map((r) => r.id)).toEqual(ids);
    for (let i = 1; i < prod.length; i++) expect(prod[i]!.start).toBeGreaterThanOrEqual(prod[i - 1]!.end);
    expect(prod.map((r) => r.secret)).toEqual(['prod-secret', 'prod-secret', 'prod-secret']);
    expect(runs(stagingFile).map((r) => r.secret)).toEqual(['staging-secret']);
    // No deploy's feed message ever said it was waiting for a worker.
    for (const id of ids) expect(JSON.stringify(h.slack.feedMessage(id)!.versions)).not.toContain('waiting for a worker');
  });

  test('with no prod worker up, the feed and the board say the deploy waits for one; a prod worker started then runs it', async () => {
    const other = await worker('default', 'staging-secret');
    const { id } = await h.deploy('production main');
    const waiting = await waitsForProdWorker(id, 30_000);
    expect(latest(waiting).text).toContain('queued');

    const r = await h.slash('/deploys', 'web');
    const board = JSON.stringify((await h.slack.waitForResponse(r.id)).blocks);
    expect(board).toContain(`no worker of pool \`prod\` is running: 1 deploy ${NO_PROD_WORKER}`);
    expect(board.match(/no worker of pool/g)).toHaveLength(1);

    const prod = await worker('prod', 'prod-secret');
    await h.slack.waitForFeed(id, 'succeeded');
    expect((await h.running!.parts.deploys.get(id))!.worker).toBe(workerName(prod));
    expect(runs(prodFile).map((r) => r.secret)).toEqual(['prod-secret']);
    expect(JSON.stringify(latest(h.slack.feedMessage(id)!).blocks)).not.toContain(NO_PROD_WORKER);
    expect(other.lines.some((l) => l.deployId === id)).toBe(false);

    // A prod worker stopped cleanly leaves its pool at once: the next deploy says so again.
    prod.signal('SIGTERM');
    expect((await prod.exited).code).toBe(0);
    const next = await h.deploy('production main', 'U0BEN');
    await waitsForProdWorker(next.id, 12_000);
  });

  test('a prod worker killed outright drops out of its pool: a deploy queued after says it waits, within 30 s of the kill', async () => {
    const doomed = await worker('prod', 'prod-secret');
    doomed.signal('SIGKILL');
    const killedAt = (await doomed.exited).at;
    const { id } = await h.deploy('production main');
    await waitsForProdWorker(id, 30_000);
    expect(Date.now() - killedAt).toBeLessThan(30_000);
  });

  test('a pool list that is not simple words stops the worker, saying what to write', async () => {
    const bad = new FerryProcess('worker', { ...h.env, FERRY_WORKER_POOLS: 'Prod' });
    procs.push(bad);
    expect((await bad.exited).code).toBe(1);
    expect(bad.tail()).toContain('FERRY_WORKER_POOLS has "Prod": a pool name is a simple word');
    const empty = new FerryProcess('worker', h.env, ['--pools']);
    procs.push(empty);
    expect((await empty.exited).code).toBe(2);
    expect(empty.tail()).toContain('--pools needs the pools, e.g. --pools prod,default.');
  });

  /** Waits until deploy #id's feed message says it waits for a worker of pool `prod`. */
  function waitsForProdWorker(id: number, timeoutMs: number) {
    return h.slack.waitFor(
      `deploy #${id}'s feed message to say it waits for a prod worker`,
      () => {
        const m = h.slack.feedMessage(id);
        return m && JSON.stringify(latest(m).blocks).includes(NO_PROD_WORKER) ? m : undefined;
      },
      timeoutMs,
    );
  }
});
