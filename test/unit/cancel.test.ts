import { existsSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Redis } from 'ioredis';
import pino from 'pino';
import { readEnv } from '../../src/config/env';
import { parseConfig } from '../../src/config/load';
import {
  alreadyCancellingText,
  alreadyFinishedText,
  CANCEL_ACTION,
  cancelledQueuedText,
  cancelledWhileRunningReason,
  cancelRefusedText,
  lockStaysText,
  mayCancel,
  stoppingText,
  cancelConfirmText,
} from '../../src/core/cancel';
import type { Deploy } from '../../src/core/deploy';
import { renderDeployMessage } from '../../src/core/feed-message';
import { makeRedactor } from '../../src/core/redact';
import { CANCEL_USAGE, type DeployParse, deployHelp, parseDeploy } from '../../src/core/parse/deploy';
import { CancelStore } from '../../src/store/cancel';
import { DeployStore } from '../../src/store/deploys';
import type { Keys } from '../../src/store/keys';
import { LeaseStore } from '../../src/store/lease';
import type { LockInfo } from '../../src/store/locks';
import { CommandSupervisor } from '../../src/worker/supervisor';
import { LogStore } from '../../src/store/logs';
import { CancelWatch } from '../../src/worker/cancel-watch';
import { runDeploy } from '../../src/worker/run-deploy';
import { Workspaces } from '../../src/worker/workspace';
import { makeRepo } from '../helpers/git-repo';
import { writeScript } from '../helpers/harness';
import { deletePrefix, newRedis, oneApp, twoApps, uniqueKeys } from './fixtures';

const SHA = '0123456789abcdef0123456789abcdef01234567';
const T0 = Date.UTC(2025, 2, 4, 13, 5, 0);

function deploy(over: Partial<Deploy> = {}): Deploy {
  return {
    id: 42,
    app: 'web',
    env: 'dev',
    ref: 'feature/checkout',
    sha: SHA,
    user: 'U0ANA',
    status: 'queued',
    createdAt: T0,
    rev: 1,
    attempt: 0,
    ...over,
  };
}

function errorOf(p: DeployParse): string {
  if (p.kind !== 'error') throw new Error(`expected an error, got ${JSON.stringify(p)}`);
  return p.message;
}

describe('/deploy cancel <id>', () => {
  test.each(['cancel 42', 'cancel #42', 'CANCEL 42', '  cancel   42 '])('`%s` cancels deploy 42', (text) => {
    expect(parseDeploy(text, oneApp())).toEqual({ kind: 'cancel', id: 42 });
    expect(parseDeploy(text, twoApps())).toEqual({ kind: 'cancel', id: 42 });
  });

  test('without an id it asks which deploy, with an example and where ids are', () => {
    const msg = errorOf(parseDeploy('cancel', oneApp()));
    expect(msg).toContain(`Which deploy should I cancel? Usage: ${CANCEL_USAGE}`);
    expect(msg).toContain('`/deploy cancel 42`');
    expect(msg).toContain('Cancel button');
  });

  test.each(['abc', '0', '#', '4.2', '-3', '#x1', '1234567890123456', 'dev'])('`cancel %s` says it is not a deploy id', (id) => {
    expect(errorOf(parseDeploy(`cancel ${id}`, oneApp()))).toContain(
      "is not a deploy id; use the number from the deploy's feed message (Deploy #42), e.g. `/deploy cancel 42`.",
    );
  });

  test('extra words are refused', () => {
    expect(errorOf(parseDeploy('cancel 42 now', oneApp()))).toBe(
      `I don't know what to do with \`now\`: ${CANCEL_USAGE} takes one deploy id, e.g. \`/deploy cancel 42\`.`,
    );
  });

  test('help mentions it', () => {
    expect(deployHelp(oneApp())).toContain(`*Cancel:* ${CANCEL_USAGE}`);
  });

  test('an env that merely starts with cancel still deploys', () => {
    const config = parseConfig(
      'feed_channel: C0FEED\napps:\n  web:\n    path: .\n    environments:\n      cancels:\n        deploy: [x.sh]\n',
      '/srv/ferry/ferry.yml',
    );
    expect(parseDeploy('cancels 42', config)).toEqual({ kind: 'ok', value: { app: 'web', env: 'cancels', ref: '42' } });
  });
});

describe('mayCancel', () => {
  test('the requester may', () => {
    expect(mayCancel('U0ANA', deploy(), false)).toBe(true);
  });

  test('anyone else may not, while there are no admins', () => {
    expect(mayCancel('U0BEN', deploy(), false)).toBe(false);
  });

  test('an admin may cancel anyone’s deploy', () => {
    expect(mayCancel('U0BOSS', deploy(), true)).toBe(true);
    expect(mayCancel('U0BEN', deploy(), false)).toBe(false);
  });

  test('an automatic deploy (no Slack user asked for it) may be cancelled by whoever may deploy to its env; a person’s may not', () => {
    expect(mayCancel('U0BEN', deploy({ user: 'github' }), false, true)).toBe(true);
    expect(mayCancel('U0BEN', deploy({ user: 'github' }), false, false)).toBe(false);
    expect(mayCancel('U0BEN', deploy(), false, true)).toBe(false);
    expect(cancelRefusedText(deploy({ user: 'github' }), ['U0BOSS'])).toMatch(
      /it is an automatic deploy, which whoever may deploy to \w+, or <@U0BOSS> can cancel\. Nothing was changed\.$/,
    );
  });
});

describe('cancel answers', () => {
  test('a refusal names who can: the requester, and admins when there are any', () => {
    expect(cancelRefusedText(deploy(), [])).toBe(
      "You can't cancel *deploy #42* (`feature/checkout` to `web` *dev*): only <@U0ANA>, who asked for it, can. Nothing was changed.",
    );
    expect(cancelRefusedText(deploy(), ['U0BOSS'])).toContain('only <@U0ANA>, who asked for it, or <@U0BOSS> can');
  });

  test('a finished deploy: how and when it ended, nothing to cancel', () => {
    const done = deploy({ status: 'succeeded', startedAt: T0, finishedAt: T0 + 60_000 });
    expect(alreadyFinishedText(done)).toBe(
      `*Deploy #42* (\`feature/checkout\` to \`web\` *dev*) already succeeded at <!date^${(T0 + 60_000) / 1000}^{date_short_pretty} {time}|2025-03-04 13:06 UTC>; nothing to cancel.`,
    );
    expect(alreadyFinishedText(deploy({ status: 'failed', finishedAt: T0 }))).toContain('already failed at');
    const cancelled = deploy({ status: 'cancelled', finishedAt: T0, error: 'cancelled by <@U0ANA>' });
    expect(alreadyFinishedText(cancelled)).toContain('was already cancelled at');
    expect(alreadyFinishedText(cancelled)).toContain('(cancelled by <@U0ANA>); nothing to cancel.');
  });

  test('a ref is escaped in answers', () => {
    expect(cancelledQueuedText(deploy({ ref: 'a<b>&c' }))).toContain('`a&lt;b&gt;&amp;c`');
  });

  test('a running deploy: stopping, with the kill grace, and a second ask says it is under way', () => {
    const running = deploy({ status: 'running', startedAt: T0 });
    expect(stoppingText(running, T0 + 12_000, 5_000)).toContain(
      '(running for 12s): its worker is stopping the command now (SIGTERM, then SIGKILL if it is still running 5s later)',
    );
    expect(alreadyCancellingText({ ...running, cancelRequestedBy: 'U0ANA', cancelRequestedAt: T0 + 12_000 })).toContain(
      'is already being cancelled (asked by <@U0ANA> at',
    );
  });

  test('a running deploy through CI: the answer and the confirm dialog say the CI is asked to cancel its run, not that a command is killed', () => {
    const running = deploy({ status: 'running', startedAt: T0, ci: { state: 'dispatched', at: T0, run: { id: '4521' }, logged: [] } });
    const answer = stoppingText(running, T0 + 12_000, 5_000);
    expect(answer).toContain('(running for 12s): its worker is asking the CI to cancel its run now.');
    expect(answer).not.toContain('SIGTERM');
    expect(cancelConfirmText(running)).toBe(
      "Deploy #42 is running in CI: the CI will be asked to cancel its run now. Whatever it has already done stays done. The env's lock stays as it is.",
    );
    expect(cancelConfirmText(running).length).toBeLessThanOrEqual(300);
  });

  test('the lock note: only while the requester holds the env, "you" when they asked', () => {
    const lock: LockInfo = { holder: 'U0ANA', reason: 'deploying main', since: T0, until: T0 + 3_600_000, token: 1, reserved: false };
    expect(lockStaysText(deploy(), lock, 'U0ANA')).toMatch(
      /^dev stays locked to you until <!date\^\d+\^[^>]+>; `\/unlock web dev` to release it\.$/,
    );
    expect(lockStaysText(deploy(), lock, 'U0BOSS')).toContain('dev stays locked to <@U0ANA> until');
    expect(lockStaysText(deploy(), { ...lock, holder: 'U0BEN' }, 'U0ANA')).toBeUndefined();
    expect(lockStaysText(deploy(), { ...lock, reserved: true }, 'U0ANA')).toBeUndefined();
    expect(lockStaysText(deploy(), undefined, 'U0ANA')).toBeUndefined();
    expect(cancelledQueuedText(deploy(), 'NOTE')).toBe(
      ":no_entry_sign: Cancelled *deploy #42* (`feature/checkout` to `web` *dev*) before it started; it won't run.\nNOTE",
    );
  });

  test('the reason recorded for a stopped deploy', () => {
    expect(cancelledWhileRunningReason('U0ANA', 12_000)).toBe('cancelled by <@U0ANA> after 12s');
  });
});

describe('the feed message’s Cancel button', () => {
  const button = (d: Deploy) => {
    const actions = renderDeployMessage(d, { now: T0 }).blocks.find((b) => b.type === 'actions') as
      | { elements: Record<string, unknown>[] }
      | undefined;
    return actions?.elements[0];
  };

  test('a queued deploy has one: danger style, the deploy id as value, a confirm dialog', () => {
    expect(button(deploy())).toEqual({
      type: 'button',
      action_id: CANCEL_ACTION,
      text: { type: 'plain_text', text: 'Cancel' },
      style: 'danger',
      value: '42',
      confirm: {
        title: { type: 'plain_text', text: 'Cancel deploy #42?' },
        text: { type: 'plain_text', text: "Deploy #42 hasn't started: it leaves the queue and never runs. The env's lock stays as it is." },
        confirm: { type: 'plain_text', text: 'Cancel deploy' },
        deny: { type: 'plain_text', text: 'Keep it' },
        style: 'danger',
      },
    });
  });

  test('a running deploy has one, whose dialog says the command will be stopped', () => {
    const b = button(deploy({ status: 'running', startedAt: T0 })) as { confirm: { text: { text: string } } };
    expect(b.confirm.text.text).toContain('its command will be stopped now (SIGTERM, then SIGKILL)');
    expect(b.confirm.text.text.length).toBeLessThanOrEqual(300);
  });

  test('once a cancel is asked for, the button goes and the message says it is stopping', () => {
    const d = deploy({ status: 'running', startedAt: T0, cancelRequestedBy: 'U0BEN', cancelRequestedAt: T0 + 5_000 });
    expect(button(d)).toBeUndefined();
    const m = renderDeployMessage(d, { now: T0 + 6_000 });
    expect(JSON.stringify(m.blocks)).toContain('*stopping*: cancelled by <@U0BEN>');
    expect(m.text).toContain('stopping (cancelled)');
    expect(m.text).not.toContain(': cancelled');
  });

  test.each(['succeeded', 'failed', 'cancelled'] as const)('a %s deploy has none', (status) => {
    expect(button(deploy({ status, startedAt: T0, finishedAt: T0 + 1_000 }))).toBeUndefined();
  });

  test('a cancelled deploy reads "cancelled by <@U> after 12s", not "cancelled: cancelled by"', () => {
    const m = renderDeployMessage(
      deploy({ status: 'cancelled', startedAt: T0, finishedAt: T0 + 12_000, error: 'cancelled by <@U0ANA> after 12s' }),
      { now: T0 },
    );
    expect(m.text).toBe(':no_entry_sign: Deploy #42 · web to dev: cancelled by <@U0ANA> after 12s');
    expect(renderDeployMessage(deploy({ status: 'cancelled', error: 'the env was removed' }), { now: T0 }).text).toContain(
      ': cancelled: the env was removed',
    );
  });

  test('same deploy, same message', () => {
    const d = deploy({ status: 'running', startedAt: T0 });
    expect(renderDeployMessage(d, { now: T0 + 1 })).toEqual(renderDeployMessage({ ...d }, { now: T0 + 1 }));
  });
});

describe('CancelStore (real Redis)', () => {
  let redis: Redis;
  let k: Keys;
  let deploys: DeployStore;
  let cancels: CancelStore;
  let idem = 0;
  const NOW = Date.now();
  const accept = async (user = 'U0ANA') => {
    const r = await deploys.accept(
      { app: 'web', env: 'dev', ref: 'main', sha: SHA, user, feedChannel: 'C0FEED', idempotencyKey: `c-${++idem}` },
      NOW,
    );
    if (r.kind !== 'accepted') throw new Error(r.kind);
    return r.id;
  };
  const begin = (id: number) => deploys.begin(id, 'web', 'dev', { holder: 'w1', leaseTtlMs: 30_000, worker: 'w1', now: NOW + 10 });

  beforeAll(() => {
    redis = newRedis();
  });
  beforeEach(() => {
    k = uniqueKeys('cancel');
    deploys = new DeployStore(redis, k);
    cancels = new CancelStore(redis, k);
  });
  afterEach(async () => {
    await deletePrefix(redis, k);
  });
  afterAll(async () => {
    await redis.quit();
  });

  test('a queued deploy is cancelled once: status, finishedAt, reason, rev; a second call changes nothing', async () => {
    const id = await accept();
    const r = await cancels.cancel(id, 'U0ANA', NOW + 5, 'cancelled by <@U0ANA>');
    expect(r).toMatchObject({
      kind: 'cancelled',
      deploy: { status: 'cancelled', finishedAt: NOW + 5, error: 'cancelled by <@U0ANA>', rev: 2 },
    });
    const again = await cancels.cancel(id, 'U0ANA', NOW + 9, 'cancelled by <@U0ANA>');
    expect(again).toMatchObject({ kind: 'finished', deploy: { status: 'cancelled', finishedAt: NOW + 5, rev: 2 } });
  });

  test('the begin script refuses a cancelled deploy: it stays cancelled and takes no lease', async () => {
    const id = await accept();
    await cancels.cancel(id, 'U0ANA', NOW + 5, 'cancelled by <@U0ANA>');
    expect(await begin(id)).toEqual({ kind: 'finished' });
    expect(await redis.get(k.lease('web', 'dev'))).toBeNull();
    expect(await deploys.get(id)).toMatchObject({ status: 'cancelled', attempt: 0, rev: 2 });
  });

  test('a running deploy is marked once (who, when), and its status is left to its worker', async () => {
    const id = await accept();
    expect(await begin(id)).toMatchObject({ kind: 'started' });
    const r = await cancels.cancel(id, 'U0ANA', NOW + 20, 'x');
    expect(r).toMatchObject({
      kind: 'requested',
      deploy: { status: 'running', cancelRequestedBy: 'U0ANA', cancelRequestedAt: NOW + 20, rev: 3 },
    });
    expect(await cancels.requested(id)).toEqual({ by: 'U0ANA', at: NOW + 20 });
    const again = await cancels.cancel(id, 'U0BOSS', NOW + 30, 'x');
    expect(again).toMatchObject({ kind: 'already-requested', deploy: { cancelRequestedBy: 'U0ANA', cancelRequestedAt: NOW + 20, rev: 3 } });
  });

  test('a finished deploy is left alone; an unknown one is missing', async () => {
    const id = await accept();
    const started = await begin(id);
    if (started.kind !== 'started') throw new Error(started.kind);
    await deploys.finish({ id, app: 'web', env: 'dev' }, started.lease, { status: 'succeeded', exitCode: 0 }, NOW + 50);
    expect(await cancels.cancel(id, 'U0ANA', NOW + 60, 'x')).toMatchObject({ kind: 'finished', deploy: { status: 'succeeded', rev: 3 } });
    expect(await cancels.requested(id)).toBeUndefined();
    expect(await cancels.cancel(999, 'U0ANA', NOW, 'x')).toEqual({ kind: 'missing' });
  });

  test('notify publishes the deploy id on <prefix>:cancel', async () => {
    const sub = newRedis();
    try {
      const got = new Promise<string[]>((resolve) => sub.on('message', (ch: string, msg: string) => resolve([ch, msg])));
      await sub.subscribe(k.cancelChannel);
      await cancels.notify(7);
      expect(await got).toEqual([`${k.prefix}:cancel`, '7']);
    } finally {
      await sub.quit();
    }
  });
});

describe('a cancelled deploy whose worker was lost', () => {
  test('is recorded as cancelled, not run again, even with on_worker_lost: retry', async () => {
    const redis = newRedis();
    const sub = newRedis();
    const k = uniqueKeys('cancel-lost');
    try {
      const dir = mkdtempSync(path.join(os.tmpdir(), 'ferry-cancel-lost-'));
      const repo = makeRepo(path.join(dir, 'repo'));
      const marker = path.join(dir, 'ran');
      const script = writeScript(dir, 'deploy.sh', `touch ${marker}`);
      const config = parseConfig(
        `feed_channel: C0FEED\nredis_prefix: ${k.prefix}\nlease_ttl: 3s\nworkspace_dir: ${dir}/work\napps:\n  web:\n    path: ${repo.path}\n    environments:\n      dev: { deploy: [${script}], on_worker_lost: retry }\n`,
        path.join(dir, 'ferry.yml'),
      );
      const deploys = new DeployStore(redis, k);
      const cancels = new CancelStore(redis, k);
      const accepted = await deploys.accept(
        { app: 'web', env: 'dev', ref: 'main', sha: repo.sha('main'), user: 'U0ANA', feedChannel: 'C0FEED', idempotencyKey: 'l1' },
        Date.now(),
      );
      if (accepted.kind !== 'accepted') throw new Error(accepted.kind);
      const id = accepted.id;
      // A worker began it, was cancelled while running, and died before it could stop it: its lease expired.
      expect(await deploys.begin(id, 'web', 'dev', { holder: 'dead', leaseTtlMs: 30_000, worker: 'dead', now: Date.now() })).toMatchObject({
        kind: 'started',
      });
      expect(await cancels.cancel(id, 'U0ANA', Date.now(), 'x')).toMatchObject({ kind: 'requested' });
      await redis.del(k.lease('web', 'dev'));

      const log = pino({ level: 'silent' });
      // Its own subscriber, as every worker process has (quit below ends it).
      const watch = new CancelWatch(sub, cancels, k.cancelChannel, log);
      await runDeploy(
        { deployId: id, app: 'web', env: 'dev' },
        {
          config,
          env: readEnv({ PATH: process.env.PATH!, HOME: dir }),
          deploys,
          leases: new LeaseStore(redis, k),
          logs: new LogStore(redis, k, 100),
          events: { emit: () => {} },
          workspaces: new Workspaces(config.workspaceDir, () => ({ PATH: process.env.PATH!, HOME: dir })),
          supervisor: new CommandSupervisor(log, { PATH: process.env.PATH! }),
          redact: makeRedactor([]),
          log,
          workerName: 'w2',
          shutdown: new AbortController().signal,
          graceMs: 750,
          cancels: watch,
        },
      );
      expect(await deploys.get(id)).toMatchObject({
        status: 'cancelled',
        error: 'cancelled by <@U0ANA>; the worker running it had stopped mid-deploy',
        attempt: 1,
      });
      expect(existsSync(marker)).toBe(false);
      expect(await redis.get(k.lease('web', 'dev'))).toBeNull();
    } finally {
      await deletePrefix(redis, k);
      await Promise.all([redis.quit(), sub.quit()]);
    }
  });
});
