import type { Logger } from 'pino';
import type { FerryConfig } from '../core/config/types';
import { lockExpiredText, lockFreeText, lockReminderText, releasedByAdminText, turnPassedText } from '../core/lock-text';
import type { Queues } from '../queue/queues';
import type { LockInfo, LockStore, ReleaseResult } from '../store/locks';

/**
 * Locks with their side effects: every claim schedules its reminder and expiry timers, and every
 * release hands the env to the next person on the wait-list by DM. DMs go out through the timers
 * queue (retried, one per key), so a Slack hiccup can't lose the hand-off of a popped waiter.
 */
export class LockService {
  constructor(
    private readonly locks: LockStore,
    private readonly queues: Queues,
    private readonly config: FerryConfig,
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  /** Schedules the reminder and the expiry of a lock that was just claimed or extended. */
  async scheduleTimers(app: string, env: string, lock: Pick<LockInfo, 'token' | 'until'>): Promise<void> {
    const now = this.now();
    const remindAt = lock.until - this.config.lockReminderMs;
    const jobs = [this.queues.schedule({ kind: 'lock-expire', app, env, token: lock.token }, lock.until, now)];
    if (remindAt - now > this.config.lockReminderMs / 2)
      jobs.push(this.queues.schedule({ kind: 'lock-remind', app, env, token: lock.token }, remindAt, now));
    await Promise.all(jobs);
  }

  async release(app: string, env: string, user: string): Promise<ReleaseResult> {
    const r = await this.locks.release(app, env, user, this.now());
    if (r.kind === 'released') await this.handOff(app, env, r, r.previous.holder === user ? 'released' : 'expired');
    return r;
  }

  /**
   * An admin releases someone else's lock `token` (as they saw it: a lock that changed meanwhile is
   * left alone, 'stale'). The previous holder is DMed who released it; the wait-list is handed on
   * as by a normal release.
   */
  async releaseAsAdmin(app: string, env: string, admin: string, token: number): Promise<ReleaseResult> {
    const r = await this.locks.forceRelease(app, env, token, this.now());
    if (r.kind !== 'released') return r;
    this.log.info({ app, env, admin, holder: r.previous.holder }, 'lock released by an admin');
    await this.handOff(app, env, r, 'released', admin);
    if (r.previous.holder !== admin) {
      await this.queues.dm(
        r.previous.holder,
        releasedByAdminText(app, env, admin, r.previous.reserved),
        `admin-release-${app}-${env}-${r.previous.token}`,
      );
    }
    return r;
  }

  /** The expiry timer of lock `token`. */
  async expire(app: string, env: string, token: number): Promise<void> {
    const r = await this.locks.expire(app, env, token, this.now());
    if (r.kind !== 'released') return;
    await this.handOff(app, env, r, 'expired');
    const text = r.previous.reserved ? turnPassedText(app, env) : lockExpiredText(app, env);
    await this.queues.dm(r.previous.holder, text, `expired-${app}-${env}-${token}`);
  }

  /** The reminder timer of lock `token`: DMs the holder if that lock still stands. */
  async remind(app: string, env: string, token: number): Promise<void> {
    const lock = await this.locks.get(app, env, this.now());
    if (lock?.token !== token || lock.reserved) return;
    await this.queues.dm(lock.holder, lockReminderText(app, env, lock, this.now()), `remind-${app}-${env}-${token}`);
  }

  /** The next person on the wait-list has the env reserved: tell them, and end the reservation on time. */
  private async handOff(
    app: string,
    env: string,
    r: Extract<ReleaseResult, { kind: 'released' }>,
    how: 'released' | 'expired',
    by?: string,
  ): Promise<void> {
    if (!r.next) return;
    this.log.info({ app, env, next: r.next.user }, 'env reserved for the next on the wait-list');
    await this.queues.schedule({ kind: 'lock-expire', app, env, token: r.next.token }, r.next.until, this.now());
    const previous = r.previous.reserved ? undefined : r.previous.holder;
    await this.queues.dm(r.next.user, lockFreeText(app, env, previous, how, r.next.until, by), `handoff-${app}-${env}-${r.previous.token}`);
  }
}
