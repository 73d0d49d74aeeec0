// Bounds that depend on the link the client sits behind (conformance --network): a transfer's
// timeout grows with its time at the link's rate and with the round trip; a throughput floor
// shrinks to what the link can carry. Without a link (loopback) every bound is its base value.
import type { RunOptions } from './check.ts';

/** The client's link, as the harness sees it: one-way delays summed, and the download rate. */
export interface LinkAllowance {
  rttMs: number;
  /** Bytes per second host -> client, or null when not rate-limited. */
  downBytesPerSecond: number | null;
}

/** Seconds to allow for moving `bytes` to the client: `base`, plus twice their time at the link's
 * rate, plus ten round trips (slow start, the request, the journal fetches). */
export function transferTimeout(o: Pick<RunOptions, 'link'>, base: number, bytes: number): number {
  const l = o.link;
  if (!l) return base;
  const atRate = l.downBytesPerSecond ? (2 * bytes) / l.downBytesPerSecond : 0;
  return Math.ceil(base + atRate + (10 * l.rttMs) / 1000);
}

/** A throughput floor (bytes/s): `base`, or 40% of the link's download rate when that is lower. */
export function rateFloor(o: Pick<RunOptions, 'link'>, base: number): number {
  const r = o.link?.downBytesPerSecond;
  return r ? Math.min(base, Math.floor(0.4 * r)) : base;
}
