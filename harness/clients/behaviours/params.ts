// Parameter types shared by the behaviours' schemas, with messages written for people editing
// a profile ("read.bytes_per_second: expected a positive number").
import { z } from 'zod';

const say = (what: string) => ({
  error: (issue: { input?: unknown }) => (issue.input === undefined ? 'required' : `expected ${what}`),
});

export const positiveNumber = () => z.number(say('a positive number')).positive(say('a positive number'));
export const positiveInt = () => z.number(say('a positive integer')).int(say('a positive integer')).positive(say('a positive integer'));
export const nonNegativeInt = () =>
  z.number(say('an integer >= 0')).int(say('an integer >= 0')).nonnegative(say('an integer >= 0'));
/** Read size in bytes: 1 B to 16 MiB. */
export const chunkBytes = () => positiveInt().max(16 << 20, { error: 'expected at most 16 MiB (16777216)' });
