/** Small numeric helpers for the bench: nearest-rank percentiles and fixed-width table text. */

/** Nearest-rank percentile (q in 0..1) of a list of samples. */
export function percentile(samples: number[], q: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil(q * sorted.length));
  return sorted[rank - 1]!;
}

export interface Summary {
  n: number;
  p50: number;
  p99: number;
  max: number;
}

export function summarize(samples: number[]): Summary {
  return { n: samples.length, p50: percentile(samples, 0.5), p99: percentile(samples, 0.99), max: percentile(samples, 1) };
}

/**
 * The median of samples that are whole milliseconds (differences of two Date.now() readings),
 * interpolated within the median's 1 ms bucket (the grouped-data median): a true 2.4 ms reads as
 * 2 or 3 at random, so the nearest-rank median jumps between whole numbers from run to run while
 * this one moves smoothly with the true value.
 */
export function wholeMsMedian(samples: number[]): number {
  if (samples.length === 0) return Number.NaN;
  const k = percentile(samples, 0.5);
  const below = samples.filter((v) => v < k).length;
  const at = samples.filter((v) => v === k).length;
  return k - 0.5 + (samples.length / 2 - below) / at;
}

export const ms = (v: number): string => (Number.isFinite(v) ? (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2)) : '-');
export const ratio = (a: number, b: number): string => (Number.isFinite(a) && Number.isFinite(b) && b > 0 ? `${(a / b).toFixed(2)}x` : '-');

/** A plain text table with a header rule; the first column is left-aligned, the others right. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}
