/**
 * `npm run bench`: how much Ferry adds on top of the libraries it is built on.
 *
 * 1. Ack latency: bursts of concurrent signed `/deploy dev <ref>` slash commands to Ferry's
 *    POST /slack/events (Ferry's own HTTP server and slack guard, Bolt, real Redis, the worker
 *    running in the same process as `npm start` runs it, Slack Web API played by
 *    test/helpers/fake-slack.ts) versus a bare Bolt app (HTTPReceiver, same signing secret and
 *    token) whose /deploy listener only acks. Client-side time from request start to the end of the
 *    response, one fresh connection per request (no keep-alive). Each round starts a fresh Ferry,
 *    warms both up, fires the burst at bare Bolt, then at Ferry, then waits for Ferry's answers
 *    (so every request is known to have been accepted for real).
 * 2. Accepted -> running: sequential deploys of /bin/true to one env, from the deploy record's
 *    createdAt to its startedAt (ms, written by Ferry, read with HGETALL), each waited on until it
 *    finished, versus bare BullMQ on the same Redis: Queue.add call start -> Worker processor
 *    start. Ferry deploys and bare jobs alternate, so both see the same machine.
 *
 * 3. Engine load (bench/engine.ts): 1,000 no-op deploys over 50 envs on a one-process Ferry, in
 *    two layouts, versus a bare BullMQ worker doing the same per-deploy work: wall time, lost
 *    deploys and overlaps, deploy started -> command running, CPU per deploy, Ferry's RSS over two
 *    runs, and acks of /deploy bursts while a backlog runs versus bare Bolt.
 * 4. Release summary vs bare compare (bench/release.ts): /release of a 1,000-commit range with
 *    merges, command -> summary in the feed, versus a bare paginated Octokit compare of the range.
 *
 * The load generator is this process; the fake Slack, Ferry and the bare baselines each run in a
 * child process of their own (bench/child.ts). scripts/bench.sh builds, starts a private Redis and
 * runs this with BENCH_REDIS_URL and BENCH_TMP set. Knobs (environment): BENCH_ONLY (engine |
 * classic | release: one part only), BENCH_ACK_N (200), BENCH_ACK_ROUNDS (3), BENCH_ACK_WARMUP (20),
 * BENCH_DEPLOYS (50), BENCH_DEPLOY_WARMUP (5), BENCH_GAP_MS (50), BENCH_DEADLINE_S; the engine's
 * BENCH_ENGINE_* knobs are listed in bench/engine.ts and bench/README.md.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import YAML from 'yaml';
import { makeRepo } from '../test/helpers/git-repo';
import type { BareBoltOptions, BareBullOptions, RunJob } from './child';
import { engineBench } from './engine';
import { releaseBench } from './release';
import {
  BOT_TOKEN,
  burst,
  deployBody,
  int,
  kill,
  killAll,
  killFerry,
  log,
  onSlackMessage,
  orphanedTicks,
  pkgVersion,
  post,
  ROOT,
  sequential,
  setResponseBase,
  SIGNING_SECRET,
  sleep,
  spawnChild,
  waitAnswer,
} from './lib';
import { cpuReading, cpuTotal, machineBusy } from './proc';
import { ms, percentile, ratio, type Summary, summarize, table, wholeMsMedian } from './stats';

const REF = 'feature/checkout';

const ACK_N = int('BENCH_ACK_N', 200);
const ACK_ROUNDS = int('BENCH_ACK_ROUNDS', 3);
const ACK_WARMUP = int('BENCH_ACK_WARMUP', 20);
const DEPLOYS = int('BENCH_DEPLOYS', 50);
const DEPLOY_WARMUP = int('BENCH_DEPLOY_WARMUP', 5);
const GAP_MS = int('BENCH_GAP_MS', 50);
/** How long a round waits for Ferry's response_url answers after its burst. */
const ANSWER_WAIT_MS = 30_000;

/** BENCH_ONLY: `engine` runs only the engine-load part (bench/engine.ts), `classic` only the rows before it, `release` only the release summary vs bare compare (bench/release.ts). */
const ONLY = process.env.BENCH_ONLY ?? '';
if (!['', 'engine', 'classic', 'release'].includes(ONLY))
  throw new Error(`BENCH_ONLY=${ONLY} must be engine, classic or release (or unset for all)`);
const RUN_CLASSIC = ONLY === '' || ONLY === 'classic';
const RUN_ENGINE = ONLY === '' || ONLY === 'engine';
const RUN_RELEASE = ONLY === '' || ONLY === 'release';
/** A safety net, not a target: the bench gives up after this long. */
const DEADLINE_MS = int('BENCH_DEADLINE_S', (RUN_CLASSIC ? 170 : 0) + (RUN_ENGINE ? 900 : 0) + (RUN_RELEASE ? 240 : 0)) * 1000;

const REDIS_URL = process.env.BENCH_REDIS_URL;
const TMP = process.env.BENCH_TMP ?? mkdtempSync(path.join(os.tmpdir(), 'ferry-bench-'));

// ---------------------------------------------------------------- Ferry

function ferryEnv(name: string, repo: string, prefix: string, slackApiUrl: string): Record<string, string> {
  const dir = path.join(TMP, name);
  mkdirSync(dir, { recursive: true });
  const configFile = path.join(dir, 'ferry.yml');
  const env = { deploy: ['/bin/true'] };
  writeFileSync(
    configFile,
    YAML.stringify({
      feed_channel: 'C0FEED',
      redis_prefix: prefix,
      workspace_dir: path.join(dir, 'work'),
      apps: { web: { path: repo, environments: { dev: env, staging: env } } },
    }),
  );
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: dir,
    SLACK_BOT_TOKEN: BOT_TOKEN,
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: slackApiUrl,
    REDIS_URL: REDIS_URL!,
    FERRY_CONFIG: configFile,
    PORT: '0',
    LOG_LEVEL: 'silent',
  };
}

const FINISHED = new Set(['succeeded', 'failed', 'cancelled']);

async function deployIdOf(responseId: string): Promise<number> {
  const a = await waitAnswer(responseId);
  const m = /deploy #(\d+)/.exec(a.text);
  if (!m) throw new Error(`Ferry did not accept the deploy: ${a.text}`);
  return Number(m[1]);
}

/** Polls a deploy record until it has finished; returns the record. */
async function finished(redis: Redis, prefix: string, id: number, timeoutMs = 60_000, pollMs = 5): Promise<Record<string, string>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const h = await redis.hgetall(`${prefix}:deploy:${id}`);
    if (h.status && FINISHED.has(h.status)) return h;
    if (Date.now() > deadline) throw new Error(`deploy #${id} did not finish within ${timeoutMs} ms (status ${h.status ?? 'none'})`);
    await sleep(pollMs);
  }
}

// ---------------------------------------------------------------- the two measures

interface AckResult {
  ferry: number[];
  bare: number[];
  rounds: { ferry: Summary; bare: Summary }[];
  answerMs: number[];
  accepted: number;
  sent: number;
}

/**
 * `split`: Ferry's app process alone on the machine during the burst, as when workers run on other
 * machines (its worker process serves the warm-up, then is stopped before the burst).
 * `together`: app and worker in one process (npm start), the worker running the burst's deploys
 * on the same two cores while the acks are measured.
 */
async function ackLatency(redis: Redis, repo: string, slackApiUrl: string, mode: 'split' | 'together'): Promise<AckResult> {
  const out: AckResult = { ferry: [], bare: [], rounds: [], answerMs: [], accepted: 0, sent: 0 };
  const bare = await spawnChild('bare-bolt', { signingSecret: SIGNING_SECRET, token: BOT_TOKEN, slackApiUrl } satisfies BareBoltOptions);
  const barePort = bare.ready.port!;
  await sequential(barePort, ACK_WARMUP, `dev ${REF}`);
  for (let round = 1; round <= ACK_ROUNDS; round++) {
    const prefix = `bench-ack-${mode}${round}`;
    const env = ferryEnv(`ferry-ack-${mode}${round}`, repo, prefix, slackApiUrl);
    const ferry = await spawnChild(mode === 'split' ? 'ferry-app' : 'ferry', env);
    const worker = mode === 'split' ? await spawnChild('ferry-worker', env) : undefined;
    const ferryPort = ferry.ready.port!;
    log(`ack round ${round}/${ACK_ROUNDS} (${mode}): warming up (${ACK_WARMUP} sequential requests each)`);
    await sequential(barePort, ACK_WARMUP, `dev ${REF}`);
    const warm = await sequential(ferryPort, ACK_WARMUP, `dev ${REF}`);
    // Let Ferry finish the warm-up's after-ack work and its deploys, so the burst starts from quiet.
    for (const rid of warm) await finished(redis, prefix, await deployIdOf(rid));
    if (worker) await killFerry(worker);
    await sleep(300);

    log(`ack round ${round}/${ACK_ROUNDS} (${mode}): ${ACK_N} concurrent /deploy to bare Bolt, then to Ferry`);
    const b = await burst(barePort, ACK_N, `dev ${REF}`);
    await sleep(300);
    const f = await burst(ferryPort, ACK_N, `dev ${REF}`);
    const got = await Promise.allSettled(f.ids.map((id) => waitAnswer(id, ANSWER_WAIT_MS)));
    let accepted = 0;
    got.forEach((g, i) => {
      if (g.status !== 'fulfilled') return;
      out.answerMs.push(g.value.at - f.results[i]!.startedAt);
      if (/Accepted as \*deploy #\d+\*/.test(g.value.text)) accepted++;
    });
    log(`ack round ${round}/${ACK_ROUNDS} (${mode}): ${accepted}/${ACK_N} accepted`);
    await killFerry(ferry);
    out.accepted += accepted;
    out.sent += ACK_N;
    out.ferry.push(...f.results.map((r) => r.ms));
    out.bare.push(...b.results.map((r) => r.ms));
    out.rounds.push({ ferry: summarize(f.results.map((r) => r.ms)), bare: summarize(b.results.map((r) => r.ms)) });
  }
  await kill(bare.proc);
  return out;
}

interface RunResult {
  ferry: number[];
  bare: number[];
  statuses: Map<string, number>;
}

async function acceptedToRunning(redis: Redis, repo: string, slackApiUrl: string): Promise<RunResult> {
  const prefix = 'bench-run';
  const ferry = await spawnChild('ferry', ferryEnv('ferry-run', repo, prefix, slackApiUrl));
  const samples = new Map<number, (ms: number) => void>();
  const bare = await spawnChild('bare-bullmq', { redisUrl: REDIS_URL!, prefix: 'bench-bare' } satisfies BareBullOptions, (m) => {
    if (m.type === 'sample') samples.get(m.seq)?.(m.ms);
  });
  const bareJob = (seq: number): Promise<number> =>
    new Promise((resolve, reject) => {
      samples.set(seq, resolve);
      bare.proc.send({ type: 'job', seq } satisfies RunJob);
      setTimeout(() => reject(new Error(`bare BullMQ job ${seq} did not report within 30 s`)), 30_000).unref();
    });
  await sleep(300);

  const out: RunResult = { ferry: [], bare: [], statuses: new Map() };
  for (let i = 0; i < DEPLOY_WARMUP + DEPLOYS; i++) {
    const r = deployBody(`staging ${REF}`);
    const res = await post(ferry.ready.port!, r.body);
    if (res.status !== 200) throw new Error(`/deploy answered ${res.status}`);
    const id = await deployIdOf(r.id);
    const h = await finished(redis, prefix, id);
    out.statuses.set(h.status!, (out.statuses.get(h.status!) ?? 0) + 1);
    if (!h.startedAt) throw new Error(`deploy #${id} finished (${h.status}) without starting: ${h.error ?? ''}`);
    await sleep(GAP_MS);
    const bareMs = await bareJob(i);
    await sleep(GAP_MS);
    if (i < DEPLOY_WARMUP) continue;
    out.ferry.push(Number(h.startedAt) - Number(h.createdAt));
    out.bare.push(bareMs);
  }
  await killFerry(ferry);
  await kill(bare.proc);
  return out;
}

// ---------------------------------------------------------------- main

async function main(): Promise<void> {
  if (!REDIS_URL) throw new Error('set BENCH_REDIS_URL (scripts/bench.sh starts a private Redis and sets it)');
  const t0 = Date.now();
  // What else the machine did meanwhile: its busy CPU time minus this process tree's and Redis's.
  const busy0 = machineBusy();
  const tree0 = cpuReading();
  setTimeout(() => {
    log(`gave up after ${DEADLINE_MS / 1000} s`);
    process.exit(1);
  }, DEADLINE_MS).unref();

  const redis = new Redis(REDIS_URL);
  const redisVersion = /redis_version:(\S+)/.exec(await redis.info('server'))?.[1] ?? '?';
  const redis0 = await redisCpuSeconds(redis);
  const slack = await spawnChild('fake-slack', undefined, onSlackMessage);
  setResponseBase(slack.ready.responseBase!);

  const parts: string[] = [];
  if (RUN_CLASSIC) parts.push(await classic(redis, slack.ready.apiUrl!));
  if (RUN_ENGINE) parts.push(await engineBench({ redis, redisUrl: REDIS_URL, tmp: TMP, slack, ackWarmup: ACK_WARMUP }));
  if (RUN_RELEASE) parts.push(await releaseBench({ redis, redisUrl: REDIS_URL, tmp: TMP }));
  await killAll();
  const redisCpu = (await redisCpuSeconds(redis)) - redis0;
  await redis.quit();
  const tree1 = cpuReading();
  const hz = tree1.clkTck;
  const busy = (machineBusy() - busy0) / hz;
  const others = busy - (cpuTotal(tree1) - cpuTotal(tree0) + orphanedTicks()) / hz - redisCpu;
  const wallS = (Date.now() - t0) / 1000;

  const cpu = os.cpus()[0]?.model.trim() ?? '?';
  const text = [
    `Ferry bench, ${new Date().toISOString()}: ${os.cpus().length} cores (${cpu}), Node ${process.version}, Redis ${redisVersion}, ${wallS.toFixed(0)} s;`,
    `machine busy ${busy.toFixed(0)} CPU-s meanwhile, of which other processes (not the bench, its children or its Redis) ~${Math.max(0, others).toFixed(0)} CPU-s` +
      ` (~${(Math.max(0, others) / wallS).toFixed(2)} cores on average): anything else running moves the numbers, the baselines' too.`,
    ...parts.map((p) => `\n${p}`),
  ].join('\n');
  mkdirSync(path.join(ROOT, '.ferry'), { recursive: true });
  writeFileSync(path.join(ROOT, '.ferry/bench.txt'), `${text}\n`);
  process.stdout.write(`${text}\n`);
  process.exit(0);
}

/** The first rows: ack latency on a fresh Ferry, and accepted -> running one deploy at a time. */
async function classic(redis: Redis, slackApiUrl: string): Promise<string> {
  const repo = makeRepo(path.join(TMP, 'repo'), [REF]).path;
  const ack = await ackLatency(redis, repo, slackApiUrl, 'split');
  const ackTogether = await ackLatency(redis, repo, slackApiUrl, 'together');
  log(`accepted->running: ${DEPLOY_WARMUP} warm-up + ${DEPLOYS} sequential deploys to staging, alternating with bare BullMQ jobs`);
  const run = await acceptedToRunning(redis, repo, slackApiUrl);

  // ---- report
  const ackF = summarize(ack.ferry);
  const ackB = summarize(ack.bare);
  const togF = summarize(ackTogether.ferry);
  const togB = summarize(ackTogether.bare);
  const runF = summarize(run.ferry);
  const runB = summarize(run.bare);
  const runF50 = wholeMsMedian(run.ferry);
  const verdict = (got: number, max: number, on: string) => `${on} <= ${max}x: ${got <= max ? 'ok' : 'OVER'}`;
  const rows = [
    [
      `ack of signed /deploy, ${ACK_ROUNDS > 1 ? `${ACK_ROUNDS} x ` : ''}${ACK_N} concurrent (app process)`,
      String(ackF.n),
      ms(ackF.p50),
      ms(ackF.p99),
      ms(ackB.p50),
      ms(ackB.p99),
      ratio(ackF.p50, ackB.p50),
      ratio(ackF.p99, ackB.p99),
      verdict(ackF.p99 / ackB.p99, 1.5, 'p99'),
    ],
    [
      `  same, app + worker in one process`,
      String(togF.n),
      ms(togF.p50),
      ms(togF.p99),
      ms(togB.p50),
      ms(togB.p99),
      ratio(togF.p50, togB.p50),
      ratio(togF.p99, togB.p99),
      'for information',
    ],
    [
      `accepted -> running, ${DEPLOYS} sequential`,
      String(runF.n),
      `${ms(runF50)}*`,
      ms(runF.p99),
      ms(runB.p50),
      ms(runB.p99),
      ratio(runF50, runB.p50),
      ratio(runF.p99, runB.p99),
      verdict(runF50 / runB.p50, 1.5, 'p50'),
    ],
  ];
  const perRound = ack.rounds
    .map((r, i) => `#${i + 1} Ferry ${ms(r.ferry.p50)}/${ms(r.ferry.p99)} bare ${ms(r.bare.p50)}/${ms(r.bare.p99)}`)
    .join('; ');
  return [
    table(['latency (ms)', 'n', 'Ferry p50', 'Ferry p99', 'bare p50', 'bare p99', 'p50 ratio', 'p99 ratio', 'target'], rows),
    '',
    `ack:     client-side, request start to response end, one fresh TCP connection per request; ${ACK_WARMUP} warm-up requests each first.`,
    `         Ferry = its HTTP server -> slack guard (signature, Redis replay SET NX) -> Bolt -> /deploy ack, a fresh Ferry each round.`,
    `         (app process): \`ferry app\` alone during the burst, as when workers run elsewhere (a worker process served the warm-up).`,
    `         (one process): \`npm start\`, its worker running the burst's deploys (git checkouts, commands) on the same 2 cores.`,
    `         bare  = Bolt ${pkgVersion('@slack/bolt')} App + HTTPReceiver, same signing secret and token, /deploy listener only calls ack().`,
    `         per round p50/p99 (app process): ${perRound}`,
    `         Ferry's answer via response_url (after the ack): p50 ${ms(percentile(ack.answerMs, 0.5))}, p99 ${ms(percentile(ack.answerMs, 0.99))}; ${ack.accepted + ackTogether.accepted}/${ack.sent + ackTogether.sent} deploys accepted.`,
    `running: Ferry = deploy record createdAt -> startedAt, deploy command /bin/true, each deploy finished before the next (${[...run.statuses].map(([s, n]) => `${n} ${s}`).join(', ')}).`,
    `         * Ferry's timestamps are whole ms: p50 is interpolated within its 1 ms bucket (nearest-rank p50: ${ms(runF.p50)}).`,
    `         bare  = BullMQ ${pkgVersion('bullmq')} Queue.add call start -> Worker processor start, same Redis, one job at a time, alternating with Ferry's deploys.`,
  ].join('\n');
}

main().catch((err: Error) => {
  log(`failed: ${err.stack ?? err.message}`);
  process.exit(1);
});

/** Redis's own CPU time (INFO cpu: user + sys, its forks' included), in seconds. */
async function redisCpuSeconds(redis: Redis): Promise<number> {
  const info = await redis.info('cpu');
  let total = 0;
  for (const k of ['used_cpu_sys', 'used_cpu_user', 'used_cpu_sys_children', 'used_cpu_user_children']) {
    total += Number(new RegExp(`^${k}:([\\d.]+)`, 'm').exec(info)?.[1] ?? 0);
  }
  return total;
}
