/**
 * The bench's child processes, one role each, so the load generator, the fake Slack and each
 * server under test get their own event loop (as they would in production):
 *
 *   node dist/bench/child.js fake-slack ['<json>']  Slack Web API + response_url endpoints
 *   node dist/bench/child.js fake-github '<json>'    GitHub's REST API for local repositories (release bench)
 *   node dist/bench/child.js ferry '<env json>'      Ferry's start('all', env): HTTP app + worker
 *   node dist/bench/child.js ferry-app|ferry-worker   start('app') / start('worker'): the roles apart
 *   node dist/bench/child.js bare-bolt '<json>'      a Bolt app whose /deploy listener only acks
 *   node dist/bench/child.js bare-bullmq '<json>'    Queue.add -> processor start, one job per request
 *   node dist/bench/child.js bare-engine '<json>'    one BullMQ worker per queue doing Ferry's per-deploy
 *                                                    work (shared clone, checkout, command, rm)
 *
 * Each talks to the parent over the fork() IPC channel and exits when the parent goes away. The
 * parent can ask a child things (Ask): its CPU time so far (`cpu`), to stop cleanly first
 * (`stop`, Ferry and bare-engine), when the fake Slack last got a request (`last-request`).
 */
import { execFile } from 'node:child_process';
import { rm } from 'node:fs/promises';
import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { App, HTTPReceiver, LogLevel } from '@slack/bolt';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { type Role, start } from '../src/main';
import { FakeGitHub, type FakePull } from '../test/helpers/fake-github';
import { FakeSlack } from '../test/helpers/fake-slack';
import { type CpuReading, cpuReading, wallMs } from './proc';

export type ChildMessage =
  | { type: 'ready'; port?: number; apiUrl?: string; responseBase?: string; pid?: number }
  | { type: 'respond'; id: string; text: string; at: number }
  /** fake-slack with `posts`: a message was posted (version 0) or updated in a watched channel; `at` is wall-clock ms (fractional). */
  | { type: 'posted'; channel: string; ts: string; version: number; text: string; at: number }
  | { type: 'sample'; seq: number; ms: number }
  | { type: 'reply'; seq: number; value: unknown }
  /** bare-engine: job `id` ran from startedAt (processor start) to finishedAt (completed), wall-clock ms. */
  | { type: 'job-done'; id: number; queue: string; startedAt: number; finishedAt: number; ok: boolean; error?: string }
  | { type: 'error'; message: string };

/** Parent -> child: a question, answered with { type: 'reply', seq, value }. */
export interface Ask {
  type: 'ask';
  seq: number;
  what: 'cpu' | 'stop' | 'last-request';
}

/** Answers the parent's questions with `handlers` (cpu is always answered). */
function answerAsks(handlers: Partial<Record<Ask['what'], () => unknown>>): void {
  process.on('message', (m: Ask) => {
    if (m?.type !== 'ask') return;
    const h = handlers[m.what] ?? (m.what === 'cpu' ? cpuReading : undefined);
    Promise.resolve()
      .then(() => (h ? h() : { error: `this child can't answer ${m.what}` }))
      .then(
        (value) => send({ type: 'reply', seq: m.seq, value }),
        (err: Error) => send({ type: 'reply', seq: m.seq, value: { error: err.message } }),
      );
  });
}

export interface BareBoltOptions {
  signingSecret: string;
  token: string;
  slackApiUrl: string;
}

export interface BareBullOptions {
  redisUrl: string;
  prefix: string;
}

/** Parent -> bare-bullmq child: run one job and report its add -> processor-start time. */
export interface RunJob {
  type: 'job';
  seq: number;
}

/** To the parent; dropped once the parent is gone (the child exits on 'disconnect' then). */
const send = (m: ChildMessage): void => {
  if (process.connected) process.send?.(m, undefined, {}, () => {});
};

/** fake-slack's options: Slack users by email (users.lookupByEmail), channels whose messages are forwarded as `posted`. */
export interface FakeSlackOptions {
  emails?: [string, string][];
  posts?: string[];
}

/** fake-github's options: "owner/repo" -> local repository, commit -> pull requests, email -> login. */
export interface FakeGitHubOptions {
  repos: [string, string][];
  pulls?: [string, FakePull[]][];
  logins?: [string, string][];
}

async function fakeSlack(o: FakeSlackOptions = {}): Promise<void> {
  const slack = await new FakeSlack().start();
  for (const [email, id] of o.emails ?? []) slack.emails.set(email.toLowerCase(), id);
  const watched = new Set(o.posts ?? []);
  /** Versions of each watched message already forwarded, by ts. */
  const forwarded = new Map<string, number>();
  // FakeSlack re-runs a waitFor() pick on every request it receives; this one never resolves and
  // forwards each new response_url answer to the parent as it arrives. FakeSlack calls
  // responses.set() for every answer, so only the ids it was called with are looked at (the
  // engine bench makes thousands of them; a full scan on every request would cost seconds).
  const seen = new Map<string, number>();
  const changed = new Set<string>();
  const set = slack.responses.set.bind(slack.responses);
  slack.responses.set = (id: string, list: Record<string, unknown>[]) => {
    changed.add(id);
    return set(id, list);
  };
  let lastRequest = Date.now();
  const forward = (): undefined => {
    lastRequest = Date.now();
    for (const id of changed) {
      const list = slack.responses.get(id) ?? [];
      const n = seen.get(id) ?? 0;
      for (let i = n; i < list.length; i++) send({ type: 'respond', id, text: String(list[i]!.text ?? ''), at: Date.now() });
      seen.set(id, list.length);
    }
    changed.clear();
    if (watched.size) {
      for (const m of slack.messages) {
        if (!watched.has(m.channel) || m.thread_ts) continue;
        for (let v = forwarded.get(m.ts) ?? 0; v < m.versions.length; v++)
          send({ type: 'posted', channel: m.channel, ts: m.ts, version: v, text: m.versions[v]!.text, at: wallMs() });
        forwarded.set(m.ts, m.versions.length);
      }
    }
    // The bench never reads the Web API call log back; keep it from growing.
    slack.calls.length = 0;
    return undefined;
  };
  void slack.waitFor('nothing (the bench forwards responses)', forward, 2_000_000_000).catch(() => {});
  answerAsks({ 'last-request': () => lastRequest });
  send({ type: 'ready', port: slack.port, apiUrl: slack.apiUrl, responseBase: slack.responseUrl('') });
}

async function fakeGitHub(o: FakeGitHubOptions): Promise<void> {
  const gh = await new FakeGitHub().start();
  for (const [name, dir] of o.repos) gh.repos.set(name, dir);
  for (const [sha, pulls] of o.pulls ?? []) gh.pulls.set(sha, pulls);
  for (const [email, login] of o.logins ?? []) gh.logins.set(email, login);
  // Its request log is never read here; keep it from growing.
  setInterval(() => {
    gh.requests.length = 0;
    gh.auths.length = 0;
  }, 1_000).unref();
  send({ type: 'ready', apiUrl: gh.url });
}

async function ferry(role: Role, env: Record<string, string>): Promise<void> {
  const running = await start(role, env);
  // `stop`: Running.stop() (the worker lets its deploys finish, the supervisor goes), then the CPU
  // reading, so what Ferry's descendants used is in it.
  let stopped: Promise<CpuReading> | undefined;
  answerAsks({ stop: () => (stopped ??= running.stop().then(cpuReading)) });
  send({ type: 'ready', pid: process.pid, ...(running.server && { port: (running.server.address() as AddressInfo).port }) });
}

async function bareBolt(o: BareBoltOptions): Promise<void> {
  // The same Bolt set-up as src/slack/app.ts (HTTPReceiver, signing secret, token, Web API URL), minus Ferry.
  const receiver = new HTTPReceiver({ signingSecret: o.signingSecret, endpoints: '/slack/events', logLevel: LogLevel.ERROR });
  const app = new App({ token: o.token, receiver, logLevel: LogLevel.ERROR, clientOptions: { slackApiUrl: o.slackApiUrl } });
  app.command('/deploy', async ({ ack }) => {
    await ack();
  });
  const server = (await app.start(0)) as http.Server;
  send({ type: 'ready', port: (server.address() as AddressInfo).port });
}

async function bareBullmq(o: BareBullOptions): Promise<void> {
  // Like Ferry: the producer on a plain connection, the worker on one that waits out outages.
  const qConn = new Redis(o.redisUrl, { maxRetriesPerRequest: 2 });
  const wConn = new Redis(o.redisUrl, { maxRetriesPerRequest: null });
  const name = 'bare-bench';
  const queue = new Queue(name, { connection: qConn, prefix: o.prefix });
  let started: ((t: number) => void) | undefined;
  let completed: (() => void) | undefined;
  const worker = new Worker(
    name,
    async () => {
      started?.(performance.now());
    },
    { connection: wConn, prefix: o.prefix, concurrency: 1 },
  );
  worker.on('completed', () => completed?.());
  worker.on('error', (err) => send({ type: 'error', message: err.message }));
  await worker.waitUntilReady();
  // One job at a time, when the parent asks, so the jobs interleave with Ferry's deploys and both
  // see the same machine. Each reply comes once the job has completed and the worker is idle again.
  let chain = Promise.resolve();
  process.on('message', (m: RunJob) => {
    if (m?.type !== 'job') return;
    chain = chain.then(async () => {
      const start = new Promise<number>((r) => (started = r));
      const done = new Promise<void>((r) => (completed = r));
      const t0 = performance.now();
      await queue.add('job', { seq: m.seq }, { jobId: `j${m.seq}`, removeOnComplete: true });
      const t1 = await start;
      await done;
      send({ type: 'sample', seq: m.seq, ms: t1 - t0 });
    });
  });
  send({ type: 'ready' });
}

export interface BareEngineOptions {
  redisUrl: string;
  prefix: string;
  /** One queue and one Worker (concurrency 1) each. */
  queues: string[];
  /** A `git clone --mirror` of the repository, made once up front. */
  cache: string;
  sha: string;
  /** Where each job's checkout goes (<workRoot>/<id>). */
  workRoot: string;
  /** The deploy command, run without a shell in the checkout with FERRY_DEPLOY_ID=<job id>. */
  argv: string[];
}

/** Jobs the parent adds carry their id (used as FERRY_DEPLOY_ID). */
export interface BareEngineJob {
  id: number;
}

function run(file: string, args: string[], opts: { cwd?: string; env: Record<string, string> }): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { ...opts, maxBuffer: 16 * 1024 * 1024 }, (err, _out, stderr) => {
      if (err) reject(new Error(`${path.basename(file)} ${args[0] ?? ''} failed: ${String(stderr).trim() || err.message}`));
      else resolve();
    });
  });
}

/**
 * The bare baseline of the engine bench: one process, a BullMQ Worker (concurrency 1) per queue,
 * and per job the same work Ferry's worker does for a no-op deploy: a shared clone of the cached
 * mirror without checkout, a detached checkout of the SHA, the deploy command, removing the dir.
 */
async function bareEngine(o: BareEngineOptions): Promise<void> {
  const env = { PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin', HOME: process.env.HOME ?? o.workRoot, GIT_TERMINAL_PROMPT: '0' };
  const started = new Map<string, number>();
  const workers = o.queues.map((name) => {
    const w = new Worker<BareEngineJob>(
      name,
      async (job) => {
        started.set(job.id!, Date.now());
        const dir = path.join(o.workRoot, String(job.data.id));
        await run('git', ['clone', '--quiet', '--shared', '--no-checkout', '--', o.cache, dir], { env });
        try {
          await run('git', ['checkout', '--quiet', '--detach', o.sha], { cwd: dir, env });
          await run(o.argv[0]!, o.argv.slice(1), { cwd: dir, env: { ...env, FERRY_DEPLOY_ID: String(job.data.id) } });
        } finally {
          await rm(dir, { recursive: true, force: true });
        }
      },
      { connection: new Redis(o.redisUrl, { maxRetriesPerRequest: null }), prefix: o.prefix, concurrency: 1 },
    );
    const done = (job: { id?: string; data: BareEngineJob } | undefined, ok: boolean, error?: string) => {
      if (!job) return;
      const startedAt = started.get(job.id!) ?? Number.NaN;
      started.delete(job.id!);
      send({
        type: 'job-done',
        id: job.data.id,
        queue: name,
        startedAt,
        finishedAt: Date.now(),
        ok,
        ...(error !== undefined && { error }),
      });
    };
    w.on('completed', (job) => done(job, true));
    w.on('failed', (job, err) => done(job, false, err.message));
    w.on('error', (err) => send({ type: 'error', message: err.message }));
    return w;
  });
  await Promise.all(workers.map((w) => w.waitUntilReady()));
  let stopped: Promise<CpuReading> | undefined;
  answerAsks({ stop: () => (stopped ??= Promise.all(workers.map((w) => w.close())).then(cpuReading)) });
  send({ type: 'ready', pid: process.pid });
}

async function main(): Promise<void> {
  process.on('disconnect', () => process.exit(0));
  const [role, arg] = process.argv.slice(2);
  const opts = arg ? (JSON.parse(arg) as unknown) : undefined;
  if (role === 'fake-slack') return fakeSlack(opts as FakeSlackOptions | undefined);
  if (role === 'fake-github') return fakeGitHub(opts as FakeGitHubOptions);
  if (role === 'ferry') return ferry('all', opts as Record<string, string>);
  if (role === 'ferry-app') return ferry('app', opts as Record<string, string>);
  if (role === 'ferry-worker') return ferry('worker', opts as Record<string, string>);
  if (role === 'bare-bolt') return bareBolt(opts as BareBoltOptions);
  if (role === 'bare-bullmq') return bareBullmq(opts as BareBullOptions);
  if (role === 'bare-engine') return bareEngine(opts as BareEngineOptions);
  throw new Error(`unknown bench child role ${JSON.stringify(role)}`);
}

main().catch((err: Error) => {
  send({ type: 'error', message: err.stack ?? err.message });
  setTimeout(() => process.exit(1), 50);
});
