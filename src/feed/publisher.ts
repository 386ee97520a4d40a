import type { WebClient } from '@slack/web-api';
import type { Logger } from 'pino';
import type { Deploy } from '../core/deploy';
import { FRONT_OF_LINE, type FeedContext, renderDeployMessage } from '../core/feed-message';
import type { Redactor } from '../core/redact';
import { mentionList } from '../core/permissions';
import { clipText, escapeMrkdwn, mention, slackLink } from '../core/slack-format';
import type { DeployStore } from '../store/deploys';
import type { LogStore } from '../store/logs';
import { Coalescer } from '../util/coalesce';
import { sleep, withDeadline } from '../util/deadline';
import { postFirst, syncWithRetry } from './living-message';
import type { ReviewFeed } from './review-feed';

export interface QueueView {
  waiting(app: string, env: string): Promise<number[]>;
  active(app: string, env: string): Promise<number[]>;
}

export interface FeedDeps {
  slack: WebClient;
  deploys: DeployStore;
  logs: LogStore;
  queues: QueueView;
  commitUrl: (app: string, sha: string) => string | undefined;
  /** The deploy's log page link (same deploy, same link), or undefined when the page is off. */
  logUrl?: (dep: Deploy) => string | undefined;
  redact: Redactor;
  log: Logger;
  /** Names this process in the feed-post claim. */
  poster: string;
  now?: () => number;
  /** How long to wait for another process's first post before posting again; and retry pacing. */
  claimWaitMs?: number;
  /** A Slack message's permalink (see feed/permalink.ts). */
  permalink: (channel: string, ts: string) => Promise<string | undefined>;
  /** The env's `owners:` (Slack user and group IDs), named in a failed smoke check's thread. */
  owners?: (app: string, env: string) => readonly string[];
  /** Review apps' feed messages: a review app's deploys and teardowns show in its one message, not in messages of their own. */
  reviews?: ReviewMessages;
}

/** What the deploy feed asks of review apps' messages (feed/review-feed.ts). */
export type ReviewMessages = Pick<ReviewFeed, 'prOf' | 'refresh' | 'message' | 'link'>;

const FAILURE_LOG_LINES = 30;
const LAST_SENT_KEPT = 1_000;

/**
 * Keeps each deploy's one feed message in step with its record. Calls for one deploy coalesce:
 * while a Slack call is in flight, later changes collapse into one more update with the newest
 * state. After every send it re-reads the record's revision, so whichever process sends last
 * leaves the message showing the final state, even if an older render arrived late. It only talks
 * to Slack: the deploy events say when (see events/subscribers/feed.ts).
 */
export class FeedPublisher {
  private readonly updates = new Coalescer<number>();
  /** Queue-position refreshes, one at a time per env: a burst of starts costs one more pass, not one each. */
  private readonly positions = new Coalescer<string>();
  /** The last message this process sent per deploy (the newest LAST_SENT_KEPT), to skip no-op updates. */
  private readonly lastSent = new Map<number, string>();
  private readonly now: () => number;
  private readonly claimWaitMs: number;

  constructor(private readonly d: FeedDeps) {
    this.now = d.now ?? Date.now;
    this.claimWaitMs = d.claimWaitMs ?? 120_000;
  }

  /**
   * Brings the deploy's feed message up to date. Resolves once it shows the state at call time.
   * A review app's deploy has no message of its own: its review app's message is brought up to date.
   */
  refresh(id: number): Promise<void> {
    return this.updates.run(id, () => syncWithRetry(() => this.sync(id), this.d.log, { deployId: id }));
  }

  /**
   * The deploy's feed message link, for the requester's answer: brings the message up to date
   * (posting it if it is not yet), waits for that up to `waitMs`, then its permalink, or undefined
   * when it is not posted by then (or Slack gives no link).
   */
  async link(id: number, waitMs: number): Promise<string | undefined> {
    await withDeadline(
      this.refresh(id).catch(() => {}),
      waitMs,
      undefined,
    );
    const dep = await this.d.deploys.get(id);
    // A review app's deploy: its review app's one message.
    const pr = dep && this.d.reviews?.prOf(dep.app, dep.env);
    if (dep && pr !== undefined) return this.d.reviews!.link(dep.app, pr);
    if (!dep?.feedTs || !dep.feedChannel) return undefined;
    return this.d.permalink(dep.feedChannel, dep.feedTs).catch(() => undefined);
  }

  /**
   * Brings the messages of an env's line up to date after it moved. A queued message names the
   * deploy it waits behind, which stays true as the line moves, so after a start (`next`) only the
   * new first in line changes; after a deploy left from the middle (`front`: a cancel, a replaced
   * or failed one) the first FRONT_OF_LINE are looked at (unchanged ones cost no Slack call).
   * One pass per env at a time: a burst of starts costs one more pass, not one each.
   */
  refreshWaiting(app: string, env: string, which: 'next' | 'front' = 'front'): Promise<void> {
    // A review app has one message, which says nothing of the deploys in line behind one of its.
    if (this.d.reviews?.prOf(app, env) !== undefined) return Promise.resolve();
    return this.positions.run(`${app}\n${env}\n${which}`, async () => {
      const ids = await this.d.queues.waiting(app, env);
      await Promise.all(ids.slice(0, which === 'next' ? 1 : FRONT_OF_LINE).map((id) => this.refresh(id)));
    });
  }

  /** Feed work in flight: messages being brought up to date, queue positions. */
  get pending(): number {
    return this.updates.size + this.positions.size;
  }

  /** Waits for all feed work in flight (for shutdown). */
  async drain(): Promise<void> {
    while (this.updates.size > 0 || this.positions.size > 0) {
      await Promise.allSettled([this.updates.settled(), this.positions.settled()]);
    }
  }

  /**
   * Brings the message up to date and, if the deploy failed, posts the last lines of its log in
   * the thread, mentioning the requester, once. A review app's deploy or teardown: in the thread
   * of its review app's message.
   */
  async postFailureLog(id: number): Promise<void> {
    await this.refresh(id);
    const dep = await this.d.deploys.get(id);
    if (dep?.status !== 'failed') return;
    const pr = this.d.reviews?.prOf(dep.app, dep.env);
    const at =
      pr !== undefined
        ? await this.d.reviews!.message(dep.app, pr)
        : dep.feedTs && dep.feedChannel
          ? { channel: dep.feedChannel, ts: dep.feedTs }
          : undefined;
    if (!at) return;
    if (!(await this.d.deploys.claim(id, 'failure-thread', 120_000))) return;
    try {
      await this.postLogTail(dep, at);
      await this.d.deploys.settle(id, 'failure-thread', true);
    } catch (err) {
      await this.d.deploys.settle(id, 'failure-thread', false);
      throw err;
    }
  }

  private async postLogTail(dep: Deploy, at: { channel: string; ts: string }): Promise<void> {
    const id = dep.id;
    // Escaped: a log line can't ping the channel or fake a link.
    const lines = (await this.d.logs.tail(id, FAILURE_LOG_LINES)).map((l) => escapeMrkdwn(this.d.redact(l)));
    const body = lines.length ? clipText(lines.join('\n'), 2_800).replace(/```/g, "'''") : '(the command printed nothing)';
    const owners = dep.smoke === 'failed' ? (this.d.owners?.(dep.app, dep.env) ?? []).filter((o) => o !== dep.user) : [];
    const told = owners.length ? ` (owners of ${dep.env}: ${mentionList(owners)})` : '';
    const what = dep.review?.action === 'teardown' ? `teardown #${id} of` : `deploy #${id} to`;
    const text = `${mention(dep.user)}${told} ${what} ${dep.env} failed${dep.error ? `: ${dep.error}` : ''}. Last lines of the log:`;
    const url = this.d.logUrl?.(dep);
    await this.d.slack.chat.postMessage({
      channel: at.channel,
      thread_ts: at.ts,
      text,
      blocks: [
        { type: 'section', text: { type: 'mrkdwn', text } },
        { type: 'section', text: { type: 'mrkdwn', text: `\`\`\`${body}\`\`\`` } },
        ...(url
          ? [{ type: 'context' as const, elements: [{ type: 'mrkdwn' as const, text: slackLink(url, `Full log of deploy #${id}`) }] }]
          : []),
      ],
      unfurl_links: false,
    });
  }

  private async sync(id: number): Promise<void> {
    const waitUntil = this.now() + this.claimWaitMs;
    for (;;) {
      const dep = await this.d.deploys.get(id);
      if (!dep) return;
      // A review app's deploy: its review app's one message instead (found from the record read here
      // anyway). That refresh retries and logs its own failures.
      const pr = this.d.reviews?.prOf(dep.app, dep.env);
      if (pr !== undefined) return this.d.reviews!.refresh(dep.app, pr).catch(() => {});
      if (!dep.feedTs) {
        const channel = dep.feedChannel!;
        const first = await postFirst({
          claim: () => this.d.deploys.claimFeedPost(id, this.d.poster, this.claimWaitMs),
          render: async () => renderDeployMessage(dep, await this.context(dep)),
          post: async (msg) => {
            const res = await this.d.slack.chat.postMessage({ channel, ...msg, unfurl_links: false });
            return { channel: res.channel ?? channel, ts: res.ts! };
          },
          record: (ch, ts) => this.d.deploys.setFeedTs(id, ch, ts),
          discard: async (ch, ts) => void (await this.d.slack.chat.delete({ channel: ch, ts })),
        });
        if (first === 'busy') {
          if (this.now() > waitUntil) throw new Error(`feed message of deploy #${id} was not posted by its claimant`);
          await sleep(100);
          continue;
        }
        if (first !== 'lost') this.remember(id, first.posted);
      } else {
        const msg = renderDeployMessage(dep, await this.context(dep));
        // What this process sent last is what the message shows, unless another process sent an
        // older render since; that process re-reads the revision after sending and corrects it.
        // (A queued deploy's position is not part of the revision: the process that saw the
        // queue move last refreshes it last.)
        if (this.lastSent.get(id) !== JSON.stringify(msg)) {
          await this.d.slack.chat.update({ channel: dep.feedChannel!, ts: dep.feedTs, ...msg });
          this.remember(id, msg);
        }
      }
      if ((await this.d.deploys.rev(id)) === dep.rev) return;
    }
  }

  private remember(id: number, msg: object): void {
    this.lastSent.delete(id);
    this.lastSent.set(id, JSON.stringify(msg));
    if (this.lastSent.size > LAST_SENT_KEPT) this.lastSent.delete(this.lastSent.keys().next().value!);
  }

  private async context(dep: Deploy): Promise<FeedContext> {
    const ctx: FeedContext = { now: this.now() };
    const url = this.d.commitUrl(dep.app, dep.sha);
    if (url) ctx.commitUrl = url;
    const logUrl = this.d.logUrl?.(dep);
    if (logUrl) ctx.logUrl = logUrl;
    if (dep.status === 'queued') {
      const [waiting, active] = await Promise.all([this.d.queues.waiting(dep.app, dep.env), this.d.queues.active(dep.app, dep.env)]);
      const idx = waiting.indexOf(dep.id);
      const runningAhead = active.find((a) => a !== dep.id);
      if (idx >= 0) ctx.position = idx + 1;
      if (idx > 0) ctx.waitingAhead = waiting[idx - 1]!;
      if (runningAhead !== undefined) ctx.runningAhead = runningAhead;
    } else if (dep.status === 'running') {
      ctx.recentDurationsMs = await this.d.deploys.recentDurations(dep.app, dep.env);
    }
    return ctx;
  }
}
