/** How long the running deploy probably has left, from the env's recent successful durations. */
export function estimateRemaining(recentMs: readonly number[], elapsedMs: number): { typicalMs: number; leftMs: number } | undefined {
  if (recentMs.length === 0) return undefined;
  const sorted = [...recentMs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const typicalMs = sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { typicalMs, leftMs: typicalMs - elapsedMs };
}
