import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { isBot, loginOfNoreplyEmail } from '../core/release/authors';
import type { Commit } from '../core/release/types';
import type { Keys } from '../store/keys';
import { Limiter } from '../util/limiter';
import { withDeadline } from '../util/deadline';

/** The one Slack method this needs (scope `users:read.email`). */
export interface UsersClient {
  users: { lookupByEmail(args: { email: string }): Promise<{ user?: { id?: string; is_bot?: boolean; deleted?: boolean } }> };
}

/** How long a found Slack user is remembered for an email, and how long "no such user" is. */
const FOUND_TTL_S = 7 * 86_400;
const NOT_FOUND_TTL_S = 3_600;
/**
 * All the lookups of one release share this deadline, so a slow or rate-limited Slack holds
 * /release up this long at most, however many authors it has (a deadline per lookup, 4 at a time,
 * added up: 80 new authors could wait 100 s). Emails not answered by then are shown without a
 * Slack user this time; an answer that comes later is still cached, for the next release.
 */
const LOOKUPS_DEADLINE_MS = 10_000;
/** Emails looked up at once (Slack's Tier 3 allows ~50 a minute; the cache keeps repeats free). */
const LOOKUPS_AT_ONCE = 4;

/**
 * Commit authors to Slack users: first the config's `people:` map (GitHub login or email), then
 * Slack's users.lookupByEmail, cached in Redis for every replica. Bots and GitHub's private
 * noreply emails are never looked up. A failed lookup is counted (and not cached), so a release
 * is not opened without knowing whose OK it needs.
 */
/** Slack gave no answer for an email (an error, or not in time): not the same as "no such user". */
const UNANSWERED = Symbol('unanswered');

export class People {
  constructor(
    private readonly d: { people: Record<string, string>; slack: UsersClient; redis: Redis; k: Keys; log: Logger; deadlineMs?: number },
  ) {}

  /**
   * A function from commit to Slack user ID, ready for these commits (one lookup per distinct
   * email), and how many emails Slack gave no answer for (it failed, or was too slow): whether
   * those are people whose OK is needed is unknown.
   */
  async resolver(commits: readonly Commit[]): Promise<{ slackOf: (c: Commit) => string | undefined; unanswered: number }> {
    const emails = [...new Set(commits.filter((c) => !this.fromConfig(c) && !isBot(c)).map((c) => c.authorEmail.trim().toLowerCase()))].filter(
      (e) => e.includes('@') && !loginOfNoreplyEmail(e),
    );
    const limiter = new Limiter(LOOKUPS_AT_ONCE);
    const until = Date.now() + (this.d.deadlineMs ?? LOOKUPS_DEADLINE_MS);
    const found = new Map(await Promise.all(emails.map(async (e) => [e, await limiter.run(() => this.lookup(e, until))] as const)));
    const unanswered = [...found.values()].filter((v) => v === UNANSWERED).length;
    return {
      slackOf: (c) => {
        const id = this.fromConfig(c) ?? found.get(c.authorEmail.trim().toLowerCase());
        return id === UNANSWERED ? undefined : id;
      },
      unanswered,
    };
  }

  private fromConfig(c: Commit): string | undefined {
    const p = this.d.people;
    const email = c.authorEmail.trim().toLowerCase();
    for (const key of [c.authorLogin?.toLowerCase(), email, loginOfNoreplyEmail(email)]) if (key && Object.hasOwn(p, key)) return p[key];
    return undefined;
  }

  private async lookup(email: string, until: number): Promise<string | typeof UNANSWERED | undefined> {
    const key = this.d.k.personByEmail(email);
    const cached = await this.d.redis.get(key);
    if (cached) return cached === '-' ? undefined : cached;
    const left = until - Date.now();
    if (left <= 0) return UNANSWERED;
    const answer = this.d.slack.users.lookupByEmail({ email }).then(
      async (r) => {
        const id = r.user && !r.user.deleted && !r.user.is_bot ? r.user.id : undefined;
        await this.d.redis.set(key, id ?? '-', 'EX', id ? FOUND_TTL_S : NOT_FOUND_TTL_S);
        return id;
      },
      async (err: unknown) => {
        if ((err as { data?: { error?: string } }).data?.error === 'users_not_found') {
          await this.d.redis.set(key, '-', 'EX', NOT_FOUND_TTL_S);
          return undefined;
        }
        this.d.log.warn({ err: (err as Error).message }, 'users.lookupByEmail failed');
        return UNANSWERED;
      },
    );
    // Late or not, the answer is cached; a failure to cache it only costs a lookup next time.
    return withDeadline(answer.catch(() => UNANSWERED), left, UNANSWERED);
  }
}
