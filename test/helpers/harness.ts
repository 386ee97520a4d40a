import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import YAML from 'yaml';
import { type Role, type Running, start } from '../../src/main';
import { FakeGitHub } from './fake-github';
import { FakeSlack } from './fake-slack';
import { makeRepo } from './git-repo';
import { buttonBody, post, type SignedResponse, sign, slashBody, viewSubmissionBody } from './slack-requests';

/** The repository: two levels up from test/helpers/ (jest), three from dist/test/helpers/ (compiled, as bench/ uses it). */
export const ROOT = [path.resolve(__dirname, '../..'), path.resolve(__dirname, '../../..')].find((d) =>
  existsSync(path.join(d, 'package.json')),
)!;
export const LOCAL_DEPLOY = path.join(ROOT, 'commands/local-deploy.sh');
export const SIGNING_SECRET = 'test-signing-secret-0123456789';
export const BOT_TOKEN = 'xoxb-000000000000-000000000000-testtokenvalue1234';

/** Writes an executable bash script (a deploy command for a test) and returns its path. */
export function writeScript(dir: string, name: string, body: string): string {
  const file = path.join(dir, name);
  writeFileSync(file, `#!/usr/bin/env bash\nset -euo pipefail\n${body}\n`);
  chmodSync(file, 0o755);
  return file;
}

export interface HarnessOptions {
  role?: Role;
  /** Replaces the default config (one app "web" backed by a local repo, envs dev [lock] and staging). */
  config?: undefined | ((h: { dir: string; repo: string; deployRoot: string }) => Record<string, unknown>);
  env?: Record<string, string>;
  /** Ferry's clock (see TestClock); the wall clock when left out. */
  now?: () => number;
}

/**
 * A clock for Ferry that the test sets to a chosen instant (a Friday 15:59:58 in London, the night
 * the clocks go back) and that then runs at real speed, so BullMQ's real-time delays and Ferry's
 * policy agree: what Ferry schedules for "in 2 s" happens 2 s later. Redis's own expiries run on
 * the real clock (a freeze's hash expires a day after its end), so a test that sets freezes or
 * locks should not set the clock more than a day behind the real one.
 */
export class TestClock {
  private offset = 0;
  readonly now = (): number => Date.now() + this.offset;
  set(at: number): void {
    this.offset = at - Date.now();
  }
}

/**
 * A real Ferry (Bolt app, worker, real Redis) wired to Slack and GitHub played over loopback,
 * with a real git repository, in a temp folder of its own and a Redis key prefix of its own.
 */
export class Harness {
  slack = new FakeSlack();
  github = new FakeGitHub();
  dir = mkdtempSync(path.join(os.tmpdir(), 'ferry-test-'));
  repo = makeRepo(path.join(this.dir, 'repo'), ['feature/checkout', 'fix-1']);
  deployRoot = path.join(this.dir, 'deployments');
  prefix = `t${randomUUID().slice(0, 8)}`;
  configFile = path.join(this.dir, 'ferry.yml');
  redis = new Redis(process.env.FERRY_TEST_REDIS_URL!);
  running?: Running | undefined;
  env: Record<string, string> = {};
  private children: ChildProcess[] = [];
  /** Workers leading a process group of their own (spawnWorker ownGroup): stop() kills the group. */
  private groups = new Set<ChildProcess>();
  private responses = 0;

  static async start(opts: HarnessOptions = {}): Promise<Harness> {
    const h = new Harness();
    await h.slack.start();
    await h.github.start();
    h.writeConfig(opts);
    h.env = {
      PATH: process.env.PATH!,
      HOME: h.dir,
      SLACK_BOT_TOKEN: BOT_TOKEN,
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: h.slack.apiUrl,
      GITHUB_API_URL: h.github.url,
      GITHUB_TOKEN: 'ghp_testtoken000000000000000000000000',
      REDIS_URL: process.env.FERRY_TEST_REDIS_URL!,
      FERRY_CONFIG: h.configFile,
      PORT: '0',
      LOG_LEVEL: process.env.FERRY_TEST_LOG ?? 'silent',
      ...opts.env,
    };
    // Ferry takes one way to Redis: a test that gives it a cluster's or sentinels' addresses drops the URL.
    if (h.env.REDIS_CLUSTER_NODES || h.env.REDIS_SENTINELS) delete h.env.REDIS_URL;
    try {
      h.running = await start(opts.role ?? 'all', h.env, opts.now ? { now: opts.now } : {});
    } catch (err) {
      await h.stop();
      throw err;
    }
    return h;
  }

  writeConfig(opts: HarnessOptions): void {
    const config = opts.config
      ? opts.config({ dir: this.dir, repo: this.repo.path, deployRoot: this.deployRoot })
      : {
          feed_channel: 'C0FEED',
          apps: {
            web: {
              path: this.repo.path,
              environments: {
                dev: { deploy: [LOCAL_DEPLOY, this.deployRoot], lock: true, lock_ttl: '4h' },
                staging: { deploy: [LOCAL_DEPLOY, this.deployRoot] },
              },
            },
          },
        };
    writeFileSync(
      this.configFile,
      YAML.stringify({ redis_prefix: this.prefix, workspace_dir: path.join(this.dir, 'work'), lease_ttl: '3s', ...config }),
    );
  }

  get url(): string {
    return `http://127.0.0.1:${(this.running!.server!.address() as AddressInfo).port}`;
  }

  /** Sends a signed slash command; returns the ack and the id of its response_url. */
  async slash(command: string, text: string, user = 'U0ANA'): Promise<{ ack: SignedResponse; id: string; ackText: string }> {
    const id = `r${++this.responses}`;
    const body = slashBody(command, text, user, this.slack.responseUrl(id));
    const ack = await post(`${this.url}/slack/events`, body, sign(SIGNING_SECRET, body));
    let ackText = '';
    try {
      ackText = ack.body ? String((JSON.parse(ack.body) as { text?: string }).text ?? '') : '';
    } catch {
      ackText = ack.body;
    }
    return { ack, id, ackText };
  }

  /** Clicks a button as `user`; `where` is the message it is on when that matters (a DM: channel D…). */
  async click(
    actionId: string,
    value: string,
    user: string,
    where?: { channel: string; ts: string },
  ): Promise<{ ack: SignedResponse; id: string }> {
    const id = `r${++this.responses}`;
    const body = buttonBody(actionId, value, user, this.slack.responseUrl(id), where);
    return { ack: await post(`${this.url}/slack/events`, body, sign(SIGNING_SECRET, body)), id };
  }

  /** Submits a modal as `user`; returns Slack's view of the ack (an empty body closes it, response_action errors keep it open). */
  async submitView(
    callbackId: string,
    privateMetadata: string,
    values: Record<string, Record<string, unknown>>,
    user: string,
  ): Promise<SignedResponse> {
    const body = viewSubmissionBody(callbackId, privateMetadata, values, user);
    return post(`${this.url}/slack/events`, body, sign(SIGNING_SECRET, body));
  }

  /** The text of the n-th answer posted to a response_url. */
  async answer(id: string, n = 1): Promise<string> {
    return String((await this.slack.waitForResponse(id, n)).text);
  }

  /** `/deploy ...` then its answer; returns the deploy id from "deploy #N". */
  async deploy(text: string, user = 'U0ANA'): Promise<{ id: number; answer: string }> {
    const r = await this.slash('/deploy', text, user);
    const answer = await this.answer(r.id);
    const m = /deploy #(\d+)/.exec(answer);
    if (!m) throw new Error(`deploy was not accepted: ${answer}`);
    return { id: Number(m[1]), answer };
  }

  /**
   * A worker in its own process (node dist/...), as production runs them. With `ownGroup` it leads
   * a process group (and session) of its own, as under systemd: process.kill(-pid, 'SIGKILL')
   * then kills the worker's whole group, as KillMode=control-group or an OOM group kill does,
   * without touching the test runner. With `start`, it is a whole `ferry start` (an app on a port
   * of its own, and its worker on a thread), as `npm start` runs.
   */
  spawnWorker(opts: { ownGroup?: boolean; start?: boolean } = {}): ChildProcess {
    const child = spawn(process.execPath, [path.join(ROOT, 'dist/src/bin/ferry.js'), opts.start ? 'start' : 'worker'], {
      env: { ...this.env, LOG_LEVEL: 'info', ...(opts.start && { PORT: '0' }) },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: opts.ownGroup === true,
    });
    if (opts.ownGroup) this.groups.add(child);
    child.stdout!.resume();
    let err = '';
    child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
    child.on('exit', (code, sig) => {
      if (code && code !== 0 && sig === null) process.stderr.write(`worker exited ${code}: ${err}\n`);
    });
    this.children.push(child);
    return child;
  }

  async stop(): Promise<void> {
    // A group whose leader has not exited is surely still its own (an exited one's pid may be reused).
    for (const c of this.groups) {
      if (c.exitCode !== null || c.signalCode !== null) continue;
      try {
        process.kill(-c.pid!, 'SIGKILL');
      } catch {
        // the group is gone already
      }
    }
    for (const c of this.children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await this.running?.stop().catch(() => {});
    await this.slack.stop();
    await this.github.stop();
    const keys = await this.redis.keys(`${this.prefix}:*`);
    if (keys.length) await this.redis.del(...keys);
    this.redis.disconnect();
  }
}
