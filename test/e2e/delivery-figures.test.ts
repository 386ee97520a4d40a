import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Deploy } from '../../src/core/deploy';
import { makeLinearRepo } from '../helpers/git-repo';
import { Harness, writeScript } from '../helpers/harness';
import { eventually } from '../helpers/wait';

const TOKEN = 'alert-token-0123456789abcdef';
const ANA = 'U0ANA';
/** makeLinearRepo's author dates: commit i (0-based) at 1_700_000_000 s + 60 s × (i + 1). */
const authored = (i: number) => (1_700_000_000 + 60 * (i + 1)) * 1_000;
const median3 = (xs: number[]) => xs.toSorted((a, b) => a - b)[1]!;

describe('delivery figures from a replayed history of real deploys', () => {
  let h: Harness;
  let shas: string[];
  const failMarker = () => path.join(h.dir, 'fail-next');

  beforeEach(async () => {
    h = await Harness.start({
      env: { FERRY_ALERT_TOKEN: TOKEN },
      config: ({ dir }) => {
        const repo = makeLinearRepo(
          path.join(dir, 'linear'),
          [0, 1, 2, 3, 4, 5].map((i) => ({ message: `change ${i}`, author: ['Ana', 'ana@example.com'] as const })),
        );
        shas = repo.shas;
        // Fails while the test's marker file exists.
        const deploy = writeScript(dir, 'deploy.sh', `if [ -f "${path.join(dir, 'fail-next')}" ]; then echo boom; exit 1; fi; echo ok`);
        return {
          feed_channel: 'C0FEED',
          apps: { web: { path: repo.path, environments: { staging: { deploy: [deploy] }, production: { deploy: [deploy] } } } },
        };
      },
    });
  });
  afterEach(async () => {
    await h?.stop();
  });

  const record = async (id: number): Promise<Deploy> => (await h.running!.parts.deploys.get(id))!;
  async function deployed(sha: string, status: 'succeeded' | 'failed'): Promise<Deploy> {
    const { id } = await h.deploy(`production ${sha}`, ANA);
    await h.slack.waitForFeed(id, status);
    return record(id);
  }
  const alert = (status: 'firing' | 'resolved') =>
    fetch(`${h.url}/alerts/web/production`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify({ status, name: 'HighErrors', summary: 'errors up' }),
    });
  const end = (d: Deploy) => d.finishedAt!;
  const carriedRecorded = (id: number) =>
    eventually(`deploy #${id}'s carried commits`, async () => (await h.redis.exists(`${h.prefix}:deploy:${id}:carried`)) === 1);

  test('deploys, a failure, a rollback and an alert freeze give the hand-computed figures', async () => {
    const began = Date.now();
    const d1 = await deployed(shas[0]!, 'succeeded'); // first deploy: carries nothing known
    const d2 = await deployed(shas[2]!, 'succeeded'); // carries c1, c2
    writeFileSync(failMarker(), '');
    const d3 = await deployed(shas[3]!, 'failed'); // a failure at its end
    rmSync(failMarker());
    const d4 = await deployed(shas[4]!, 'succeeded'); // carries c3, c4; restores d3
    const rb = await h.slash('/rollback', 'production', ANA);
    await h.answer(rb.id);
    await h.slack.waitForFeed(d4.id + 1, 'succeeded');
    const d5 = await record(d4.id + 1); // the rollback (to c2): a failure from its start, restored at its end
    expect(d5.rollbackOf).toBeDefined();
    expect((await alert('firing')).status).toBe(200);
    // the env's first freeze: token 1
    const frozenAt = Number(await h.redis.zscore(`${h.prefix}:delivery:web:production:alerts`, '1'));
    expect(frozenAt).toBeGreaterThan(end(d5));
    expect((await alert('resolved')).status).toBe(200);
    await eventually('the alert freeze to lift', async () => (await h.redis.exists(`${h.prefix}:freeze:web:production`)) === 0);
    const d6 = await deployed(shas[5]!, 'succeeded'); // carries c3, c4 again (first carried by d4) and c5; restores the freeze
    for (const d of [d1, d2, d4, d5, d6]) await carriedRecorded(d.id);
    // The lead-time order below holds while deploys are less than a minute apart (commits are).
    expect(Date.now() - began).toBeLessThan(60_000);

    const f = await h.running!.parts.delivery.figures('web', 'production', 7, Date.now() + 1);
    // Hand computation:
    // successful deploys d1, d2, d4, d5, d6: 5; attempts (succeeded or failed): those and d3: 6;
    // failures: d3 (failed) and d5 (rollback): 2, so a rate of 2/6.
    // Lead times, each commit at its first arrival: c1, c2 at d2's end; c3, c4 at d4's; c5 at d6's.
    // Commits are a minute apart and deploys seconds apart, so c1's is the longest and c5's the
    // shortest: median c3's (d4's end - c3), p90 (rank ceil(4.5) = 5) c1's (d2's end - c1).
    // Time to restore: d3 -> d4's end; d5 from its start -> its end; the freeze -> d6's end.
    const restores = [end(d4) - end(d3), end(d5) - d5.startedAt!, end(d6) - frozenAt];
    expect(f.current).toMatchObject({
      deploys: 5,
      deploysPerDay: 5 / 7,
      attempts: 6,
      failures: 2,
      changeFailureRate: 2 / 6,
      leadTime: { count: 5, medianMs: end(d4) - authored(3), p90Ms: end(d2) - authored(1) },
      timeToRestore: { count: 3, medianMs: median3(restores), p90Ms: Math.max(...restores) },
    });
    expect(f.previous).toMatchObject({ deploys: 0, attempts: 0, failures: 0 });
    expect(f.slowest.map((s) => [s.sha, s.deployId])).toEqual([
      [shas[1], d2.id],
      [shas[2], d2.id],
      [shas[3], d4.id],
      [shas[4], d4.id],
      [shas[5], d6.id],
    ]);
    expect(f.failed.map((x) => [x.deployId, x.kind])).toEqual([
      [d5.id, 'rollback'],
      [d3.id, 'failed'],
    ]);
    expect(h.running!.parts.delivery.envsOf('web')).toEqual(['production', 'staging']);
  });
});
