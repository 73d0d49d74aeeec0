// One direction's wishes -> the qdisc that does them, on a backend that has `kinds`. With netem, one
// netem qdisc does it all (its own rate, limit sized for rate x delay). Without netem, only a rate
// can be had: tbf (its queue sized to hold at least 64 full packets, so TCP is not starved by
// tail drops at low rates).
import { sizeLimit } from './tc-argv.ts';
import { isEmpty, needsNetem, type DirectionSpec, type QdiscKind, type QdiscOptions } from './spec.ts';

export class PlanError extends Error {
  override readonly name = 'PlanError';
}

export function tbfFor(bitsPerSecond: number): QdiscOptions {
  const burstBytes = Math.max(3000, Math.ceil((bitsPerSecond / 8) * 0.01));
  const latencyMs = Math.max(100, Math.ceil(((64 * 1500 * 8) / bitsPerSecond) * 1000));
  return { kind: 'tbf', bitsPerSecond, burstBytes, latencyMs };
}

/** The root qdisc for one direction, or null when it shapes nothing. */
export function planDirection(d: DirectionSpec, kinds: ReadonlySet<QdiscKind>, what: string): QdiscOptions | null {
  if (isEmpty(d)) return null;
  if (kinds.has('netem')) {
    return {
      kind: 'netem',
      limit: d.limit ?? sizeLimit({ bitsPerSecond: d.bitsPerSecond, delayMs: d.delayMs, jitterMs: d.jitterMs, slotMaxMs: d.slot?.maxDelayMs }),
      ...(d.delayMs !== undefined ? { delayMs: d.delayMs } : {}),
      ...(d.jitterMs !== undefined ? { jitterMs: d.jitterMs } : {}),
      ...(d.delayCorrelationPct !== undefined ? { delayCorrelationPct: d.delayCorrelationPct } : {}),
      ...(d.jitterMs ? { distribution: d.distribution ?? 'normal' } : {}),
      ...(d.loss !== undefined ? { loss: d.loss } : {}),
      ...(d.duplicatePct !== undefined ? { duplicatePct: d.duplicatePct } : {}),
      ...(d.corruptPct !== undefined ? { corruptPct: d.corruptPct } : {}),
      ...(d.reorder !== undefined ? { reorder: d.reorder } : {}),
      ...(d.bitsPerSecond !== undefined
        ? { rate: { bitsPerSecond: d.bitsPerSecond, ...(d.packetOverheadBytes !== undefined ? { packetOverheadBytes: d.packetOverheadBytes } : {}) } }
        : {}),
      ...(d.slot !== undefined ? { slot: d.slot } : {}),
    };
  }
  if (needsNetem(d)) throw new PlanError(`${what}: needs netem (delay, jitter, loss, duplicate, corrupt, reorder, slot or packet overhead), which this backend lacks`);
  if (d.bitsPerSecond !== undefined && kinds.has('tbf')) return tbfFor(d.bitsPerSecond);
  if (d.bitsPerSecond !== undefined && kinds.has('htb')) return { kind: 'htb', bitsPerSecond: d.bitsPerSecond };
  throw new PlanError(`${what}: no qdisc for a rate on this backend`);
}
