// Latency histograms (HDR, microseconds, 3 significant digits): recorded one value at a time,
// merged across processes and seconds, carried between processes as compressed base64.
import * as hdr from 'hdr-histogram-js';

export type Histogram = hdr.Histogram;

/** Values from 1 us to 10 minutes; beyond, clamped to the top (a timeout is a timeout). */
const HIGHEST_US = 600_000_000;

export function newHistogram(digits: 1 | 2 | 3 = 3): Histogram {
  return hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: HIGHEST_US, numberOfSignificantValueDigits: digits, autoResize: false, bitBucketSize: 'packed' });
}

export function recordUs(h: Histogram, us: number): void {
  h.recordValue(Math.min(HIGHEST_US, Math.max(1, Math.round(us))));
}

/** A new histogram holding every value of `parts`. */
export function mergeHistograms(parts: readonly Histogram[]): Histogram {
  const out = newHistogram();
  for (const p of parts) out.add(p);
  return out;
}

export function encodeHistogram(h: Histogram): string {
  return hdr.encodeIntoCompressedBase64(h);
}

export function decodeHistogram(s: string): Histogram {
  const h = hdr.decodeFromCompressedBase64(s, 'packed', false);
  // Decoded histograms size themselves to their content; copy into the standard range.
  const out = newHistogram();
  out.add(h);
  return out;
}

export interface LatencySummary {
  count: number;
  p50: number | null;
  p90: number | null;
  p95: number | null;
  p99: number | null;
  'p99.9': number | null;
  max: number | null;
  mean: number | null;
}

const ms = (us: number) => Math.round(us) / 1000;

/** Percentiles in milliseconds (null when empty). */
export function summarise(h: Histogram): LatencySummary {
  if (h.totalCount === 0) return { count: 0, p50: null, p90: null, p95: null, p99: null, 'p99.9': null, max: null, mean: null };
  return {
    count: h.totalCount,
    p50: ms(h.getValueAtPercentile(50)),
    p90: ms(h.getValueAtPercentile(90)),
    p95: ms(h.getValueAtPercentile(95)),
    p99: ms(h.getValueAtPercentile(99)),
    'p99.9': ms(h.getValueAtPercentile(99.9)),
    max: ms(h.maxValue),
    mean: Math.round(h.mean) / 1000,
  };
}
