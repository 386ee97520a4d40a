import { envOf } from '../core/review/env';
import type { EnvConfig, FerryConfig } from '../core/config/types';
import { type CheckRun, type ChecksVerdict, type CommitStatus, decideChecks } from '../core/checks';
import type { GitHubClient } from '../source/github';

/** GitHub's largest page of check runs. */
const PER_PAGE = 100;
/** At most this many pages of check runs are read (10,000 runs). */
const MAX_PAGES = 100;

/** A commit's required checks, as a verdict; never throws (GitHub failing is pending, never green). */
export type ChecksOf = (app: string, env: string, sha: string) => Promise<ChecksVerdict | undefined>;

/**
 * Reads a commit's GitHub commit statuses (combined, `GET /repos/{o}/{r}/commits/{ref}/status`) and
 * check runs (`GET /repos/{o}/{r}/commits/{ref}/check-runs`, every page) and decides whether the
 * env's `require_checks` are green. Undefined for an env that requires no checks. A GitHub error or
 * timeout is a pending verdict naming the checks and saying GitHub did not answer.
 */
export function createChecks(d: { client: GitHubClient | undefined; config: FerryConfig; timeoutMs?: number }): ChecksOf {
  const timeoutMs = d.timeoutMs ?? 15_000;
  return async (app, env, sha) => {
    const appCfg = d.config.apps[app];
    const required = envOf(appCfg, env)?.requireChecks;
    if (!required || !appCfg) return undefined;
    if (!appCfg.repo || !d.client) return { kind: 'pending', pending: names(required), unknown: 'the app has no GitHub repository to ask' };
    const [owner, repo] = appCfg.repo.split('/') as [string, string];
    const signal = AbortSignal.timeout(timeoutMs);
    try {
      const [statuses, runs] = await Promise.all([
        readStatuses(d.client, owner, repo, sha, signal),
        readRuns(d.client, owner, repo, sha, signal),
      ]);
      return decideChecks(required, statuses, runs);
    } catch (err) {
      const status = (err as { status?: number }).status;
      const what = signal.aborted
        ? `GitHub did not answer within ${Math.round(timeoutMs / 1000)}s`
        : `GitHub failed (${status ?? (err as Error).message})`;
      return { kind: 'pending', pending: names(required), unknown: `${what} when asked for the checks` };
    }
  };
}

function names(required: Exclude<EnvConfig['requireChecks'], undefined>): { name: string }[] {
  return required === 'all' ? [{ name: 'all checks' }] : required.map((name) => ({ name }));
}

async function readStatuses(client: GitHubClient, owner: string, repo: string, ref: string, signal: AbortSignal): Promise<CommitStatus[]> {
  const out: CommitStatus[] = [];
  // The combined status pages its contexts too (per_page up to 100).
  for (let page = 1; page <= MAX_PAGES; page++) {
    const res = await client.rest.repos.getCombinedStatusForRef({
      owner,
      repo,
      ref,
      per_page: PER_PAGE,
      page,
      request: { signal, retries: 0 },
    });
    const list = res.data.statuses ?? [];
    for (const s of list) out.push({ context: s.context, state: s.state, ...(s.target_url && { targetUrl: s.target_url }) });
    if (list.length < PER_PAGE || out.length >= (res.data.total_count ?? 0)) break;
  }
  return out;
}

async function readRuns(client: GitHubClient, owner: string, repo: string, ref: string, signal: AbortSignal): Promise<CheckRun[]> {
  const out: CheckRun[] = [];
  for (let page = 1; page <= MAX_PAGES; page++) {
    const res = await client.rest.checks.listForRef({ owner, repo, ref, per_page: PER_PAGE, page, request: { signal, retries: 0 } });
    const list = res.data.check_runs ?? [];
    for (const r of list)
      out.push({ name: r.name, status: r.status, conclusion: r.conclusion ?? null, ...(r.html_url && { htmlUrl: r.html_url }) });
    if (list.length < PER_PAGE || out.length >= res.data.total_count) break;
  }
  return out;
}
