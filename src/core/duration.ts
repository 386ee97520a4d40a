/** Durations as people type them in config and commands: 90s, 30m, 4h, 2d, 1w, or combined 1h30m. */
const UNIT_MS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
const WHOLE = /^(\d+[smhdw])+$/;
const PART = /(\d+)([smhdw])/g;

export const DURATION_HINT = 'use e.g. 30m, 4h, 2d';

/** Milliseconds for a duration string, or undefined when it is not one. */
export function parseDuration(text: string): number | undefined {
  const t = text.trim().toLowerCase();
  if (!WHOLE.test(t)) return undefined;
  let ms = 0;
  for (const [, n, unit] of t.matchAll(PART)) ms += Number(n) * UNIT_MS[unit!]!;
  return ms > 0 ? ms : undefined;
}

/** A short human form: 45s, 3m 20s, 2h 5m, 1d 4h. */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3_600) {
    const m = Math.floor(s / 60);
    return s % 60 ? `${m}m ${s % 60}s` : `${m}m`;
  }
  // Past an hour, seconds are noise: 3h 59m 59s reads as 4h.
  const m = Math.round(s / 60);
  if (m < 24 * 60) return m % 60 ? `${Math.floor(m / 60)}h ${m % 60}m` : `${m / 60}h`;
  const h = Math.round(m / 60);
  return h % 24 ? `${Math.floor(h / 24)}d ${h % 24}h` : `${h / 24}d`;
}

/**
 * How far off a moment is, for "(in 2h)" and "(1h 30m)": the one precision rule for relative
 * times. Under a minute to the second; past that to the minute (seconds are noise for something
 * minutes away, and a lock taken for an hour reads "in 1h", not "in 59m 58s"), as formatDuration
 * then shows it (past a day to the hour).
 */
export function formatRelative(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  return s < 60 ? `${s}s` : formatDuration(Math.round(s / 60) * 60_000);
}
