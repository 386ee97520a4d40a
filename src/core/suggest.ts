/** The closest name to a typo, when it is close enough to be worth suggesting. */
export function closest(word: string, names: readonly string[]): string | undefined {
  const w = word.toLowerCase();
  const prefixed = w.length >= 2 ? names.find((n) => n.toLowerCase().startsWith(w)) : undefined;
  if (prefixed) return prefixed;
  let best: string | undefined;
  let bestDist = Infinity;
  for (const name of names) {
    const d = distance(word.toLowerCase(), name.toLowerCase());
    if (d < bestDist) [best, bestDist] = [name, d];
  }
  const limit = Math.max(1, Math.floor(word.length / 3));
  if (best !== undefined && bestDist <= limit) return best;
  return undefined;
}

/** Edit distance where swapping two neighbouring letters counts as one edit (wbe -> web). */
function distance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}
