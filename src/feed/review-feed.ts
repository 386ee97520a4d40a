import type { WebClient } from '@slack/web-api';
import type { Logger } from 'pino';
import type { FerryConfig } from '../core/config/types';
import type { Deploy } from '../core/deploy';
import { isReviewEnv, reviewPr } from '../core/review/env';
import { type ReviewFeedMessage, reviewFeedMessage } from '../core/review/feed-message';
import type { ReviewApp } from '../core/review/review-app';
import type { DeployStore } from '../store/deploys';
import type { ReviewAppStore } from '../store/review-apps';
import { Coalescer } from '../util/coalesce';
import { sleep } from '../util/deadline';
import { postFirst, syncWithRetry } from './living-message';

export interface ReviewFeedDeps {
  config: FerryConfig;
  slack: WebClient;
  reviews: Pick<ReviewAppStore, 'get' | 'claimFeedPost' | 'setFeedTs'>;
  deploys: Pick<DeployStore, 'get'>;
  /** The deploy's log page link, or undefined when the page is off. */
  logUrl?: (dep: Deploy) => string | undefined;
  /** A Slack message's permalink (see feed/permalink.ts). */
  permalink: (channel: string, ts: string) => Promise<string | undefined>;
  log: Logger;
  /** GitHub's web URL, for pull request links (GitHub Enterprise's); default https://github.com. */
  githubWebUrl?: string;
  /** Names this process in the feed-post claim. */
  poster: string;
  now?: () => number;
  /** How long to wait for another process's first post before posting again. */
  claimWaitMs?: number;
}

/** Where a review app's feed message is. */
export interface MessageAt {
  channel: string;
  ts: string;
}

/**
 * Keeps each review app's one feed message in step with its record and its newest deploy (or
 * teardown): posted to the feed channel the first time (by one process, however many refresh at
 * once), then edited in place. Refreshes of one review app coalesce; after each send the record
 * and deploy are read again, and sent again if they moved, so the last state always lands.
 */
export class ReviewFeed {
  private readonly updates = new Coalescer<string>();
  private readonly lastSent = new Map<string, string>();
  private readonly now: () => number;
  private readonly claimWaitMs: number;

  constructor(private readonly d: ReviewFeedDeps) {
    this.now = d.now ?? Date.now;
    this.claimWaitMs = d.claimWaitMs ?? 120_000;
  }

  /** The PR whose review app `env` of `app` is, or undefined when it is not a review app's env. */
  prOf(app: string, env: string): number | undefined {
    return isReviewEnv(this.d.config.apps[app], env) ? reviewPr(env) : undefined;
  }

  /** Brings the review app's feed message up to date (posting it the first time). */
  refresh(app: string, pr: number): Promise<void> {
    return this.updates.run(`${app}\n${pr}`, () => syncWithRetry(() => this.sync(app, pr), this.d.log, { app, pr }));
  }

  /** Where the review app's feed message is, once posted. */
  async message(app: string, pr: number): Promise<MessageAt | undefined> {
    const r = await this.d.reviews.get(app, pr);
    return r?.feedTs ? { channel: r.feedChannel ?? this.d.config.feedChannel, ts: r.feedTs } : undefined;
  }

  /** The review app's feed message link (for answers), or undefined when it is not posted (or Slack gives no link). */
  async link(app: string, pr: number): Promise<string | undefined> {
    const at = await this.message(app, pr);
    return at ? this.d.permalink(at.channel, at.ts).catch(() => undefined) : undefined;
  }

  /** Feed work in flight. */
  get pending(): number {
    return this.updates.size;
  }

  /** Waits for all feed work in flight (for shutdown). */
  async drain(): Promise<void> {
    while (this.updates.size > 0) await this.updates.settled();
  }

  private async sync(app: string, pr: number): Promise<void> {
    const key = `${app}\n${pr}`;
    const waitUntil = this.now() + this.claimWaitMs;
    for (;;) {
      const seen = await this.read(app, pr);
      if (!seen) return;
      const { r } = seen;
      if (!r.feedTs) {
        const channel = r.feedChannel ?? this.d.config.feedChannel;
        const first = await postFirst({
          claim: () => this.d.reviews.claimFeedPost(app, pr, this.d.poster, this.claimWaitMs),
          render: async () => this.render(seen),
          post: async (msg) => {
            const res = await this.d.slack.chat.postMessage({ channel, ...msg, unfurl_links: false });
            return { channel: res.channel ?? channel, ts: res.ts! };
          },
          record: (ch, ts) => this.d.reviews.setFeedTs(app, pr, ch, ts),
          discard: async (ch, ts) => void (await this.d.slack.chat.delete({ channel: ch, ts })),
        });
        if (first === 'busy') {
          if (this.now() > waitUntil) throw new Error(`feed message of ${app}'s review app for #${pr} was not posted by its claimant`);
          await sleep(100);
          continue;
        }
        if (first !== 'lost') this.remember(key, first.posted);
      } else {
        const msg = this.render(seen);
        if (this.lastSent.get(key) !== JSON.stringify(msg)) {
          await this.d.slack.chat.update({ channel: r.feedChannel ?? this.d.config.feedChannel, ts: r.feedTs, ...msg });
          this.remember(key, msg);
        }
      }
      const after = await this.read(app, pr);
      if (!after || after.version === seen.version) return;
    }
  }

  /** The record, its newest deploy, and what changes when either does (the feed message aside). */
  private async read(app: string, pr: number): Promise<{ r: ReviewApp; dep?: Deploy; version: string } | undefined> {
    const r = await this.d.reviews.get(app, pr);
    if (!r || !this.d.config.apps[app]?.reviewApps) return undefined;
    const dep = r.deployId !== undefined ? await this.d.deploys.get(r.deployId) : undefined;
    const { feedTs: _ts, feedChannel: _ch, updatedAt: _at, ...rest } = r;
    const version = JSON.stringify([rest, dep?.rev]);
    return dep ? { r, dep, version } : { r, version };
  }

  private render(seen: { r: ReviewApp; dep?: Deploy }): ReviewFeedMessage {
    const { r, dep } = seen;
    const conf = this.d.config.apps[r.app]!;
    const logUrl = dep && this.d.logUrl?.(dep);
    const authorSlack = this.d.config.people[r.author.toLowerCase()];
    return reviewFeedMessage(r, {
      repo: conf.repo ?? '',
      now: this.now(),
      ttlMs: conf.reviewApps!.ttlMs,
      max: conf.reviewApps!.max,
      ...(dep && { deploy: dep }),
      ...(logUrl && { logUrl }),
      ...(authorSlack && { authorSlack }),
      ...(this.d.githubWebUrl && { webUrl: this.d.githubWebUrl }),
    });
  }

  private remember(key: string, msg: object): void {
    this.lastSent.delete(key);
    this.lastSent.set(key, JSON.stringify(msg));
    if (this.lastSent.size > 1_000) this.lastSent.delete(this.lastSent.keys().next().value!);
  }
}
