// Building blocks of scenario scripts.
import type { Op, Script } from '../../../protocol/index.ts';
import type { CheckContext } from '../check.ts';

export function script(ops: Op[], extra: Omit<Script, 'v' | 'ops'> = {}): Script {
  return { v: 1, ...extra, ops };
}

/**
 * One write larger than everything a stalled client's path can absorb (kernel send and receive
 * buffers: ~3.9 MB on loopback here), so that afterwards nothing more passes and the send window
 * alone decides. It times out partially; by I-2 nothing of it stays in flight.
 */
export function fill(ctx: CheckContext, timeout = 0.5): Op {
  return { op: 'write', bytes: ctx.options.fillBytes, timeout };
}

export const header = (status = 200, extra: Partial<Extract<Op, { op: 'write_header' }>> = {}): Op =>
  ({ op: 'write_header', status, ...extra });

export const sleepMs = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
