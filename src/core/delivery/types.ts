/**
 * Delivery figures (the four measures delivery teams are judged by), per app and env over a
 * period, with the period before it beside them. Computed from Ferry's own history (deploy records,
 * rollbacks, smoke failures, alert freezes) and the commits' times (docs/delivery-figures.md
 * defines each one: which events count and which don't).
 */

/** A period's length: 7, 30 or 90 days. */
export type PeriodDays = 7 | 30 | 90;

/** A distribution of durations (ms); median and p90 undefined when there is none. */
export interface Durations {
  count: number;
  medianMs?: number;
  p90Ms?: number;
}

/** One period's figures. */
export interface PeriodFigures {
  /** [from, to) in ms. */
  from: number;
  to: number;
  /** Successful deploys that ended in the period. */
  deploys: number;
  /** deploys / days of the period. */
  deploysPerDay: number;
  /** From a commit's time to the end of the deploy that first carried it to this env. */
  leadTime: Durations;
  /** Failed deploys, rollbacks and smoke failures over all deploys that ended (undefined: no deploys). */
  changeFailureRate?: number;
  /** What counted as a failure (the numerator) and all deploys (the denominator). */
  failures: number;
  attempts: number;
  /** From a failure (failed deploy, rollback, alert freeze) to the next successful deploy's end. */
  timeToRestore: Durations;
}

/** One day's point for the charts (UTC day start, ms). */
export interface DayPoint {
  day: number;
  deploys: number;
  failures: number;
  /** Deploys that ended succeeded or failed that day (the change failure rate's denominator). */
  attempts: number;
  /** Median lead time of the changes that day's deploys carried. */
  leadMedianMs?: number;
  /** Median time to restore of the failures restored that day. */
  restoreMedianMs?: number;
}

export interface EnvFigures {
  app: string;
  env: string;
  days: PeriodDays;
  current: PeriodFigures;
  previous: PeriodFigures;
  /** One point per day of the current period, oldest first. */
  series: DayPoint[];
  /** The changes that took longest to reach the env in the current period (at most 10). */
  slowest: { sha: string; subject?: string; leadMs: number; deployId: number }[];
  /** The period's failed deploys, rollbacks and smoke failures, newest first (at most 20). */
  failed: { deployId: number; at: number; kind: 'failed' | 'rollback' | 'smoke'; error?: string }[];
}

/** What the stats command, digest and page ask for. */
export interface DeliveryFiguresSource {
  figures(app: string, env: string, days: PeriodDays, now: number): Promise<EnvFigures>;
  /** The envs whose figures an app shows, production first (the env that ends its promotion chain, else the last). */
  envsOf(app: string): string[];
}
