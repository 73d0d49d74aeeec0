// `bursty`: alternates reading (on) and not reading (off). Period lengths are fixed, or drawn
// from a uniform (0 .. 2 x mean) or exponential distribution with the given mean, from a seeded
// PRNG: the same seed gives the same schedule on every run.
import { z } from 'zod';
import type { ReadBehaviour, ReadControl } from '../read-behaviour.ts';
import { chunkBytes, nonNegativeInt, positiveNumber } from './params.ts';
import { mulberry32 } from './prng.ts';

export const BurstyParams = z.strictObject({
  on_ms: positiveNumber(),
  off_ms: positiveNumber(),
  distribution: z.enum(['fixed', 'uniform', 'exponential'], { error: 'expected fixed, uniform or exponential' }).default('fixed'),
  seed: nonNegativeInt().default(1),
  start: z.enum(['on', 'off'], { error: 'expected on or off' }).default('on'),
  chunk_bytes: chunkBytes().optional(),
});
export type BurstyParams = z.input<typeof BurstyParams>;

export interface BurstPeriod { phase: 'on' | 'off'; ms: number }

/** An endless generator of the periods `params` describe. */
export function burstPeriods(input: BurstyParams): () => BurstPeriod {
  const p = BurstyParams.parse(input);
  const random = mulberry32(p.seed);
  const draw = (mean: number) => {
    if (p.distribution === 'fixed') return mean;
    const u = random();
    const ms = p.distribution === 'uniform' ? 2 * mean * u : -mean * Math.log(1 - u);
    return Math.max(1, ms);
  };
  let phase: 'on' | 'off' = p.start;
  return () => {
    const period = { phase, ms: draw(phase === 'on' ? p.on_ms : p.off_ms) };
    phase = phase === 'on' ? 'off' : 'on';
    return period;
  };
}

/** The first `n` periods, e.g. to show or compare a schedule. */
export function burstSchedule(params: BurstyParams, n: number): BurstPeriod[] {
  const next = burstPeriods(params);
  return Array.from({ length: n }, next);
}

export interface BurstyBehaviour extends ReadBehaviour {
  /** The periods started so far, in order. */
  readonly periods: readonly BurstPeriod[];
}

export function createBursty(params: BurstyParams): BurstyBehaviour {
  const p = BurstyParams.parse(params);
  const next = burstPeriods(p);
  const periods: BurstPeriod[] = [];
  let ctl: ReadControl | null = null;
  let timer: NodeJS.Timeout | null = null;
  const step = () => {
    timer = null;
    if (ctl === null) return;
    const period = next();
    periods.push(period);
    if (period.phase === 'on') ctl.resume();
    else ctl.pause();
    timer = setTimeout(step, period.ms);
  };
  return {
    name: 'bursty',
    ...(p.chunk_bytes !== undefined ? { readChunkBytes: p.chunk_bytes } : {}),
    periods,
    attach(c) {
      ctl = c;
      step();
    },
    onBytes() {},
    detach() {
      if (timer !== null) clearTimeout(timer);
      timer = null;
      ctl = null;
    },
  };
}
