import type { WebClient } from '@slack/web-api';
import type { Redis } from 'ioredis';
import type { FerryEnv } from '../config/env';
import type { FerryConfig } from '../core/config/types';
import type { Deploy } from '../core/deploy';
import { deployLogUrl, type LogLinks } from '../core/log-link';
import { permalinks } from '../feed/permalink';
import type { CommitSource } from '../source/types';
import type { Keys } from '../store/keys';
import { sharedLinkSecret } from '../store/link-secret';

/** The small lambdas many parts use, each made once here. */
export interface Links {
  /** The commit's page, where people can look at it (GitHub apps), if anywhere. */
  commitUrl: (app: string, sha: string) => string | undefined;
  /** The deploy's log page link (same deploy, same link), or undefined when the page is off. */
  logUrl: (dep: Deploy) => string | undefined;
  /** Posts a line to the feed channel. */
  postFeed: (text: string) => Promise<void>;
  /** A Slack message's permalink. */
  permalink: (channel: string, ts: string) => Promise<string | undefined>;
  /** How to make and check log page links, when FERRY_PUBLIC_URL is set (the page is on). */
  logLinks?: LogLinks;
}

/**
 * How log page links are made and checked, when FERRY_PUBLIC_URL is set. Links are bound to this
 * instance (redis_prefix) as well as to a deploy record: another Ferry sharing the secret cannot
 * open them.
 */
export async function logLinksOf(env: FerryEnv, config: FerryConfig, redis: Redis, k: Keys): Promise<LogLinks | undefined> {
  if (!env.publicUrl) return undefined;
  const secret = env.linkSecret ?? (await sharedLinkSecret(redis, k));
  return { publicUrl: env.publicUrl, secret, redisPrefix: config.redisPrefix, ttlMs: config.logLinkTtlMs };
}

export function makeLinks(d: {
  slack: WebClient;
  feedChannel: string;
  sources: Record<string, CommitSource>;
  logLinks: LogLinks | undefined;
}): Links {
  const { slack, feedChannel, sources, logLinks } = d;
  return {
    commitUrl: (app, sha) => sources[app]?.commitUrl(sha),
    logUrl: (dep) => (logLinks ? deployLogUrl(logLinks, dep) : undefined),
    postFeed: async (text) => {
      await slack.chat.postMessage({ channel: feedChannel, text, unfurl_links: false });
    },
    permalink: permalinks(slack),
    ...(logLinks && { logLinks }),
  };
}
