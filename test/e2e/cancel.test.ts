import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { latest, type PostedMessage } from '../helpers/fake-slack';
import { Harness, writeScript } from '../helpers/harness';
import { eventually, waitForFile } from '../helpers/wait';

/**
 * A deploy command that marks that it ran, then waits until the test releases it
 * (`release-<id>`). On SIGTERM it marks that too (`term-<id>`) and exits.
 */
const GATE = (dir: string) => `trap 'echo "got SIGTERM"; touch "${dir}/term-$FERRY_DEPLOY_ID"; exit 143' TERM
echo "deploy $FERRY_DEPLOY_ID started"
touch "${dir}/ran-$FERRY_DEPLOY_ID"
while [ ! -f "${dir}/release-$FERRY_DEPLOY_ID" ]; do sleep 0.05; done
echo "released"`;

/** A command that ignores SIGTERM (so do the children it starts) and never ends by itself. */
const STUBBORN = (dir: string) => `trap '' TERM
echo $$ > "${dir}/stubborn-$FERRY_DEPLOY_ID.pid.tmp" && mv "${dir}/stubborn-$FERRY_DEPLOY_ID.pid.tmp" "${dir}/stubborn-$FERRY_DEPLOY_ID.pid"
while true; do sleep 0.05; done`;

/** dev locks (and gates), staging gates, production ignores SIGTERM. */
function config(extra: Record<string, unknown> = {}) {
  return ({ dir, repo }: { dir: string; repo: string }) => ({
    feed_channel: 'C0FEED',
    shutdown_grace: '1s',
    ...extra,
    apps: {
      web: {
        path: repo,
        environments: {
          dev: { deploy: [writeScript(dir, 'gate-dev.sh', GATE(dir))], lock: true, lock_ttl: '4h' },
          staging: { deploy: [writeScript(dir, 'gate.sh', GATE(dir))] },
          production: { deploy: [writeScript(dir, 'stubborn.sh', STUBBORN(dir))] },
        },
      },
    },
  });
}

/** The Cancel button on a feed message version, if it has one. */
function cancelButton(
  blocks: unknown[],
): { action_id: string; value: string; style: string; confirm: { title: { text: string } } } | undefined {
  for (const b of blocks as { type: string; elements?: { action_id?: string }[] }[]) {
    const el = b.type === 'actions' ? b.elements?.find((e) => e.action_id === 'deploy_cancel') : undefined;
    if (el) return el as never;
  }
  return undefined;
}

const cancelledVersions = (m: PostedMessage) => m.versions.filter((v) => v.text.includes(': cancelled'));

describe('cancelling deploys', () => {
  let h: Harness;
  const file = (name: string) => path.join(h.dir, name);
  const release = (id: number) => writeFileSync(file(`release-${id}`), '');
  const record = async (id: number) => h.redis.hgetall(`${h.prefix}:deploy:${id}`);
  const logOf = async (id: number) => (await h.redis.lrange(`${h.prefix}:deploy:${id}:log`, 0, -1)).join('\n');
  const cancel = async (id: number | string, user = 'U0ANA') => {
    const r = await h.slash('/deploy', `cancel ${id}`, user);
    expect(r.ack.status).toBe(200);
    expect(r.ackText).toBe('');
    return h.answer(r.id);
  };

  beforeAll(async () => {
    h = await Harness.start({ config: config() });
  });
  afterAll(async () => {
    await h?.stop();
  });

  test('a queued deploy is cancelled at once and never runs; the one after it does; the lock stays with its holder', async () => {
    const first = await h.deploy('dev main');
    await waitForFile(file(`ran-${first.id}`));
    const doomed = await h.deploy('dev fix-1');
    const after = await h.deploy('dev feature/checkout');
    const queued = await h.slack.waitForFeed(doomed.id, 'queued');
    expect(cancelButton(latest(queued).blocks)).toMatchObject({
      value: String(doomed.id),
      style: 'danger',
      confirm: { title: { text: `Cancel deploy #${doomed.id}?` } },
    });

    const answer = await cancel(`#${doomed.id}`);
    expect(answer).toContain(`Cancelled *deploy #${doomed.id}* (\`fix-1\` to \`web\` *dev*) before it started; it won't run.`);
    expect(answer).toContain('dev stays locked to you until');
    expect(answer).toContain('`/unlock web dev` to release it');
    const msg = await h.slack.waitForFeed(doomed.id, 'cancelled');
    expect(latest(msg).text).toContain(`cancelled by <@U0ANA>`);
    expect(cancelButton(latest(msg).blocks)).toBeUndefined();
    expect((await record(doomed.id)).status).toBe('cancelled');
    // its job left the queue: only the deploy after it is waiting
    expect(await h.running!.parts.queues.waiting('web', 'dev')).toEqual([after.id]);

    release(first.id);
    await waitForFile(file(`ran-${after.id}`));
    release(after.id);
    await h.slack.waitForFeed(after.id, 'succeeded');
    expect(existsSync(file(`ran-${doomed.id}`))).toBe(false);
    expect(latest(h.slack.feedMessage(doomed.id)!).text).toContain('cancelled');
    // the lock is still Ana's
    expect(await h.redis.hget(`${h.prefix}:lock:web:dev`, 'holder')).toBe('U0ANA');
  });

  test('a running deploy: its command gets SIGTERM, the feed says who cancelled it, no failure log is posted, and the next deploy starts', async () => {
    const running = await h.deploy('staging main');
    await waitForFile(file(`ran-${running.id}`));
    const next = await h.deploy('staging fix-1', 'U0BEN');
    const msg0 = await h.slack.waitForFeed(running.id, 'running');
    expect(cancelButton(latest(msg0).blocks)?.value).toBe(String(running.id));

    const answer = await cancel(running.id);
    expect(answer).toContain(`Cancelling *deploy #${running.id}* (\`main\` to \`web\` *staging*)`);
    expect(answer).toContain('SIGTERM');
    await waitForFile(file(`term-${running.id}`));
    const msg = await h.slack.waitForFeed(running.id, 'cancelled');
    expect(latest(msg).text).toMatch(/: cancelled by <@U0ANA> after \d+s$/);
    expect(cancelButton(latest(msg).blocks)).toBeUndefined();
    const rec = await record(running.id);
    expect(rec).toMatchObject({ status: 'cancelled', cancelRequestedBy: 'U0ANA', exitCode: '143' });
    expect(await logOf(running.id)).toContain('got SIGTERM');
    expect(await logOf(running.id)).toMatch(/\[ferry\] cancelled by U0ANA after \d+s; stopped/);

    await waitForFile(file(`ran-${next.id}`));
    release(next.id);
    await h.slack.waitForFeed(next.id, 'succeeded');
    // a cancel is not a failure: nothing in the thread
    expect(h.slack.messages.filter((m) => m.thread_ts === msg.ts)).toHaveLength(0);
  });

  test('a command that ignores SIGTERM is SIGKILLed after the kill grace', async () => {
    const { id } = await h.deploy('production main');
    await waitForFile(file(`stubborn-${id}.pid`));
    const pid = Number(readFileSync(file(`stubborn-${id}.pid`), 'utf8'));
    expect(await cancel(id)).toContain(`Cancelling *deploy #${id}*`);
    const msg = await h.slack.waitForFeed(id, 'cancelled');
    expect(latest(msg).text).toContain('cancelled by <@U0ANA> after');
    expect(await logOf(id)).toContain('ferry: command ended by SIGKILL');
    expect((await record(id)).exitCode).toBe('137');
    expect(alive(pid)).toBe(false);
  });

  test("someone else's cancel is refused, naming who can, and changes nothing", async () => {
    const { id } = await h.deploy('staging main');
    await waitForFile(file(`ran-${id}`));
    const answer = await cancel(id, 'U0BEN');
    expect(answer).toBe(
      `You can't cancel *deploy #${id}* (\`main\` to \`web\` *staging*): only <@U0ANA>, who asked for it, can. Nothing was changed.`,
    );
    const clicked = await h.click('deploy_cancel', String(id), 'U0CAT');
    expect(await h.answer(clicked.id)).toContain('only <@U0ANA>, who asked for it, can');
    const rec = await record(id);
    expect(rec.status).toBe('running');
    expect(rec.cancelRequestedBy).toBeUndefined();
    release(id);
    await h.slack.waitForFeed(id, 'succeeded');
  });

  test('an unknown id says it does not exist; a finished deploy says how it ended and that there is nothing to cancel', async () => {
    const newest = Number(await h.redis.get(`${h.prefix}:deploy:seq`));
    expect(await cancel(9999)).toBe(
      `There is no deploy #9999. Deploy ids run from #1 to #${newest}; the id is in each deploy's feed message (Deploy #42).`,
    );
    const { id } = await h.deploy('staging main');
    await waitForFile(file(`ran-${id}`));
    release(id);
    await h.slack.waitForFeed(id, 'succeeded');
    const rev = (await record(id)).rev;
    const answer = await cancel(id);
    expect(answer).toMatch(
      new RegExp(
        `^\\*Deploy #${id}\\* \\(\`main\` to \`web\` \\*staging\\*\\) already succeeded at <!date\\^\\d+\\^[^>]+>; nothing to cancel\\.$`,
      ),
    );
    expect((await record(id)).rev).toBe(rev);
    // bad ids are answered in the ack
    const bad = await h.slash('/deploy', 'cancel abc');
    expect(bad.ackText).toContain('`abc` is not a deploy id');
  });

  test('the Cancel button works like the command; a double click cancels once', async () => {
    const running = await h.deploy('staging main');
    await waitForFile(file(`ran-${running.id}`));
    const queued = await h.deploy('staging fix-1');
    const button = cancelButton(latest(await h.slack.waitForFeed(queued.id, 'queued')).blocks)!;
    expect(button.action_id).toBe('deploy_cancel');

    const clicks = await Promise.all([h.click(button.action_id, button.value, 'U0ANA'), h.click(button.action_id, button.value, 'U0ANA')]);
    for (const c of clicks) expect(c.ack.status).toBe(200);
    const answers = await Promise.all(clicks.map((c) => h.answer(c.id)));
    expect(answers.filter((a) => a.includes(`Cancelled *deploy #${queued.id}*`))).toHaveLength(1);
    expect(
      answers.filter((a) => a.includes(`*Deploy #${queued.id}* (\`fix-1\` to \`web\` *staging*) was already cancelled at`)),
    ).toHaveLength(1);
    // answered privately, to the person who clicked
    for (const c of clicks) expect(h.slack.responses.get(c.id)![0]).toMatchObject({ response_type: 'ephemeral', replace_original: false });
    const msg = await h.slack.waitForFeed(queued.id, 'cancelled');
    expect(h.slack.messages.filter((m) => !m.thread_ts && m.versions[0]!.text.includes(`Deploy #${queued.id} `))).toHaveLength(1);
    // accepted (rev 1), cancelled once (rev 2), never begun
    expect(await record(queued.id)).toMatchObject({ status: 'cancelled', rev: '2', attempt: '0' });
    expect(latest(msg).text).toContain(`cancelled by <@U0ANA>`);

    // the running deploy's button, clicked twice: one stop, one "already being cancelled"
    const runButton = cancelButton(latest(await h.slack.waitForFeed(running.id, 'running')).blocks)!;
    const first = await h.click(runButton.action_id, runButton.value, 'U0ANA');
    expect(await h.answer(first.id)).toContain(`Cancelling *deploy #${running.id}*`);
    const second = await h.click(runButton.action_id, runButton.value, 'U0ANA');
    const again = await h.answer(second.id);
    expect(again.includes('is already being cancelled (asked by <@U0ANA>') || again.includes('was already cancelled')).toBe(true);
    await h.slack.waitForFeed(running.id, 'cancelled');
    expect(cancelledVersions(h.slack.feedMessage(running.id)!).length).toBeGreaterThanOrEqual(1);
    expect((await record(running.id)).cancelRequestedBy).toBe('U0ANA');
  });

  test('a missed pub/sub message is made up for by the lease-renew tick', async () => {
    const { id } = await h.deploy('staging main');
    await waitForFile(file(`ran-${id}`));
    // As if the request were recorded while this worker's subscriber was reconnecting: no message.
    await h.redis.hset(`${h.prefix}:deploy:${id}`, 'cancelRequestedBy', 'U0ANA', 'cancelRequestedAt', Date.now());
    await waitForFile(file(`term-${id}`));
    const msg = await h.slack.waitForFeed(id, 'cancelled');
    expect(latest(msg).text).toContain('cancelled by <@U0ANA> after');
  });
});

describe('cancelling across processes', () => {
  let h: Harness;
  afterEach(async () => {
    await h?.stop();
  });

  test('a worker in another process notices a cancel over pub/sub within moments, long before its next lease tick', async () => {
    // lease_ttl 60s: the renew tick (a sixth of it) would take 10 s; pub/sub must be what stops it.
    h = await Harness.start({ role: 'app', config: config({ lease_ttl: '60s' }) });
    h.spawnWorker();
    const { id } = await h.deploy('staging main');
    await waitForFile(path.join(h.dir, `ran-${id}`), 30_000);
    await eventually(
      'the worker to mark the deploy running',
      async () => (await h.redis.hget(`${h.prefix}:deploy:${id}`, 'status')) === 'running',
    );
    const r = await h.slash('/deploy', `cancel ${id}`);
    expect(await h.answer(r.id)).toContain(`Cancelling *deploy #${id}*`);
    const t0 = Date.now();
    await waitForFile(path.join(h.dir, `term-${id}`), 5_000);
    expect(Date.now() - t0).toBeLessThan(5_000);
    const msg = await h.slack.waitForFeed(id, 'cancelled');
    expect(latest(msg).text).toContain('cancelled by <@U0ANA> after');
  });
});

/** True while a process runs (a zombie, dead but not yet reaped, does not count). */
function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}
