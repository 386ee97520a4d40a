/**
 * The bench's child processes, one role each, so the load generator, the fake Slack and each
 * server under test get their own event loop (as they would in production):
 *
 *   node dist/bench/child.js fake-slack             Slack Web API + response_url endpoints
 *   node dist/bench/child.js ferry '<env json>'      Ferry's start('all', env): HTTP app + worker
 *   node dist/bench/child.js ferry-app|ferry-worker   start('app') / start('worker'): the roles apart
 *   node dist/bench/child.js bare-bolt '<json>'      a Bolt app whose /deploy listener only acks
 *   node dist/bench/child.js bare-bullmq '<json>'    Queue.add -> processor start, one job per request
 *
 * Each talks to the parent over the fork() IPC channel and exits when the parent goes away.
 */
import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import { App, HTTPReceiver, LogLevel } from '@slack/bolt';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { type Role, start } from '../src/main';
import { FakeSlack } from '../test/helpers/fake-slack';

export type ChildMessage =
  | { type: 'ready'; port?: number; apiUrl?: string; responseBase?: string }
  | { type: 'respond'; id: string; text: string; at: number }
  | { type: 'sample'; seq: number; ms: number }
  | { type: 'error'; message: string };

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

const send = (m: ChildMessage): void => {
  process.send?.(m);
};

async function fakeSlack(): Promise<void> {
  const slack = await new FakeSlack().start();
  // FakeSlack re-runs a waitFor() pick on every request it receives; this one never resolves and
  // forwards each new response_url answer to the parent as it arrives.
  const seen = new Map<string, number>();
  const forward = (): undefined => {
    for (const [id, list] of slack.responses) {
      const n = seen.get(id) ?? 0;
      if (n === list.length) continue;
      for (let i = n; i < list.length; i++) send({ type: 'respond', id, text: String(list[i]!.text ?? ''), at: Date.now() });
      seen.set(id, list.length);
    }
    // The bench never reads the Web API call log back; keep it from growing.
    slack.calls.length = 0;
    return undefined;
  };
  void slack.waitFor('nothing (the bench forwards responses)', forward, 2_000_000_000).catch(() => {});
  send({ type: 'ready', port: slack.port, apiUrl: slack.apiUrl, responseBase: slack.responseUrl('') });
}

async function ferry(role: Role, env: Record<string, string>): Promise<void> {
  const running = await start(role, env);
  send({ type: 'ready', ...(running.server && { port: (running.server.address() as AddressInfo).port }) });
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

async function main(): Promise<void> {
  process.on('disconnect', () => process.exit(0));
  const [role, arg] = process.argv.slice(2);
  const opts = arg ? (JSON.parse(arg) as unknown) : undefined;
  if (role === 'fake-slack') return fakeSlack();
  if (role === 'ferry') return ferry('all', opts as Record<string, string>);
  if (role === 'ferry-app') return ferry('app', opts as Record<string, string>);
  if (role === 'ferry-worker') return ferry('worker', opts as Record<string, string>);
  if (role === 'bare-bolt') return bareBolt(opts as BareBoltOptions);
  if (role === 'bare-bullmq') return bareBullmq(opts as BareBullOptions);
  throw new Error(`unknown bench child role ${JSON.stringify(role)}`);
}

main().catch((err: Error) => {
  send({ type: 'error', message: err.stack ?? err.message });
  setTimeout(() => process.exit(1), 50);
});
