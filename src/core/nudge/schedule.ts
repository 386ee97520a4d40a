/**
 * When an app's undeployed-change nudge is due: at `atMinute` local time on `days`, read in `tz`,
 * so "09:30 Europe/London" is 09:30 there in winter and in summer alike.
 */
import { addDays, wallClock, zonedInstant } from '../time-zone';

/** An app's `nudge:` as the rest of Ferry sees it. */
export interface NudgeRule {
  /** Nothing is said until the oldest waiting commit is this old (ms). */
  afterMs: number;
  /** Minute of the local day the nudge is posted (0-1439). */
  atMinute: number;
  /** Days it is posted on: 0 = Monday ... 6 = Sunday, in order. */
  days: number[];
  /** The IANA zone `atMinute` and `days` are read in. */
  tz: string;
  /** Where it is posted; undefined: the feed channel. */
  channel?: string;
}

/** The first instant after `now` that is the rule's time on one of its days; undefined only for a rule with no days. */
export function nextNudgeAt(rule: Pick<NudgeRule, 'atMinute' | 'days' | 'tz'>, now: number): number | undefined {
  if (rule.days.length === 0) return undefined;
  const today = wallClock(now, rule.tz);
  for (let i = 0; i <= 8; i++) {
    const date = addDays(today, i);
    const day = (today.weekday + i) % 7;
    if (!rule.days.includes(day)) continue;
    const at = zonedInstant(
      { year: date.year, month: date.month, day: date.day, hour: Math.floor(rule.atMinute / 60), minute: rule.atMinute % 60 },
      rule.tz,
    );
    if (at > now) return at;
  }
  return undefined;
}

/** Whether `at` is one of the rule's instants (a timer from before the config changed is not). */
export function isNudgeInstant(rule: Pick<NudgeRule, 'atMinute' | 'days' | 'tz'>, at: number): boolean {
  return nextNudgeAt(rule, at - 1) === at;
}
