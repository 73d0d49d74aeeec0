// A check's verdict as a value (h2spec style): pass, fail with expected/actual and evidence, skip
// with the reason, or error: the harness could not reach a verdict (what it saw, and what the user
// can do). An error blames nobody: it is not a failure of the server. Data only; reporters decide
// how to show it.

/** Numbers and short facts that back a verdict, shown beside it in every report. */
export type Evidence = Record<string, string | number | boolean | null>;

export type Verdict =
  | { status: 'pass'; evidence?: Evidence; note?: string }
  /**
   * `timing`: what failed is an upper bound on a duration (a call returned too late, a transfer
   * too slow), and by how much: a miss small enough for a loaded machine alone to cause (isMarginal)
   * is confirmed by the runner with a second run alone.
   */
  | { status: 'fail'; expected: string; actual: string; evidence?: Evidence; timing?: Timing }
  | { status: 'skip'; reason: string; evidence?: Evidence }
  /** Could not judge: `reason` is what the harness saw, `hint` what the user can do about it. */
  | { status: 'error'; reason: string; hint: string; evidence?: Evidence };

export type VerdictStatus = Verdict['status'];

export function pass(evidence?: Evidence, note?: string): Verdict {
  return { status: 'pass', ...(evidence ? { evidence } : {}), ...(note ? { note } : {}) };
}

export function fail(expected: string, actual: string, evidence?: Evidence, o: { timing?: Timing } = {}): Verdict {
  return { status: 'fail', expected, actual, ...(evidence ? { evidence } : {}), ...(o.timing ? { timing: o.timing } : {}) };
}

/**
 * A duration against its upper bound, in ms. `actualMs` null: the event had not happened when the
 * check stopped watching (its time is unknown beyond the bound).
 */
export interface Timing { actualMs: number | null; limitMs: number }

export function lateBy(actualMs: number | null, limitMs: number): Timing {
  return { actualMs: actualMs === null ? null : Math.round(actualMs * 10) / 10, limitMs };
}

/**
 * Whether a missed duration bound is within what the machine's load alone can explain: late by at
 * most 100 ms or a quarter of the bound, or not seen by the end of the watch. A server whose
 * timeouts are off by a factor is not.
 */
export function isMarginal(t: Timing): boolean {
  if (t.actualMs === null) return true; // not seen by the end of the watch: confirm, it may have been close
  return t.actualMs > t.limitMs && t.actualMs <= t.limitMs + Math.max(100, t.limitMs / 4);
}

export function skip(reason: string, evidence?: Evidence): Verdict {
  return { status: 'skip', reason, ...(evidence ? { evidence } : {}) };
}

/**
 * Thrown where what was seen already decides against the server: the runner makes it a fail with
 * these words, not an error. Everything else a check throws is the harness's trouble (an error
 * verdict).
 */
export class FailureFound extends Error {
  override readonly name = 'FailureFound';
  constructor(readonly expected: string, readonly actual: string, readonly evidence?: Evidence) {
    super(`expected ${expected}; actual ${actual}`);
  }
}

/** A verdict the harness could not reach (see harness/conformance/error-hints.ts for the hints). */
export function errorVerdict(reason: string, hint: string, evidence?: Evidence): Verdict {
  return { status: 'error', reason, hint, ...(evidence ? { evidence } : {}) };
}

/** One requirement a check states: whether it holds, in words; `timing` when it bounds a time. */
export interface Condition { ok: boolean; expected: string; actual: string; timing?: Timing }

/**
 * The first failing condition among `conditions`, or pass with the merged evidence. Lets a check
 * state its requirement as a list of (holds?, expected, actual) without nested ifs.
 */
export function firstFailure(
  conditions: ReadonlyArray<Condition>,
  evidence: Evidence,
): Verdict {
  for (const c of conditions) if (!c.ok) return fail(c.expected, c.actual, evidence, c.timing ? { timing: c.timing } : {});
  return pass(evidence);
}
