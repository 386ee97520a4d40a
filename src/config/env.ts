import { assignDefined } from '../util/defined';
import { readFileSync } from 'node:fs';
import { FerryError } from '../errors';
import { type PoolSet, parsePoolList } from '../core/pools';
import { type RedisTarget, readRedisEnv } from './redis-env';

/**
 * The process environment, read once. This is the only file that reads process.env; everything
 * else gets these values passed in.
 */
export interface FerryEnv {
  slackBotToken?: string;
  slackSigningSecret?: string;
  slackAppToken?: string;
  slackApiUrl: string;
  port: number;
  /** HOST: the address the HTTP server binds (default: every interface). */
  host?: string;
  /** PORT was set: a worker-only process then serves /healthz on it too (for containers). */
  portSet: boolean;
  // --- Redis (src/config/redis-env.ts) ---
  /** Where Redis is: REDIS_URL (redis:// or rediss://), REDIS_SENTINELS + REDIS_SENTINEL_NAME, or REDIS_CLUSTER_NODES. */
  redis: RedisTarget;
  // --- end Redis ---
  githubToken?: string;
  /** GitHub App credentials (GITHUB_APP_ID, GITHUB_APP_PRIVATE_KEY or _FILE, GITHUB_APP_INSTALLATION_ID), instead of a token. */
  githubApp?: { appId: string; privateKey: string; installationId: string };
  githubApiUrl: string;
  /** CIRCLECI_API_URL: CircleCI's API v2 address, for envs with `circleci:` (default https://circleci.com/api/v2). */
  circleciApiUrl: string;
  configFile: string;
  logLevel: string;
  /**
   * FERRY_PUBLIC_URL: where Slack users reach Ferry's HTTP server (no trailing slash). When set,
   * Slack messages link to the deploy log page; when unset the page is off.
   */
  publicUrl?: string;
  /** FERRY_LINK_SECRET: signs log page links; when unset, a random one kept in Redis is used. */
  linkSecret?: string;
  /** GITHUB_WEBHOOK_SECRET: verifies POST /github/webhook (X-Hub-Signature-256); the endpoint is off without it. */
  githubWebhookSecret?: string;
  /** GITHUB_WEBHOOK_SECRET_PREVIOUS: while the secret is rotated, deliveries signed with this one pass too. */
  githubWebhookSecretPrevious?: string;
  /** FERRY_ALERT_TOKEN: the shared secret POST /alerts/<app>/<env> must carry; the endpoint is off without it. */
  alertToken?: string;
  /** FERRY_WORKER_POOLS: the worker pools a worker takes deploys of (unset: every pool). */
  workerPools: PoolSet;
  /** FERRY_METRICS_TOKEN: when set, GET /metrics must carry it as `Authorization: Bearer <token>`. */
  metricsToken?: string;
  /** The worker's own environment, from which deploy commands get PATH, HOME and pass_env names. */
  processEnv: Readonly<Record<string, string | undefined>>;
}

const nonEmpty = (v: string | undefined): string | undefined => (v?.trim() ? v.trim() : undefined);

export function readEnv(env: NodeJS.ProcessEnv = process.env): FerryEnv {
  const port = env.PORT ? Number(env.PORT) : 3000;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new FerryError('ENV_MISSING', `PORT=${JSON.stringify(env.PORT)} is not a port number; use e.g. PORT=3000.`);
  }
  const e: FerryEnv = {
    slackApiUrl: nonEmpty(env.SLACK_API_URL) ?? 'https://slack.com/api/',
    port,
    portSet: env.PORT !== undefined && env.PORT.trim() !== '',
    ...(nonEmpty(env.HOST) && { host: nonEmpty(env.HOST)! }),
    redis: readRedisEnv(env),
    githubApiUrl: nonEmpty(env.GITHUB_API_URL) ?? 'https://api.github.com',
    circleciApiUrl: (nonEmpty(env.CIRCLECI_API_URL) ?? 'https://circleci.com/api/v2').replace(/\/+$/, ''),
    configFile: nonEmpty(env.FERRY_CONFIG) ?? 'ferry.yml',
    logLevel: nonEmpty(env.LOG_LEVEL) ?? 'info',
    workerPools: workerPools(env.FERRY_WORKER_POOLS),
    processEnv: { ...env },
  };
  const optional = {
    slackBotToken: nonEmpty(env.SLACK_BOT_TOKEN),
    slackSigningSecret: nonEmpty(env.SLACK_SIGNING_SECRET),
    slackAppToken: nonEmpty(env.SLACK_APP_TOKEN),
    githubToken: nonEmpty(env.GITHUB_TOKEN),
    publicUrl: publicUrl(nonEmpty(env.FERRY_PUBLIC_URL)),
    linkSecret: linkSecret(nonEmpty(env.FERRY_LINK_SECRET)),
    githubWebhookSecret: nonEmpty(env.GITHUB_WEBHOOK_SECRET),
    alertToken: nonEmpty(env.FERRY_ALERT_TOKEN),
    metricsToken: nonEmpty(env.FERRY_METRICS_TOKEN),
  };
  assignDefined(e, optional);
  const app = githubApp(env);
  if (app && e.githubToken)
    throw new FerryError(
      'ENV_MISSING',
      'Both GITHUB_TOKEN and a GitHub App (GITHUB_APP_ID…) are set; Ferry uses one: unset GITHUB_TOKEN to use the App, or the GITHUB_APP_* variables to use the token.',
    );
  if (app) e.githubApp = app;
  const previousWebhookSecret = webhookSecretPrevious(env, e.githubWebhookSecret);
  if (previousWebhookSecret) e.githubWebhookSecretPrevious = previousWebhookSecret;
  return e;
}

/** GITHUB_WEBHOOK_SECRET_PREVIOUS, checked: it only makes sense next to the secret that replaces it. */
function webhookSecretPrevious(env: NodeJS.ProcessEnv, current: string | undefined): string | undefined {
  const previous = nonEmpty(env.GITHUB_WEBHOOK_SECRET_PREVIOUS);
  if (previous && !current)
    throw new FerryError(
      'ENV_MISSING',
      'GITHUB_WEBHOOK_SECRET_PREVIOUS is set without GITHUB_WEBHOOK_SECRET: set GITHUB_WEBHOOK_SECRET to the new secret (the previous one is accepted too while a rotation is under way), or unset GITHUB_WEBHOOK_SECRET_PREVIOUS.',
    );
  return previous;
}

function workerPools(text: string | undefined): PoolSet {
  const r = parsePoolList(text, 'FERRY_WORKER_POOLS');
  if ('error' in r) throw new FerryError('ENV_MISSING', r.error);
  return r.pools;
}

const APP_HOWTO =
  "A GitHub App needs GITHUB_APP_ID (the App's ID), GITHUB_APP_PRIVATE_KEY (its PEM key; \\n for newlines is fine) or GITHUB_APP_PRIVATE_KEY_FILE (a path to it), and GITHUB_APP_INSTALLATION_ID (from the installation's URL, github.com/settings/installations/<id>).";

/** The GitHub App's credentials, when any of them is set: all or nothing, each checked. */
function githubApp(env: NodeJS.ProcessEnv): FerryEnv['githubApp'] {
  const appId = nonEmpty(env.GITHUB_APP_ID);
  const installationId = nonEmpty(env.GITHUB_APP_INSTALLATION_ID);
  const keyFile = nonEmpty(env.GITHUB_APP_PRIVATE_KEY_FILE);
  let privateKey = nonEmpty(env.GITHUB_APP_PRIVATE_KEY)?.replace(/\\n/g, '\n');
  if (!appId && !installationId && !keyFile && !privateKey) return undefined;
  if (keyFile && !privateKey) {
    try {
      privateKey = readFileSync(keyFile, 'utf8').trim();
    } catch (err) {
      throw new FerryError(
        'ENV_MISSING',
        `GITHUB_APP_PRIVATE_KEY_FILE=${JSON.stringify(keyFile)} can't be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}). ${APP_HOWTO}`,
      );
    }
  }
  const missing = [
    !appId && 'GITHUB_APP_ID',
    !privateKey && 'GITHUB_APP_PRIVATE_KEY (or GITHUB_APP_PRIVATE_KEY_FILE)',
    !installationId && 'GITHUB_APP_INSTALLATION_ID',
  ].filter(Boolean);
  if (missing.length) throw new FerryError('ENV_MISSING', `GitHub App set-up is incomplete: missing ${missing.join(', ')}. ${APP_HOWTO}`);
  if (!/^\d+$/.test(appId!) || !/^\d+$/.test(installationId!))
    throw new FerryError(
      'ENV_MISSING',
      `GITHUB_APP_ID and GITHUB_APP_INSTALLATION_ID are numbers (got ${JSON.stringify(appId)} and ${JSON.stringify(installationId)}). ${APP_HOWTO}`,
    );
  if (!/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(privateKey!))
    throw new FerryError(
      'ENV_MISSING',
      `The GitHub App private key is not a PEM key (it should start with -----BEGIN RSA PRIVATE KEY-----). ${APP_HOWTO}`,
    );
  return { appId: appId!, privateKey: privateKey!, installationId: installationId! };
}

/** FERRY_PUBLIC_URL, checked: an http(s) base URL without query or fragment; trailing slashes go. */
function publicUrl(v: string | undefined): string | undefined {
  if (v === undefined) return undefined;
  const example =
    "use the address where Slack users reach Ferry's HTTP port, e.g. FERRY_PUBLIC_URL=https://ferry.acme.com or http://10.0.0.5:3000";
  let u: URL;
  try {
    u = new URL(v);
  } catch {
    throw new FerryError('ENV_MISSING', `FERRY_PUBLIC_URL=${JSON.stringify(v)} is not a URL; ${example}.`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    throw new FerryError('ENV_MISSING', `FERRY_PUBLIC_URL=${JSON.stringify(v)} must start with http:// or https://; ${example}.`);
  }
  if (u.search || u.hash || u.username || u.password || /[?#]/.test(v)) {
    throw new FerryError(
      'ENV_MISSING',
      `FERRY_PUBLIC_URL=${JSON.stringify(v)} may not have a query, a #fragment or credentials; ${example}.`,
    );
  }
  return u.href.replace(/\/+$/, '');
}

/** FERRY_LINK_SECRET, checked: long enough that links can't be guessed. */
function linkSecret(v: string | undefined): string | undefined {
  if (v === undefined || v.length >= 32) return v;
  throw new FerryError(
    'ENV_MISSING',
    `FERRY_LINK_SECRET is ${v.length} characters; it signs deploy log links and must be at least 32. ` +
      'Make one with `openssl rand -base64 32`, or unset it and Ferry keeps a random one in Redis.',
  );
}

/** What a role needs from Slack; one message names every missing variable and the way to get it. */
export function requireSlack(env: FerryEnv, role: 'app' | 'worker'): { token: string } {
  const missing: string[] = [];
  if (!env.slackBotToken) missing.push('SLACK_BOT_TOKEN');
  if (role === 'app' && !env.slackAppToken && !env.slackSigningSecret)
    missing.push('SLACK_SIGNING_SECRET (or SLACK_APP_TOKEN for Socket Mode)');
  if (missing.length > 0) {
    throw new FerryError(
      'ENV_MISSING',
      `Ferry can't start: missing ${missing.join(', ')}.\n` +
        'Create the Slack app from manifest.yml (api.slack.com/apps -> Create New App -> From an app manifest), install it to your workspace, then set\n' +
        '  SLACK_BOT_TOKEN       the Bot User OAuth Token (xoxb-...) from OAuth & Permissions\n' +
        '  SLACK_SIGNING_SECRET  from Basic Information -> App Credentials (HTTP mode), or\n' +
        '  SLACK_APP_TOKEN       an app-level token (xapp-...) with connections:write, for Socket Mode',
    );
  }
  return { token: env.slackBotToken! };
}

/** The web address of GitHub that goes with the API URL (for compare and commit links, clones). */
export function githubWebUrl(apiUrl: string): string {
  const u = apiUrl.replace(/\/+$/, '');
  if (u === 'https://api.github.com') return 'https://github.com';
  return u.replace(/\/api\/v3$/, '');
}

/** The few variables every child process (git, deploy commands) gets from Ferry's own environment. */
export function childBaseEnv(processEnv: FerryEnv['processEnv'], extra: readonly string[] = []): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of ['PATH', 'HOME', 'LANG', 'LC_ALL', 'TZ', 'TMPDIR', 'USER', ...extra]) {
    const v = processEnv[name];
    if (v !== undefined) out[name] = v;
  }
  return out;
}

/** `npm run playground`'s own settings (the Ferry it starts gets its environment from the playground). */
export interface PlaygroundEnv {
  /** Port of the page and the Slack stand-in (127.0.0.1 only); 0 picks a free one. */
  port: number;
  /** Where the playground keeps its repository, config, checkouts, deployments and logs. */
  dir: string;
  redisUrl: string;
  logLevel: string;
  processEnv: Readonly<Record<string, string | undefined>>;
}

export function readPlaygroundEnv(env: NodeJS.ProcessEnv = process.env): PlaygroundEnv {
  const port = env.PLAYGROUND_PORT ? Number(env.PLAYGROUND_PORT) : 3100;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new FerryError(
      'ENV_MISSING',
      `PLAYGROUND_PORT=${JSON.stringify(env.PLAYGROUND_PORT)} is not a port number; use e.g. PLAYGROUND_PORT=3100.`,
    );
  }
  return {
    port,
    dir: nonEmpty(env.PLAYGROUND_DIR) ?? '.ferry/playground',
    redisUrl: nonEmpty(env.REDIS_URL) ?? 'redis://127.0.0.1:6379',
    logLevel: nonEmpty(env.LOG_LEVEL) ?? 'info',
    processEnv: { ...env },
  };
}
