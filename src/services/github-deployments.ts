import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { FerryConfig } from '../config/types';
import { type Deploy, shortSha } from '../core/deploy';
import type { GitHubClient } from '../source/github';
import type { Keys } from '../store/keys';
import { LuaScript } from '../store/lua';
import { sleep } from '../util/deadline';

/** The deployment states Ferry mirrors, in the order a deploy goes through them. */
export type DeploymentState = 'queued' | 'in_progress' | 'success' | 'failure' | 'inactive';

const RANK: Record<DeploymentState, number> = { queued: 1, in_progress: 2, success: 3, failure: 3, inactive: 3 };
const KEEP_S = 30 * 86_400;

/** Releases the deploy's mirror lock if this caller still holds it. KEYS: 1 lock; ARGV: 1 holder. */
const UNLOCK = new LuaScript(
  'github-deployment-unlock',
  `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`,
);
const LOCK_MS = 30_000;
const KNOWN_KEPT = 1_000;

/** What a deploy's state is on GitHub: queued when accepted, in_progress when it starts, then its outcome. */
export function deploymentState(dep: Pick<Deploy, 'status'>): DeploymentState {
  switch (dep.status) {
    case 'queued':
      return 'queued';
    case 'running':
      return 'in_progress';
    case 'succeeded':
      return 'success';
    case 'failed':
      return 'failure';
    default:
      return 'inactive';
  }
}

/**
 * GitHub Deployments for deploys of `repo:` apps: a deployment for the SHA and env (auto_merge
 * off, no required contexts: Ferry checks what it needs itself), and its statuses as the deploy
 * goes (queued, in_progress, success, failure, inactive for a cancelled one) with the log page
 * URL, so the repository's environments page shows what Ferry did. One deployment per deploy
 * across replicas (created under a claim), states only ever move forward, and GitHub's errors are
 * logged, never in a deploy's way.
 */
export class GitHubDeployments {
  constructor(
    private readonly d: {
      client: GitHubClient;
      config: FerryConfig;
      redis: Redis;
      k: Keys;
      logUrl: (dep: Deploy) => string | undefined;
      log: Logger;
      timeoutMs?: number;
    },
  ) {}

  private readonly known = new Map<number, number>();

  /**
   * Mirrors the deploy's state to GitHub (a no-op for local-repository apps), with the states it
   * went through since the last one posted: a deploy that started at once still shows queued, then
   * in_progress.
   */
  async mirror(dep: Deploy): Promise<void> {
    const repo = this.d.config.apps[dep.app]?.repo;
    if (!repo) return;
    // The feed refreshes a deploy often (queue positions); a state this process knows is on GitHub costs nothing.
    const target = RANK[deploymentState(dep)];
    if ((this.known.get(dep.id) ?? 0) >= target) return;
    const log = this.d.log.child({ deployId: dep.id });
    // One mirror at a time per deploy, across replicas: states are posted in order, and a state
    // counts as posted only once GitHub has taken it (a failed post is tried again next time).
    const lock = await this.lock(dep.id);
    if (!lock) return log.warn('another process kept the GitHub deployment busy; its next update brings it up to date');
    try {
      const id = await this.deploymentId(dep, repo);
      const key = this.d.k.deployGitHub(dep.id);
      let rank = Number((await this.d.redis.hget(key, 'rank')) ?? 0);
      for (const state of statesTo(dep)) {
        if (RANK[state] <= rank) continue;
        await this.post(repo, id, dep, state);
        rank = RANK[state];
        await this.d.redis.multi().hset(key, 'rank', rank).expire(key, KEEP_S).exec();
      }
      this.remember(dep.id, rank);
    } catch (err) {
      log.warn({ err: (err as Error).message, status: (err as { status?: number }).status }, 'could not mirror the deploy to GitHub Deployments');
    } finally {
      await UNLOCK.run(this.d.redis, [this.d.k.deployGitHubLock(dep.id)], [lock]).catch(() => {});
    }
  }

  /** The rank this process knows is on GitHub for a deploy (the newest KNOWN_KEPT deploys). */
  private remember(deployId: number, rank: number): void {
    this.known.delete(deployId);
    this.known.set(deployId, rank);
    if (this.known.size > KNOWN_KEPT) this.known.delete(this.known.keys().next().value!);
  }

  /** Takes the deploy's mirror lock, waiting for another holder up to its expiry; the token, or undefined. */
  private async lock(deployId: number): Promise<string | undefined> {
    const token = `${process.pid}:${Math.random().toString(36).slice(2)}`;
    const key = this.d.k.deployGitHubLock(deployId);
    for (let waited = 0; waited <= LOCK_MS; waited += 100) {
      if ((await this.d.redis.set(key, token, 'PX', LOCK_MS, 'NX')) === 'OK') return token;
      await sleep(100);
    }
    return undefined;
  }

  private async post(repo: string, id: number, dep: Deploy, state: DeploymentState): Promise<void> {
    const [owner, name] = repo.split('/') as [string, string];
    const logUrl = this.d.logUrl(dep);
    await this.d.client.rest.repos.createDeploymentStatus({
      owner,
      repo: name,
      deployment_id: id,
      state,
      description: describe(dep, state).slice(0, 140),
      ...(logUrl && { log_url: logUrl }),
      auto_inactive: true,
      request: { signal: AbortSignal.timeout(this.d.timeoutMs ?? 15_000) },
    });
  }

  /** The deploy's deployment on GitHub, created the first time (callers hold the deploy's mirror lock, so once). */
  private async deploymentId(dep: Deploy, repo: string): Promise<number> {
    const key = this.d.k.deployGitHub(dep.id);
    const known = await this.d.redis.hget(key, 'id');
    if (known) return Number(known);
    const [owner, name] = repo.split('/') as [string, string];
    const res = await this.d.client.rest.repos.createDeployment({
      owner,
      repo: name,
      ref: dep.sha,
      environment: dep.env,
      auto_merge: false,
      required_contexts: [],
      description: `Ferry deploy #${dep.id}: ${dep.ref} (${shortSha(dep.sha)})`.slice(0, 140),
      payload: { ferry_deploy_id: dep.id },
      production_environment: dep.env === 'production',
      request: { signal: AbortSignal.timeout(this.d.timeoutMs ?? 15_000) },
    });
    const id = (res.data as { id?: number }).id;
    if (id === undefined) throw new Error(`GitHub did not create the deployment (HTTP ${res.status})`);
    await this.d.redis.multi().hset(key, 'id', id).expire(key, KEEP_S).exec();
    return id;
  }
}

/** The states a deploy has been through, in order: queued, in_progress (if it started), its outcome. */
export function statesTo(dep: Pick<Deploy, 'status' | 'startedAt'>): DeploymentState[] {
  const now = deploymentState(dep);
  const out: DeploymentState[] = ['queued'];
  if (now !== 'queued' && (dep.startedAt !== undefined || now === 'in_progress')) out.push('in_progress');
  if (RANK[now] === 3) out.push(now);
  return out;
}

function describe(dep: Deploy, state: DeploymentState): string {
  switch (state) {
    case 'queued':
      return `Deploy #${dep.id} queued by Ferry`;
    case 'in_progress':
      return `Deploy #${dep.id} running`;
    case 'success':
      return `Deploy #${dep.id} succeeded`;
    case 'failure':
      return `Deploy #${dep.id} failed${dep.exitCode !== undefined ? ` (exit ${dep.exitCode})` : ''}`;
    default:
      return `Deploy #${dep.id} cancelled`;
  }
}
