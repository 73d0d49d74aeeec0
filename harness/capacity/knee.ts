// The knee of a latency curve: where p99 stops growing about linearly with the slow population
// and starts to climb. Kneedle (Satopää et al. 2011) for an increasing convex curve: scale N and
// p99 to [0, 1]; the knee is the point furthest below the diagonal (largest x - y), provided that
// distance is meaningful (>= minDistance). A flat or straight curve has no knee, and neither end
// can be one: a knee is a point the curve climbs away from, so the last value must lie above it.

export interface KneePoint { n: number; value: number }

export function findKnee(points: readonly KneePoint[], minDistance = 0.2): number | null {
  const pts = points.filter((p) => Number.isFinite(p.value)).slice().sort((a, b) => a.n - b.n);
  if (pts.length < 3) return null;
  const x0 = pts[0]!.n;
  const x1 = pts[pts.length - 1]!.n;
  const lo = Math.min(...pts.map((p) => p.value));
  const hi = Math.max(...pts.map((p) => p.value));
  if (x1 === x0 || hi - lo <= 0) return null;
  // A curve that ends lower than it starts is not climbing: nothing to call a knee.
  if (pts[pts.length - 1]!.value <= pts[0]!.value) return null;
  let best = -Infinity;
  let at: number | null = null;
  const last = pts[pts.length - 1]!.value;
  for (const p of pts.slice(1, -1)) {
    if (p.value >= last) continue;
    const d = (p.n - x0) / (x1 - x0) - (p.value - lo) / (hi - lo);
    if (d > best) {
      best = d;
      at = p.n;
    }
  }
  return best >= minDistance ? at : null;
}
