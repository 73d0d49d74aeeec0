// The registry of reading behaviours: name -> parameter schema and factory. Explicit, no
// registration by import side effect. Parameters use the snake_case names of the profiles.
import type { z } from 'zod';
import { ClientError } from '../errors.ts';
import type { ReadBehaviour } from '../read-behaviour.ts';
import { BurstyParams, createBursty } from './bursty.ts';
import { CancellingParams, createCancelling } from './cancelling.ts';
import { ReadingParams, createReading } from './reading.ts';
import { StalledParams, createStalled } from './stalled.ts';
import { ThrottledParams, createThrottled } from './throttled.ts';

export interface BehaviourEntry {
  /** One line for `dawdle profiles` and error messages. */
  summary: string;
  params: z.ZodType;
  create(params: unknown): ReadBehaviour;
}

function entry<S extends z.ZodType>(summary: string, params: S, create: (p: z.output<S>) => ReadBehaviour): BehaviourEntry {
  return { summary, params, create: (p) => create(params.parse(p)) };
}

export const BEHAVIOURS = {
  reading: entry('reads everything as fast as possible', ReadingParams, createReading),
  stalled: entry('reads nothing, or stops after after_bytes', StalledParams, createStalled),
  throttled: entry('token bucket: bytes_per_second, chunk_bytes, burst_bytes', ThrottledParams, createThrottled),
  bursty: entry('on/off periods (on_ms, off_ms), fixed or seeded random', BurstyParams, createBursty),
  cancelling: entry('closes (fin | rst | half-close) after after_bytes or after_ms', CancellingParams, createCancelling),
} as const satisfies Record<string, BehaviourEntry>;

export type BehaviourName = keyof typeof BEHAVIOURS;

export function behaviourNames(): BehaviourName[] {
  return Object.keys(BEHAVIOURS) as BehaviourName[];
}

export function isBehaviourName(name: string): name is BehaviourName {
  return Object.hasOwn(BEHAVIOURS, name);
}

/** Builds a fresh behaviour (behaviours hold per-connection state: one per connection). */
export function createBehaviour(name: string, params: unknown = {}): ReadBehaviour {
  if (!isBehaviourName(name)) {
    throw new ClientError('ERR_UNKNOWN_BEHAVIOUR', `unknown behaviour "${name}" (known: ${behaviourNames().join(', ')})`);
  }
  const e: BehaviourEntry = BEHAVIOURS[name];
  const r = e.params.safeParse(params);
  if (!r.success) {
    const problems = r.error.issues.map((i) => `${i.path.map(String).join('.') || '(params)'}: ${i.message}`);
    throw new ClientError('ERR_BEHAVIOUR_PARAMS', `behaviour ${name}: ${problems.join('; ')}`);
  }
  return e.create(r.data);
}

export { createReading, createStalled, createThrottled, createBursty, createCancelling };
export { burstSchedule, burstPeriods, type BurstPeriod, type BurstyBehaviour } from './bursty.ts';
export type { CancellingBehaviour } from './cancelling.ts';
export type { ReadingParams, StalledParams, ThrottledParams, BurstyParams, CancellingParams };
