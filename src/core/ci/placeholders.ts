import type { CiDeploy } from './types';

/** The placeholders a driver's settings may use, and nothing else: no other templating. */
export const PLACEHOLDERS = ['sha', 'ref', 'app', 'env', 'deploy_id', 'user'] as const;

const PLACEHOLDER = /\{([^{}]*)\}/g;

/** The first `{name}` in `text` that is not a placeholder, or undefined. */
export function unknownPlaceholder(text: string): string | undefined {
  for (const m of text.matchAll(PLACEHOLDER)) if (!(PLACEHOLDERS as readonly string[]).includes(m[1]!)) return m[0];
  return undefined;
}

/** `text` with each placeholder replaced by the deploy's value (a value is never read as a placeholder again). */
export function fillPlaceholders(text: string, d: CiDeploy): string {
  const values: Record<(typeof PLACEHOLDERS)[number], string> = {
    sha: d.sha,
    ref: d.ref,
    app: d.app,
    env: d.env,
    deploy_id: String(d.id),
    user: d.user,
  };
  return text.replace(PLACEHOLDER, (whole, name: string) => (Object.hasOwn(values, name) ? values[name as keyof typeof values] : whole));
}

/** Each string value of `values` filled in; numbers and booleans as they are. */
export function fillValues<T extends string | number | boolean>(values: Record<string, T>, d: CiDeploy): Record<string, T | string> {
  const out: Record<string, T | string> = {};
  for (const [k, v] of Object.entries(values)) out[k] = typeof v === 'string' ? fillPlaceholders(v, d) : v;
  return out;
}

/** `text` with {app} and {env} filled in (what is known before a deploy: a driver's label, GitHub's environment name). */
export function fillNames(text: string, names: { app: string; env: string }): string {
  return text.replace(PLACEHOLDER, (whole, name: string) => (name === 'app' ? names.app : name === 'env' ? names.env : whole));
}
