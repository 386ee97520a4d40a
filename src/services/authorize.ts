import type { Logger } from 'pino';
import { type PermAction, refusalText } from '../core/permissions';
import type { AuditLog } from '../store/audit';
import type { Permissions } from './permissions';

export interface AuthorizeDeps {
  permissions: Pick<Permissions, 'check' | 'admins'>;
  audit?: Pick<AuditLog, 'record'>;
  log: Logger;
  now: () => number;
}

/**
 * Checks a permission; a refusal is written to the audit log (`refused`, "<label>: <rule>") and
 * returned as the text for the person (which rule, who it allows, whom to ask). Undefined: allowed.
 * An audit failure is logged and never changes the answer.
 */
export async function authorize(
  d: AuthorizeDeps,
  action: PermAction,
  user: string,
  app: string,
  env: string,
  label: string = action,
): Promise<string | undefined> {
  const allowed = await d.permissions.check(action, user, app, env);
  if (allowed.ok) return undefined;
  await d.audit
    ?.record({ at: d.now(), user, action: 'refused', app, env, detail: `${label}: ${allowed.rule}` })
    .catch((err: Error) => d.log.error({ err: err.message, app, env }, 'could not record the refusal in the audit log'));
  return refusalText(allowed, action, app, env, d.permissions.admins);
}
