/**
 * What the bench's parts share: knobs, the child processes (bench/child.ts), the signed-request
 * HTTP client, and the response_url answers the fake Slack forwards.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { sign, slashBody } from '../test/helpers/slack-requests';
import type { Ask, ChildMessage } from './child';
import type { CpuReading } from './proc';

export const ROOT = path.resolve(__dirname, '../..');
const CHILD = path.join(__dirname, 'child.js');
export const SIGNING_SECRET = 'bench-signing-secret-0123456789';
export const BOT_TOKEN = 'xoxb-000000000000-000000000000-benchtokenvalue12';
const USER = 'U0BENCH';

/** A whole-number knob from the environment (>= 1). */
export const int = (name: string, dflt: number): number => {
  const v = process.env[name];
  const n = v ? Number(v) : dflt;
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name}=${v} must be a whole number >= 1`);
  return n;
};

export const sleep = (t: number) => new Promise((r) => setTimeout(r, t));
export const log = (s: string) => process.stderr.write(`bench: ${s}\n`);

// ---------------------------------------------------------------- child processes

const children = new Set<ChildProcess>();
process.on('exit', () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

export interface Child {
  proc: ChildProcess;
  ready: Extract<ChildMessage, { type: 'ready' }>;
  /** Asks the child something over IPC (see Ask in child.ts) and resolves with its reply. */
  ask<T>(what: Ask['what'], timeoutMs?: number): Promise<T>;
}

/**
 * Forks bench/child.js in `role`. `stdout`: a file the child's standard output (Ferry's log lines)
 * is appended to; the terminal otherwise.
 */
export function spawnChild(role: string, arg?: unknown, onMessage?: (m: ChildMessage) => void, stdout?: string): Promise<Child> {
  const fd = stdout ? openSync(stdout, 'a') : undefined;
  const proc = fork(CHILD, arg === undefined ? [role] : [role, JSON.stringify(arg)], {
    stdio: ['ignore', fd ?? 'inherit', 'inherit', 'ipc'],
    execArgv: [],
  });
  if (fd !== undefined) closeSync(fd);
  children.add(proc);
  const replies = new Map<number, (v: unknown) => void>();
  let asks = 0;
  const ask = <T>(what: Ask['what'], timeoutMs = 120_000): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const seq = ++asks;
      const timer = setTimeout(() => {
        replies.delete(seq);
        reject(new Error(`bench child ${role} did not answer ${what} within ${timeoutMs} ms`));
      }, timeoutMs);
      replies.set(seq, (v) => {
        clearTimeout(timer);
        resolve(v as T);
      });
      proc.send({ type: 'ask', seq, what } satisfies Ask);
    });
  return new Promise((resolve, reject) => {
    proc.on('message', (m: ChildMessage) => {
      if (m.type === 'ready') resolve({ proc, ready: m, ask });
      else if (m.type === 'reply') {
        replies.get(m.seq)?.(m.value);
        replies.delete(m.seq);
      } else if (m.type === 'error') {
        reject(new Error(`bench child ${role} failed: ${m.message}`));
        log(`child ${role} reported: ${m.message}`);
      }
      onMessage?.(m);
    });
    proc.on('exit', (code, sig) => reject(new Error(`bench child ${role} exited (${code ?? sig}) before it was ready`)));
  });
}

export async function kill(proc: ChildProcess): Promise<void> {
  children.delete(proc);
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const gone = new Promise((r) => proc.once('exit', r));
  proc.kill('SIGKILL');
  await gone;
}

export const killAll = () => Promise.all([...children].map(kill));

let orphaned = 0;

/**
 * Kills a Ferry child after reading its live descendants' CPU time: its command supervisor
 * outlives it (reparented, so its time never reaches this process's cutime); the bench counts it
 * from this reading instead (see orphanedTicks).
 */
export async function killFerry(c: Child): Promise<void> {
  if (c.proc.exitCode === null && c.proc.signalCode === null) {
    await c.ask<CpuReading>('cpu', 5_000).then(
      (r) => {
        orphaned += r.live;
      },
      () => {},
    );
  }
  await kill(c.proc);
}

/** Clock ticks used by the live descendants of the Ferry children killed so far. */
export const orphanedTicks = (): number => orphaned;

// ---------------------------------------------------------------- response_url answers

export interface Answered {
  text: string;
  at: number;
}

/** Response_url answers seen by the fake Slack, by response id. */
export const answers = new Map<string, Answered>();
const answerWaiters = new Map<string, (a: Answered) => void>();

/** Pass to spawnChild('fake-slack', ...): records the answers it forwards. */
export function onSlackMessage(m: ChildMessage): void {
  if (m.type !== 'respond') return;
  if (answers.has(m.id)) return; // the first answer counts
  const a = { text: m.text, at: m.at };
  answers.set(m.id, a);
  answerWaiters.get(m.id)?.(a);
  answerWaiters.delete(m.id);
}

export function waitAnswer(id: string, timeoutMs = 30_000): Promise<Answered> {
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

/** The deploy id in an "Accepted as *deploy #N*" answer, else undefined. */
export const acceptedId = (text: string): number | undefined => {
  const m = /Accepted as \*deploy #(\d+)\*/.exec(text);
  return m ? Number(m[1]) : undefined;
};

// ---------------------------------------------------------------- HTTP client

export interface Posted {
  status: number;
  ms: number;
  /** Wall-clock start, to line up with the fake Slack's answer times. */
  startedAt: number;
}

/** One signed POST to 127.0.0.1 on a fresh connection (no keep-alive); time from request start to the response's end. */
export function post(port: number, body: string): Promise<Posted> {
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
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'content-length': Buffer.byteLength(body),
          connection: 'close',
          ...headers,
        },
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

/** Where the fake Slack takes response_url answers (its /respond/ URL); set once it is up. */
export function setResponseBase(base: string): void {
  responseBase = base;
}

/** A signed-to-be `/deploy <text>` body with a response_url id of its own. */
export function deployBody(text: string): { id: string; body: string } {
  const id = `b${++responseSeq}`;
  return { id, body: slashBody('/deploy', text, USER, `${responseBase}${id}`) };
}

/** Fires n requests at once (bodies built first, so building them is not timed). */
export async function burst(port: number, n: number, text: string): Promise<{ ids: string[]; results: Posted[] }> {
  const reqs = Array.from({ length: n }, () => deployBody(text));
  const results = await Promise.all(reqs.map((r) => post(port, r.body)));
  const bad = results.filter((r) => r.status !== 200);
  if (bad.length) throw new Error(`${bad.length} of ${n} requests were not answered 200 (e.g. ${bad[0]!.status})`);
  return { ids: reqs.map((r) => r.id), results };
}

export async function sequential(port: number, n: number, text: string): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const r = deployBody(text);
    const res = await post(port, r.body);
    if (res.status !== 200) throw new Error(`warm-up request answered ${res.status}`);
    ids.push(r.id);
  }
  return ids;
}

export function pkgVersion(name: string): string {
  try {
    return (require(`${name}/package.json`) as { version: string }).version;
  } catch {
    // A package whose `exports` leaves package.json out (@octokit/rest): read it from node_modules.
    try {
      return (JSON.parse(readFileSync(path.join(ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
    } catch {
      return '?';
    }
  }
}
