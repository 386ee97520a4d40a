import type { WebClient } from '@slack/web-api';
import type { Logger } from 'pino';
import type { FerryConfig } from '../core/config/types';
import { commitsOf } from '../core/release/authors';
import { renderAuthorDm, renderReminder } from '../core/release/dm';
import { renderProductPost } from '../core/release/product-post';
import { releaseState } from '../core/release/state';
import { renderSummary } from '../core/release/summary';
import type { Author, Commit, Release } from '../core/release/types';
import type { ReleaseStore } from '../store/releases';
import { Coalescer } from '../util/coalesce';
import { sleep } from '../util/deadline';

export interface ReleaseFeedDeps {
  config: FerryConfig;
  slack: WebClient;
  store: ReleaseStore;
  commitUrl: (app: string, sha: string) => string | undefined;
  log: Logger;
  now: () => number;
}

const POST_CLAIM_WAIT_MS = 30_000;

/** A release and its commits as the caller has them already (see refresh()). */
export interface Known {
  release: Release;
  commits: Commit[];
}

/**
 * Keeps each release's one summary message in the feed in step with its record, and sends its
 * direct messages. Updates for one release coalesce within a process; after each send the
 * revision is read again, so whichever replica sends last leaves the newest state showing.
 */
export class ReleaseFeed {
  private readonly updates = new Coalescer<number>();
  /** What follows summaries in the background (pull-request lookups, DMs): drain() waits for it too. */
  private readonly pending = new Set<Promise<void>>();

  constructor(private readonly d: ReleaseFeedDeps) {}

  /**
   * Brings release #id's summary up to date (posting it the first time). `known`: the release and
   * its commits as just written, which spares the first send reading them back (a thousand
   * commits are some 200 KB); what changed meanwhile shows in the next send, as always.
   */
  refresh(id: number, known?: Known): Promise<void> {
    let once = known;
    return this.updates.run(id, () => {
      const k = once;
      once = undefined;
      return this.sync(id, k);
    });
  }

  /** Resolves once the summaries being updated now are, and the work tracked (at stop). */
  async drain(): Promise<void> {
    await Promise.allSettled([...this.pending]);
    await this.updates.settled();
  }

  /** Work that follows a summary (its pull requests, the DMs), which a stop lets finish. `work` must not reject. */
  track(work: Promise<void>): void {
    this.pending.add(work);
    const done = () => void this.pending.delete(work);
    work.then(done, done);
  }

  /** Each author who acks for themselves gets one DM with their commits and the buttons (once, whoever calls). */
  async dmAuthors(id: number): Promise<void> {
    const r = await this.d.store.get(id);
    if (r?.status !== 'open') return;
    const commits = await this.d.store.commits(id);
    for (const a of r.authors) {
      if (a.ackBy !== 'self' || !a.slack) continue;
      if (!(await this.d.store.once(id, `dm:${a.slack}`))) continue;
      try {
        const msg = renderAuthorDm(r, a, commitsOf(a, commits), this.ctx(r));
        const res = await this.d.slack.chat.postMessage({ channel: a.slack, ...msg, unfurl_links: false });
        if (res.channel && res.ts) await this.d.store.rememberDm(id, a.slack, res.channel, res.ts);
      } catch (err) {
        await this.d.store.forget(id, `dm:${a.slack}`);
        this.d.log.warn({ releaseId: id, user: a.slack, err: (err as Error).message }, 'could not DM a release author');
      }
    }
  }

  /** A DM re-rendered for `author` (after a click in it). */
  async authorDm(r: Release, author: Author): Promise<{ text: string; blocks: Record<string, unknown>[] }> {
    return renderAuthorDm(r, author, commitsOf(author, await this.d.store.commits(r.id)), this.ctx(r));
  }

  /** Reminds the authors still waiting (round `round`, once per round whoever calls). Returns how many were reminded. */
  async remind(r: Release, waiting: Author[], round: number): Promise<number> {
    let sent = 0;
    for (const a of waiting) {
      if (!a.slack || !(await this.d.store.once(r.id, `remind:${round}:${a.slack}`))) continue;
      const msg = renderReminder(r, a, r.createdAt);
      await this.d.slack.chat.postMessage({ channel: a.slack, ...msg, unfurl_links: false }).then(
        () => sent++,
        (err: Error) => this.d.log.warn({ releaseId: r.id, user: a.slack, err: err.message }, 'could not send a release reminder'),
      );
    }
    return sent;
  }

  /** The short human summary in the product channel, once, after the release shipped. */
  async productPost(r: Release): Promise<void> {
    const channel = this.d.config.apps[r.app]?.envs[r.to]?.release.productChannel;
    if (!channel || !(await this.d.store.once(r.id, 'product-post'))) return;
    const msg = renderProductPost(r, await this.d.store.commits(r.id), {
      shipper: r.shippedBy ?? r.requester,
      commitUrl: (sha) => this.d.commitUrl(r.app, sha),
    });
    try {
      await this.d.slack.chat.postMessage({ channel, ...msg, unfurl_links: false });
    } catch (err) {
      await this.d.store.forget(r.id, 'product-post');
      throw err;
    }
  }

  private ctx(r: Release) {
    const policy = this.d.config.apps[r.app]!.envs[r.to]!.release;
    return {
      policy,
      state: releaseState(r, policy),
      now: this.d.now(),
      timeZone: this.d.config.timeZone,
      commitUrl: (sha: string) => this.d.commitUrl(r.app, sha),
    };
  }

  private summary(r: Release, commits: Commit[]) {
    return renderSummary(r, commits, this.ctx(r));
  }

  private async sync(id: number, known?: Known): Promise<void> {
    const waitUntil = this.d.now() + POST_CLAIM_WAIT_MS;
    for (;;) {
      const r = known?.release ?? (await this.d.store.get(id));
      if (!r || !this.d.config.apps[r.app]?.envs[r.to]) return;
      const commits = known?.commits ?? (await this.d.store.commits(id));
      known = undefined;
      const msg = this.summary(r, commits);
      if (!r.feedTs) {
        if (!(await this.d.store.once(id, `post:${Math.floor(this.d.now() / POST_CLAIM_WAIT_MS)}`))) {
          if (this.d.now() > waitUntil) throw new Error(`release #${id}'s summary was not posted by its claimant`);
          await sleep(100);
          continue;
        }
        const res = await this.d.slack.chat.postMessage({ channel: this.d.config.feedChannel, ...msg, unfurl_links: false });
        if (!(await this.d.store.setFeedTs(id, res.channel ?? this.d.config.feedChannel, res.ts!))) {
          await this.d.slack.chat.delete({ channel: res.channel ?? this.d.config.feedChannel, ts: res.ts! }).catch(() => {});
        }
      } else {
        // (The channel is recorded just after the ts; until then it is the feed's.)
        await this.d.slack.chat.update({ channel: r.feedChannel ?? this.d.config.feedChannel, ts: r.feedTs, ...msg });
      }
      const after = await this.d.store.get(id);
      if (!after || after.rev === r.rev) {
        await this.settleDms(r, commits);
        return;
      }
    }
  }

  /**
   * Once a release stops waiting for OKs for good (shipped, cancelled, expired, stale), each
   * author's DM says so and loses its buttons; once per such state, whichever replica gets there.
   */
  private async settleDms(r: Release, commits: Commit[]): Promise<void> {
    // (Not while shipping: a ship that fails opens the release again, and the DMs still stand.)
    const state = r.status !== 'open' ? r.status : r.stale ? 'stale' : 'open';
    if (state === 'open' || state === 'shipping' || !(await this.d.store.once(r.id, `dms:${state}`))) return;
    for (const dm of await this.d.store.dms(r.id)) {
      const author = r.authors.find((a) => a.slack === dm.user);
      if (!author) continue;
      const msg = renderAuthorDm(r, author, commitsOf(author, commits), this.ctx(r));
      await this.d.slack.chat
        .update({ channel: dm.channel, ts: dm.ts, ...msg })
        .catch((err: Error) => this.d.log.warn({ releaseId: r.id, err: err.message }, 'could not update a release DM'));
    }
  }
}
