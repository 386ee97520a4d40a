/**
 * The engine-load part of `npm run bench` (BENCH_ONLY=engine runs it alone): Ferry's one-process
 * `start('all')` working through a thousand no-op deploys, side by side with bare baselines
 * measured in the same run.
 *
 * Layouts: (a) one app with E envs, (b) E apps with one env each, all on the same local git
 * repository (so apps sharing a repository are exercised). Requests: signed `/deploy [app] <env>
 * main` slash commands POSTed to Ferry's /slack/events, BENCH_ENGINE_CONCURRENCY at a time, each
 * with its own response_url id, round-robin over the envs. The deploy command is bench's mark
 * script: it appends "$FERRY_DEPLOY_ID <epoch ms>" to a file and exits (a no-op that says when it
 * ran).
 *
 * Per layout (the bare baseline runs after Ferry's run, replaying the times Ferry's requests
 * were sent):
 * - wall: first request sent -> the last of the run's deploy records (HASH <prefix>:deploy:<id>)
 *   is final (its finishedAt); bare: first Queue.add -> last job completed. A bare BullMQ worker
 *   process with one queue and one Worker (concurrency 1) per env, each job doing Ferry's
 *   per-deploy work: `git clone --shared --no-checkout` of a mirror made up front, `git checkout
 *   --detach <sha>`, the mark script, removing the dir.
 * - lost (accepted, i.e. acked 200, but not succeeded) and overlaps (two deploys of one env whose
 *   startedAt..finishedAt intervals overlap).
 * - deploy started -> command running: the record's startedAt (bare: processor start) to the
 *   mark script's time.
 * - CPU per deploy: /proc/<pid>/stat utime+stime+cutime+cstime of the Ferry (bare) child plus
 *   those of its live descendants, read inside the child before and after the run (Ferry's after
 *   reading once it is quiet: every record final, no timer jobs left, no Slack call for 1 s; the
 *   bare worker's after it has stopped).
 * Layout (a) also: Ferry's RSS idle (after the warm-up), 10 s after the run, and 10 s after a
 * second run on the same process; then a separate phase on that same process: a backlog of
 * BENCH_ENGINE_BURST_BACKLOG deploys, and while it runs, bursts of BENCH_ENGINE_BURST_N concurrent
 * /deploy to one env, each fired first at a bare Bolt app then at Ferry (fresh connection per
 * request, client-side latency). The phase's deploys (backlog and bursts) have lost/overlap counts
 * of their own; the bursts' deploys run one at a time on one env, so the bench waits for them at
 * most BENCH_ENGINE_DRAIN_S and reports what was still unfinished.
 *
 * Knobs (environment; see bench/README.md): BENCH_ENGINE_DEPLOYS (1000), BENCH_ENGINE_ENVS (50),
 * BENCH_ENGINE_CONCURRENCY (50), BENCH_ENGINE_LAYOUTS (a,b), BENCH_ENGINE_BURST_N (200),
 * BENCH_ENGINE_BURSTS (3), BENCH_ENGINE_BURST_GAP_MS (2000), BENCH_ENGINE_BURST_BACKLOG (half the
 * deploys), BENCH_ENGINE_RSS_AFTER_MS (10000), BENCH_ENGINE_TIMEOUT_S (300), BENCH_ENGINE_DRAIN_S
 * (90), BENCH_ENGINE_LOG_LEVEL (warn).
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import YAML from 'yaml';
import { TIMERS_QUEUE } from '../src/queue/names';
import { keys } from '../src/store/keys';
import { makeRepo } from '../test/helpers/git-repo';
import type { BareBoltOptions, BareEngineJob, BareEngineOptions, ChildMessage } from './child';
import {
  answers,
  BOT_TOKEN,
  type Child,
  deployBody,
  int,
  kill,
  killFerry,
  log,
  pkgVersion,
  post,
  type Posted,
  ROOT,
  sequential,
  SIGNING_SECRET,
  sleep,
  spawnChild,
} from './lib';
import { type CpuReading, cpuTotal } from './proc';
import { ms, percentile, ratio, table } from './stats';

const DEPLOYS = int('BENCH_ENGINE_DEPLOYS', 1000);
const ENVS = int('BENCH_ENGINE_ENVS', 50);
const CONCURRENCY = int('BENCH_ENGINE_CONCURRENCY', 50);
const BURST_N = int('BENCH_ENGINE_BURST_N', 200);
const BURSTS = int('BENCH_ENGINE_BURSTS', 3);
const BURST_GAP_MS = int('BENCH_ENGINE_BURST_GAP_MS', 2_000);
const BURST_BACKLOG = int('BENCH_ENGINE_BURST_BACKLOG', Math.max(1, Math.round(DEPLOYS / 2)));
const RSS_AFTER_MS = int('BENCH_ENGINE_RSS_AFTER_MS', 10_000);
/** How long a run may take before the bench reports it unfinished and goes on. */
const RUN_TIMEOUT_MS = int('BENCH_ENGINE_TIMEOUT_S', 300) * 1_000;
/** How long the acks phase waits for its deploys (the bursts' run one at a time on one env) before it reports the rest unfinished. */
const DRAIN_TIMEOUT_MS = int('BENCH_ENGINE_DRAIN_S', 90) * 1_000;
/** How long the bench waits for Ferry to go quiet after a run before reading its CPU anyway. */
const SETTLE_MAX_MS = 60_000;
const LOG_LEVEL = process.env.BENCH_ENGINE_LOG_LEVEL ?? 'warn';
const LAYOUTS = (process.env.BENCH_ENGINE_LAYOUTS ?? 'a,b')
  .split(',')
  .map((s) => s.trim())
  .filter(Boolean);
for (const l of LAYOUTS)
  if (l !== 'a' && l !== 'b') throw new Error(`BENCH_ENGINE_LAYOUTS=${process.env.BENCH_ENGINE_LAYOUTS}: each must be a or b`);

const FINAL = new Set(['succeeded', 'failed', 'cancelled']);
const TARGET = { wall: 1.3, cpu: 1.5, startToRunMs: 1_000, ackP99: 1.5, rss: 1.2 };

export interface EngineContext {
  redis: Redis;
  redisUrl: string;
  tmp: string;
  /** The fake Slack child (its API URL, and `last-request` for telling when Ferry is quiet). */
  slack: Child;
  ackWarmup: number;
}

// ---------------------------------------------------------------- set-up

interface Layout {
  key: 'a' | 'b';
  title: string;
  apps: Record<string, string[]>;
  /** Request i asks for texts[i % texts.length]: round-robin over the envs. */
  texts: string[];
  /** One request per app: the warm-up (makes each app's cached mirror, as the bare one is made up front). */
  warmTexts: string[];
}

const pad = (i: number, n: number) => String(i).padStart(Math.max(2, String(n).length), '0');

function layoutOf(key: 'a' | 'b'): Layout {
  const ids = Array.from({ length: ENVS }, (_, i) => pad(i + 1, ENVS));
  if (key === 'a') {
    const texts = ids.map((i) => `e${i} main`);
    return { key, title: `(a) 1 app x ${ENVS} envs`, apps: { web: ids.map((i) => `e${i}`) }, texts, warmTexts: [texts[0]!] };
  }
  const texts = ids.map((i) => `a${i} prod main`);
  return {
    key,
    title: `(b) ${ENVS} apps x 1 env, one repo`,
    apps: Object.fromEntries(ids.map((i) => [`a${i}`, ['prod']])),
    texts,
    warmTexts: texts,
  };
}

interface Setup {
  dir: string;
  repo: string;
  sha: string;
  /** The bare worker's `git clone --mirror`, made once up front. */
  cache: string;
  script: string;
}

function setUp(tmp: string): Setup {
  const dir = path.join(tmp, 'engine');
  mkdirSync(dir, { recursive: true });
  const repo = makeRepo(path.join(dir, 'repo'), []);
  const cache = path.join(dir, 'bare-cache.git');
  execFileSync('git', ['clone', '--quiet', '--mirror', '--', repo.path, cache], { env: { PATH: process.env.PATH!, HOME: dir } });
  const script = path.join(dir, 'mark.sh');
  writeFileSync(
    script,
    '#!/bin/sh\n# The engine bench\'s no-op deploy command: notes which deploy ran when (epoch ms), nothing else.\necho "$FERRY_DEPLOY_ID $(date +%s%3N)" >> "$1"\n',
  );
  chmodSync(script, 0o755);
  return { dir, repo: repo.path, sha: repo.sha('main'), cache, script };
}

// ---------------------------------------------------------------- Ferry

interface FerryProc {
  child: Child;
  layout: Layout;
  prefix: string;
  port: number;
  pid: number;
  marks: string;
  logFile: string;
  workDir: string;
  exited?: string;
}

async function startFerry(ctx: EngineContext, s: Setup, layout: Layout): Promise<FerryProc> {
  const name = `ferry-${layout.key}`;
  const dir = path.join(s.dir, name);
  mkdirSync(dir, { recursive: true });
  const prefix = `bench-engine-${layout.key}`;
  const marks = path.join(dir, 'marks.txt');
  const configFile = path.join(dir, 'ferry.yml');
  const deploy = [s.script, marks];
  writeFileSync(
    configFile,
    YAML.stringify({
      feed_channel: 'C0FEED',
      redis_prefix: prefix,
      workspace_dir: path.join(dir, 'work'),
      apps: Object.fromEntries(
        Object.entries(layout.apps).map(([app, envs]) => [
          app,
          { path: s.repo, environments: Object.fromEntries(envs.map((e) => [e, { deploy }])) },
        ]),
      ),
    }),
  );
  const env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: dir,
    SLACK_BOT_TOKEN: BOT_TOKEN,
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: ctx.slack.ready.apiUrl!,
    REDIS_URL: ctx.redisUrl,
    FERRY_CONFIG: configFile,
    PORT: '0',
    LOG_LEVEL,
  };
  const logFile = path.join(dir, 'ferry.log');
  const child = await spawnChild('ferry', env, undefined, logFile);
  const f: FerryProc = {
    child,
    layout,
    prefix,
    port: child.ready.port!,
    pid: child.ready.pid!,
    marks,
    logFile,
    workDir: path.join(dir, 'work'),
  };
  child.proc.on('exit', (code, sig) => {
    f.exited = `exited (${code ?? sig})`;
  });
  return f;
}

interface Fired {
  /** Wall-clock time the first request was sent. */
  t0: number;
  /** Each request's send time, ms after t0 (what the bare baseline replays). */
  offsets: number[];
  responseIds: string[];
  /** HTTP status per request (0: no response). */
  statuses: number[];
  ackMs: number[];
}

/** Sends n signed /deploy requests, `CONCURRENCY` in flight, round-robin over `texts`. */
async function fire(port: number, texts: string[], n: number): Promise<Fired> {
  const reqs = Array.from({ length: n }, (_, i) => deployBody(texts[i % texts.length]!));
  const out: Fired = {
    t0: 0,
    offsets: new Array<number>(n).fill(0),
    responseIds: reqs.map((r) => r.id),
    statuses: new Array<number>(n).fill(0),
    ackMs: new Array<number>(n).fill(Number.NaN),
  };
  let next = 0;
  out.t0 = Date.now();
  const lane = async () => {
    while (next < n) {
      const i = next++;
      out.offsets[i] = Date.now() - out.t0;
      try {
        const r = await post(port, reqs[i]!.body);
        out.statuses[i] = r.status;
        out.ackMs[i] = r.ms;
      } catch {
        out.statuses[i] = 0;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, n) }, lane));
  return out;
}

const seqOf = async (redis: Redis, prefix: string) => Number((await redis.get(keys(prefix).deploySeq)) ?? 0);

/**
 * Polls the deploy records made since `base` until each is final and every accepted request has
 * its record (or every request has been answered: one that made no deploy says so). Returns the
 * last id, and whether it got there before the timeout (or Ferry died).
 */
async function waitFinal(
  redis: Redis,
  f: FerryProc,
  base: number,
  acked: number,
  responseIds: string[],
  timeoutMs = RUN_TIMEOUT_MS,
): Promise<{ seq: number; complete: boolean }> {
  const k = keys(f.prefix);
  const final = new Set<number>();
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const seq = await seqOf(redis, f.prefix);
    const open: number[] = [];
    for (let id = base + 1; id <= seq; id++) if (!final.has(id)) open.push(id);
    if (open.length) {
      const pipe = redis.pipeline();
      for (const id of open) pipe.hget(k.deploy(id), 'status');
      const res = (await pipe.exec()) ?? [];
      res.forEach(([err, st], i) => {
        if (!err && FINAL.has(String(st))) final.add(open[i]!);
      });
    }
    const created = seq - base;
    if (final.size === created && (created >= acked || responseIds.every((id) => answers.has(id)))) return { seq, complete: true };
    if (Date.now() > deadline || f.exited) return { seq, complete: false };
    await sleep(250);
  }
}

async function records(redis: Redis, prefix: string, base: number, seq: number): Promise<Record<string, string>[]> {
  if (seq <= base) return [];
  const k = keys(prefix);
  const pipe = redis.pipeline();
  for (let id = base + 1; id <= seq; id++) pipe.hgetall(k.deploy(id));
  return ((await pipe.exec()) ?? []).map(([err, h]) => (err ? {} : (h as Record<string, string>)));
}

/** Waits until Ferry is quiet: no timer job waiting or running, and no Slack call for a second. */
async function settle(ctx: EngineContext, f: FerryProc): Promise<{ ms: number; quiet: boolean }> {
  const t0 = Date.now();
  const timers = new Queue(TIMERS_QUEUE, { connection: ctx.redis, prefix: keys(f.prefix).bullPrefix });
  try {
    for (;;) {
      const c = await timers.getJobCounts('wait', 'active', 'delayed', 'prioritized', 'waiting-children');
      const pending = Object.values(c).reduce((a, b) => a + b, 0);
      const last = await ctx.slack.ask<number>('last-request');
      if (pending === 0 && Date.now() - last >= 1_000) return { ms: Date.now() - t0, quiet: true };
      if (Date.now() - t0 > SETTLE_MAX_MS || f.exited) return { ms: Date.now() - t0, quiet: false };
      await sleep(250);
    }
  } finally {
    await timers.close();
  }
}

function readMarks(file: string): Map<number, number[]> {
  const out = new Map<number, number[]>();
  if (!existsSync(file)) return out;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const [id, at] = line.trim().split(' ');
    if (!id || !at) continue;
    const list = out.get(Number(id)) ?? [];
    list.push(Number(at));
    out.set(Number(id), list);
  }
  return out;
}

const cpuMs = (a: CpuReading, b: CpuReading) => ((cpuTotal(b) - cpuTotal(a)) * 1_000) / b.clkTck;

function rssMb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

// ---------------------------------------------------------------- what a run comes to

interface Interval {
  key: string;
  start: number;
  end: number;
}

/** Pairs of deploys of one env whose intervals overlap (each deploy against those before it). */
function overlaps(list: Interval[]): { count: number; keys: Set<string> } {
  const byKey = new Map<string, Interval[]>();
  for (const i of list) byKey.set(i.key, [...(byKey.get(i.key) ?? []), i]);
  let count = 0;
  const hit = new Set<string>();
  for (const [key, l] of byKey) {
    l.sort((x, y) => x.start - y.start);
    let end = Number.NEGATIVE_INFINITY;
    for (const i of l) {
      if (i.start < end) {
        count++;
        hit.add(key);
      }
      end = Math.max(end, i.end);
    }
  }
  return { count, keys: hit };
}

interface RunStats {
  sent: number;
  acked: number;
  complete: boolean;
  wallMs: number;
  succeeded: number;
  /** Accepted but not succeeded (failed, cancelled, no deploy made), not counting `unfinished`. */
  lost: number;
  /** Still queued or running when the bench stopped waiting (0 when `complete`). */
  unfinished: number;
  overlaps: number;
  overlapEnvs: number;
  startToRun: number[];
  cpuMsPerDeploy?: number;
  /** For the notes. */
  detail: string;
}

const count = <T>(xs: T[]): Map<T, number> => {
  const m = new Map<T, number>();
  for (const x of xs) m.set(x, (m.get(x) ?? 0) + 1);
  return m;
};
const listCounts = (m: Map<string, number>) =>
  [...m]
    .sort((a, b) => b[1] - a[1])
    .map(([k, n]) => `${n} ${k}`)
    .join(', ');

function ferryStats(fired: Fired, recs: Record<string, string>[], marks: Map<number, number[]>, complete: boolean): RunStats {
  const sent = fired.statuses.length;
  const acked = fired.statuses.filter((s) => s === 200).length;
  const statuses = count(recs.map((r) => r.status ?? 'missing'));
  const succeeded = statuses.get('succeeded') ?? 0;
  const started = recs.filter((r) => r.startedAt);
  const ov = overlaps(
    started.map((r) => ({
      key: `${r.app}/${r.env}`,
      start: Number(r.startedAt),
      end: r.finishedAt ? Number(r.finishedAt) : Number.POSITIVE_INFINITY,
    })),
  );
  const startToRun: number[] = [];
  let noMark = 0;
  let twice = 0;
  for (const r of started) {
    const m = marks.get(Number(r.id));
    if (!m) {
      if (r.status === 'succeeded') noMark++;
      continue;
    }
    if (m.length > 1) twice++;
    startToRun.push(m[0]! - Number(r.startedAt));
  }
  const lastEnd = Math.max(...recs.map((r) => Number(r.finishedAt ?? Number.NaN)).filter(Number.isFinite));
  const answered = fired.responseIds.map((id) => answers.get(id)?.text);
  const accepted = answered.filter((t) => t && /Accepted as \*deploy #\d+\*/.test(t)).length;
  const otherAnswers = count(answered.filter((t): t is string => !!t && !/Accepted as \*deploy #\d+\*/.test(t)).map((t) => t.slice(0, 80)));
  const errors = count(recs.filter((r) => r.status !== 'succeeded' && r.error).map((r) => r.error!.slice(0, 100)));
  const finalRecs = recs.filter((r) => FINAL.has(r.status ?? '')).length;
  const refused = answered.filter((t) => t && !/Accepted as \*deploy #\d+\*/.test(t)).length;
  const unfinished = complete ? 0 : Math.max(0, acked - finalRecs - refused);
  const attempts = recs.filter((r) => Number(r.attempt) > 1).length;
  const detail = [
    `${sent} sent, ${acked} acked 200, ${answered.filter(Boolean).length} answered (${accepted} accepted${otherAnswers.size ? `; ${listCounts(otherAnswers)}` : ''}), `,
    `${recs.length} records: ${listCounts(statuses)}${complete ? '' : ' (NOT all final when the bench stopped waiting)'}`,
    errors.size ? `; errors: ${listCounts(errors)}` : '',
    attempts ? `; ${attempts} ran more than once (attempt > 1)` : '',
    twice ? `; ${twice} commands ran twice` : '',
    noMark ? `; ${noMark} succeeded without their command running` : '',
    ov.count ? `; overlaps on ${[...ov.keys].slice(0, 5).join(', ')}${ov.keys.size > 5 ? ', ...' : ''}` : '',
  ].join('');
  return {
    sent,
    acked,
    complete,
    wallMs: complete && Number.isFinite(lastEnd) ? lastEnd - fired.t0 : Number.NaN,
    succeeded,
    lost: acked - succeeded - unfinished,
    unfinished,
    overlaps: ov.count,
    overlapEnvs: ov.keys.size,
    startToRun,
    detail,
  };
}

interface FerryRun {
  fired: Fired;
  stats: RunStats;
  cpu0: CpuReading;
  cpu1?: CpuReading;
  /** Wall-clock time the run's last record was seen final. */
  doneAt: number;
  settle: { ms: number; quiet: boolean };
}

/** One run of n deploys on a running Ferry: fire, wait until all are final, then until Ferry is quiet; CPU read around it. */
async function ferryRun(ctx: EngineContext, f: FerryProc, n: number, what: string): Promise<FerryRun> {
  const base = await seqOf(ctx.redis, f.prefix);
  const cpu0 = await f.child.ask<CpuReading>('cpu');
  log(`engine ${f.layout.title}: ${what}: ${n} /deploy, ${CONCURRENCY} in flight`);
  const fired = await fire(f.port, f.layout.texts, n);
  const acked = fired.statuses.filter((s) => s === 200).length;
  log(
    `engine ${f.layout.title}: ${what}: sent in ${((Date.now() - fired.t0) / 1000).toFixed(1)} s (${acked} acked 200); waiting for every deploy to be final`,
  );
  const { seq, complete } = await waitFinal(ctx.redis, f, base, acked, fired.responseIds);
  const doneAt = Date.now();
  const settled = await settle(ctx, f);
  const cpu1 = f.exited ? undefined : await f.child.ask<CpuReading>('cpu');
  const stats = ferryStats(fired, await records(ctx.redis, f.prefix, base, seq), readMarks(f.marks), complete);
  if (cpu1) stats.cpuMsPerDeploy = cpuMs(cpu0, cpu1) / n;
  log(
    `engine ${f.layout.title}: ${what}: wall ${(stats.wallMs / 1000).toFixed(1)} s, ${stats.succeeded} succeeded, lost ${stats.lost}, overlaps ${stats.overlaps}${stats.unfinished ? `, ${stats.unfinished} unfinished` : ''}${f.exited ? `; Ferry ${f.exited}` : ''}`,
  );
  return { fired, stats, cpu0, ...(cpu1 && { cpu1 }), doneAt, settle: settled };
}

async function warmUp(ctx: EngineContext, f: FerryProc): Promise<void> {
  const base = await seqOf(ctx.redis, f.prefix);
  const fired = await fire(f.port, f.layout.warmTexts, f.layout.warmTexts.length);
  const acked = fired.statuses.filter((s) => s === 200).length;
  const { complete } = await waitFinal(ctx.redis, f, base, acked, fired.responseIds, 60_000);
  if (!complete)
    throw new Error(`Ferry ${f.layout.title}: the warm-up deploys did not finish within 60 s${f.exited ? ` (Ferry ${f.exited})` : ''}`);
  await settle(ctx, f);
}

// ---------------------------------------------------------------- the bare worker

interface BareRun {
  stats: RunStats;
}

async function bareRun(ctx: EngineContext, s: Setup, label: string, offsets: number[]): Promise<BareRun> {
  const n = offsets.length;
  const dir = path.join(s.dir, `bare-${label}`);
  mkdirSync(path.join(dir, 'runs'), { recursive: true });
  const marks = path.join(dir, 'marks.txt');
  const prefix = `bench-engine-bare-${label}`;
  const names = Array.from({ length: ENVS }, (_, i) => `q${pad(i + 1, ENVS)}`);
  const done = new Map<number, Extract<ChildMessage, { type: 'job-done' }>>();
  let wake: (() => void) | undefined;
  const opts: BareEngineOptions = {
    redisUrl: ctx.redisUrl,
    prefix,
    queues: names,
    cache: s.cache,
    sha: s.sha,
    workRoot: path.join(dir, 'runs'),
    argv: [s.script, marks],
  };
  const child = await spawnChild('bare-engine', opts, (m) => {
    if (m.type !== 'job-done') return;
    done.set(m.id, m);
    wake?.();
  });
  let exited: string | undefined;
  child.proc.on('exit', (code, sig) => {
    exited = `exited (${code ?? sig})`;
    wake?.();
  });
  const waitDone = async (ids: number[], timeoutMs: number): Promise<boolean> => {
    const deadline = Date.now() + timeoutMs;
    while (!ids.every((id) => done.has(id))) {
      if (Date.now() > deadline || exited) return false;
      await new Promise<void>((r) => {
        wake = r;
        setTimeout(r, 1_000);
      });
    }
    return true;
  };
  const conn = new Redis(ctx.redisUrl, { maxRetriesPerRequest: null });
  const queues = names.map((q) => new Queue<BareEngineJob>(q, { connection: conn, prefix }));
  const add = (i: number, id: number) =>
    queues[i % queues.length]!.add('job', { id }, { jobId: `j${id}`, removeOnComplete: true, removeOnFail: true });
  try {
    // Warm-up: one job (id 0), as Ferry's warm-up deploys.
    await add(0, 0);
    if (!(await waitDone([0], 30_000))) throw new Error(`the bare worker's warm-up job did not complete${exited ? ` (it ${exited})` : ''}`);
    const cpu0 = await child.ask<CpuReading>('cpu');
    log(`engine bare ${label}: ${n} jobs over ${ENVS} queues, added on Ferry's request times`);
    const t0 = Date.now();
    const adds: Promise<unknown>[] = [];
    for (let i = 0; i < n; i++) {
      const wait = t0 + offsets[i]! - Date.now();
      if (wait > 1) await sleep(wait);
      adds.push(add(i, i + 1));
    }
    await Promise.all(adds);
    const ids = Array.from({ length: n }, (_, i) => i + 1);
    const complete = await waitDone(ids, RUN_TIMEOUT_MS);
    const cpu1 = exited ? undefined : await child.ask<CpuReading>('stop');
    const jobs = ids.map((id) => done.get(id)).filter((j) => j !== undefined);
    const ok = jobs.filter((j) => j.ok);
    const m = readMarks(marks);
    const startToRun = ok.flatMap((j) => (m.get(j.id) ? [m.get(j.id)![0]! - j.startedAt] : []));
    const ov = overlaps(jobs.map((j) => ({ key: j.queue, start: j.startedAt, end: j.finishedAt })));
    const lastEnd = Math.max(...jobs.map((j) => j.finishedAt));
    const errors = count(jobs.filter((j) => !j.ok).map((j) => (j.error ?? '?').slice(0, 100)));
    const stats: RunStats = {
      sent: n,
      acked: n,
      complete,
      wallMs: complete ? lastEnd - t0 : Number.NaN,
      succeeded: ok.length,
      lost: jobs.length - ok.length,
      unfinished: n - jobs.length,
      overlaps: ov.count,
      overlapEnvs: ov.keys.size,
      startToRun,
      ...(cpu1 && { cpuMsPerDeploy: cpuMs(cpu0, cpu1) / n }),
      detail: `${n} added, ${jobs.length} done (${ok.length} completed${errors.size ? `; failed: ${listCounts(errors)}` : ''})${complete ? '' : ' (NOT all done when the bench stopped waiting)'}`,
    };
    log(`engine bare ${label}: wall ${(stats.wallMs / 1000).toFixed(1)} s, ${stats.succeeded} completed`);
    return { stats };
  } finally {
    await Promise.all(queues.map((q) => q.close()));
    conn.disconnect();
    await kill(child.proc);
  }
}

// ---------------------------------------------------------------- acks under a backlog

interface BurstRound {
  /** Deploys of the phase not yet final when the burst began. */
  open: number;
  ferry: number[];
  bare: number[];
  ferryBad: number;
  bareBad: number;
}

interface BurstPhase {
  rounds: BurstRound[];
  stats: RunStats;
  backlogSentMs: number;
}

/** n concurrent requests (bodies built first); latencies of those answered 200, and how many were not. */
async function burstOf(
  port: number,
  n: number,
  text: string,
): Promise<{ ms: number[]; bad: number; ids: string[]; results: PromiseSettledResult<Posted>[] }> {
  const reqs = Array.from({ length: n }, () => deployBody(text));
  const results = await Promise.allSettled(reqs.map((r) => post(port, r.body)));
  const okMs = results.flatMap((r) => (r.status === 'fulfilled' && r.value.status === 200 ? [r.value.ms] : []));
  return { ms: okMs, bad: n - okMs.length, ids: reqs.map((r) => r.id), results };
}

/** Deploys of the phase accepted (acked) so far that are not final yet, including those whose record the after-ack work has still to make. */
async function openCount(redis: Redis, prefix: string, base: number, acked: number): Promise<number> {
  const seq = await seqOf(redis, prefix);
  const recs = await records(redis, prefix, base, seq);
  return acked - recs.filter((r) => FINAL.has(r.status ?? '')).length;
}

async function burstPhase(ctx: EngineContext, f: FerryProc, bare: Child): Promise<BurstPhase> {
  const base = await seqOf(ctx.redis, f.prefix);
  log(
    `engine ${f.layout.title}: acks under a backlog: ${BURST_BACKLOG} /deploy, then ${BURSTS} bursts of ${BURST_N} to ${f.layout.texts[0]} (bare Bolt first, then Ferry)`,
  );
  const backlog = await fire(f.port, f.layout.texts, BURST_BACKLOG);
  const backlogSentMs = Date.now() - backlog.t0;
  const rounds: BurstRound[] = [];
  const burstIds: string[] = [];
  const burstResults: PromiseSettledResult<Posted>[] = [];
  for (let k = 1; k <= BURSTS; k++) {
    const ackedSoFar = [...backlog.statuses, ...burstResults.map((r) => (r.status === 'fulfilled' ? r.value.status : 0))].filter(
      (x) => x === 200,
    ).length;
    const open = await openCount(ctx.redis, f.prefix, base, ackedSoFar);
    const b = await burstOf(bare.ready.port!, BURST_N, f.layout.texts[0]!);
    const fb = await burstOf(f.port, BURST_N, f.layout.texts[0]!);
    burstIds.push(...fb.ids);
    burstResults.push(...fb.results);
    rounds.push({ open, ferry: fb.ms, bare: b.ms, ferryBad: fb.bad, bareBad: b.bad });
    log(
      `engine ${f.layout.title}: burst ${k}/${BURSTS} with ${open} deploys not final: Ferry p99 ${ms(percentile(fb.ms, 0.99))} ms, bare Bolt p99 ${ms(percentile(b.ms, 0.99))} ms`,
    );
    if (k < BURSTS) await sleep(BURST_GAP_MS);
  }
  // The phase's deploys, backlog and bursts together, are accounted as one run.
  const all: Fired = {
    t0: backlog.t0,
    offsets: [],
    responseIds: [...backlog.responseIds, ...burstIds],
    statuses: [...backlog.statuses, ...burstResults.map((r) => (r.status === 'fulfilled' ? r.value.status : 0))],
    ackMs: [],
  };
  const acked = all.statuses.filter((s) => s === 200).length;
  log(`engine ${f.layout.title}: acks under a backlog: waiting for the phase's ${acked} deploys to be final`);
  const { seq, complete } = await waitFinal(ctx.redis, f, base, acked, all.responseIds, DRAIN_TIMEOUT_MS);
  const stats = ferryStats(all, await records(ctx.redis, f.prefix, base, seq), readMarks(f.marks), complete);
  log(
    `engine ${f.layout.title}: acks under a backlog: ${stats.succeeded} succeeded, lost ${stats.lost}, overlaps ${stats.overlaps}${stats.unfinished ? `, ${stats.unfinished} unfinished` : ''}`,
  );
  return { rounds, stats, backlogSentMs };
}

// ---------------------------------------------------------------- Ferry's log

/** Ferry's warn and error lines (pino JSON on its stdout), counted by level and message. */
function logSummary(file: string): string {
  if (!existsSync(file)) return 'no log';
  const lines = readFileSync(file, 'utf8').split('\n').filter(Boolean);
  const seen = new Map<string, { n: number; example: string }>();
  let other = 0;
  for (const line of lines) {
    let o: { level?: number; msg?: string; err?: unknown };
    try {
      o = JSON.parse(line) as typeof o;
    } catch {
      other++;
      continue;
    }
    if ((o.level ?? 0) < 40) continue;
    const key = `${o.level! >= 50 ? 'error' : 'warn'} "${o.msg ?? ''}"`;
    const e = seen.get(key) ?? {
      n: 0,
      example: o.err === undefined ? '' : String(typeof o.err === 'object' ? JSON.stringify(o.err) : o.err).slice(0, 120),
    };
    e.n++;
    seen.set(key, e);
  }
  const parts = [...seen].sort((a, b) => b[1].n - a[1].n).map(([k, v]) => `${v.n} x ${k}${v.example ? ` (e.g. ${v.example})` : ''}`);
  if (other) parts.push(`${other} non-JSON lines`);
  return parts.length ? parts.join('; ') : `no warnings or errors (${LOG_LEVEL} and above)`;
}

// ---------------------------------------------------------------- the layouts

interface LayoutResult {
  layout: Layout;
  ferry: FerryRun;
  bare: BareRun;
  second?: FerryRun;
  /** MB; late*: how long after the 10 s mark the reading was taken (ms). */
  rss?: { idle: number; after1: number; after2: number; late1: number; late2: number };
  bursts?: BurstPhase;
  /** CPU per deploy read after Running.stop() instead of walking live descendants (layout b). */
  stopCpuMsPerDeploy?: number;
  stopLive?: number;
  mirrors: number;
  log: string;
}

const waitUntil = async (at: number) => {
  const wait = at - Date.now();
  if (wait > 0) await sleep(wait);
  return Date.now() - at;
};

/** Git mirrors Ferry keeps under its workspace (directories named *.git, outside the per-deploy trees). */
function mirrorCount(dir: string, depth = 3): number {
  if (depth === 0 || !existsSync(dir)) return 0;
  let n = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (!e.isDirectory() || e.name === 'runs') continue;
    if (e.name.endsWith('.git')) n++;
    else n += mirrorCount(path.join(dir, e.name), depth - 1);
  }
  return n;
}

async function runLayout(ctx: EngineContext, s: Setup, key: 'a' | 'b'): Promise<LayoutResult> {
  const layout = layoutOf(key);
  const f = await startFerry(ctx, s, layout);
  try {
    log(`engine ${layout.title}: Ferry up (pid ${f.pid}); warm-up: ${layout.warmTexts.length} deploy(s), one per app`);
    await warmUp(ctx, f);
    const idle = rssMb(f.pid);
    const first = await ferryRun(ctx, f, DEPLOYS, 'run');
    if (key === 'a') {
      // The bare worker runs while Ferry sits idle; Ferry's RSS is read 10 s after its run meanwhile.
      const rss1 = waitUntil(first.doneAt + RSS_AFTER_MS).then((late) => ({ late, mb: rssMb(f.pid) }));
      const bare = await bareRun(ctx, s, key, first.fired.offsets);
      const { late: late1, mb: after1 } = await rss1;
      const second = await ferryRun(ctx, f, DEPLOYS, 'second run, same process');
      // Bare Bolt starts and warms up meanwhile (it sends Ferry nothing).
      const bareBolt = await spawnChild('bare-bolt', {
        signingSecret: SIGNING_SECRET,
        token: BOT_TOKEN,
        slackApiUrl: ctx.slack.ready.apiUrl!,
      } satisfies BareBoltOptions);
      await sequential(bareBolt.ready.port!, ctx.ackWarmup, layout.texts[0]!);
      const late2 = await waitUntil(second.doneAt + RSS_AFTER_MS);
      const rss = { idle, after1, after2: rssMb(f.pid), late1, late2 };
      const bursts = await burstPhase(ctx, f, bareBolt);
      await kill(bareBolt.proc);
      return { layout, ferry: first, bare, second, rss, bursts, mirrors: mirrorCount(f.workDir), log: '' };
    }
    // Ferry is not needed after its run: stop it cleanly (Running.stop()) and read its CPU again,
    // as a check on the reading that walked its live descendants (what it leaves running is
    // counted as live descendants here too).
    const stopped = f.exited ? undefined : await f.child.ask<CpuReading>('stop');
    const bare = await bareRun(ctx, s, key, first.fired.offsets);
    return {
      layout,
      ferry: first,
      bare,
      ...(stopped && { stopCpuMsPerDeploy: cpuMs(first.cpu0, stopped) / DEPLOYS, stopLive: stopped.liveCount }),
      mirrors: mirrorCount(f.workDir),
      log: '',
    };
  } finally {
    await killFerry(f.child);
  }
}

// ---------------------------------------------------------------- the report

const sec = (v: number) => (Number.isFinite(v) ? `${(v / 1000).toFixed(1)} s` : 'unfinished');
const mb = (v: number) => (Number.isFinite(v) ? `${v.toFixed(0)} MB` : '-');
const check = (ok: boolean) => (ok ? 'ok' : 'OVER');
const within = (got: number, max: number, label: string) => `${label} <= ${max}x: ${Number.isFinite(got) ? check(got <= max) : '-'}`;
const spread = (xs: number[]) => (xs.length ? [0.5, 0.9, 0.99, 1].map((q) => ms(percentile(xs, q))).join(' / ') : '-');

function layoutRows(r: LayoutResult): string[][] {
  const f = r.ferry.stats;
  const b = r.bare.stats;
  const wallRatio = f.wallMs / b.wallMs;
  const cpuRatio = (f.cpuMsPerDeploy ?? Number.NaN) / (b.cpuMsPerDeploy ?? Number.NaN);
  const p99 = percentile(f.startToRun, 0.99);
  const rows = [
    [
      `${r.layout.title}: wall, ${DEPLOYS} deploys`,
      sec(f.wallMs),
      sec(b.wallMs),
      ratio(f.wallMs, b.wallMs),
      within(wallRatio, TARGET.wall, 'Ferry/bare'),
    ],
    ['  lost / overlaps', lostCell(f), lostCell(b), '', `0 / 0: ${check(f.lost === 0 && f.overlaps === 0 && f.complete)}`],
    [
      '  started -> command running, ms p50/p90/p99/max',
      spread(f.startToRun),
      spread(b.startToRun),
      ratio(p99, percentile(b.startToRun, 0.99)),
      `p99 <= ${TARGET.startToRunMs} ms: ${Number.isFinite(p99) ? check(p99 <= TARGET.startToRunMs) : '-'}`,
    ],
    [
      '  CPU per deploy (process + descendants)',
      cpuCell(f.cpuMsPerDeploy),
      cpuCell(b.cpuMsPerDeploy),
      ratio(f.cpuMsPerDeploy ?? Number.NaN, b.cpuMsPerDeploy ?? Number.NaN),
      within(cpuRatio, TARGET.cpu, 'Ferry/bare'),
    ],
  ];
  if (r.second) {
    const s = r.second.stats;
    rows.push([`  second ${DEPLOYS}, same Ferry process: wall`, sec(s.wallMs), '', ratio(s.wallMs, b.wallMs), 'for information']);
    rows.push([
      `    lost / overlaps; p99 started -> running; CPU`,
      `${lostCell(s)}; ${ms(percentile(s.startToRun, 0.99))} ms; ${cpuCell(s.cpuMsPerDeploy)}`,
      '',
      '',
      'for information',
    ]);
  }
  return rows;
}

const lostCell = (s: RunStats) => `${s.lost} / ${s.overlaps}${s.unfinished ? ` (+${s.unfinished} unfinished)` : ''}`;
const cpuCell = (v: number | undefined) => (v === undefined || !Number.isFinite(v) ? '-' : `${ms(v)} ms`);

function rssRows(r: LayoutResult): string[][] {
  const x = r.rss!;
  const flat = x.after2 / x.after1;
  return [
    ['idle (after the warm-up)', mb(x.idle), '', ''],
    [
      `${RSS_AFTER_MS / 1000} s after ${DEPLOYS} deploys`,
      mb(x.after1),
      ratio(x.after1, x.idle),
      within(x.after1 / x.idle, TARGET.rss, 'vs idle'),
    ],
    [
      `${RSS_AFTER_MS / 1000} s after ${DEPLOYS} more (same process)`,
      mb(x.after2),
      ratio(x.after2, x.idle),
      within(x.after2 / x.idle, TARGET.rss, 'vs idle'),
    ],
    ['  second run / first run', '', ratio(x.after2, x.after1), `flat (<= 1.05x): ${check(flat <= 1.05)}`],
  ];
}

function burstRows(p: BurstPhase): string[][] {
  const rows = p.rounds.map((r, i) => [
    `burst ${i + 1}: ${BURST_N} concurrent, ${r.open} deploys not final`,
    ms(percentile(r.ferry, 0.5)),
    ms(percentile(r.ferry, 0.99)),
    ms(percentile(r.bare, 0.5)),
    ms(percentile(r.bare, 0.99)),
    ratio(percentile(r.ferry, 0.99), percentile(r.bare, 0.99)),
    r.ferryBad || r.bareBad ? `${r.ferryBad} / ${r.bareBad} not 200` : '',
  ]);
  const fa = p.rounds.flatMap((r) => r.ferry);
  const ba = p.rounds.flatMap((r) => r.bare);
  const all = percentile(fa, 0.99) / percentile(ba, 0.99);
  rows.push([
    `all ${p.rounds.length} bursts`,
    ms(percentile(fa, 0.5)),
    ms(percentile(fa, 0.99)),
    ms(percentile(ba, 0.5)),
    ms(percentile(ba, 0.99)),
    ratio(percentile(fa, 0.99), percentile(ba, 0.99)),
    within(all, TARGET.ackP99, 'p99'),
  ]);
  return rows;
}

/** Runs the engine bench and returns its part of the report. */
export async function engineBench(ctx: EngineContext): Promise<string> {
  const t0 = Date.now();
  const s = setUp(ctx.tmp);
  const results: LayoutResult[] = [];
  for (const key of LAYOUTS as ('a' | 'b')[]) {
    const r = await runLayout(ctx, s, key);
    const logFile = path.join(s.dir, `ferry-${key}`, 'ferry.log');
    r.log = logSummary(logFile);
    // Kept where the temp folder's removal won't take it.
    mkdirSync(path.join(ROOT, '.ferry'), { recursive: true });
    if (existsSync(logFile)) copyFileSync(logFile, path.join(ROOT, '.ferry', `bench-ferry-${key}.log`));
    results.push(r);
  }

  const out: string[] = [];
  out.push(table([`engine: ${DEPLOYS} no-op deploys over ${ENVS} envs`, 'Ferry', 'bare', 'ratio', 'target'], results.flatMap(layoutRows)));
  const a = results.find((r) => r.layout.key === 'a');
  if (a?.rss) out.push('', table([`Ferry RSS, ${a.layout.title}`, 'VmRSS', 'vs idle', 'target'], rssRows(a)));
  if (a?.bursts) {
    out.push(
      '',
      table(
        [`acks while the backlog runs, ${a.layout.title} (ms)`, 'Ferry p50', 'Ferry p99', 'bare p50', 'bare p99', 'p99 ratio', 'target'],
        burstRows(a.bursts),
      ),
    );
  }
  out.push(
    '',
    `engine:  ${((Date.now() - t0) / 1000).toFixed(0)} s. Ferry = one process, start('all') (HTTP app + worker), LOG_LEVEL=${LOG_LEVEL} (its log copied to .ferry/bench-ferry-<layout>.log), Slack played by`,
    `         the fake Slack; requests = signed /deploy [app] <env> main to 127.0.0.1 /slack/events, ${CONCURRENCY} in flight, fresh connection each, round-robin over the envs.`,
    `         deploy command = bench mark script (appends "$FERRY_DEPLOY_ID <epoch ms>" to a file); warm-up: one deploy per app first (not counted).`,
    `         bare  = one BullMQ ${pkgVersion('bullmq')} worker process, ${ENVS} queues with a Worker (concurrency 1) each; jobs added on the times Ferry's requests were sent;`,
    `         per job: git clone --shared --no-checkout <mirror made up front>, git checkout --detach <sha>, the mark script (FERRY_DEPLOY_ID set), rm -r.`,
    `wall:    first request sent -> last deploy record final (its finishedAt); bare: first add -> last job completed.`,
    `         lost = acked 200 but not succeeded; overlaps = deploys of one env whose startedAt..finishedAt overlap (bare: processor start..completed).`,
    `running: deploy record startedAt (bare: processor start) -> the mark script's clock reading.`,
    `CPU:     utime+stime+cutime+cstime of the process and of its live descendants (/proc/*/stat), read in the child before and after the run;`,
    `         Ferry's after-reading once quiet (records final, no timer jobs, no Slack call for 1 s); the bare worker's after its workers closed.`,
  );
  for (const r of results) {
    const f = r.ferry;
    out.push(`${r.layout.title}:`);
    out.push(`  Ferry: ${f.stats.detail}.`);
    out.push(
      `         requests sent in ${sec(Math.max(...f.fired.offsets))} (ack p50 ${ms(percentile(f.fired.ackMs.filter(Number.isFinite), 0.5))} ms, p99 ${ms(percentile(f.fired.ackMs.filter(Number.isFinite), 0.99))} ms); quiet ${sec(f.settle.ms)} after the last record was final${f.settle.quiet ? '' : ' (NOT quiet: CPU read anyway)'}.`,
    );
    if (f.cpu1) {
      const hz = f.cpu1.clkTck;
      const part = (k: 'self' | 'reaped' | 'live') => `${(((f.cpu1![k] - f.cpu0[k]) * 1000) / hz / DEPLOYS).toFixed(1)}`;
      out.push(
        `         CPU per deploy, ms: process ${part('self')} + reaped descendants ${part('reaped')} + live descendants ${part('live')} (${f.cpu1.liveCount} live at the end).`,
      );
    }
    if (r.stopCpuMsPerDeploy !== undefined)
      out.push(
        `         cross-check: CPU per deploy read after Running.stop() instead: ${ms(r.stopCpuMsPerDeploy)} ms (includes the shutdown; ${r.stopLive} descendants still alive right after stop()).`,
      );
    out.push(`         git mirrors in its workspace: ${r.mirrors} (all apps deploy the same repository).`);
    if (r.second) out.push(`  Ferry, second run: ${r.second.stats.detail}.`);
    if (r.rss && (r.rss.late1 > 1000 || r.rss.late2 > 1000))
      out.push(
        `  RSS read ${sec(r.rss.late1)} / ${sec(r.rss.late2)} later than ${RSS_AFTER_MS / 1000} s after the runs (Ferry was slow to go quiet).`,
      );
    if (r.bursts) {
      const p = r.bursts;
      out.push(
        `  acks phase (separate from the runs above, same process): ${BURST_BACKLOG} /deploy over the envs (sent in ${sec(p.backlogSentMs)}), then ${BURSTS} bursts of ${BURST_N} to ${r.layout.texts[0]}, ${BURST_GAP_MS} ms apart;`,
      );
      out.push(
        `         each burst first to bare Bolt ${pkgVersion('@slack/bolt')} (App + HTTPReceiver, /deploy only acks, ${'warmed up'}), then to Ferry. The phase's deploys: ${p.stats.detail};`,
      );
      out.push(
        `         lost ${p.stats.lost}, overlaps ${p.stats.overlaps}${p.stats.unfinished ? `, ${p.stats.unfinished} still queued or running after ${DRAIN_TIMEOUT_MS / 1000} s (not waited for)` : ''}; first request -> last final ${sec(p.stats.wallMs)}.`,
      );
    }
    out.push(`  bare:  ${r.bare.stats.detail}.`);
    out.push(`  Ferry's log: ${r.log}.`);
  }
  return out.join('\n');
}
