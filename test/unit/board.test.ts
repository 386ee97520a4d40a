import { type BoardApp, type BoardEnv, briefError, MAX_BLOCKS, renderAudit, renderBoard, renderHistory } from '../../src/core/board';
import type { Deploy } from '../../src/core/deploy';

const NOW = Date.UTC(2025, 2, 4, 12, 0, 0);
const MIN = 60_000;
const H = 60 * MIN;
const SHA = 'abcdef0123456789abcdef0123456789abcdef01';

type Block = { type: string; text?: { type: string; text: string }; elements?: { text: string }[] };
const blocksOf = (r: { blocks: Record<string, unknown>[] }) => r.blocks as unknown as Block[];
const sections = (r: { blocks: Record<string, unknown>[] }) =>
  blocksOf(r)
    .filter((b) => b.type === 'section')
    .map((b) => b.text!.text);
const all = (r: { blocks: Record<string, unknown>[] }) =>
  blocksOf(r)
    .map((b) => b.text?.text ?? b.elements?.map((e) => e.text).join(' ') ?? '')
    .join('\n');

function withinLimits(r: { blocks: Record<string, unknown>[] }): void {
  expect(r.blocks.length).toBeLessThanOrEqual(MAX_BLOCKS);
  for (const s of sections(r)) expect(s.length).toBeLessThanOrEqual(3_000);
}

const dev: BoardEnv = {
  env: 'dev',
  running: {
    deployId: 7,
    sha: SHA,
    ref: 'feature/checkout',
    user: 'U0ANA',
    at: NOW - 2 * H,
    commitUrl: `https://github.com/acme/web/commit/${SHA}`,
  },
  lock: { holder: 'U0BEN', reason: 'testing checkout', until: NOW + 3 * H },
  queue: { waiting: 2, held: 1, runningId: 9 },
};
const staging: BoardEnv = { env: 'staging', queue: { waiting: 0 } };

describe('the /deploys board', () => {
  test('one app: a section per env with what runs (linked commit, ref, who, when), the lock and the queue', () => {
    const r = renderBoard({ now: NOW, apps: [{ app: 'web', envs: [dev, staging] }] });
    withinLimits(r);
    const b = blocksOf(r);
    expect(b[0]).toEqual({ type: 'header', text: { type: 'plain_text', text: 'Deploys · web' } });
    expect(b.at(-1)!.type).toBe('context');
    const [d, s] = sections(r);
    expect(d).toContain('*dev*');
    expect(d).toContain(
      `runs <https://github.com/acme/web/commit/${SHA}|abcdef0> \`feature/checkout\` (deploy #7) by <@U0ANA>, 2h ago (<!date^${(NOW - 2 * H) / 1000}^`,
    );
    expect(d).toMatch(/:lock: locked by <@U0BEN> \(testing checkout\) until <!date\^\d+\^\{time\}\|2025-03-04 15:00 UTC> \(in 3h\)/);
    expect(d).toContain('queue: #9 running, 2 waiting (1 held by a freeze or window)');
    expect(s).toContain('*staging*');
    expect(s).toContain('nothing deployed by Ferry yet');
    expect(s).toContain('lock: free');
    expect(s).toContain('queue: empty');
    expect(r.text).toBe('Deploys of web: dev runs abcdef0, staging has nothing deployed yet');
  });

  test('without a commit URL the SHA is shown as code; a reservation names who it is held for', () => {
    const env: BoardEnv = {
      ...dev,
      running: { ...dev.running!, commitUrl: undefined as never },
      lock: { holder: 'U0CAT', reason: 'their turn', until: NOW + 10 * MIN, reserved: true },
    };
    delete (env.running as { commitUrl?: string }).commitUrl;
    const d = sections(renderBoard({ now: NOW, apps: [{ app: 'web', envs: [env] }] }))[0]!;
    expect(d).toContain('runs `abcdef0` `feature/checkout`');
    expect(d).toContain(':hourglass: held for <@U0CAT>, next on the wait-list, until <!date^');
  });

  test("a deploy a worker took but that waits for its exclusive group's lease is shown as next, not running", () => {
    const env: BoardEnv = { ...dev, queue: { waiting: 1, startingId: 9 } };
    const d = sections(renderBoard({ now: NOW, apps: [{ app: 'web', envs: [env] }] }))[0]!;
    expect(d).toContain('queue: #9 next, waiting for another app of its exclusive group, 1 waiting');
    expect(d).not.toContain('#9 running');
  });

  test('no freeze or window lines unless they are given', () => {
    const text = all(renderBoard({ now: NOW, apps: [{ app: 'web', envs: [dev, staging] }] }));
    expect(text).not.toContain(':snowflake:');
    expect(text).not.toContain(':clock3:');
    expect(text).not.toMatch(/frozen by|window Mon/);
  });

  test('freeze and deploy window lines, when the providers give them', () => {
    const envs: BoardEnv[] = [
      {
        ...staging,
        freeze: { by: 'U0CAT', reason: 'QA on the release candidate', until: NOW + 5 * H, source: 'manual' },
        window: { open: true, text: 'Mon-Thu 09:30-17:00', changesAt: NOW + 5 * H },
      },
      {
        env: 'production',
        queue: { waiting: 0 },
        freeze: { by: 'U0CAT', reason: '', source: 'manual' },
        window: { open: false, text: 'Mon-Thu 09:30-17:00', changesAt: NOW + 2 * 24 * H },
      },
      {
        env: 'qa',
        queue: { waiting: 0 },
        freeze: { by: 'xmas', reason: 'holidays', until: NOW + 24 * H, source: 'schedule' },
        window: { open: false, text: 'Mon-Fri 10:00-16:00' },
      },
    ];
    const [s, p, q] = sections(renderBoard({ now: NOW, apps: [{ app: 'web', envs }] }));
    expect(s).toContain(':snowflake: frozen by <@U0CAT> (QA on the release candidate) until <!date^');
    expect(s).toMatch(/:clock3: window Mon-Thu 09:30-17:00: open until <!date\^\d+\^\{time\}\|2025-03-04 17:00 UTC>/);
    expect(p).toContain(':snowflake: frozen by <@U0CAT>, until someone lifts it');
    expect(p).toMatch(/window Mon-Thu 09:30-17:00: closed, opens <!date\^\d+\^\{date_short_pretty\} \{time\}\|2025-03-06 12:00 UTC>/);
    expect(q).toContain('frozen by the schedule *xmas* (holidays) until');
    expect(q).toContain('window Mon-Fri 10:00-16:00: closed');
  });

  test('refs, reasons and window text from people are escaped', () => {
    const env: BoardEnv = {
      env: 'dev',
      running: { deployId: 1, sha: SHA, ref: 'feat/<script>&x', user: 'U0ANA', at: NOW - MIN },
      lock: { holder: 'U0BEN', reason: '<!channel> & <https://evil.example|click>', until: NOW + H },
      queue: { waiting: 0 },
      freeze: { by: 'U0CAT', reason: '<!here> stop', source: 'manual' },
      window: { open: true, text: '<b>9-5</b>' },
    };
    for (const r of [
      renderBoard({ now: NOW, apps: [{ app: 'web', envs: [env] }] }),
      renderBoard({
        now: NOW,
        apps: [
          { app: 'web', envs: [env] },
          { app: 'api', envs: [env] },
        ],
      }),
    ]) {
      const text = all(r);
      expect(text).toContain('feat/&lt;script&gt;&amp;x');
      expect(text).toContain('&lt;!channel&gt; &amp; &lt;https://evil.example|click&gt;');
      expect(text).toContain('&lt;!here&gt; stop');
      expect(text).toContain('&lt;b&gt;9-5&lt;/b&gt;');
      expect(text).not.toMatch(/<!channel>|<!here>|<https:\/\/evil/);
    }
  });

  test('several apps: one compact section per app, one line per env', () => {
    const apps: BoardApp[] = [
      { app: 'web', envs: [dev, staging] },
      { app: 'api', envs: [{ env: 'dev', queue: { waiting: 0 } }] },
      { app: 'admin', envs: [{ env: 'production', queue: { waiting: 1 }, freeze: { by: 'U0CAT', reason: 'incident', source: 'manual' } }] },
    ];
    const r = renderBoard({ now: NOW, apps });
    withinLimits(r);
    expect(blocksOf(r).map((b) => b.type)).toEqual(['header', 'section', 'section', 'section', 'context']);
    const [web, api, admin] = sections(r);
    expect(web!.split('\n')).toHaveLength(3);
    expect(web).toMatch(
      /^\*web\*\n• \*dev\*: <https:\/\/github\.com\/acme\/web\/commit\/abcdef0[0-9a-f]+\|abcdef0> `feature\/checkout` by <@U0ANA> 2h ago · :lock: locked by <@U0BEN> \(testing checkout\) until <!date[^·]+ · #9 running, 2 waiting/,
    );
    expect(web).toContain('• *staging*: nothing deployed yet · free · queue empty');
    expect(api).toBe('*api*\n• *dev*: nothing deployed yet · free · queue empty');
    expect(admin).toContain('1 waiting · :snowflake: frozen by <@U0CAT> (incident), until someone lifts it');
    expect(r.text).toBe('Deploys of web, api, admin');
  });

  const busyEnv = (i: number): BoardEnv => ({
    ...dev,
    env: `env-${i}`,
    lock: { ...dev.lock!, reason: 'x'.repeat(150) },
    freeze: { by: 'U0CAT', reason: 'y'.repeat(150), source: 'manual', until: NOW + H },
    window: { open: true, text: 'Mon-Thu 09:30-17:00', changesAt: NOW + H },
  });

  test('many envs stay within Slack limits: sections are shared once there are more envs than blocks', () => {
    const envs = Array.from({ length: 120 }, (_, i) => busyEnv(i));
    const r = renderBoard({ now: NOW, apps: [{ app: 'web', envs }] });
    withinLimits(r);
    const text = sections(r).join('\n');
    for (let i = 0; i < 120; i++) expect(text).toContain(`*env-${i}*`);
    expect(text).not.toContain('more environments');
  });

  test('more than fits in one message: the rest is left off and counted', () => {
    const envs = Array.from({ length: 400 }, (_, i) => busyEnv(i));
    const r = renderBoard({ now: NOW, apps: [{ app: 'web', envs }] });
    withinLimits(r);
    const text = sections(r).join('\n');
    const shown = envs.filter((e) => text.includes(`*${e.env}*`)).length;
    expect(shown).toBeGreaterThan(100);
    expect(shown).toBeLessThan(400);
    expect(text).toContain(`_…and ${400 - shown} more environments that don't fit in one Slack message._`);
  });

  test('many apps with many envs stay within Slack limits', () => {
    const apps = Array.from({ length: 60 }, (_, a) => ({ app: `app-${a}`, envs: Array.from({ length: 12 }, (_, i) => busyEnv(i)) }));
    const r = renderBoard({ now: NOW, apps });
    withinLimits(r);
    expect(all(r)).toMatch(/_…and \d+ more parts of the board that don't fit in one Slack message\._/);
  });
});

const deploy = (over: Partial<Deploy>): Deploy => ({
  id: 1,
  app: 'web',
  env: 'dev',
  ref: 'main',
  sha: SHA,
  user: 'U0ANA',
  status: 'succeeded',
  createdAt: NOW - H,
  startedAt: NOW - H + 2_000,
  finishedAt: NOW - H + 65_000,
  rev: 3,
  attempt: 1,
  ...over,
});

describe("an env's history", () => {
  test('newest first, with outcome, ref@sha, who, when and how long it took', () => {
    const r = renderHistory({
      app: 'web',
      env: 'dev',
      now: NOW,
      deploys: [
        deploy({ id: 6, status: 'queued', startedAt: undefined as never, finishedAt: undefined as never, createdAt: NOW - MIN }),
        deploy({ id: 5, status: 'running', finishedAt: undefined as never, startedAt: NOW - 90_000 }),
        deploy({ id: 4, status: 'cancelled', user: 'U0BEN', startedAt: undefined as never, error: 'cancelled by <@U0BEN>' }),
        deploy({
          id: 3,
          status: 'failed',
          exitCode: 1,
          error: 'the command exited with 1: &lt;b&gt;boom&lt;/b&gt; &amp; more',
          user: 'U0BEN',
          ref: 'fix/<x>',
        }),
        deploy({ id: 2, status: 'succeeded', rollbackOf: '1' }),
        deploy({ id: 1, status: 'succeeded' }),
      ].map((d) => Object.fromEntries(Object.entries(d).filter(([, v]) => v !== undefined)) as unknown as Deploy),
      commitUrl: (sha) => `https://github.com/acme/web/commit/${sha}`,
    });
    withinLimits(r);
    const [title, body] = sections(r);
    expect(title).toBe('*Last 6 deploys to `web` dev*, newest first');
    const lines = body!.split('\n');
    expect(lines.map((l) => /^\*#(\d+)\*/.exec(l)![1])).toEqual(['6', '5', '4', '3', '2', '1']);
    expect(lines[0]).toContain(':hourglass_flowing_sand: queued');
    expect(lines[1]).toContain(':rocket: running for 1m 30s');
    expect(lines[2]).toContain(':no_entry_sign: cancelled by <@U0BEN> before it started');
    expect(lines[3]).toContain(':x: failed after 1m 3s (exit 1): the command exited with 1: &lt;b&gt;boom&lt;/b&gt; &amp; more');
    expect(lines[3]).toContain('`fix/&lt;x&gt;`@<https://github.com/acme/web/commit/');
    expect(lines[3]).toContain('<@U0BEN>');
    expect(lines[4]).toContain(":white_check_mark: succeeded in 1m 3s · :rewind: rollback to #1's commit");
    expect(lines[5]).toMatch(
      /^\*#1\* :white_check_mark: succeeded in 1m 3s · `main`@<https:\/\/github\.com\/acme\/web\/commit\/abcdef0[0-9a-f]+\|abcdef0> · <@U0ANA> · 1h ago \(<!date\^\d+\^/,
    );
  });

  test('a cancelled running deploy names who cancelled it and after how long', () => {
    const r = renderHistory({
      app: 'web',
      env: 'dev',
      now: NOW,
      deploys: [deploy({ status: 'cancelled', cancelRequestedBy: 'U0CAT', error: 'cancelled by <@U0CAT> after 1m 3s' })],
    });
    expect(sections(r)[1]).toContain('cancelled by <@U0CAT> after 1m 3s');
    expect(sections(r)[0]).toBe('*Last deploy to `web` dev*, newest first');
  });

  test('no deploys yet says how to make one', () => {
    const r = renderHistory({ app: 'web', env: 'dev', now: NOW, deploys: [] });
    expect(sections(r)).toEqual(['No deploys to `web` *dev* yet. `/deploy web dev &lt;ref&gt;` queues one.']);
  });

  test('a long failure reason is cut short, keeping its mentions', () => {
    expect(briefError(`staging was locked by <@U0ANA> before it could start ${'z'.repeat(300)}`, 60)).toBe(
      `staging was locked by <@U0ANA> before it could start ${'z'.repeat(8)}…`,
    );
    expect(briefError('timed out after 1s\nand more')).toBe('timed out after 1s and more');
  });
});

describe('audit log answers', () => {
  test('when, who, action, target and detail, escaped; Ferry for what Ferry did by itself', () => {
    const r = renderAudit({
      of: '`web` dev',
      now: NOW,
      entries: [
        { at: NOW - MIN, user: 'U0ANA', action: 'unlock', app: 'web', env: 'dev', detail: 'released' },
        { at: NOW - 2 * MIN, user: 'ferry', action: 'unfreeze', app: 'web', env: 'dev', detail: 'the freeze ended' },
        { at: NOW - H, user: 'U0ANA', action: 'deploy', app: 'web', env: 'dev', deployId: 3, detail: 'feat/<b> & co at abcdef0' },
      ],
    });
    const [title, body] = sections(r);
    expect(title).toBe('*Audit log: `web` dev*, last 3, newest first');
    const lines = body!.split('\n');
    expect(lines[0]).toMatch(/^1m ago \(<!date\^\d+\^[^>]+>\) · <@U0ANA> · :unlock: \*unlock\* · `web` dev · released$/);
    expect(lines[1]).toContain(' · Ferry · :sunny: *unfreeze* · `web` dev · the freeze ended');
    expect(lines[2]).toContain('<@U0ANA> · :rocket: *deploy* · `web` dev #3 · feat/&lt;b&gt; &amp; co at abcdef0');
  });

  test('nothing yet', () => {
    expect(sections(renderAudit({ of: '<@U0ANA>', now: NOW, entries: [] }))).toEqual(['The audit log has nothing for <@U0ANA> yet.']);
  });
});
