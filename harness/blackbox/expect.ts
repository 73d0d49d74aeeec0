// --expect KEY=VALUE,...: what the user says the server is configured to do. Durations are "2s",
// "1500ms", "0.5s" or a bare number of seconds; "none" says the server has no such limit.
import { z } from 'zod';

export const EXPECT_KEYS = ['send_timeout', 'header_timeout', 'body_timeout'] as const;
export type ExpectKey = (typeof EXPECT_KEYS)[number];

/** Milliseconds, or null for "none" (the server is said to have no such limit). */
export type Expectations = Partial<Record<ExpectKey, number | null>>;

export class ExpectError extends Error {
  override readonly name = 'ExpectError';
}

const Duration = z.string().regex(/^(\d+(\.\d+)?)(ms|s)?$/);

export function parseDuration(v: string): number | null {
  if (v === 'none') return null;
  if (!Duration.safeParse(v).success) throw new ExpectError(`"${v}" is not a duration (e.g. 2s, 1500ms, none)`);
  const m = /^(\d+(?:\.\d+)?)(ms|s)?$/.exec(v)!;
  const n = Number(m[1]);
  const ms = m[2] === 'ms' ? n : n * 1000;
  if (ms > 600_000) throw new ExpectError(`"${v}" is longer than 600 s`);
  return ms;
}

export function parseExpect(items: readonly string[]): Expectations {
  const out: Expectations = {};
  for (const item of items.flatMap((x) => x.split(',')).map((x) => x.trim()).filter((x) => x !== '')) {
    const eq = item.indexOf('=');
    if (eq < 0) throw new ExpectError(`"${item}" is not KEY=VALUE (keys: ${EXPECT_KEYS.join(', ')})`);
    const key = item.slice(0, eq);
    if (!(EXPECT_KEYS as readonly string[]).includes(key)) throw new ExpectError(`unknown key "${key}" (keys: ${EXPECT_KEYS.join(', ')})`);
    try {
      out[key as ExpectKey] = parseDuration(item.slice(eq + 1));
    } catch (err) {
      throw new ExpectError(`${key}: ${(err as Error).message}`);
    }
  }
  return out;
}

/** "2 s", "none". */
export function showMs(ms: number | null): string {
  return ms === null ? 'none' : `${+(ms / 1000).toFixed(2)} s`;
}
