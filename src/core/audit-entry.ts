/** What people (and Ferry on their behalf) did, as the audit log records it. */
export type AuditAction = 'deploy' | 'rollback' | 'cancel' | 'lock' | 'unlock' | 'freeze' | 'unfreeze' | 'override' | 'release' | 'refused';

export interface AuditEntry {
  at: number;
  /** Slack user ID of who did it, or `ferry` for what Ferry did by itself (a freeze expiring). */
  user: string;
  action: AuditAction;
  app?: string;
  env?: string;
  deployId?: number;
  /** Words for people: the reason, the ref and SHA, which rule refused, the new end time. */
  detail?: string;
}
