/** `wire` cut at `points` (taken modulo its length + 1, deduplicated), empty pieces dropped: the chunks a transport could deliver. */
export function cut(wire: Buffer, points: number[]): Buffer[] {
  const sorted = [...new Set(points.map((p) => p % (wire.length + 1)))].sort((a, b) => a - b);
  const parts: Buffer[] = [];
  let from = 0;
  for (const p of sorted) {
    parts.push(wire.subarray(from, p));
    from = p;
  }
  parts.push(wire.subarray(from));
  return parts.filter((p) => p.length > 0);
}
