import { envOf } from '../core/review/env';
import type { FerryConfig } from '../core/config/types';
import { type BoardEnv, type BoardFreeze, type BoardWindow, renderAudit, renderBoard, renderHistory } from '../core/board';
import type { AuditScope, DeploysRequest } from '../core/parse/deploys';
import { escapeMrkdwn, mention } from '../core/slack-format';
import type { Queues } from '../queue/queues';
import type { AuditEntry, AuditLog } from '../store/audit';
import type { DeployStore } from '../store/deploys';
import type { LockStore } from '../store/locks';
import type { Answer } from './queue-deploy';
import { renderReviewBoard } from '../core/review/board';
import { REVIEW_NOT_SET_UP } from '../core/review/actions';
import type { ReviewApp } from '../core/review/review-app';
import { STATS_NOT_AVAILABLE } from '../core/delivery/stats-text';
import type { PeriodDays } from '../core/delivery/types';

/** The freeze standing on an env now, if any (FreezeState fits BoardFreeze). */
export type FreezeOf = (app: string, env: string) => Promise<BoardFreeze | undefined> | BoardFreeze | undefined;
/** The env's deploy window at `now`, if it has one. */
export type WindowOf = (app: string, env: string, now: number) => Promise<BoardWindow | undefined> | BoardWindow | undefined;

export interface BoardDeps {
  config: FerryConfig;
  deploys: DeployStore;
  locks: LockStore;
  queues: Queues;
  audit: AuditLog;
  /** Where people can look at a commit (CommitSource.commitUrl); undefined for local repositories. */
  commitUrl: (app: string, sha: string) => string | undefined;
  /** Supplied by the freeze feature; without it the board has no freeze lines. */
  freezeOf?: FreezeOf;
  /** Supplied by the deploy window feature; without it the board has no window lines. */
  windowOf?: WindowOf;
  /** Whether a worker of a worker pool is live (src/store/worker-pools.ts); without it the board says nothing of pools. */
  poolLive?: (pool: string) => Promise<boolean>;
  /** An app's review apps (ReviewAppStore.list); without it `/deploys review` says review apps are not set up. */
  reviewApps?: (app: string) => Promise<ReviewApp[]>;
  /** GitHub's web URL, for pull request links (GitHub Enterprise's); default https://github.com. */
  githubWebUrl?: string;
  /** `/deploys stats` (DeliveryStats); without it the command says figures are not available yet. */
  stats?: { answer(app: string, days: PeriodDays): Promise<Answer> };
  now?: () => number;
}

/** How many entries the history and audit answers show. */
export const LIST_LIMIT = 20;
/** How far back a person's entries are read to find LIST_LIMIT about one app. */
const USER_APP_SCAN = 500;

/** `/deploys`: reads the stores and renders the board, an env's history or audit entries. Read-only. */
export class BoardService {
  constructor(private readonly d: BoardDeps) {}

  private now(): number {
    return (this.d.now ?? Date.now)();
  }

  answer(req: DeploysRequest): Promise<Answer> {
    switch (req.kind) {
      case 'board':
        return this.board(req.app);
      case 'history':
        return this.history(req.app, req.env);
      case 'audit':
        return this.auditLog(req.scope);
      case 'review':
        return this.reviews(req.app);
      case 'stats':
        return this.d.stats ? this.d.stats.answer(req.app, req.days) : Promise.resolve({ text: STATS_NOT_AVAILABLE });
    }
  }

  /** The review apps that are around: of `app`, or of every app with review_apps. */
  async reviews(app?: string): Promise<Answer> {
    const list = this.d.reviewApps;
    if (!list) return { text: REVIEW_NOT_SET_UP };
    const { config } = this.d;
    const names = app ? [app] : config.appNames.filter((a) => config.apps[a]!.reviewApps);
    const apps = await Promise.all(names.map(async (a) => ({ app: a, repo: config.apps[a]?.repo ?? '', reviews: await list(a) })));
    return renderReviewBoard({
      apps,
      people: config.people,
      now: this.now(),
      ...(this.d.githubWebUrl && { webUrl: this.d.githubWebUrl }),
    });
  }

  /** One app in detail, or every app (one compact section each). */
  async board(app?: string): Promise<Answer> {
    const now = this.now();
    const apps = app ? [app] : this.d.config.appNames;
    const rows = await Promise.all(
      apps.map(async (a) => ({ app: a, envs: await Promise.all(this.d.config.apps[a]!.envNames.map((env) => this.envRow(a, env, now))) })),
    );
    return renderBoard({ now, apps: rows });
  }

  async envRow(app: string, env: string, now: number): Promise<BoardEnv> {
    const pool = envOf(this.d.config.apps[app], env)!.pool;
    const [state, lock, counts, active, freeze, window, poolLive] = await Promise.all([
      this.d.deploys.envState(app, env),
      this.d.locks.get(app, env, now),
      this.d.queues.counts(app, env),
      this.d.queues.active(app, env),
      this.d.freezeOf?.(app, env),
      this.d.windowOf?.(app, env, now),
      this.d.poolLive?.(pool),
    ]);
    // A worker's job may still be queued: waiting for the lease of the app's exclusive group. Or
    // its deploy has finished and the worker is wrapping up (the log's last lines, the checkout's
    // removal): the board then says what the deploy's feed message says, not running.
    const current = active[0] === undefined ? undefined : await this.d.deploys.get(active[0]);
    const wrappingUp = current !== undefined && current.status !== 'queued' && current.status !== 'running';
    const row: BoardEnv = {
      env,
      queue: {
        waiting: counts.waiting + counts.prioritized + counts.delayed,
        ...(counts.delayed > 0 && { held: counts.delayed }),
        ...(active[0] !== undefined &&
          !wrappingUp &&
          (current?.status === 'queued' ? { startingId: active[0] } : { runningId: active[0] })),
      },
    };
    if (state.sha) {
      const commitUrl = this.d.commitUrl(app, state.sha);
      row.running = {
        deployId: Number(state.deployId),
        sha: state.sha,
        ref: state.ref ?? '',
        user: state.user ?? '',
        at: Number(state.at),
        ...(commitUrl && { commitUrl }),
      };
    }
    if (lock) row.lock = { holder: lock.holder, reason: lock.reason, until: lock.until, reserved: lock.reserved };
    if (freeze && (freeze.until === undefined || freeze.until > now)) row.freeze = freeze;
    if (window) row.window = window;
    if (poolLive === false) row.noWorker = pool;
    return row;
  }

  async history(app: string, env: string): Promise<Answer> {
    const deploys = await this.d.deploys.history(app, env, LIST_LIMIT);
    return renderHistory({ app, env, now: this.now(), deploys, commitUrl: (sha) => this.d.commitUrl(app, sha) });
  }

  async auditLog(scope: AuditScope): Promise<Answer> {
    const { of, entries } = await this.auditEntries(scope);
    return renderAudit({ of, now: this.now(), entries });
  }

  private async auditEntries(scope: AuditScope): Promise<{ of: string; entries: AuditEntry[] }> {
    const app = (a: string) => `\`${escapeMrkdwn(a)}\``;
    switch (scope.kind) {
      case 'all':
        return { of: 'everything', entries: await this.d.audit.recent(LIST_LIMIT) };
      case 'env':
        return { of: `${app(scope.app)} ${escapeMrkdwn(scope.env)}`, entries: await this.d.audit.byEnv(scope.app, scope.env, LIST_LIMIT) };
      case 'app': {
        // Each env keeps its own list; the app's newest entries are the newest of theirs.
        const lists = await Promise.all(
          this.d.config.apps[scope.app]!.envNames.map((env) => this.d.audit.byEnv(scope.app, env, LIST_LIMIT)),
        );
        return {
          of: app(scope.app),
          entries: lists
            .flat()
            .sort((a, b) => b.at - a.at)
            .slice(0, LIST_LIMIT),
        };
      }
      case 'user': {
        if (!scope.app) return { of: mention(scope.user), entries: await this.d.audit.byUser(scope.user, LIST_LIMIT) };
        const all = await this.d.audit.byUser(scope.user, USER_APP_SCAN);
        return { of: `${mention(scope.user)} on ${app(scope.app)}`, entries: all.filter((e) => e.app === scope.app).slice(0, LIST_LIMIT) };
      }
    }
  }
}
