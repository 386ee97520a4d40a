/**
 * `npm run stress` (scripts/stress.sh): kills Ferry workers mid-deploy, many times, and checks that
 * no deploy command ever outlives its supervision.
 *
 * Each kill: a deploy whose command ignores SIGTERM and has children (and a grandchild) that ignore
 * it too (test/helpers/command-runs.ts stubbornScript, 4.0-4.9 s long) runs on a real worker process
 * (`node dist/src/bin/ferry.js worker`, leading a process group of its own as under systemd), a
 * second deploy of the same env is queued behind it, and at a random point 0.3-2 s into the command
 * the worker is killed with SIGKILL: its pid, or its whole process group (KillMode=control-group,
 * an OOM group kill), alternately, on an env with on_worker_lost: fail and on one with retry. A new
 * worker is started at once. The Slack app runs in this process (Harness role 'app', Slack played
 * by test/helpers/fake-slack.ts); several lanes (a Ferry of their own each: config, Redis key
 * prefix, workers) run side by side to keep a run short.
 *
 * Then, for every kill:
 * - orphaned command processes: the killed deploy's processes still alive `kill grace + 1 s` after
 *   the kill (the command must be stopped within the kill grace; 1 s is for noticing the death);
 * - leftovers: any other process of the killed worker's tree (taken just before the kill: a guard,
 *   a supervisor) still alive 10 s after the kill (a supervisor may outlive its command a little:
 *   it waits for the command's group to be reaped, and a pid 1 may reap late; 10 s catches one
 *   that never goes);
 * - overlapping deploys: two commands of one env that provably ran at once (the later one started
 *   before the last moment the earlier was seen running: its recorded end, or the last /proc sample
 *   that found one of its processes alive), each counted on the kill whose deploy ran first;
 * - deploys without exactly one final state: the killed deploy and the one queued behind it, whose
 *   feed messages must each reach succeeded, failed or cancelled and never change after (checked
 *   again at the end of the run);
 * - retries started while an earlier attempt ran: overlaps between attempts of one deploy.
 * All targets are 0; the exit code is 1 when one is missed (2 when the run itself broke).
 *
 * Knobs (environment): STRESS_KILLS (50), STRESS_LANES (3), STRESS_KINDS (pid,group; also
 * `supervisor`: SIGKILL to the command's parent, the worker living on), STRESS_ORPHAN_SLACK_MS (1000).
 * scripts/stress.sh builds, starts a private Redis and runs this with REDIS_URL set.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  type CommandRun,
  CommandWatch,
  descendants,
  describeProcs,
  finalState,
  isFinal,
  overlaps,
  procStat,
  stubbornScript,
} from '../test/helpers/command-runs';
import { Harness, ROOT, writeScript } from '../test/helpers/harness';

type Kind = 'pid' | 'group' | 'supervisor';

const int = (name: string, dflt: number, min = 1): number => {
  const v = process.env[name];
  const n = v ? Number(v) : dflt;
  if (!Number.isInteger(n) || n < min) throw new Error(`${name}=${v} must be a whole number >= ${min}`);
  return n;
};
const KILLS = int('STRESS_KILLS', 50);
const LANES = Math.min(int('STRESS_LANES', 3), KILLS);
const SLACK_MS = int('STRESS_ORPHAN_SLACK_MS', 1_000, 0);
const KINDS = (process.env.STRESS_KINDS ?? 'pid,group').split(',').map((k) => k.trim()) as Kind[];
for (const k of KINDS)
  if (!['pid', 'group', 'supervisor'].includes(k)) throw new Error(`STRESS_KINDS: unknown kind ${k} (pid, group, supervisor)`);
/** The harness's lease_ttl (3s); Ferry's kill grace is min(10s, lease_ttl / 4). */
const LEASE_TTL_MS = 3_000;
const KILL_GRACE_MS = Math.min(10_000, LEASE_TTL_MS / 4);
const ORPHAN_AFTER_MS = KILL_GRACE_MS + SLACK_MS;
const LEFTOVER_AFTER_MS = 10_000;
/** A whole run gives up (exit 2) after this long. */
const RUN_LIMIT_MS = 20 * 60_000;

interface Plan {
  n: number;
  kind: Kind;
  retry: boolean;
}

interface KillResult extends Plan {
  lane: number;
  env: string;
  doomed: number;
  queued: number;
  run: CommandRun;
  killedAt: number;
  /** ms into the command when it was killed. */
  killedIn: number;
  /** Processes alive after the kill: the command's (ORPHAN_AFTER_MS after), and the rest of the killed tree's (LEFTOVER_AFTER_MS after). */
  orphans: number;
  leftovers: number;
  /** How long after the kill the command's last process was seen gone (undefined: not within 30 s). */
  goneAfterMs?: number;
  overlaps: string[];
  retryOverlaps: string[];
  /** Deploys of this kill (the killed one, the one queued behind) without exactly one final state. */
  finals: string[];
  /** The above in words. */
  problems: string[];
}

interface Lane {
  index: number;
  h: Harness;
  watch: CommandWatch;
  workers: ChildProcess[];
  kills: KillResult[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));
const say = (s: string) => process.stderr.write(`${s}\n`);
const secs = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

async function startLane(index: number): Promise<Lane> {
  let record = '';
  const h = await Harness.start({
    role: 'app',
    config: ({ dir, repo }) => {
      record = path.join(dir, 'runs.txt');
      const script = writeScript(dir, 'stubborn.sh', stubbornScript({ record, seconds: '4.$((RANDOM % 10))' }));
      return {
        feed_channel: 'C0FEED',
        apps: {
          web: {
            path: repo,
            environments: {
              staging: { on_worker_lost: 'fail', deploy: [script] },
              production: { on_worker_lost: 'retry', deploy: [script] },
            },
          },
        },
      };
    },
  });
  return { index, h, watch: new CommandWatch(record), workers: [h.spawnWorker({ ownGroup: true })], kills: [] };
}

/** Waits (bounded) until deploy #id's feed message shows a final state. */
const waitFinal = (lane: Lane, id: number) =>
  lane.h.slack
    .waitFor(`deploy #${id} to end`, () => isFinal(lane.h.slack.feedMessage(id)), 90_000)
    .then(
      () => true,
      () => false,
    );

async function runKill(lane: Lane, plan: Plan): Promise<KillResult> {
  const { h, watch } = lane;
  const env = plan.retry ? 'production' : 'staging';
  const { id } = await h.deploy(env);
  const run = await watch.waitForRun(`deploy #${id}'s command`, (r) => r.deployId === id);
  const queued = await h.deploy(env, 'U0BEN');
  // A random point 0.3-2 s into the command (it runs 4.0-4.9 s).
  const killIn = 300 + Math.random() * 1_700;
  await sleep(run.startMs + killIn - Date.now());
  const worker = lane.workers[lane.workers.length - 1]!;
  const target = plan.kind === 'supervisor' ? procStat(run.runPid)?.ppid : worker.pid;
  if (!target || target === 1) throw new Error(`deploy #${id}'s command has no supervisor to kill`);
  const tree = descendants(target);
  const killedAt = Date.now();
  process.kill(plan.kind === 'group' ? -target : target, 'SIGKILL');
  if (plan.kind !== 'supervisor') lane.workers.push(h.spawnWorker({ ownGroup: true }));

  const others = tree.filter((p) => !run.procs.has(p.pid));
  const [cmd, rest, gone] = await Promise.all([
    watch.waitGone(run, killedAt + ORPHAN_AFTER_MS),
    watch.waitAllGone(others, killedAt + LEFTOVER_AFTER_MS),
    watch.waitGone(run, killedAt + 30_000),
    waitFinal(lane, id),
    waitFinal(lane, queued.id),
  ]);
  const r: KillResult = {
    ...plan,
    lane: lane.index,
    env,
    doomed: id,
    queued: queued.id,
    run,
    killedAt,
    killedIn: killedAt - run.startMs,
    orphans: cmd.alive.length,
    leftovers: rest.alive.length,
    ...(gone.goneAt !== undefined && { goneAfterMs: gone.goneAt - killedAt }),
    overlaps: [],
    retryOverlaps: [],
    finals: [],
    problems: [
      ...(cmd.alive.length
        ? [
            `${cmd.alive.length} process(es) of the command alive ${ORPHAN_AFTER_MS} ms after the kill: ${describeProcs(cmd.alive, killedAt)}`,
          ]
        : []),
      ...(rest.alive.length
        ? [
            `${rest.alive.length} other process(es) of the killed ${plan.kind === 'supervisor' ? 'supervisor' : 'worker'} alive ${LEFTOVER_AFTER_MS / 1000} s after the kill: ${describeProcs(rest.alive, killedAt)}`,
          ]
        : []),
    ],
  };
  // A command that never went would keep its env busy for every later kill: stop it now (after counting it).
  if (gone.goneAt === undefined) watch.killLeftovers();
  say(
    `kill ${plan.n + 1}/${KILLS} (lane ${lane.index + 1}) ${plan.kind}${plan.retry ? ', retry' : ''}: killed ${secs(r.killedIn)} into deploy #${id}; ` +
      `${r.goneAfterMs !== undefined ? `its command was gone ${secs(r.goneAfterMs)} after` : 'its command was still running 30 s after'}` +
      `${r.orphans ? ` (${r.orphans} ORPHANED)` : ''}${r.leftovers ? ` (${r.leftovers} LEFTOVER)` : ''}; #${id} ${finalState(h.slack.feedMessage(id))}, #${queued.id} ${finalState(h.slack.feedMessage(queued.id))}`,
  );
  return r;
}

/** Attributes overlaps and checks final states again, once every lane is done. */
function settle(lane: Lane): string[] {
  const loose: string[] = [];
  for (const o of overlaps(lane.watch, lane.watch.runs())) {
    const k =
      lane.kills.find((x) => x.run === o.earlier) ??
      lane.kills.find((x) => x.doomed === o.earlier.deployId || x.queued === o.earlier.deployId);
    if (!k) loose.push(`lane ${lane.index + 1}: ${o.text}`);
    else {
      (o.earlier.deployId === o.later.deployId ? k.retryOverlaps : k.overlaps).push(o.text);
      k.problems.push(o.text);
    }
  }
  for (const k of lane.kills) {
    for (const id of [k.doomed, k.queued]) {
      const s = finalState(lane.h.slack.feedMessage(id));
      if (!['succeeded', 'failed', 'cancelled'].includes(s)) {
        k.finals.push(`#${id}`);
        k.problems.push(`deploy #${id}'s feed message: ${s}`);
      }
    }
  }
  return loose;
}

function report(kills: KillResult[], loose: string[], ms: number): { text: string; missed: boolean } {
  const rows: string[][] = [];
  const cols = [
    'kills',
    'orphaned command processes',
    `other leftovers after ${LEFTOVER_AFTER_MS / 1000} s`,
    'overlapping deploys of one env',
    'deploys without exactly one final state',
    'retries started while an earlier attempt ran',
  ];
  const sum = (ks: KillResult[], unattributed = 0) => [
    ks.length,
    ks.reduce((n, k) => n + k.orphans, 0),
    ks.reduce((n, k) => n + k.leftovers, 0),
    ks.reduce((n, k) => n + k.overlaps.length + k.retryOverlaps.length, unattributed),
    ks.reduce((n, k) => n + k.finals.length, 0),
    ks.reduce((n, k) => n + k.retryOverlaps.length, 0),
  ];
  for (const kind of KINDS) {
    for (const retry of [false, true]) {
      const ks = kills.filter((k) => k.kind === kind && k.retry === retry);
      if (ks.length) rows.push([`${kind} kill, on_worker_lost: ${retry ? 'retry' : 'fail'}`, ...sum(ks).map(String)]);
    }
  }
  const total = sum(kills, loose.length);
  rows.push(['total', ...total.map(String)]);
  rows.push(['target', '', '0', '0', '0', '0', '0']);
  const head = ['', ...cols];
  const width = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => `| ${r.map((c, i) => (i === 0 ? c.padEnd(width[i]!) : c.padStart(width[i]!))).join(' | ')} |`;
  const gone = kills.flatMap((k) => (k.goneAfterMs === undefined ? [] : [k.goneAfterMs])).sort((a, b) => a - b);
  const stuck = kills.filter((k) => k.goneAfterMs === undefined).length;
  const out = [
    `Ferry kill stress: ${kills.length} kills in ${LANES} lane(s), ${(ms / 1000).toFixed(0)} s; lease_ttl ${LEASE_TTL_MS / 1000} s, kill grace ${KILL_GRACE_MS} ms; orphaned = alive ${ORPHAN_AFTER_MS} ms after the kill`,
    '',
    line(head),
    `|${width.map((w, i) => (i === 0 ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`,
    ...rows.map(line),
    '',
    gone.length
      ? `a killed command's last process was gone after the kill: median ${secs(gone[Math.floor((gone.length - 1) / 2)]!)}, longest ${secs(gone[gone.length - 1]!)}${stuck ? `; ${stuck} still running 30 s after (then killed by this script)` : ''}`
      : `no killed command was gone within 30 s of its kill`,
  ];
  const problems = kills.flatMap((k) =>
    k.problems.map((p) => `kill ${k.n + 1} (${k.kind}${k.retry ? ', retry' : ''}, lane ${k.lane + 1}, deploy #${k.doomed}): ${p}`),
  );
  problems.push(...loose);
  if (problems.length)
    out.push(
      '',
      `${problems.length} problem(s):`,
      ...problems.slice(0, 40).map((p) => `- ${p}`),
      ...(problems.length > 40 ? [`- ... and ${problems.length - 40} more`] : []),
    );
  const missed = total.slice(1).some((n) => n > 0);
  out.push('', missed ? 'FAILED: a target was missed.' : 'OK: every target met.');
  return { text: out.join('\n'), missed };
}

async function main(): Promise<number> {
  if (!process.env.REDIS_URL && !process.env.FERRY_TEST_REDIS_URL)
    throw new Error('set REDIS_URL (scripts/stress.sh starts a private Redis)');
  process.env.FERRY_TEST_REDIS_URL ??= process.env.REDIS_URL;
  const began = Date.now();
  const lanes: Lane[] = [];
  const cleanup = async () => {
    for (const l of lanes) l.watch.killLeftovers();
    await Promise.all(
      lanes.map(async (l) => {
        l.watch.stop();
        await l.h.stop();
      }),
    );
  };
  const limit = setTimeout(() => {
    say(`the stress run took longer than ${RUN_LIMIT_MS / 60_000} minutes; giving up`);
    void cleanup().finally(() => process.exit(2));
  }, RUN_LIMIT_MS);
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => void cleanup().finally(() => process.exit(130)));
  try {
    lanes.push(...(await Promise.all(Array.from({ length: LANES }, (_, i) => startLane(i)))));
    let next = 0;
    const take = (): Plan | undefined => {
      if (next >= KILLS) return undefined;
      const n = next++;
      return { n, kind: KINDS[n % KINDS.length]!, retry: Math.floor(n / KINDS.length) % 2 === 1 };
    };
    await Promise.all(
      lanes.map(async (lane) => {
        for (let plan = take(); plan; plan = take()) lane.kills.push(await runKill(lane, plan));
      }),
    );
    const loose = lanes.flatMap(settle);
    const { text, missed } = report(
      lanes.flatMap((l) => l.kills).sort((a, b) => a.n - b.n),
      loose,
      Date.now() - began,
    );
    process.stdout.write(`${text}\n`);
    mkdirSync(path.join(ROOT, '.ferry'), { recursive: true });
    writeFileSync(path.join(ROOT, '.ferry/stress.txt'), `${text}\n`);
    return missed ? 1 : 0;
  } finally {
    clearTimeout(limit);
    await cleanup();
  }
}

main().then(
  (code) => process.exit(code),
  (err: Error) => {
    say(`the stress run broke: ${err.stack ?? err.message}`);
    process.exit(2);
  },
);
