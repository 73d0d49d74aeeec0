// What a shaped link is, as typed values: the qdiscs tc understands (netem, tbf, htb) with their
// options, and a link made of two directions (down: host -> client, up: client -> host), each
// shaped on the egress of its own end, plus the client side's per-namespace TCP sysctls.
// Nothing here is ever built from text a user typed: profiles and flags are parsed into these.

/** Delay distributions of netem (tables shipped with iproute2 in /usr/lib/tc/*.dist). Without
 * one the kernel's jitter is uniform, whatever tc-netem(8) says; we always name one. */
export const DISTRIBUTIONS = ['uniform', 'normal', 'pareto', 'paretonormal'] as const;
export type Distribution = (typeof DISTRIBUTIONS)[number];

export type NetemLoss =
  /** Independent losses, `pct` percent of packets (with an optional correlation). */
  | { model: 'random'; pct: number; correlationPct?: number }
  /** 4-state Markov model (tc-netem "loss state p13 p31 p32 p23 p14"), percentages. */
  | { model: 'state'; p13: number; p31?: number; p32?: number; p23?: number; p14?: number }
  /** Gilbert-Elliott model (tc-netem "loss gemodel p r 1-h 1-k"), percentages. */
  | { model: 'gemodel'; p: number; r?: number; oneMinusH?: number; oneMinusK?: number };

export interface NetemOptions {
  kind: 'netem';
  /** Packets the qdisc holds (tc's default is 1000): sized for rate x delay by `sizeLimit`. */
  limit?: number;
  delayMs?: number;
  jitterMs?: number;
  delayCorrelationPct?: number;
  distribution?: Distribution;
  loss?: NetemLoss;
  duplicatePct?: number;
  corruptPct?: number;
  /** `pct` of packets (or every `gap`-th) are sent at once, the others delayed. Needs a delay. */
  reorder?: { pct: number; correlationPct?: number; gap?: number };
  /** Bits per second, with `packetOverheadBytes` added to each packet's size (may be negative). */
  rate?: { bitsPerSecond: number; packetOverheadBytes?: number };
  /** Bursty MAC (Wi-Fi, LTE): packets leave in slots every min..max ms, at most `packets`/`bytes` per slot. */
  slot?: { minDelayMs: number; maxDelayMs: number; packets?: number; bytes?: number };
}

export interface TbfOptions {
  kind: 'tbf';
  bitsPerSecond: number;
  /** Bucket size in bytes (at least one MTU; we default to rate x 10 ms, min 3000). */
  burstBytes: number;
  /** Longest a packet may wait in the queue before being dropped. */
  latencyMs: number;
}

export interface HtbOptions {
  kind: 'htb';
  /** One class 1:1 that everything goes to (default 1): rate and ceil in bits per second. */
  bitsPerSecond: number;
  ceilBitsPerSecond?: number;
}

export type QdiscOptions = NetemOptions | TbfOptions | HtbOptions;
export type QdiscKind = QdiscOptions['kind'];
export const QDISC_KINDS: QdiscKind[] = ['netem', 'tbf', 'htb'];

/** What one direction should look like, before a backend turns it into qdiscs. */
export interface DirectionSpec {
  bitsPerSecond?: number;
  packetOverheadBytes?: number;
  delayMs?: number;
  jitterMs?: number;
  delayCorrelationPct?: number;
  distribution?: Distribution;
  loss?: NetemLoss;
  duplicatePct?: number;
  corruptPct?: number;
  reorder?: NetemOptions['reorder'];
  slot?: NetemOptions['slot'];
  limit?: number;
}

/** Per-namespace TCP buffer sysctls of the client side: [min, default, max] bytes. */
export interface ClientSysctls {
  tcpRmem?: [number, number, number];
  tcpWmem?: [number, number, number];
}

export interface LinkSpec {
  /** A name for reports ("3g", or "custom" for flags). */
  name: string;
  /** Host -> client (what the client downloads). */
  down: DirectionSpec;
  /** Client -> host (what the client uploads). */
  up: DirectionSpec;
  sysctls: ClientSysctls;
}

/** True when the direction shapes nothing. */
export function isEmpty(d: DirectionSpec): boolean {
  return Object.values(d).every((v) => v === undefined);
}

/** Needs netem (anything but a plain rate limit). */
export function needsNetem(d: DirectionSpec): boolean {
  return d.delayMs !== undefined || d.jitterMs !== undefined || d.loss !== undefined || d.duplicatePct !== undefined
    || d.corruptPct !== undefined || d.reorder !== undefined || d.slot !== undefined || d.packetOverheadBytes !== undefined;
}

/** The qdisc kinds a link needs on a backend that has every kind (netem does rate too). */
export function qdiscsNeeded(link: LinkSpec): Set<QdiscKind> {
  const out = new Set<QdiscKind>();
  for (const d of [link.down, link.up]) {
    if (needsNetem(d)) out.add('netem');
    else if (d.bitsPerSecond !== undefined) out.add('tbf');
  }
  return out;
}
