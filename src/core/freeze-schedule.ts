/** Freezes the config schedules: weekly ("every: Fri 16:00 to Mon 08:00") or one-off (start, end). */
import { formatWall } from './time-zone';
import { describeSpan, type WeeklySpan, weeklyState } from './weekly';

export interface ScheduledFreeze {
  name: string;
  reason: string;
  /** The zone `weekly` is read in; for a one-off, the zone its start and end were written in. */
  tz: string;
  weekly?: WeeklySpan;
  /** One-off: from `start` (inclusive) to `end` (exclusive), ms. */
  start?: number;
  end?: number;
  /** App names, or ['*'] for every app. */
  apps: string[];
  /** Env names, or ['*'] for every env (of the apps above). */
  envs: string[];
}

export interface ActiveFreeze {
  freeze: ScheduledFreeze;
  until: number;
  /** When this occurrence began. */
  since: number;
}

const covers = (names: readonly string[], name: string): boolean => names.includes('*') || names.includes(name);

/** Every scheduled freeze in force on `app`'s `env` at `now`, with when each ends, the one ending last first. */
export function activeScheduledFreezes(freezes: readonly ScheduledFreeze[], app: string, env: string, now: number): ActiveFreeze[] {
  const active: ActiveFreeze[] = [];
  for (const freeze of freezes) {
    if (!covers(freeze.apps, app) || !covers(freeze.envs, env)) continue;
    if (freeze.weekly) {
      const state = weeklyState([freeze.weekly], freeze.tz, now);
      if (state.inside) active.push({ freeze, until: state.endsAt, since: state.startedAt });
    } else if (freeze.start !== undefined && freeze.end !== undefined && freeze.start <= now && now < freeze.end) {
      active.push({ freeze, until: freeze.end, since: freeze.start });
    }
  }
  return active.sort((a, b) => b.until - a.until);
}

/** The scheduled freeze in force on `app`'s `env` at `now`, if any, with when it ends; of overlapping ones, the one that ends last. */
export function activeScheduledFreeze(
  freezes: readonly ScheduledFreeze[],
  app: string,
  env: string,
  now: number,
): ActiveFreeze | undefined {
  return activeScheduledFreezes(freezes, app, env, now)[0];
}

/** "every Fri 16:00 to Mon 08:00 (Europe/London)" or "from 2026-11-27 00:00 to 2026-11-30 08:00 (UTC)", for help and lists. */
export function describeSchedule(freeze: ScheduledFreeze): string {
  if (freeze.weekly) return `every ${describeSpan(freeze.weekly)} (${freeze.tz})`;
  return `from ${formatWall(freeze.start ?? 0, freeze.tz)} to ${formatWall(freeze.end ?? 0, freeze.tz)} (${freeze.tz})`;
}

export interface ScheduleEdge {
  kind: 'start' | 'end';
  at: number;
}

/** The next time after `now` the freeze begins or ends; undefined for a one-off that is over. */
export function nextScheduleEdge(freeze: ScheduledFreeze, now: number): ScheduleEdge | undefined {
  if (freeze.weekly) {
    const s = weeklyState([freeze.weekly], freeze.tz, now);
    if (s.inside) return { kind: 'end', at: s.endsAt };
    return s.nextStartAt === undefined ? undefined : { kind: 'start', at: s.nextStartAt };
  }
  if (freeze.start === undefined || freeze.end === undefined) return undefined;
  if (now < freeze.start) return { kind: 'start', at: freeze.start };
  if (now < freeze.end) return { kind: 'end', at: freeze.end };
  return undefined;
}

/** The app+env pairs a scheduled freeze covers, in config order. */
export function scheduleTargets(
  freeze: ScheduledFreeze,
  apps: Readonly<Record<string, { envNames: readonly string[] }>>,
  appNames: readonly string[],
): { app: string; env: string }[] {
  return appNames
    .filter((a) => covers(freeze.apps, a))
    .flatMap((app) => apps[app]!.envNames.filter((e) => covers(freeze.envs, e)).map((env) => ({ app, env })));
}
