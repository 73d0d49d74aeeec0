// `cancelling`: reads, then gives up after `after_bytes` bytes or `after_ms` milliseconds (both
// counted from attach; with both, the first wins) by a full close (`fin`), an abortive close
// (`rst`) or a half-close (`half-close`: FIN, then reading goes on). On plain TCP the byte
// trigger is exact: the last read is cut to size.
import { z } from 'zod';
import type { ReadBehaviour, ReadControl } from '../read-behaviour.ts';
import { chunkBytes, nonNegativeInt } from './params.ts';

export const CancellingParams = z
  .strictObject({
    mode: z.enum(['fin', 'rst', 'half-close'], { error: 'expected fin, rst or half-close' }).default('fin'),
    after_bytes: nonNegativeInt().optional(),
    after_ms: nonNegativeInt().optional(),
    chunk_bytes: chunkBytes().optional(),
  })
  .refine((p) => p.after_bytes !== undefined || p.after_ms !== undefined, {
    error: 'give after_bytes, after_ms or both',
    path: ['after_bytes'],
    when: () => true, // report it together with any other problem
  });
export type CancellingParams = z.input<typeof CancellingParams>;

export interface CancellingBehaviour extends ReadBehaviour {
  /** When and why it cancelled, once it has. */
  readonly fired: { t: number; by: 'bytes' | 'time'; bytes: number } | null;
}

export function createCancelling(params: CancellingParams): CancellingBehaviour {
  const p = CancellingParams.parse(params);
  let ctl: ReadControl | null = null;
  let start = 0;
  let timer: NodeJS.Timeout | null = null;
  let fired: CancellingBehaviour['fired'] = null;
  const taken = () => (ctl === null ? 0 : ctl.bytesReceived() - start);
  const fire = (by: 'bytes' | 'time') => {
    if (ctl === null || fired !== null) return;
    if (timer !== null) clearTimeout(timer);
    timer = null;
    fired = { t: ctl.now(), by, bytes: taken() };
    if (p.mode === 'fin') ctl.close();
    else if (p.mode === 'rst') ctl.reset();
    else ctl.halfClose();
  };
  return {
    name: 'cancelling',
    ...(p.chunk_bytes !== undefined ? { readChunkBytes: p.chunk_bytes } : {}),
    get fired() { return fired; },
    attach(c) {
      ctl = c;
      start = c.bytesReceived();
      c.resume();
      if (p.after_bytes === 0) return fire('bytes');
      if (p.after_ms !== undefined) timer = setTimeout(() => fire('time'), p.after_ms);
    },
    nextReadLimit: () => (p.after_bytes === undefined || fired !== null ? Infinity : Math.max(1, p.after_bytes - taken())),
    onBytes() {
      if (p.after_bytes !== undefined && taken() >= p.after_bytes) fire('bytes');
    },
    detach() {
      if (timer !== null) clearTimeout(timer);
      timer = null;
      ctl = null;
    },
  };
}
