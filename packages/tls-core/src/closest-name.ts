/**
 * The name a misspelt one was meant to be: one measure for every "did you mean" unitls prints
 * (configurations, client options, ssl-compat's node:tls options, the CLI's flags), so a typo is
 * recognised the same way everywhere.
 *
 * @module
 */

/** Edits (insert, delete, substitute, swap two neighbours) between `a` and `b`, lower-cased. */
export function nameDistance(a: string, b: string): number {
  a = a.toLowerCase();
  b = b.toLowerCase();
  const rows: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) rows[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const row = rows[i]!;
      row[j] = Math.min(rows[i - 1]![j]! + 1, row[j - 1]! + 1, rows[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) row[j] = Math.min(row[j]!, rows[i - 2]![j - 2]! + 1);
    }
  }
  return rows[a.length]![b.length]!;
}

/**
 * The known name `name` most resembles, or null: at most two edits away (one for names of four
 * letters or fewer), case aside, as a typo is ('timout', 'sginal', 'Timeout', 'trustStor').
 */
export function closestName(name: string, known: Iterable<string>): string | null {
  let best: string | null = null;
  let bestDistance = Infinity;
  for (const candidate of known) {
    const d = nameDistance(name, candidate);
    if (d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  return bestDistance <= (Math.min(name.length, best?.length ?? 0) <= 4 ? 1 : 2) ? best : null;
}
