import type { BoardWindow } from './board';
import type { DeployWindow } from './gate';
import { weeklyState } from './weekly';

/** An env's deploy window at `now`, for the status board: open or closed, and when that changes. */
export function windowOf(window: DeployWindow | undefined, now: number): BoardWindow | undefined {
  if (!window || window.spans.length === 0) return undefined;
  const s = weeklyState(window.spans, window.tz, now);
  const text = `${window.text} ${window.tz}`;
  if (s.inside) return { open: true, text, changesAt: s.endsAt };
  return { open: false, text, ...(s.nextStartAt !== undefined && { changesAt: s.nextStartAt }) };
}
