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
 * All the lookups of one release share this deadline, counted from when its last commit is known
 * (they start with the first page of the compare), so a slow or rate-limited Slack holds /release
 * up this long at most, however many authors it has (a deadline per lookup, 4 at a time, added
 * up: 80 new authors could wait 100 s). Emails not answered by then are counted unanswered this
 * time; an answer that comes later is still cached, for the next release.
 */
const LOOKUPS_DEADLINE_MS = 10_000;
/** Emails looked up at once (Slack's Tier 3 allows ~50 a minute; the cache keeps repeats free). */
const LOOKUPS_AT_ONCE = 4;
/**
 * A lookup isn't started with less time left than this: Slack can't answer that fast, and a timer
 * that ends the round before it may fire a millisecond early by Date.now's reckoning.
 */
const MIN_LOOKUP_MS = 50;

/** Slack gave no answer for an email (an error, or not in time): not the same as "no such user". */
const UNANSWERED = Symbol('unanswered');
type Answer = string | undefined | typeof UNANSWERED;

/** A release's commit authors being looked up: started as the commits arrive, answered once all are in. */
export interface AuthorLookups {
  /** Starts looking up the authors of these commits not asked about yet (cache first, one MGET); returns at once. */
  add(commits: readonly Commit[]): void;
  /**
   * A function from commit to Slack user ID, ready for these commits, and how many of their
   * emails Slack gave no answer for (it failed, or was too slow): whether those are people whose
   * OK is needed is unknown. Waits at most the deadline from this call.
   */
  resolve(commits: readonly Commit[]): Promise<{ slackOf: (c: Commit) => string | undefined; unanswered: number }>;
}

/**
 * Commit authors to Slack users: first the config's `people:` map (GitHub login or email), then
 * Slack's users.lookupByEmail, cached in Redis for every replica. Bots and GitHub's private
 * noreply emails are never looked up. A failed lookup is counted (and not cached), so a release
 * is not opened without knowing whose OK it needs.
 */
export class People {
  constructor(
    private readonly d: { people: Record<string, string>; slack: UsersClient; redis: Redis; k: Keys; log: Logger; deadlineMs?: number },
  ) {}

  /** Lookups for one release: add() commits as they arrive (a compare's pages), then resolve(). */
  lookups(): AuthorLookups {
    return new Lookups(this, this.d.deadlineMs ?? LOOKUPS_DEADLINE_MS);
  }

  /** lookups() for commits known all at once. */
  resolver(commits: readonly Commit[]): Promise<{ slackOf: (c: Commit) => string | undefined; unanswered: number }> {
    return this.lookups().resolve(commits);
  }

  fromConfig(c: Commit): string | undefined {
    const p = this.d.people;
    const email = c.authorEmail.trim().toLowerCase();
    for (const key of [c.authorLogin?.toLowerCase(), email, loginOfNoreplyEmail(email)]) if (key && Object.hasOwn(p, key)) return p[key];
    return undefined;
  }

  /** The emails of these commits' authors that Slack may be asked about (lower-cased, distinct). */
  emailsToAsk(commits: readonly Commit[]): string[] {
    const emails = new Set<string>();
    for (const c of commits) {
      const e = c.authorEmail.trim().toLowerCase();
      if (!emails.has(e) && e.includes('@') && !loginOfNoreplyEmail(e) && !isBot(c) && !this.fromConfig(c)) emails.add(e);
    }
    return [...emails];
  }

  /** Cached answers, one round trip: a Slack user ID, '-' for "no such user", null when not cached. */
  cached(emails: readonly string[]): Promise<(string | null)[]> {
    return this.d.redis.mget(emails.map((e) => this.d.k.personByEmail(e)));
  }

  /** Asks Slack (and caches the answer, however late); waits at most `waitMs`. */
  ask(email: string, waitMs: number): Promise<Answer> {
    if (waitMs < MIN_LOOKUP_MS) return Promise.resolve(UNANSWERED);
    const key = this.d.k.personByEmail(email);
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
    return withDeadline(
      answer.catch((): Answer => UNANSWERED),
      waitMs,
      UNANSWERED,
    );
  }
}

class Lookups implements AuthorLookups {
  private readonly answers = new Map<string, Promise<Answer>>();
  private readonly limiter = new Limiter(LOOKUPS_AT_ONCE);
  /** Set by resolve(): no lookup starts after it, and none is waited for longer. */
  private until: number | undefined;

  constructor(
    private readonly people: People,
    private readonly deadlineMs: number,
  ) {}

  add(commits: readonly Commit[]): void {
    const fresh = this.people.emailsToAsk(commits).filter((e) => !this.answers.has(e));
    if (!fresh.length) return;
    const cached = this.people.cached(fresh);
    fresh.forEach((e, i) => {
      const answer = cached.then((v) =>
        v[i] ? (v[i] === '-' ? undefined : v[i]!) : this.limiter.run(() => this.people.ask(e, this.waitMs())),
      );
      // Awaited by resolve(); a release whose compare failed never asks, and its lookups must not be unhandled.
      answer.catch(() => {});
      this.answers.set(e, answer);
    });
  }

  async resolve(commits: readonly Commit[]): Promise<{ slackOf: (c: Commit) => string | undefined; unanswered: number }> {
    this.add(commits);
    this.until ??= Date.now() + this.deadlineMs;
    const emails = this.people.emailsToAsk(commits);
    const found = new Map(
      await Promise.all(emails.map(async (e) => [e, await withDeadline(this.answers.get(e)!, this.waitMs(), UNANSWERED)] as const)),
    );
    const unanswered = [...found.values()].filter((v) => v === UNANSWERED).length;
    return {
      slackOf: (c) => {
        const id = this.people.fromConfig(c) ?? found.get(c.authorEmail.trim().toLowerCase());
        return id === UNANSWERED ? undefined : id;
      },
      unanswered,
    };
  }

  /** How long a lookup may still take: until the deadline once resolve() set it, else a whole deadline. */
  private waitMs(): number {
    return this.until === undefined ? this.deadlineMs : this.until - Date.now();
  }
}
