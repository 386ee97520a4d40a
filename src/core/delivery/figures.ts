import { type Durations, DAY_MS, durations } from './durations';
import type { DayPoint, EnvFigures, PeriodDays, PeriodFigures } from './types';

/** A deploy to the env that ended succeeded or failed (what the env's finished index holds). */
export interface DeployFact {
  id: number;
  status: 'succeeded' | 'failed' | 'cancelled';
  startedAt?: number;
  finishedAt: number;
  /** A rollback (Deploy.rollbackOf set). */
  rollback: boolean;
  /** Its smoke check failed (Deploy.smoke 'failed'). */
  smokeFailed: boolean;
  error?: string;
}

/** A commit a successful deploy carried to the env (what the env did not run before it), author time. */
export interface CarriedCommit {
  deployId: number;
  sha: string;
  subject?: string;
  time: number;
}

export interface FiguresInput {
  app: string;
  env: string;
  days: PeriodDays;
  now: number;
  /** The env's deploys that ended in the two periods (any order; others are ignored). */
  deploys: readonly DeployFact[];
  /** The commits those deploys carried. */
  carried: readonly CarriedCommit[];
  /** When alerts froze the env (ms). */
  alertFreezes: readonly number[];
}

type FailureKind = 'failed' | 'rollback' | 'smoke';

/** What an attempt counts as: a failure (of which kind) or not. A rollback counts once, as a rollback. */
export function failureKind(d: DeployFact): FailureKind | undefined {
  if (d.rollback) return 'rollback';
  if (d.status !== 'failed') return undefined;
  return d.smokeFailed ? 'smoke' : 'failed';
}

/** When a failure began: a rollback when it started (the env was known bad then), else the deploy's end. */
function failureStart(d: DeployFact): number {
  return d.rollback ? (d.startedAt ?? d.finishedAt) : d.finishedAt;
}

interface Lead {
  sha: string;
  subject?: string;
  deployId: number;
  at: number;
  leadMs: number;
}

interface Restore {
  at: number;
  ms: number;
}

/**
 * The env's figures for the period [now - days, now) and the one before it (docs/delivery-figures.md
 * defines each figure). Pure: everything comes in `i`.
 */
export function computeFigures(i: FiguresInput): EnvFigures {
  const span = i.days * DAY_MS;
  const attempts = i.deploys
    .filter((d) => d.status === 'succeeded' || d.status === 'failed')
    .toSorted((a, b) => a.finishedAt - b.finishedAt || a.id - b.id);
  const successes = attempts.filter((d) => d.status === 'succeeded');
  const leads = leadTimes(successes, i.carried);
  const restores = restoreTimes(attempts, successes, i.alertFreezes);
  const period = (from: number, to: number): PeriodFigures => {
    const inP = (t: number) => t >= from && t < to;
    const ended = attempts.filter((d) => inP(d.finishedAt));
    const ok = ended.filter((d) => d.status === 'succeeded').length;
    const failures = ended.filter((d) => failureKind(d) !== undefined).length;
    return {
      from,
      to,
      deploys: ok,
      deploysPerDay: ok / i.days,
      leadTime: durations(leads.filter((l) => inP(l.at)).map((l) => l.leadMs)),
      ...(ended.length > 0 && { changeFailureRate: failures / ended.length }),
      failures,
      attempts: ended.length,
      timeToRestore: durations(restores.filter((r) => inP(r.at)).map((r) => r.ms)),
    };
  };
  const from = i.now - span;
  const current = period(from, i.now);
  const inCurrent = (t: number) => t >= from && t < i.now;
  return {
    app: i.app,
    env: i.env,
    days: i.days,
    current,
    previous: period(from - span, from),
    series: series(from, i.now, attempts, leads, restores),
    slowest: leads
      .filter((l) => inCurrent(l.at))
      .toSorted((a, b) => b.leadMs - a.leadMs || a.sha.localeCompare(b.sha))
      .slice(0, 10)
      .map((l) => ({ sha: l.sha, ...(l.subject !== undefined && { subject: l.subject }), leadMs: l.leadMs, deployId: l.deployId })),
    failed: attempts
      .filter((d) => inCurrent(d.finishedAt) && failureKind(d))
      .toReversed()
      .slice(0, 20)
      .map((d) => ({ deployId: d.id, at: d.finishedAt, kind: failureKind(d)!, ...(d.error && { error: d.error }) })),
  };
}

/**
 * Each commit's lead time, counted once: at the end of the first successful deploy that carried it
 * (a commit carried again after a rollback took it away counts at its first arrival only).
 */
function leadTimes(successes: readonly DeployFact[], carried: readonly CarriedCommit[]): Lead[] {
  const endOf = new Map(successes.map((d) => [d.id, d.finishedAt]));
  const first = new Map<string, Lead>();
  for (const c of carried) {
    const at = endOf.get(c.deployId);
    if (at === undefined) continue;
    const had = first.get(c.sha);
    if (had && had.at <= at) continue;
    first.set(c.sha, {
      sha: c.sha,
      ...(c.subject !== undefined && { subject: c.subject }),
      deployId: c.deployId,
      at,
      leadMs: Math.max(0, at - c.time),
    });
  }
  return [...first.values()];
}

/**
 * Each failure's time to restore: from its start to the end of the first successful deploy that
 * ended after it. Failures restored by the same deploy are each measured from their own start; a
 * failure not yet restored has none.
 */
function restoreTimes(attempts: readonly DeployFact[], successes: readonly DeployFact[], alertFreezes: readonly number[]): Restore[] {
  const starts = [...attempts.filter((d) => failureKind(d)).map(failureStart), ...alertFreezes];
  const out: Restore[] = [];
  for (const start of starts) {
    const fix = successes.find((d) => d.finishedAt > start);
    if (fix) out.push({ at: fix.finishedAt, ms: fix.finishedAt - start });
  }
  return out;
}

/** One point per UTC day from the day `from` falls in to the day before `to` ends, oldest first. */
function series(
  from: number,
  to: number,
  attempts: readonly DeployFact[],
  leads: readonly Lead[],
  restores: readonly Restore[],
): DayPoint[] {
  const first = Math.floor(from / DAY_MS) * DAY_MS;
  const points: DayPoint[] = [];
  for (let day = first; day < to; day += DAY_MS) {
    const inDay = (t: number) => t >= Math.max(day, from) && t < Math.min(day + DAY_MS, to);
    const ended = attempts.filter((d) => inDay(d.finishedAt));
    const lead: Durations = durations(leads.filter((l) => inDay(l.at)).map((l) => l.leadMs));
    const restore: Durations = durations(restores.filter((r) => inDay(r.at)).map((r) => r.ms));
    points.push({
      day,
      deploys: ended.filter((d) => d.status === 'succeeded').length,
      failures: ended.filter((d) => failureKind(d)).length,
      attempts: ended.length,
      ...(lead.medianMs !== undefined && { leadMedianMs: lead.medianMs }),
      ...(restore.medianMs !== undefined && { restoreMedianMs: restore.medianMs }),
    });
  }
  return points;
}
