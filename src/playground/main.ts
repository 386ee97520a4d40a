import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import type { Cluster } from 'ioredis';
import type { Logger } from 'pino';
import YAML from 'yaml';
import { childBaseEnv, type PlaygroundEnv, readPlaygroundEnv } from '../config/env';
import { type RedisTarget, readRedisEnv } from '../config/redis-env';
import { isFerryError } from '../errors';
import { makeRedactor } from '../core/redact';
import { keyPrefix } from '../store/keys';
import { createLogger } from '../log';
import { connectRedis } from '../store/redis-connect';
import { REPEAT_WINDOW_MS, shutdownDeadlineMs } from '../shutdown';
import { sleep } from '../util/deadline';
import { projectRoot } from '../util/project-root';
import { DEMO_BRANCHES, ensureDemoRepo } from './demo-repo';
import { StandIn } from './standin';
import { FEED_CHANNEL, Workspace } from './workspace';

export interface Playground {
  url: string;
  ferryUrl: string;
  /** Stops Ferry (its deploys get the grace) and the stand-in; called again, Ferry exits at once. */
  stop(): Promise<void>;
  /** Settles when a Ferry process exits by itself (it should not). */
  exited: Promise<string>;
}

const READY_TIMEOUT_MS = 60_000;
const REDIS_PREFIX = 'playground';
const SHUTDOWN_GRACE_S = 10;
/** A Ferry process still running this long after SIGTERM is killed: past its own deadline (the kill grace is 5 s with the default lease_ttl). */
const KILL_AFTER_MS = shutdownDeadlineMs(SHUTDOWN_GRACE_S * 1_000, 5_000) + 5_000;

/**
 * Deletes the playground's keys (named as Ferry names them: `{playground}:` on a cluster). On a
 * cluster SCAN sees one node's keys, so it runs on every master, and each key is unlinked on its own
 * (one command may not take keys of several slots).
 */
async function clearRedis(target: RedisTarget): Promise<void> {
  const match = `${keyPrefix(REDIS_PREFIX, { hashTag: target.kind === 'cluster' })}:*`;
  const client = connectRedis(target, { maxRetriesPerRequest: 1, lazyConnect: true });
  try {
    await client.connect();
    // connectRedis types a cluster client as Redis; it is a Cluster underneath when the target is one.
    const nodes = target.kind === 'cluster' ? (client as unknown as Cluster).nodes('master') : [client];
    for (const node of nodes) {
      let cursor = '0';
      do {
        const [next, keys] = await node.scan(cursor, 'MATCH', match, 'COUNT', 500);
        const unlink = node.pipeline();
        for (const key of keys) unlink.unlink(key);
        if (keys.length) await unlink.exec();
        cursor = next;
      } while (cursor !== '0');
    }
  } finally {
    client.disconnect();
  }
}

/** The playground's Redis: REDIS_CLUSTER_NODES when set, else REDIS_URL (by default its own private server). */
function redisOf(env: PlaygroundEnv): RedisTarget {
  return env.processEnv.REDIS_CLUSTER_NODES?.trim() ? readRedisEnv(env.processEnv) : { kind: 'url', url: env.redisUrl };
}

/**
 * `npm run playground`: a local stand-in for Slack, and a real Ferry (its app and a worker, the
 * same build that runs against Slack) pointed at it, deploying a demo repository for real.
 */
export async function startPlayground(env: PlaygroundEnv, log: Logger): Promise<Playground> {
  const root = projectRoot();
  const dir = path.resolve(env.dir);
  mkdirSync(dir, { recursive: true });
  const base = childBaseEnv(env.processEnv);
  const repo = await ensureDemoRepo(path.join(dir, 'repo'), base);
  const configFile = writeConfig(dir, repo, root);
  // The stand-in's workspace starts empty, so Ferry's state starts empty too: feed messages,
  // locks and queues of an earlier run would point at messages that no longer exist.
  await clearRedis(redisOf(env));

  const botToken = `xoxb-playground-${randomBytes(12).toString('hex')}`;
  const signingSecret = randomBytes(24).toString('hex');
  const ferryPort = await freePort();
  const ferryUrl = `http://127.0.0.1:${ferryPort}`;
  const standin = new StandIn({
    ws: new Workspace(),
    botToken,
    signingSecret,
    eventsUrl: `${ferryUrl}/slack/events`,
    commands: manifestCommands(root),
    log: log.child({ component: 'stand-in' }),
  });
  await standin.listen(env.port);

  const ferryEnv = {
    ...base,
    SLACK_API_URL: `${standin.url}api/`,
    SLACK_BOT_TOKEN: botToken,
    SLACK_SIGNING_SECRET: signingSecret,
    REDIS_URL: env.redisUrl,
    ...(redisOf(env).kind === 'cluster' && { REDIS_CLUSTER_NODES: env.processEnv.REDIS_CLUSTER_NODES! }),
    FERRY_CONFIG: configFile,
    FERRY_PUBLIC_URL: ferryUrl,
    LOG_LEVEL: env.logLevel,
  };
  const children = [
    spawnFerry(root, 'app', { ...ferryEnv, PORT: String(ferryPort), HOST: '127.0.0.1' }, path.join(dir, 'ferry-app.log')),
    spawnFerry(root, 'worker', ferryEnv, path.join(dir, 'ferry-worker.log')),
  ];
  let stopping = false;
  const exited = new Promise<string>((resolve) => {
    for (const c of children)
      c.once(
        'exit',
        (code, sig) =>
          !stopping && resolve(`ferry ${c.spawnargs.at(-1)} exited (${sig ?? `code ${code}`}); see ${dir}/ferry-${c.spawnargs.at(-1)}.log`),
      );
  });
  let stopped: Promise<void> | undefined;
  const stop = () => {
    // Again (a second Ctrl-C): a second SIGTERM makes Ferry exit at once.
    if (stopped) for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGTERM');
    stopping = true;
    stopped ??= Promise.all(children.map((c) => stopChild(c))).then(() => standin.close());
    return stopped;
  };
  const ready = await Promise.race([waitHealthy(ferryUrl), exited.then((why) => new Error(why))]);
  if (ready instanceof Error) {
    await stop();
    throw ready;
  }
  return { url: standin.url, ferryUrl, stop, exited };
}

function writeConfig(dir: string, repo: string, root: string): string {
  const deploy = [path.join(root, 'commands/local-deploy.sh'), path.join(dir, 'deployments')];
  const config = {
    feed_channel: FEED_CHANNEL.id,
    workspace_dir: path.join(dir, 'work'),
    redis_prefix: REDIS_PREFIX,
    // Ctrl-C lets a running deploy finish for this long (the demo's take about 2 s).
    shutdown_grace: `${SHUTDOWN_GRACE_S}s`,
    apps: {
      shop: {
        path: repo,
        default_branch: 'main',
        environments: {
          dev: { deploy, lock: true, lock_ttl: '2h' },
          staging: { deploy },
          // `/release` proposes staging's SHA here; authors are found by email (users.lookupByEmail).
          production: { deploy, timeout: '10m', promote_from: 'staging', release: { freeze_source: true, product_channel: 'C0GENERAL1' } },
        },
      },
    },
  };
  const file = path.join(dir, 'ferry.yml');
  writeFileSync(file, `# Written by npm run playground on every start; edit src/playground/main.ts instead.\n${YAML.stringify(config)}`);
  return file;
}

/** The slash commands manifest.yml declares: the stand-in routes these to Ferry, as Slack would. */
function manifestCommands(root: string): string[] {
  const m = YAML.parse(readFileSync(path.join(root, 'manifest.yml'), 'utf8')) as { features?: { slash_commands?: { command: string }[] } };
  return (m.features?.slash_commands ?? []).map((c) => c.command);
}

function spawnFerry(root: string, role: 'app' | 'worker', env: Record<string, string>, logFile: string): ChildProcess {
  const out = createWriteStream(logFile, { flags: 'a' });
  const child = spawn(process.execPath, [path.join(root, 'dist/src/bin/ferry.js'), role], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.pipe(out);
  child.stderr!.pipe(out);
  return child;
}

async function stopChild(c: ChildProcess): Promise<void> {
  if (c.exitCode !== null || c.signalCode !== null) return;
  const gone = new Promise<void>((r) => c.once('exit', () => r()));
  c.kill('SIGTERM');
  const t = setTimeout(() => c.kill('SIGKILL'), KILL_AFTER_MS);
  await gone;
  clearTimeout(t);
}

/** Ferry's /healthz answers 200 once its app is up and Redis answers. */
async function waitHealthy(url: string): Promise<true | Error> {
  const until = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < until) {
    const ok = await fetch(`${url}/healthz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return true;
    await sleep(100);
  }
  return new Error(`Ferry did not answer on ${url}/healthz within ${READY_TIMEOUT_MS / 1000}s`);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/** The process entry: start, print where to go, stop everything on Ctrl-C. */
export function main(): void {
  let env: PlaygroundEnv;
  try {
    env = readPlaygroundEnv();
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    process.exit(1);
  }
  const log = createLogger(env.logLevel, makeRedactor([]));
  // Signals are handled from the start: one during start-up stops what has started once it has.
  let signalled: number | undefined;
  let stop = (code: number): void => {
    signalled = code;
  };
  process.on('SIGINT', () => stop(0));
  process.on('SIGTERM', () => stop(0));
  process.on('SIGHUP', () => stop(0));
  startPlayground(env, log).then(
    (pg) => {
      let stopping = false;
      let firstAt = 0;
      stop = (code: number) => {
        // A second signal, not the first one delivered twice (the terminal's and the wrapper script's).
        if (stopping) {
          if (Date.now() - firstAt >= REPEAT_WINDOW_MS) void pg.stop();
          return;
        }
        stopping = true;
        firstAt = Date.now();
        pg.stop().then(
          () => process.exit(code),
          () => process.exit(1),
        );
      };
      if (signalled !== undefined) return stop(signalled);
      process.stdout.write(
        `\nFerry playground is running: open ${pg.url}\n` +
          `  Ferry (app and one worker) at ${pg.ferryUrl}, logs in ${env.dir}/ferry-*.log\n` +
          `  deploying ${env.dir}/repo (branches ${DEMO_BRANCHES.join(', ')}) with commands/local-deploy.sh\n` +
          'Ctrl-C stops it.\n\n',
      );
      void pg.exited.then((why) => {
        process.stderr.write(`${why}\n`);
        stop(1);
      });
    },
    (err: NodeJS.ErrnoException) => {
      const why =
        err.code === 'EADDRINUSE'
          ? `Port ${env.port} is in use (another playground?). Stop it, or pick another port: PLAYGROUND_PORT=${env.port + 1} npm run playground`
          : isFerryError(err)
            ? err.message
            : `The playground failed to start: ${err.message}`;
      process.stderr.write(`${why}\n`);
      process.exit(1);
    },
  );
}

if (require.main === module) main();
