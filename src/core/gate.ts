/** Whether a deploy may start now: freezes first, then the env's deploy window. Pure policy. */
import { formatRelative } from './duration';
import { type ActiveFreeze, activeScheduledFreeze, type ScheduledFreeze } from './freeze-schedule';
import { escapeMrkdwn, mention, slackTime } from './slack-format';
import { type WeeklySpan, weeklyState } from './weekly';

export interface FreezeState {
  /** A Slack user ID for manual freezes; 'schedule' for scheduled ones; the source's own name otherwise. */
  by: string;
  reason: string;
  since: number;
  /** No end: until someone lifts it. */
  until?: number;
  source: 'manual' | 'schedule' | 'alert' | 'release';
  name?: string;
}

/** A scheduled freeze in force, as a freeze state (what refusals, lists and the board show). */
export function scheduledFreezeState(a: ActiveFreeze): FreezeState {
  return { by: 'schedule', reason: a.freeze.reason, since: a.since, until: a.until, source: 'schedule', name: a.freeze.name };
}

export interface DeployWindow {
  spans: WeeklySpan[];
  tz: string;
  /** As written in the config, e.g. "Mon-Thu 09:30-17:00". */
  text: string;
}

export interface GateInput {
  now: number;
  /** The freeze set by hand (or an alert or release) on this env, if any; an expired one is ignored. */
  manualFreeze?: FreezeState;
  scheduled: readonly ScheduledFreeze[];
  app: string;
  env: string;
  window?: DeployWindow;
  /** Someone chose to deploy outside the window. It never lifts a freeze. */
  override?: { by: string; reason: string };
}

export type GateDecision =
  | { kind: 'go' }
  | { kind: 'frozen'; freeze: FreezeState; retryAt?: number }
  | { kind: 'window'; opensAt: number; window: string };

export function gate(input: GateInput): GateDecision {
  const { now, manualFreeze } = input;
  if (manualFreeze && (manualFreeze.until === undefined || manualFreeze.until > now)) {
    return manualFreeze.until === undefined
      ? { kind: 'frozen', freeze: manualFreeze }
      : { kind: 'frozen', freeze: manualFreeze, retryAt: manualFreeze.until };
  }
  const scheduled = activeScheduledFreeze(input.scheduled, input.app, input.env, now);
  if (scheduled) return { kind: 'frozen', freeze: scheduledFreezeState(scheduled), retryAt: scheduled.until };
  if (input.window && input.window.spans.length > 0 && !input.override) {
    const state = weeklyState(input.window.spans, input.window.tz, now);
    if (!state.inside && state.nextStartAt !== undefined) {
      return { kind: 'window', opensAt: state.nextStartAt, window: `${input.window.text} ${input.window.tz}` };
    }
  }
  return { kind: 'go' };
}

/**
 * Why a deploy may not start, in Slack mrkdwn. `relative: false` leaves out "(in 2h)": for text
 * that stays on screen (the feed message), where it would go stale.
 */
export function describeGate(d: Exclude<GateDecision, { kind: 'go' }>, env: string, now: number, relative = true): string {
  const inTime = (at: number, sep: string): string => (relative ? `${sep}(in ${formatRelative(at - now)})` : '');
  if (d.kind === 'window') {
    return `*${escapeMrkdwn(env)}* deploys start in its window (${escapeMrkdwn(d.window)}); it opens at ${slackTime(d.opensAt)}${inTime(d.opensAt, ' ')}.`;
  }
  const f = d.freeze;
  const reason = f.reason ? ` (${escapeMrkdwn(f.reason)})` : '';
  const lifts =
    f.source === 'alert'
      ? 'it lifts when the alert is resolved.'
      : f.source === 'release'
        ? 'it lifts when the release ships, is cancelled or expires (or with `/unfreeze`).'
        : '`/unfreeze` lifts it.';
  const end =
    f.until === undefined
      ? f.source === 'release' || f.source === 'alert'
        ? lifts
        : `with no end set; ${lifts}`
      : `until ${slackTime(f.until)}${inTime(f.until, ' ')}.`;
  if (f.source === 'schedule') return `*${escapeMrkdwn(env)}* is frozen by the schedule *${escapeMrkdwn(f.name ?? f.by)}*${reason} ${end}`;
  const who = f.source === 'manual' ? mention(f.by) : `the ${f.source} *${escapeMrkdwn(f.name ?? f.by)}*`;
  return `*${escapeMrkdwn(env)}* is frozen by ${who}${reason} since ${slackTime(f.since)}, ${end}`;
}
