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
 * The load generator is this process; the fake Slack, Ferry and the bare baselines each run in a
 * child process of their own (bench/child.ts). scripts/bench.sh builds, starts a private Redis and
 * runs this with BENCH_REDIS_URL and BENCH_TMP set. Knobs (environment): BENCH_ACK_N (200),
 * BENCH_ACK_ROUNDS (3), BENCH_ACK_WARMUP (20), BENCH_DEPLOYS (50), BENCH_DEPLOY_WARMUP (5),
 * BENCH_GAP_MS (50).
 */
import { type ChildProcess, fork } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import YAML from 'yaml';
import { makeRepo } from '../test/helpers/git-repo';
import { sign, slashBody } from '../test/helpers/slack-requests';
import type { BareBoltOptions, BareBullOptions, ChildMessage, RunJob } from './child';
import { ms, percentile, ratio, type Summary, summarize, table, wholeMsMedian } from './stats';

const ROOT = path.resolve(__dirname, '../..');
const CHILD = path.join(__dirname, 'child.js');
const SIGNING_SECRET = 'bench-signing-secret-0123456789';
const BOT_TOKEN = 'xoxb-000000000000-000000000000-benchtokenvalue12';
const REF = 'feature/checkout';
const USER = 'U0BENCH';

const int = (name: string, dflt: number): number => {
  const v = process.env[name];
  const n = v ? Number(v) : dflt;
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name}=${v} must be a whole number >= 1`);
  return n;
};
const ACK_N = int('BENCH_ACK_N', 200);
const ACK_ROUNDS = int('BENCH_ACK_ROUNDS', 3);
const ACK_WARMUP = int('BENCH_ACK_WARMUP', 20);
const DEPLOYS = int('BENCH_DEPLOYS', 50);
const DEPLOY_WARMUP = int('BENCH_DEPLOY_WARMUP', 5);
const GAP_MS = int('BENCH_GAP_MS', 50);
/** How long a round waits for Ferry's response_url answers after its burst. */
const ANSWER_WAIT_MS = 30_000;
const DEADLINE_MS = 170_000;

const REDIS_URL = process.env.BENCH_REDIS_URL;
const TMP = process.env.BENCH_TMP ?? mkdtempSync(path.join(os.tmpdir(), 'ferry-bench-'));

const sleep = (t: number) => new Promise((r) => setTimeout(r, t));
const log = (s: string) => process.stderr.write(`bench: ${s}\n`);

// ---------------------------------------------------------------- child processes

const children = new Set<ChildProcess>();
process.on('exit', () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

interface Child {
  proc: ChildProcess;
  ready: Extract<ChildMessage, { type: 'ready' }>;
}

function spawnChild(role: string, arg?: unknown, onMessage?: (m: ChildMessage) => void): Promise<Child> {
  const proc = fork(CHILD, arg === undefined ? [role] : [role, JSON.stringify(arg)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv: [] });
  children.add(proc);
  return new Promise((resolve, reject) => {
    proc.on('message', (m: ChildMessage) => {
      if (m.type === 'ready') resolve({ proc, ready: m });
      else if (m.type === 'error') {
        reject(new Error(`bench child ${role} failed: ${m.message}`));
        log(`child ${role} reported: ${m.message}`);
      }
      onMessage?.(m);
    });
    proc.on('exit', (code, sig) => reject(new Error(`bench child ${role} exited (${code ?? sig}) before it was ready`)));
  });
}

async function kill(proc: ChildProcess): Promise<void> {
  children.delete(proc);
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const gone = new Promise((r) => proc.once('exit', r));
  proc.kill('SIGKILL');
  await gone;
}

/** Response_url answers seen by the fake Slack, by response id. */
const answers = new Map<string, { text: string; at: number }>();
const answerWaiters = new Map<string, (a: { text: string; at: number }) => void>();

function onSlackMessage(m: ChildMessage): void {
  if (m.type !== 'respond') return;
  const a = { text: m.text, at: m.at };
  answers.set(m.id, a);
  answerWaiters.get(m.id)?.(a);
  answerWaiters.delete(m.id);
}

function waitAnswer(id: string, timeoutMs = 30_000): Promise<{ text: string; at: number }> {
  const have = answers.get(id);
  if (have) return Promise.resolve(have);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      answerWaiters.delete(id);
      reject(new Error(`no response_url answer for ${id} within ${timeoutMs} ms`));
    }, timeoutMs);
    answerWaiters.set(id, (a) => {
      clearTimeout(timer);
      resolve(a);
    });
  });
}

// ---------------------------------------------------------------- HTTP client

interface Posted {
  status: number;
  ms: number;
  /** Wall-clock start, to line up with the fake Slack's answer times. */
  startedAt: number;
}

/** One signed POST on a fresh connection (no keep-alive); time from request start to the response's end. */
function post(port: number, body: string): Promise<Posted> {
  const headers = sign(SIGNING_SECRET, body);
  return new Promise((resolve, reject) => {
    const startedAt = Date.now();
    const t0 = performance.now();
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        path: '/slack/events',
        method: 'POST',
        agent: false,
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(body), connection: 'close', ...headers },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - t0, startedAt }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

let responseBase = '';
let responseSeq = 0;

function deployBody(text: string): { id: string; body: string } {
  const id = `b${++responseSeq}`;
  return { id, body: slashBody('/deploy', text, USER, `${responseBase}${id}`) };
}

/** Fires n requests at once (bodies built first, so building them is not timed). */
async function burst(port: number, n: number, text: string): Promise<{ ids: string[]; results: Posted[] }> {
  const reqs = Array.from({ length: n }, () => deployBody(text));
  const results = await Promise.all(reqs.map((r) => post(port, r.body)));
  const bad = results.filter((r) => r.status !== 200);
  if (bad.length) throw new Error(`${bad.length} of ${n} requests were not answered 200 (e.g. ${bad[0]!.status})`);
  return { ids: reqs.map((r) => r.id), results };
}

async function sequential(port: number, n: number, text: string): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const r = deployBody(text);
    const res = await post(port, r.body);
    if (res.status !== 200) throw new Error(`warm-up request answered ${res.status}`);
    ids.push(r.id);
  }
  return ids;
}

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
    if (worker) await kill(worker.proc);
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
    await kill(ferry.proc);
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
  await kill(ferry.proc);
  await kill(bare.proc);
  return out;
}

// ---------------------------------------------------------------- main

async function main(): Promise<void> {
  if (!REDIS_URL) throw new Error('set BENCH_REDIS_URL (scripts/bench.sh starts a private Redis and sets it)');
  const t0 = Date.now();
  setTimeout(() => {
    log(`gave up after ${DEADLINE_MS / 1000} s`);
    process.exit(1);
  }, DEADLINE_MS).unref();

  const redis = new Redis(REDIS_URL);
  const redisVersion = /redis_version:(\S+)/.exec(await redis.info('server'))?.[1] ?? '?';
  const repo = makeRepo(path.join(TMP, 'repo'), [REF]).path;
  const slack = await spawnChild('fake-slack', undefined, onSlackMessage);
  responseBase = slack.ready.responseBase!;

  const ack = await ackLatency(redis, repo, slack.ready.apiUrl!, 'split');
  const ackTogether = await ackLatency(redis, repo, slack.ready.apiUrl!, 'together');
  log(`accepted->running: ${DEPLOY_WARMUP} warm-up + ${DEPLOYS} sequential deploys to staging, alternating with bare BullMQ jobs`);
  const run = await acceptedToRunning(redis, repo, slack.ready.apiUrl!);
  await Promise.all([...children].map(kill));
  await redis.quit();

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
  const perRound = ack.rounds.map((r, i) => `#${i + 1} Ferry ${ms(r.ferry.p50)}/${ms(r.ferry.p99)} bare ${ms(r.bare.p50)}/${ms(r.bare.p99)}`).join('; ');
  const cpu = os.cpus()[0]?.model.trim() ?? '?';
  const text = [
    `Ferry bench, ${new Date().toISOString()}: ${os.cpus().length} cores (${cpu}), Node ${process.version}, Redis ${redisVersion}, ${((Date.now() - t0) / 1000).toFixed(0)} s`,
    '',
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
  mkdirSync(path.join(ROOT, '.ferry'), { recursive: true });
  writeFileSync(path.join(ROOT, '.ferry/bench.txt'), `${text}\n`);
  process.stdout.write(`${text}\n`);
  process.exit(0);
}

function pkgVersion(name: string): string {
  try {
    return (require(`${name}/package.json`) as { version: string }).version;
  } catch {
    return '?';
  }
}

main().catch((err: Error) => {
  log(`failed: ${err.stack ?? err.message}`);
  process.exit(1);
});
