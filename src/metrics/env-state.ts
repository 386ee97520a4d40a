import type { Redis } from 'ioredis';
import type { FerryConfig } from '../core/config/types';
import { activeScheduledFreezes } from '../core/freeze-schedule';
import { freezeFromHash } from '../store/freezes';
import type { Keys } from '../store/keys';

/** One env as a scrape sees it in Redis. */
export interface EnvState {
  app: string;
  env: string;
  /** Deploys waiting in its queue (waiting and prioritized jobs) plus the one active; held (delayed) ones are not counted. */
  queueDepth: number;
  locked: boolean;
  frozen: boolean;
  /** An open (or shipping) release to this env. */
  releaseOpen: boolean;
  /** How long its running deploy has run, in seconds (0 when none runs). */
  runningSeconds: number;
}

/** A deploy queue's BullMQ keys (Queue.keys) that a scrape reads. */
export type QueueKeys = (app: string, env: string) => { wait: string; prioritized: string; active: string };

export interface EnvStateDeps {
  redis: Pick<Redis, 'pipeline'>;
  k: Pick<Keys, 'lock' | 'freeze' | 'releaseOpen' | 'deploy'>;
  queueKeys: QueueKeys;
  config: Pick<FerryConfig, 'appNames' | 'apps' | 'freezes'>;
  now: () => number;
}

/** Commands per env in the first pipeline, in this order. */
const PER_ENV = 6;

/**
 * Every configured env's state, in two round trips whatever the number of envs: one pipeline of
 * the locks, freezes, open releases and queue lengths, then one of the running deploys' records
 * (only for envs with an active job). A freeze counts as the gate sees it (FreezeService.standing):
 * a stored freeze that has not ended, else a scheduled freeze from the config active now. Throws
 * when Redis fails (the caller reports ferry_redis_up 0).
 */
export async function readEnvStates(d: EnvStateDeps): Promise<EnvState[]> {
  const targets = d.config.appNames.flatMap((app) => d.config.apps[app]!.envNames.map((env) => ({ app, env })));
  const p = d.redis.pipeline();
  for (const { app, env } of targets) {
    const q = d.queueKeys(app, env);
    p.hmget(d.k.lock(app, env), 'holder', 'until')
      .hgetall(d.k.freeze(app, env))
      .exists(d.k.releaseOpen(app, env))
      .llen(q.wait)
      .zcard(q.prioritized)
      .lrange(q.active, 0, 0);
  }
  const rows = replies(await p.exec());
  const now = d.now();
  const states = targets.map(({ app, env }, i): EnvState & { activeJob?: string } => {
    const r = rows.slice(i * PER_ENV, (i + 1) * PER_ENV);
    const [holder, until] = r[0] as [string | null, string | null];
    const stored = freezeFromHash(r[1] as Record<string, string>);
    const storedStands = stored !== undefined && (stored.until === undefined || stored.until > now);
    const active = r[5] as string[];
    return {
      app,
      env,
      queueDepth: Number(r[3]) + Number(r[4]) + active.length,
      locked: Boolean(holder) && Number(until) > now,
      frozen: storedStands || activeScheduledFreezes(d.config.freezes, app, env, now).length > 0,
      releaseOpen: Number(r[2]) === 1,
      runningSeconds: 0,
      ...(active[0] && { activeJob: active[0] }),
    };
  });
  await addRunning(d, states, now);
  return states.map(({ activeJob: _, ...s }) => s);
}

/** The running deploys' ages, read from their records (job id d<id> is deploy <id>). */
async function addRunning(d: EnvStateDeps, states: (EnvState & { activeJob?: string })[], now: number): Promise<void> {
  const running = states.filter((s) => s.activeJob?.startsWith('d'));
  if (running.length === 0) return;
  const p = d.redis.pipeline();
  for (const s of running) p.hmget(d.k.deploy(Number(s.activeJob!.slice(1))), 'status', 'startedAt');
  const rows = replies(await p.exec());
  running.forEach((s, i) => {
    const [status, startedAt] = rows[i] as [string | null, string | null];
    if (status === 'running' && startedAt) s.runningSeconds = Math.max(0, (now - Number(startedAt)) / 1000);
  });
}

/** A pipeline's replies, or its first error thrown. */
function replies(results: [Error | null, unknown][] | null): unknown[] {
  if (!results) throw new Error('the Redis pipeline was not run');
  return results.map(([err, v]) => {
    if (err) throw err;
    return v;
  });
}
