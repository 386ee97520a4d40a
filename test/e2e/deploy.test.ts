import { readFileSync } from 'node:fs';
import path from 'node:path';
import { latest } from '../helpers/fake-slack';
import { Harness } from '../helpers/harness';

describe('/deploy end to end', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await Harness.start();
  });
  afterEach(async () => {
    await h?.stop();
  });

  test('queues the branch, runs the command on its SHA with the deploy variables, and the feed message ends succeeded', async () => {
    const sha = h.repo.sha('feature/checkout');
    const { ack, id: respId } = await h.slash('/deploy', 'dev feature/checkout');
    expect(ack.status).toBe(200);
    const answer = await h.answer(respId);
    expect(answer).toMatch(/Accepted as \*deploy #1\*: `feature\/checkout` \(`[0-9a-f]{7}`\) to `web` \*dev\*/);
    expect(answer).toContain(sha.slice(0, 7));
    expect(answer).toContain('https://acme.slack.test/archives/C0FEED/');
    expect(answer).toContain('dev is yours until');

    const msg = await h.slack.waitForFeed(1, 'succeeded');
    expect(msg.channel).toBe('C0FEED');
    expect(msg.versions.map((v) => v.text.replace(/^\S+ /, '').replace(/:.*/, ''))).toContain('Deploy #1 · web to dev');
    expect(msg.versions.some((v) => v.text.includes('running since'))).toBe(true);
    expect(latest(msg).text).toMatch(/succeeded in \d+s/);

    const envDir = path.join(h.deployRoot, 'web/dev');
    expect(readFileSync(path.join(envDir, 'REVISION'), 'utf8').trim()).toBe(sha);
    expect(readFileSync(path.join(envDir, 'current/app.txt'), 'utf8')).toBe('v1 feature/checkout\n');
    const logLine = readFileSync(path.join(envDir, 'deploys.log'), 'utf8').trim().split('\t');
    expect(logLine.slice(1)).toEqual(['1', sha, 'feature/checkout', 'U0ANA']);
  });
});
