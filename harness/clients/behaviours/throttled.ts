// `throttled`: a token bucket. Tokens accrue at `bytes_per_second` up to `burst_bytes` (default:
// one read); a read of up to `chunk_bytes` happens when a whole chunk is affordable, otherwise
// reading pauses until it is. Timers fire late on a busy machine; the lateness (up to 50 ms) is
// credited back on wake-up, so the average rate holds over a second or more.
import { z } from 'zod';
import type { ReadBehaviour, ReadControl } from '../read-behaviour.ts';
import { chunkBytes, positiveInt, positiveNumber } from './params.ts';

export const ThrottledParams = z
  .strictObject({
    bytes_per_second: positiveNumber(),
    chunk_bytes: chunkBytes().default(16 * 1024),
    burst_bytes: positiveInt().optional(),
  })
  .refine((p) => typeof p.burst_bytes !== 'number' || p.burst_bytes >= (p.chunk_bytes ?? 16 * 1024), {
    error: 'burst_bytes must be at least chunk_bytes',
    path: ['burst_bytes'],
    when: () => true, // report it together with any other problem
  });
export type ThrottledParams = z.input<typeof ThrottledParams>;

const MAX_CATCH_UP_MS = 50;

export function createThrottled(input: ThrottledParams): ReadBehaviour {
  const p = ThrottledParams.parse(input);
  const rate = p.bytes_per_second / 1000; // bytes per ms
  const chunk = p.chunk_bytes;
  const burst = p.burst_bytes ?? chunk;
  let ctl: ReadControl | null = null;
  let tokens = 0;
  let last = 0;
  let timer: NodeJS.Timeout | null = null;

  const refill = (now: number) => {
    if (tokens < burst) tokens = Math.min(burst, tokens + (now - last) * rate);
    last = now;
  };
  const wake = (due: number) => {
    timer = null;
    if (ctl === null) return;
    const now = ctl.now();
    refill(now);
    tokens += Math.min(Math.max(0, now - due), MAX_CATCH_UP_MS) * rate;
    ctl.resume();
  };

  return {
    name: 'throttled',
    readChunkBytes: chunk,
    attach(c) {
      ctl = c;
      last = c.now();
      tokens = burst;
      c.resume();
    },
    onBytes(n) {
      if (ctl === null) return;
      const now = ctl.now();
      refill(now);
      tokens -= n;
      if (tokens >= chunk || timer !== null) return;
      ctl.pause();
      const due = now + (chunk - tokens) / rate;
      timer = setTimeout(() => wake(due), Math.max(0, due - now));
    },
    detach() {
      if (timer !== null) clearTimeout(timer);
      timer = null;
      ctl = null;
    },
  };
}
