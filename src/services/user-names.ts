import type { Logger } from 'pino';
import { isSlackUser } from '../core/slack-format';
import { withDeadline } from '../util/deadline';

/** The one Slack method this needs (scope `users:read`, which Ferry's manifest has). */
export interface UsersInfoClient {
  users: {
    info(args: {
      user: string;
    }): Promise<{ user?: { name?: string; real_name?: string; profile?: { display_name?: string; real_name?: string } } }>;
  };
}

const TTL_MS = 3_600_000;
const MAX_CACHED = 2_000;
const DEADLINE_MS = 2_000;

/**
 * A Slack member ID to the name people know them by (real name, else display name, else
 * username), for pages that can't show a Slack mention (the deploy log page). Remembered for an
 * hour in this process; a lookup that fails or takes over 2 s gives undefined, and the caller
 * shows the ID.
 */
export class UserNames {
  private readonly cache = new Map<string, { name: string | undefined; at: number }>();
  private readonly now: () => number;

  constructor(private readonly d: { slack: UsersInfoClient; log: Logger; now?: () => number; deadlineMs?: number }) {
    this.now = d.now ?? Date.now;
  }

  readonly nameOf = async (userId: string): Promise<string | undefined> => {
    if (!isSlackUser(userId)) return undefined;
    const hit = this.cache.get(userId);
    if (hit && this.now() - hit.at < TTL_MS) return hit.name;
    const lookup = this.d.slack.users.info({ user: userId }).then(
      (r) => {
        const u = r.user;
        const name =
          u?.profile?.real_name?.trim() || u?.real_name?.trim() || u?.profile?.display_name?.trim() || u?.name?.trim() || undefined;
        if (this.cache.size >= MAX_CACHED) this.cache.delete(this.cache.keys().next().value!);
        this.cache.set(userId, { name, at: this.now() });
        return name;
      },
      (err: Error) => {
        this.d.log.debug({ user: userId, err: err.message }, 'users.info failed; showing the member ID');
        return undefined;
      },
    );
    return withDeadline(lookup, this.d.deadlineMs ?? DEADLINE_MS, undefined);
  };
}
