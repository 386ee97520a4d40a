/**
 * The keys a GitHub webhook carries that wake a worker following a CI run (src/worker/ci-wake.ts):
 * a workflow run's or job's run id, a deployment's id, a commit's checks and statuses. Pure: the
 * payload is outside input, so every field is checked before it is used.
 */
export function ciWakeKeys(event: string, payload: unknown): string[] {
  const p = (payload ?? {}) as Record<string, unknown>;
  const obj = (v: unknown): Record<string, unknown> => (v && typeof v === 'object' ? (v as Record<string, unknown>) : {});
  const id = (v: unknown): string | undefined => (typeof v === 'number' && Number.isSafeInteger(v) && v > 0 ? String(v) : undefined);
  const repo = typeof obj(p.repository).full_name === 'string' ? (obj(p.repository).full_name as string) : undefined;
  const sha = (v: unknown): string | undefined => (typeof v === 'string' && /^[0-9a-f]{40}$/.test(v) ? v : undefined);
  const keys: (string | undefined)[] = [];
  if (event === 'workflow_run') keys.push(key('gha-run', id(obj(p.workflow_run).id)));
  if (event === 'workflow_job') keys.push(key('gha-run', id(obj(p.workflow_job).run_id)));
  if (event === 'deployment_status') keys.push(key('deployment', id(obj(p.deployment).id)));
  if (repo && event === 'check_run') keys.push(key(`sha:${repo}`, sha(obj(p.check_run).head_sha)));
  if (repo && event === 'check_suite') keys.push(key(`sha:${repo}`, sha(obj(p.check_suite).head_sha)));
  if (repo && event === 'status') keys.push(key(`sha:${repo}`, sha(p.sha)));
  return keys.filter((k): k is string => k !== undefined);
}

const key = (kind: string, value: string | undefined): string | undefined => (value === undefined ? undefined : `${kind}:${value}`);

/** The wake key of a commit's checks and statuses (what a check_run, check_suite or status webhook carries). */
export const shaWakeKey = (repo: string, sha: string): string => `sha:${repo}:${sha}`;
/** The wake key of a GitHub Actions run (workflow_run, workflow_job). */
export const runWakeKey = (runId: string | number): string => `gha-run:${runId}`;
/** The wake key of a GitHub deployment (deployment_status). */
export const deploymentWakeKey = (id: string | number): string => `deployment:${id}`;
