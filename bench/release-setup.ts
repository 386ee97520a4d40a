/**
 * The release bench's stand-ins and Ferry (bench/release.ts measures): a realistic GitHub history
 * (test/helpers/pr-history.ts) served by FakeGitHub in a child, a fake Slack of its own that
 * knows the authors' emails and forwards what is posted to the feed, and a one-process Ferry with
 * the range's ends deployed to production and staging.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Redis } from 'ioredis';
import YAML from 'yaml';
import { makePrHistory, type PrHistory } from '../test/helpers/pr-history';
import { slashBody } from '../test/helpers/slack-requests';
import type { ChildMessage, FakeGitHubOptions, FakeSlackOptions } from './child';
import { BOT_TOKEN, type Child, int, log, onSlackMessage, post, SIGNING_SECRET, sleep, spawnChild, waitAnswer } from './lib';

export const FEED = 'C0FEED';
export const REPO = 'acme/web';
export const PREFIX = 'bench-release';
/** Who runs /release: maps to no author, so the opener's OK is not among those asked for. */
export const OPENER = 'U0RELMGR';
export const GITHUB_TOKEN = 'ghp_benchbenchbenchbenchbenchbenchbench00';

export interface Posted {
  channel: string;
  ts: string;
  version: number;
  text: string;
  at: number;
}

export interface Stage {
  history: PrHistory;
  github: Child;
  slack: Child;
  ferry: Child;
  port: number;
  /** Every feed message version the fake Slack forwarded, in order. */
  posts: Posted[];
  /** Signed `/release <text>` (or any command) with a response_url id of its own. */
  slash: (command: string, text: string) => { id: string; body: string };
  dir: string;
}

let seq = 0;
const postWaiters = new Set<() => void>();

/** Resolves with pick()'s first value, re-checked on each forwarded post; fails after timeoutMs. */
export function waitPost<T>(what: string, pick: () => T | undefined, timeoutMs = 60_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const check = () => {
      const v = pick();
      if (v === undefined) return;
      postWaiters.delete(check);
      clearTimeout(timer);
      resolve(v);
    };
    const timer = setTimeout(() => {
      postWaiters.delete(check);
      reject(new Error(`release bench: no ${what} within ${timeoutMs} ms`));
    }, timeoutMs);
    postWaiters.add(check);
    check();
  });
}

/** Waits until the fake Slack has had no request for `quietMs`. */
export async function slackQuiet(s: Stage, quietMs = 400): Promise<void> {
  for (;;) {
    const last = await s.slack.ask<number>('last-request');
    const idle = Date.now() - last;
    if (idle >= quietMs) return;
    await sleep(quietMs - idle + 10);
  }
}

/** Builds the history, starts the stand-ins and Ferry, and deploys base to production and head to staging. */
export async function setUpStage(redis: Redis, redisUrl: string, tmp: string): Promise<Stage> {
  const dir = path.join(tmp, 'release');
  mkdirSync(dir, { recursive: true });
  const history = makePrHistory(path.join(dir, 'repo'), {
    events: int('BENCH_RELEASE_EVENTS', 470),
    people: int('BENCH_RELEASE_PEOPLE', 36),
  });
  const { counts } = history;
  log(`release: history of ${counts.commits} commits (${counts.merges} merges) by ${history.people.length} people in ${dir}`);
  const gh: FakeGitHubOptions = {
    repos: [[REPO, history.path]],
    pulls: [...history.pulls],
    logins: history.people.flatMap((p) => (p.login ? p.emails.map((e) => [e, p.login!] as [string, string]) : [])),
  };
  const github = await spawnChild('fake-github', gh);
  const posts: Posted[] = [];
  const so: FakeSlackOptions = {
    emails: history.people.flatMap((p) => (p.slack ? p.emails.map((e) => [e, p.slack!] as [string, string]) : [])),
    posts: [FEED],
  };
  const slack = await spawnChild('fake-slack', so, (m: ChildMessage) => {
    onSlackMessage(m);
    if (m.type !== 'posted') return;
    posts.push(m);
    for (const w of [...postWaiters]) w();
  });
  const responseBase = slack.ready.responseBase!;
  const slash = (command: string, text: string) => {
    const id = `rel${++seq}`;
    return { id, body: slashBody(command, text, OPENER, `${responseBase}${id}`) };
  };

  // One person is in `people:` by GitHub login (their commits use GitHub's noreply email).
  const noreply = history.people.find((p) => !p.slack && p.login && p.emails[0]!.endsWith('@users.noreply.github.com'))!;
  const configFile = path.join(dir, 'ferry.yml');
  writeFileSync(
    configFile,
    YAML.stringify({
      feed_channel: FEED,
      redis_prefix: PREFIX,
      workspace_dir: path.join(dir, 'work'),
      people: { [noreply.login!]: 'U0NOREPLY' },
      apps: {
        web: {
          repo: REPO,
          clone_url: history.path,
          environments: { staging: { deploy: ['/bin/true'] }, production: { deploy: ['/bin/true'], promote_from: 'staging' } },
        },
      },
    }),
  );
  const env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: dir,
    SLACK_BOT_TOKEN: BOT_TOKEN,
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: slack.ready.apiUrl!,
    GITHUB_API_URL: github.ready.apiUrl!,
    GITHUB_TOKEN,
    REDIS_URL: redisUrl,
    FERRY_CONFIG: configFile,
    PORT: '0',
    LOG_LEVEL: process.env.BENCH_RELEASE_LOG_LEVEL ?? 'warn',
  };
  const ferry = await spawnChild('ferry', env, undefined, path.join(dir, 'ferry.log'));
  const s: Stage = { history, github, slack, ferry, port: ferry.ready.port!, posts, slash, dir };
  await deploy(s, redis, `production ${history.base}`);
  await deploy(s, redis, `staging ${history.head}`);
  return s;
}

/** `/deploy <text>` until its record says succeeded. */
async function deploy(s: Stage, redis: Redis, text: string): Promise<void> {
  const r = s.slash('/deploy', text);
  if ((await post(s.port, r.body)).status !== 200) throw new Error(`/deploy ${text} was not acked`);
  const answer = await waitAnswer(r.id, 60_000);
  const id = /deploy #(\d+)/.exec(answer.text)?.[1];
  if (!id) throw new Error(`/deploy ${text}: ${answer.text}`);
  const until = Date.now() + 120_000;
  for (;;) {
    const status = await redis.hget(`${PREFIX}:deploy:${id}`, 'status');
    if (status === 'succeeded') return;
    if (status === 'failed' || status === 'cancelled') throw new Error(`/deploy ${text}: ${status}`);
    if (Date.now() > until) throw new Error(`/deploy ${text} did not finish`);
    await sleep(20);
  }
}
