import { rulesOf } from '../core/review/env';
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { FerryConfig } from '../core/config/types';
import { decide, groupsToCheck, isGroupId, isUserId, type PermAction, type PermDecision } from '../core/permissions';
import type { Keys } from '../store/keys';
import { luaCommand } from '../store/lua';
import { sleep, withDeadline } from '../util/deadline';

/** The one Slack method this needs (a WebClient has it; tests may pass a stand-in). */
export interface UsergroupsClient {
  usergroups: { users: { list(args: { usergroup: string }): Promise<{ users?: string[] }> } };
}

/** How long a group's fetched members count as current. */
export const GROUP_FRESH_MS = 5 * 60_000;
/** How long the last members are kept, to answer from when Slack fails. */
const GROUP_KEEP_MS = 24 * 3_600_000;
/** How long one process may hold a group's fetch before another may try; also how long others wait for it. */
const FETCH_LEASE_MS = 15_000;
/** A Slack lookup slower than this counts as failed (the person is waiting for an answer). */
const LOOKUP_DEADLINE_MS = 10_000;
const WAIT_POLL_MS = 50;

/** Deletes a group's fetch claim only if this process still holds it (release-usergroup-fetch.lua). */
const RELEASE_FETCH = luaCommand<{ fetchKey: string; token: string }, number>('release-usergroup-fetch', (i) => ({
  keys: { fetchKey: i.fetchKey },
  argv: { token: i.token },
}));

/**
 * Permission checks with user group membership from Slack (`usergroups.users.list`, scope
 * `usergroups:read`). Members are cached in Redis for 5 minutes, shared by every replica: one
 * process fetches a group while the others wait for its result, and within a process concurrent
 * checks share one lookup. When Slack fails, the last members fetched (up to a day old) are used;
 * without any, the group is unknown and the check refuses, naming it. An error never allows.
 */
export class Permissions {
  private readonly inflight = new Map<string, Promise<boolean>>();

  constructor(
    private readonly slack: UsergroupsClient,
    private readonly redis: Redis,
    private readonly k: Keys,
    private readonly config: FerryConfig,
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  /** May `user` do `action` on the env? Refusals carry the rule, who it allows, and groups that couldn't be checked. */
  async check(action: PermAction, user: string, app: string, env: string): Promise<PermDecision> {
    const envCfg = rulesOf(this.config.apps[app], env);
    if (!envCfg) throw new Error(`permissions: no env ${app}/${env} in the config`);
    const input = { action, user, app, env, rules: envCfg.permissions, admins: this.config.admins };
    const known = await this.memberships(groupsToCheck(input), user);
    const d = decide({ ...input, memberOf: (g) => known.get(g) });
    if (!d.ok) this.log.info({ action, user, app, env, rule: d.rule, unknownGroups: d.unknownGroups }, 'permission refused');
    return d;
  }

  /** Is `user` an admin (listed, or in a listed user group)? A group that can't be checked counts as no. */
  async isAdmin(user: string): Promise<boolean> {
    return this.inList(this.config.admins, user);
  }

  /** Is `user` one of `list` (user IDs, or members of its user groups)? A group that can't be checked counts as no. */
  async inList(list: readonly string[], user: string): Promise<boolean> {
    if (list.includes(user)) return true;
    const known = await this.memberships(list.filter(isGroupId), user);
    return [...known.values()].some((m) => m === true);
  }

  /** The configured admins (user and user group IDs), for answers that name who can help. */
  get admins(): readonly string[] {
    return this.config.admins;
  }

  private async memberships(groups: string[], user: string): Promise<Map<string, boolean | undefined>> {
    return new Map(await Promise.all(groups.map(async (g) => [g, await this.member(g, user)] as const)));
  }

  private async member(group: string, user: string): Promise<boolean | undefined> {
    const c = await this.cached(group, user);
    if (c.fresh) return c.member;
    if (await this.refresh(group)) {
      const after = await this.cached(group, user);
      if (after.fresh || after.known) return after.member;
    }
    return c.known ? c.member : undefined;
  }

  private async cached(group: string, user: string): Promise<{ fresh: boolean; known: boolean; member: boolean }> {
    const r = await this.redis
      .multi()
      .exists(this.k.usergroupFresh(group))
      .exists(this.k.usergroup(group))
      .sismember(this.k.usergroup(group), user)
      .exec();
    const [fresh, known, member] = (r ?? []).map(([err, v]) => {
      if (err) throw err;
      return v === 1;
    });
    return { fresh: !!fresh, known: !!known || !!fresh, member: !!member };
  }

  /** Fetches the group's members into Redis unless fresh; one lookup per group per process at a time. True when fresh afterwards. */
  private refresh(group: string): Promise<boolean> {
    let p = this.inflight.get(group);
    if (!p) {
      p = this.fetch(group).finally(() => this.inflight.delete(group));
      this.inflight.set(group, p);
    }
    return p;
  }

  private async fetch(group: string): Promise<boolean> {
    const fetchKey = this.k.usergroupFetch(group);
    const token = randomUUID();
    if ((await this.redis.set(fetchKey, token, 'PX', FETCH_LEASE_MS, 'NX')) !== 'OK') return this.awaitOther(group);
    try {
      // Another replica may have finished fetching between our read and taking the fetch.
      if ((await this.redis.exists(this.k.usergroupFresh(group))) === 1) return true;
      let users: string[];
      try {
        users = await this.lookup(group);
      } catch (err) {
        const code = (err as { data?: { error?: string } }).data?.error;
        const hint = code === 'missing_scope' ? '; add the usergroups:read bot scope (manifest.yml) and reinstall the app' : '';
        this.log.warn({ group, err: (err as Error).message, ...(code && { code }) }, `could not look up the user group's members${hint}`);
        return false;
      }
      const set = this.k.usergroup(group);
      const m = this.redis.multi().del(set);
      if (users.length > 0) m.sadd(set, ...users).pexpire(set, GROUP_KEEP_MS);
      await m.set(this.k.usergroupFresh(group), String(this.now()), 'PX', GROUP_FRESH_MS).exec();
      return true;
    } finally {
      await RELEASE_FETCH(this.redis, { fetchKey, token }).catch(() => {});
    }
  }

  private async lookup(group: string): Promise<string[]> {
    const r = await withDeadline(this.slack.usergroups.users.list({ usergroup: group }), LOOKUP_DEADLINE_MS, undefined);
    if (!r) throw new Error(`Slack did not answer usergroups.users.list within ${LOOKUP_DEADLINE_MS / 1000} s`);
    return (r.users ?? []).filter(isUserId);
  }

  /** Another process is fetching the group: wait until it is fresh, or the fetch ends or lapses without it. */
  private async awaitOther(group: string): Promise<boolean> {
    const deadline = Date.now() + FETCH_LEASE_MS;
    for (;;) {
      const r = await this.redis.multi().exists(this.k.usergroupFresh(group)).exists(this.k.usergroupFetch(group)).exec();
      if (r?.[0]?.[1] === 1) return true;
      if (r?.[1]?.[1] !== 1 || Date.now() > deadline) return false;
      await sleep(WAIT_POLL_MS);
    }
  }
}
