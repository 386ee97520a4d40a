import type { Redis } from 'ioredis';
import type { AuditAction, AuditEntry } from '../core/audit-entry';
import type { Keys } from './keys';

export type { AuditAction, AuditEntry };

/** Entries kept per list (everything, each env, each person); older ones fall off. */
export const AUDIT_KEEP = 5_000;

/**
 * The audit log in Redis: each entry is pushed to three bounded lists (everything, its env, its
 * person) in one MULTI, so the three views always agree. Newest first.
 */
export class AuditLog {
  constructor(
    private readonly redis: Redis,
    private readonly k: Keys,
    private readonly keep: number = AUDIT_KEEP,
  ) {}

  async record(e: AuditEntry): Promise<void> {
    const json = JSON.stringify(e);
    const lists = [this.k.auditAll, this.k.auditUser(e.user)];
    if (e.app && e.env) lists.push(this.k.auditEnv(e.app, e.env));
    const m = this.redis.multi();
    for (const key of lists) m.lpush(key, json).ltrim(key, 0, this.keep - 1);
    await m.exec();
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
