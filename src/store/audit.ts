import type { Redis } from 'ioredis';
import type { AuditAction, AuditEntry } from '../core/audit-entry';
import { DEFAULT_DELIVERY_RETENTION_MS } from '../core/delivery/durations';
import type { Keys } from './keys';
import { luaCommand } from './lua';

export type { AuditAction, AuditEntry };

/** Entries kept per list (everything, each env, each person); older ones fall off. */
export const AUDIT_KEEP = 5_000;

/** Pushes an entry to its lists, bounded in count and in age (audit-record.lua). */
const RECORD = luaCommand<{ lists: string[]; json: string; keep: number; cutoff: number }, number>('audit-record', (i) => ({
  keys: {},
  moreKeys: i.lists,
  argv: { json: i.json, keep: i.keep, cutoff: i.cutoff },
}));

/**
 * The audit log in Redis: each entry is pushed to three bounded lists (everything, its env, its
 * person) in one script, so the three views always agree. Newest first. Each list keeps at most
 * `keep` entries, none older than `retentionMs` (delivery_retention) before the newest.
 */
export class AuditLog {
  constructor(
    private readonly redis: Redis,
    private readonly k: Keys,
    private readonly keep: number = AUDIT_KEEP,
    private readonly retentionMs: number = DEFAULT_DELIVERY_RETENTION_MS,
  ) {}

  async record(e: AuditEntry): Promise<void> {
    const json = JSON.stringify(e);
    const lists = [this.k.auditAll, this.k.auditUser(e.user)];
    if (e.app && e.env) lists.push(this.k.auditEnv(e.app, e.env));
    await RECORD(this.redis, { lists, json, keep: this.keep, cutoff: e.at - this.retentionMs });
  }

  byEnv(app: string, env: string, limit = 20): Promise<AuditEntry[]> {
    return this.read(this.k.auditEnv(app, env), limit);
  }

  byUser(user: string, limit = 20): Promise<AuditEntry[]> {
    return this.read(this.k.auditUser(user), limit);
  }

  recent(limit = 20): Promise<AuditEntry[]> {
    return this.read(this.k.auditAll, limit);
  }

  private async read(key: string, limit: number): Promise<AuditEntry[]> {
    const raw = await this.redis.lrange(key, 0, Math.max(0, limit - 1));
    return raw.map((r) => JSON.parse(r) as AuditEntry);
  }
}
