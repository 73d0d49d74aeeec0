// Reads `tc -s -j qdisc show dev X` back: what the kernel actually has (kind, the options that
// matter) and its counters (bytes, packets, drops, overlimits, backlog), and checks it against
// what was asked for.
import { z } from 'zod';
import type { QdiscOptions } from './spec.ts';

const Num = z.number().optional();
const QdiscJson = z.looseObject({
  kind: z.string(),
  handle: z.string().optional(),
  root: z.boolean().optional(),
  options: z.looseObject({}).optional(),
  bytes: Num, packets: Num, drops: Num, overlimits: Num, requeues: Num, backlog: Num, qlen: Num,
});
type QdiscJson = z.infer<typeof QdiscJson>;

/** One qdisc as read back, flattened to what reports show. */
export interface AppliedQdisc {
  dev: string;
  kind: string;
  /** Key options in plain units (delay_ms, jitter_ms, rate_bps, loss_pct, limit, burst_bytes ...). */
  options: Record<string, number | string>;
  counters: { bytes: number; packets: number; drops: number; overlimits: number; backlog_bytes: number; qlen: number };
}

export class ReadbackError extends Error {
  override readonly name = 'ReadbackError';
}

const sec2ms = (s: unknown): number | undefined => (typeof s === 'number' ? +(s * 1000).toFixed(3) : undefined);

function flatOptions(q: QdiscJson): Record<string, number | string> {
  const o = (q.options ?? {}) as Record<string, unknown>;
  const out: Record<string, number | string> = {};
  const put = (k: string, v: unknown) => { if (typeof v === 'number' || typeof v === 'string') out[k] = v; };
  if (q.kind === 'netem') {
    put('limit', o.limit);
    const d = o.delay as Record<string, unknown> | undefined;
    if (d) { put('delay_ms', sec2ms(d.delay)); put('jitter_ms', sec2ms(d.jitter)); put('delay_correlation_pct', pctOf(d.correlation)); }
    const r = o.rate as Record<string, unknown> | undefined;
    if (r) { put('rate_bps', typeof r.rate === 'number' ? r.rate * 8 : undefined); put('packet_overhead_bytes', r.packetoverhead); }
    const lr = o['loss-random'] as Record<string, unknown> | undefined;
    if (lr) put('loss_pct', pctOf(lr.loss));
    if (o['loss-state']) put('loss_model', 'state');
    if (o['loss-gemodel']) put('loss_model', 'gemodel');
    const dup = o.duplicate as Record<string, unknown> | undefined;
    if (dup) put('duplicate_pct', pctOf(dup.duplicate));
    const cor = o.corrupt as Record<string, unknown> | undefined;
    if (cor) put('corrupt_pct', pctOf(cor.corrupt));
    const re = o.reorder as Record<string, unknown> | undefined;
    if (re) put('reorder_pct', pctOf(re.reorder));
    if (typeof o.gap === 'number' && o.gap > 0) put('gap', o.gap);
    const slot = o.slot as Record<string, unknown> | undefined;
    if (slot) { put('slot_min_ms', sec2ms(slot['min-delay'])); put('slot_max_ms', sec2ms(slot['max-delay'])); }
  } else if (q.kind === 'tbf') {
    put('rate_bps', typeof o.rate === 'number' ? o.rate * 8 : undefined);
    put('burst_bytes', o.burst);
    put('latency_ms', typeof o.lat === 'number' ? o.lat / 1000 : undefined);
    put('limit_bytes', o.limit);
  } else {
    for (const [k, v] of Object.entries(o)) put(k, v);
  }
  return out;
}

const pctOf = (f: unknown): number | undefined => (typeof f === 'number' ? +(f * 100).toFixed(6) : undefined);

/** Parses tc's JSON for one device. Throws ReadbackError when it is not tc's qdisc list. */
export function parseQdiscs(dev: string, json: string): AppliedQdisc[] {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch {
    throw new ReadbackError(`tc -j qdisc show dev ${dev}: not JSON: ${json.slice(0, 80)}`);
  }
  const r = z.array(QdiscJson).safeParse(raw);
  if (!r.success) throw new ReadbackError(`tc -j qdisc show dev ${dev}: unexpected shape (${r.error.issues[0]?.message})`);
  return r.data.map((q) => ({
    dev,
    kind: q.kind,
    options: flatOptions(q),
    counters: {
      bytes: q.bytes ?? 0, packets: q.packets ?? 0, drops: q.drops ?? 0, overlimits: q.overlimits ?? 0,
      backlog_bytes: q.backlog ?? 0, qlen: q.qlen ?? 0,
    },
  }));
}

const close = (a: number | string | undefined, b: number, rel = 0.01, abs = 0.002): boolean =>
  typeof a === 'number' && Math.abs(a - b) <= Math.max(abs, Math.abs(b) * rel);

/** What differs between the qdisc asked for and the root qdisc read back; [] when it matches. */
export function verifyApplied(want: QdiscOptions, got: AppliedQdisc[]): string[] {
  const root = got.find((q) => q.kind === want.kind);
  if (!root) return [`${got[0]?.dev ?? '?'}: expected a ${want.kind} qdisc, found ${got.map((q) => q.kind).join(', ') || 'none'}`];
  const p: string[] = [];
  const o = root.options;
  const chk = (name: string, wantV: number | undefined, rel?: number) => {
    if (wantV !== undefined && !close(o[name], wantV, rel)) p.push(`${root.dev} ${want.kind} ${name}: asked ${wantV}, kernel has ${o[name] ?? 'none'}`);
  };
  if (want.kind === 'netem') {
    chk('delay_ms', want.delayMs);
    chk('jitter_ms', want.jitterMs);
    chk('rate_bps', want.rate?.bitsPerSecond);
    if (want.loss?.model === 'random') chk('loss_pct', want.loss.pct);
    chk('limit', want.limit);
  } else if (want.kind === 'tbf') {
    chk('rate_bps', want.bitsPerSecond);
  }
  return p;
}
