import type { Durations } from './types';

export type { Durations };

export const DAY_MS = 86_400_000;

/** delivery_retention's default: the 90-day figures and the 90 days before them. */
export const DEFAULT_DELIVERY_RETENTION_MS = 180 * DAY_MS;

/**
 * The median and p90 of some durations. Median: the middle value, or the mean of the two middle
 * ones when the count is even. p90: nearest rank, the value at position ceil(0.9 × count) in
 * ascending order.
 */
export function durations(ms: readonly number[]): Durations {
  if (ms.length === 0) return { count: 0 };
  const s = ms.toSorted((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  const medianMs = s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
  const p90Ms = s[Math.ceil(0.9 * s.length) - 1]!;
  return { count: s.length, medianMs, p90Ms };
}
