import type { Redis } from 'ioredis';
import type { CiRecord, RunRef } from '../core/ci/types';
import type { Keys } from './keys';
import { luaCommand } from './lua';

/** Which deploy, under which lease: every write below is fenced by the env lease. */
export interface CiTurn {
  id: number;
  app: string;
  env: string;
  lease: string;
}

const CLAIM = luaCommand<{ k: Keys; t: CiTurn; now: number; driver: string }, string[]>('ci-claim', (i) => ({
  keys: { deploy: i.k.deploy(i.t.id), lease: i.k.lease(i.t.app, i.t.env), leaseCi: i.k.leaseCi(i.t.app, i.t.env) },
  argv: { lease: i.t.lease, now: i.now, driver: i.driver, id: i.t.id },
}));

const NOTE = luaCommand<{ k: Keys; t: CiTurn; fields: Record<string, string> }, number>('ci-note', (i) => ({
  keys: { deploy: i.k.deploy(i.t.id), lease: i.k.lease(i.t.app, i.t.env) },
  argv: { lease: i.t.lease },
  moreArgv: Object.entries(i.fields).flat(),
}));

/** What the follower may change of the record. */
export interface CiChange {
  run?: RunRef;
  /** The run's state in words (the feed shows it). */
  text?: string;
  logged?: string[];
  /** The worker following it now (after another one was lost). */
  worker?: string;
}

/**
 * A CI-driven deploy's run, as its record keeps it (fields ciState, ciAt, ciRun, ciText, ciLogged
 * of the deploy hash; read back by deploy-record.ts): written only by the holder of the env lease.
 */
export class CiRuns {
  constructor(
    private readonly redis: Redis,
    private readonly k: Keys,
  ) {}

  /** Claims the dispatch: `claimed` (send it now), or how far an earlier worker got, or `lease-lost`. */
  async claim(t: CiTurn, now: number, driver: string): Promise<'claimed' | 'dispatching' | 'dispatched' | 'lease-lost'> {
    const [r] = await CLAIM(this.redis, { k: this.k, t, now, driver });
    return r as 'claimed' | 'dispatching' | 'dispatched' | 'lease-lost';
  }

  /** Records a change; false when the lease is lost (nothing written). Recording a run marks the deploy dispatched. */
  async note(t: CiTurn, c: CiChange): Promise<boolean> {
    const fields: Record<string, string> = {};
    if (c.run) {
      fields.ciState = 'dispatched';
      fields.ciRun = JSON.stringify(c.run);
    }
    if (c.text !== undefined) fields.ciText = c.text;
    if (c.logged) fields.ciLogged = JSON.stringify(c.logged);
    if (c.worker) fields.worker = c.worker;
    return (await NOTE(this.redis, { k: this.k, t, fields })) === 1;
  }
}

/** The record's CI fields, read back (undefined for a deploy that never dispatched to CI). */
export function ciFromHash(h: Record<string, string>): CiRecord | undefined {
  if (h.ciState !== 'dispatching' && h.ciState !== 'dispatched') return undefined;
  const json = <T>(s: string | undefined, fallback: T): T => {
    try {
      return s ? (JSON.parse(s) as T) : fallback;
    } catch {
      return fallback;
    }
  };
  const run = json<RunRef | undefined>(h.ciRun, undefined);
  const logged = json<unknown>(h.ciLogged, []);
  return {
    state: h.ciState,
    at: Number(h.ciAt ?? 0),
    ...(h.ciDriver && { driver: h.ciDriver }),
    ...(run && typeof run.id === 'string' && { run }),
    ...(h.ciText && { text: h.ciText }),
    logged: Array.isArray(logged) ? logged.filter((x): x is string => typeof x === 'string') : [],
  };
}

/** Tells every worker that a webhook about these runs arrived (src/worker/ci-wake.ts listens). */
export async function publishCiWakes(redis: Redis, k: Keys, keys: readonly string[]): Promise<void> {
  await Promise.all(keys.map((key) => redis.publish(k.ciWakeChannel, key)));
}
