/** The closest name to a typo, when it is close enough to be worth suggesting. */
export function closest(word: string, names: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDist = Infinity;
  for (const name of names) {
    const d = distance(word.toLowerCase(), name.toLowerCase());
    if (d < bestDist) [best, bestDist] = [name, d];
  }
  const limit = Math.max(1, Math.floor(word.length / 3));
  if (best !== undefined && (bestDist <= limit || best.startsWith(word.toLowerCase()))) return best;
  return undefined;
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length]!;
}
