import type { Logger } from 'pino';
import type { FerryConfig } from '../core/config/types';
import { type NudgeFacts, nudgeMessage } from '../core/nudge/message';
import { isNudgeInstant, nextNudgeAt } from '../core/nudge/schedule';
import { nudgeTarget } from '../core/nudge/target';
import { groupAuthors } from '../core/release/authors';
import type { Commit } from '../core/release/types';
import type { Queues } from '../queue/queues';
import type { CommitSource } from '../source/types';
import type { DeployStore } from '../store/deploys';
import type { NudgeStore } from '../store/nudges';
import type { People } from './people';
import { NO_BASE_COMMITS } from './release-open';

/** The Slack methods a nudge uses. */
export interface NudgeSlack {
  chat: {
    postMessage(args: { channel: string; text: string; blocks: unknown[]; unfurl_links: boolean }): Promise<{ ts?: string }>;
    update(args: { channel: string; ts: string; text: string; blocks: unknown[] }): Promise<unknown>;
  };
}

/** What waits to reach an app's production: the facts a message is made of, and what identifies them. */
export interface Waiting {
  facts: NudgeFacts;
  /** "<production SHA>..<source SHA>": the same while the same commits wait. */
  key: string;
}

export interface NudgeDeps {
  config: Pick<FerryConfig, 'apps' | 'appNames' | 'feedChannel'>;
  queues: Pick<Queues, 'nudgeTimer'>;
  deploys: Pick<DeployStore, 'envState'>;
  sources: Record<string, CommitSource>;
  people: Pick<People, 'resolver'>;
  store: Pick<NudgeStore, 'last' | 'setLast' | 'optedOut'>;
  slack: NudgeSlack;
  log: Logger;
  now: () => number;
}

/** A timer later than this (workers were down) posts nothing stale; it only schedules the next one. */
const LATE_MS = 6 * 3_600_000;

/**
 * Undeployed-change nudges (config `nudge:` per app): once a day at the app's local time, when
 * commits have waited longer than `after` to reach production, one message says how many, whose,
 * since when, with the compare link and a Release button. One timer job per app and instant (its
 * id names both, so every worker that starts asks for the same job); when it runs it schedules the
 * next. While the same commits wait, the same message is updated; other commits get a new one.
 */
export class Nudges {
  constructor(private readonly d: NudgeDeps) {}

  /** At worker start: every app's next nudge. */
  async start(): Promise<void> {
    const now = this.d.now();
    for (const app of this.d.config.appNames) {
      const rule = this.d.config.apps[app]!.nudge;
      const at = rule && nextNudgeAt(rule, now);
      if (at !== undefined) await this.d.queues.nudgeTimer(app, at, now);
    }
  }

  /** The timer of `app`'s nudge at `at`: the next one is scheduled, then (unless late or no longer configured) the nudge. */
  async run(app: string, at: number): Promise<void> {
    const rule = this.d.config.apps[app]?.nudge;
    const log = this.d.log.child({ app, at });
    if (!rule || !isNudgeInstant(rule, at)) {
      log.info('nudge no longer in the config at this time; skipped');
      return;
    }
    const now = this.d.now();
    const next = nextNudgeAt(rule, Math.max(at, now));
    if (next !== undefined) await this.d.queues.nudgeTimer(app, next, now);
    if (now - at > LATE_MS) {
      log.warn('nudge timer ran too late; nothing posted');
      return;
    }
    const waiting = await this.waiting(app);
    if (!waiting || now - waiting.facts.oldestAt < rule.afterMs) {
      log.info({ commits: waiting?.facts.commitCount ?? 0 }, 'nothing has waited long enough; no nudge');
      return;
    }
    await this.post(app, waiting, rule.channel ?? this.d.config.feedChannel, now);
    log.info({ commits: waiting.facts.commitCount }, 'nudged');
  }

  /** What waits to reach `app`'s production now; undefined when nothing does (or what feeds it was never deployed). */
  async waiting(app: string): Promise<Waiting | undefined> {
    const config = this.d.config.apps[app]!;
    const { from, to } = nudgeTarget(config);
    const source = this.d.sources[app]!;
    const target = (await this.d.deploys.envState(app, to)).sha || undefined;
    const head = from ? (await this.d.deploys.envState(app, from)).sha || undefined : await source.resolveRef(config.defaultBranch);
    if (!head || head === target) return undefined;
    let commits: Commit[];
    let compareUrl: string | undefined;
    if (target) {
      const range = await source.compare(target, head);
      commits = range.kind === 'ahead' || range.kind === 'diverged' ? range.commits : [];
      compareUrl = range.compareUrl;
    } else commits = await source.history(head, NO_BASE_COMMITS);
    if (commits.length === 0) return undefined;
    const { slackOf } = await this.d.people.resolver(commits);
    const { authors } = groupAuthors(commits, slackOf, 'none');
    const facts: NudgeFacts = {
      app,
      from: from ? { kind: 'env', name: from } : { kind: 'branch', name: config.defaultBranch },
      to,
      commitCount: commits.length,
      authors,
      oldestAt: Math.min(...commits.map((c) => c.date)),
      ...(compareUrl && { compareUrl }),
      releasable: from !== undefined,
    };
    return { facts, key: `${target ?? ''}..${head}` };
  }

  /** Updates the app's last message when the same commits wait (in the same channel); else posts a new one and remembers it. */
  private async post(app: string, w: Waiting, channel: string, now: number): Promise<void> {
    const optedOut = await this.d.store.optedOut(w.facts.authors.flatMap((a) => (a.slack ? [a.slack] : [])));
    const message = nudgeMessage(w.facts, optedOut, now);
    const last = await this.d.store.last(app);
    if (last && last.waiting === w.key && last.channel === channel) {
      const updated = await this.d.slack.chat.update({ channel, ts: last.ts, ...message }).then(
        () => true,
        (err: Error) => {
          this.d.log.warn({ app, err: err.message }, 'could not update the last nudge; posting a new one');
          return false;
        },
      );
      if (updated) return;
    }
    const res = await this.d.slack.chat.postMessage({ channel, ...message, unfurl_links: false });
    if (res.ts) await this.d.store.setLast(app, { waiting: w.key, channel, ts: res.ts });
  }
}
