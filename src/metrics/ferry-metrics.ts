import { Counter, collectDefaultMetrics, Histogram, type MetricObjectWithValues, type MetricValue, Registry } from 'prom-client';

/** Every metric Ferry defines itself (the process defaults come from prom-client, unprefixed). */
export const METRIC_NAMES = {
  deploys: 'ferry_deploys_total',
  deployDuration: 'ferry_deploy_duration_seconds',
  deployWait: 'ferry_deploy_wait_seconds',
  queueDepth: 'ferry_queue_depth',
  envLocked: 'ferry_env_locked',
  envFrozen: 'ferry_env_frozen',
  releasesOpen: 'ferry_releases_open',
  deployRunning: 'ferry_deploy_running_seconds',
  deployTimeout: 'ferry_deploy_timeout_seconds',
  redisUp: 'ferry_redis_up',
  slackCalls: 'ferry_slack_api_calls_total',
  githubCalls: 'ferry_github_api_calls_total',
  ack: 'ferry_ack_seconds',
} as const;

export type DeployFinalStatus = 'succeeded' | 'failed' | 'cancelled';
export const FINAL_STATUSES: readonly DeployFinalStatus[] = ['succeeded', 'failed', 'cancelled'];

/** What the deploy events subscriber records (src/events/subscribers/metrics.ts). */
export interface DeployMetrics {
  /** A deploy started (its first start): how long it waited since it was accepted. */
  started(app: string, env: string, waitSeconds: number): void;
  /** A deploy ended; `runSeconds` when its command ran (from its start to its end). */
  finished(app: string, env: string, status: DeployFinalStatus, runSeconds: number | undefined): void;
}

/** Slack Web API calls by method and result (ok, Slack's error code, http_error, rate_limited). */
export type SlackCallCounter = (method: string, result: string) => void;
/** GitHub API calls by result: ok, 4xx, 5xx, rate_limited, network. */
export type GitHubCallResult = 'ok' | '4xx' | '5xx' | 'rate_limited' | 'network';
export type GitHubCallCounter = (result: GitHubCallResult) => void;
/** A Slack request's time from received to acked, in seconds. */
export type AckTimer = (seconds: number) => void;

/** A process's (or a worker thread's) metrics: a registry of its own and the parts that record into it. */
export interface FerryMetrics {
  registry: Registry;
  deploys: DeployMetrics;
  slackCall: SlackCallCounter;
  githubCall: GitHubCallCounter;
  ack: AckTimer;
  /** The registry's metrics as JSON (what a worker thread sends to the main thread). */
  json(): Promise<MetricObjectWithValues<MetricValue<string>>[]>;
}

const DURATION_BUCKETS = [1, 5, 10, 30, 60, 120, 300, 600, 1200, 1800, 3600];
const WAIT_BUCKETS = [0.1, 0.5, 1, 5, 10, 30, 60, 300, 900, 1800, 3600, 14400];
/** Slack wants an ack within 3 s. */
const ACK_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 3, 5];

/**
 * A fresh registry with Ferry's counters and histograms (one per process start, so that tests can
 * start several Ferrys in one process). `envs`: the configured app+envs, whose deploy counters
 * start at 0 so that rate() and alerts see every env from the start. `processDefaults`: prom-client's
 * default process metrics (left out on a worker thread: the main thread reports the process).
 */
export function createFerryMetrics(opts: { envs: readonly { app: string; env: string }[]; processDefaults: boolean }): FerryMetrics {
  const registry = new Registry();
  if (opts.processDefaults) collectDefaultMetrics({ register: registry });
  const deploys = new Counter({
    name: METRIC_NAMES.deploys,
    help: 'Deploys that ended, by app, env and final status (succeeded, failed, cancelled); each deploy counted once across Ferry.',
    labelNames: ['app', 'env', 'status'],
    registers: [registry],
  });
  for (const { app, env } of opts.envs) for (const status of FINAL_STATUSES) deploys.inc({ app, env, status }, 0);
  const duration = new Histogram({
    name: METRIC_NAMES.deployDuration,
    help: 'How long a deploy ran: from its start (marked running, the command about to run) to its recorded end.',
    labelNames: ['app', 'env'],
    buckets: DURATION_BUCKETS,
    registers: [registry],
  });
  const wait = new Histogram({
    name: METRIC_NAMES.deployWait,
    help: 'How long a deploy waited: from accepted to started (its place in line, holds for freezes, windows and checks).',
    labelNames: ['app', 'env'],
    buckets: WAIT_BUCKETS,
    registers: [registry],
  });
  const slack = new Counter({
    name: METRIC_NAMES.slackCalls,
    help: "Slack Web API requests Ferry made, by method and result: ok, Slack's error code, http_error, rate_limited (a 429, tried again).",
    labelNames: ['method', 'result'],
    registers: [registry],
  });
  const github = new Counter({
    name: METRIC_NAMES.githubCalls,
    help: 'GitHub API requests Ferry made, by result: ok, 4xx, 5xx, rate_limited, network.',
    labelNames: ['result'],
    registers: [registry],
  });
  const ack = new Histogram({
    name: METRIC_NAMES.ack,
    help: 'Slack requests to POST /slack/events: from received to acked, in seconds (Slack wants 3 s at most).',
    buckets: ACK_BUCKETS,
    registers: [registry],
  });
  return {
    registry,
    deploys: {
      started: (app, env, s) => wait.observe({ app, env }, Math.max(0, s)),
      finished: (app, env, status, s) => {
        deploys.inc({ app, env, status });
        if (s !== undefined) duration.observe({ app, env }, Math.max(0, s));
      },
    },
    slackCall: (method, result) => slack.inc({ method, result }),
    githubCall: (result) => github.inc({ result }),
    ack: (s) => ack.observe(s),
    json: () => registry.getMetricsAsJSON(),
  };
}
