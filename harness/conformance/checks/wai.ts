// WAI: wait().
import type { Check } from '../check.ts';
import { BLOCKED, cancelBlockedWait } from '../scenarios/cancel.ts';
import { timeouts, TIMEOUTS } from '../scenarios/timeouts.ts';
import { WAIT, WAIT_NEG_POS, WAIT_PAUSE_MS, waitNegative, waitPositive } from '../scenarios/wait.ts';
import { firstFailure, lateBy } from '../verdict.ts';
import {
  describeTimeoutWindow, elapsedMs, fmtMs, inFlight, statsOf, waitEntry, withinTimeout, timeoutWindow,
} from '../verifiers.ts';

/** The client reads again WAIT_PAUSE_MS after the handler reached wait(); a wait that returns sooner did not wait. */
const MIN_BLOCK_MS = WAIT_PAUSE_MS / 2;

export const waiChecks: Check[] = [
  {
    id: 'WAI-01', group: 'WAI', level: 'MUST', interpretations: [], features: ['wait', 'send_stats'],
    text: '`wait(pos > 0)` returns once `sent >= pos`, not before (unless cancelled or timed out).',
    method: `Path full, 200,000 B pending; wait(current - 100,000); the client reads again ${WAIT_PAUSE_MS} ms later. The wait must return nil, not sooner than ${MIN_BLOCK_MS} ms, with sent >= pos.`,
    async run(ctx) {
      const r = await ctx.scenario('wait-pos', waitPositive);
      const j = r.journals[0]!;
      const w = waitEntry(j, WAIT.wait);
      const s = statsOf(w);
      return firstFailure([
        { ok: w.pos > 0, expected: 'a positive position', actual: String(w.pos) },
        { ok: w.result === null, expected: 'wait() returns nil (the condition was met)', actual: JSON.stringify(w.result) },
        { ok: s.sent >= w.pos, expected: `sent >= pos (${w.pos}) when it returns`, actual: `sent ${s.sent}` },
        { ok: elapsedMs(w) >= MIN_BLOCK_MS, expected: `it waits for the client (>= ${MIN_BLOCK_MS} ms)`, actual: fmtMs(elapsedMs(w)) },
      ], { pos: w.pos, sent_after: s.sent, waited: fmtMs(elapsedMs(w)) });
    },
  },
  {
    id: 'WAI-02', group: 'WAI', level: 'MUST', interpretations: ['I-1'], features: ['wait', 'send_stats'],
    text: '`wait(pos <= 0)` returns once `current - sent <= -pos` (I-1).',
    method: `Path full, 200,000 B in flight; wait(${WAIT_NEG_POS}) must block until the client reads (again ${WAIT_PAUSE_MS} ms later) and return with at most ${-WAIT_NEG_POS} B in flight; then wait(0) returns with nothing in flight.`,
    async run(ctx) {
      const r = await ctx.scenario('wait-neg', waitNegative);
      const j = r.journals[0]!;
      const w = waitEntry(j, WAIT.wait);
      const z = waitEntry(j, WAIT.drain);
      return firstFailure([
        { ok: w.result === null, expected: 'wait() returns nil (the condition was met)', actual: JSON.stringify(w.result) },
        { ok: inFlight(statsOf(w)) <= -w.pos, expected: `current - sent <= ${-w.pos} when wait(${w.pos}) returns`, actual: `${inFlight(statsOf(w))}` },
        { ok: elapsedMs(w) >= MIN_BLOCK_MS, expected: `wait(${w.pos}) with 200,000 B in flight waits for the client (>= ${MIN_BLOCK_MS} ms)`, actual: `returned after ${fmtMs(elapsedMs(w))}` },
        { ok: z.result === null && inFlight(statsOf(z)) === 0, expected: 'wait(0) returns nil with current == sent', actual: `${JSON.stringify(z.result)}, in flight ${inFlight(statsOf(z))}` },
      ], { in_flight_at_call: WAIT.pending, waited: fmtMs(elapsedMs(w)), in_flight_after: inFlight(statsOf(w)) });
    },
  },
  {
    id: 'WAI-03', group: 'WAI', level: 'MUST', interpretations: ['I-1'], features: ['wait', 'send_timeout'],
    text: 'When the condition never holds (stalled client), `wait()` returns at its timeout (same bound as TMO-01) with a result that is not cancelled.',
    method: `Path full, 200,000 B pending, the client never reads: wait(0, ${TIMEOUTS.waitTimeout}).`,
    exclusive: true,
    async run(ctx) {
      const r = await ctx.scenario('timeouts', timeouts);
      const w = waitEntry(r.journals[0]!, TIMEOUTS.wait);
      const res = w.result;
      return firstFailure([
        { ok: res !== null && 'cancelled' in res && res.cancelled === false, expected: 'a result that is not cancelled', actual: JSON.stringify(res) },
        { timing: lateBy(elapsedMs(w), timeoutWindow(TIMEOUTS.waitTimeout).max), ok: withinTimeout(w, TIMEOUTS.waitTimeout), expected: `returns ${describeTimeoutWindow(TIMEOUTS.waitTimeout)} after the call`, actual: fmtMs(elapsedMs(w)) },
      ], { result: JSON.stringify(res), returned_after: fmtMs(elapsedMs(w)) });
    },
  },
  {
    id: 'WAI-04', group: 'WAI', level: 'MUST', interpretations: [], features: ['wait', 'cancel_detect'],
    text: '`wait()` returns a `send_result` that reports cancellation when it was woken by it.',
    method: `wait(0) blocked (stalled client, timeout ${BLOCKED.timeout} s), then the client resets (CXL-04's run).`,
    async run(ctx) {
      const r = await ctx.scenario('cancel-blocked-wait', cancelBlockedWait);
      const w = waitEntry(r.journals[0]!, 3);
      const res = w.result;
      return firstFailure([
        { ok: res !== null && 'cancelled' in res && res.cancelled === true, expected: 'a send_result with cancelled == true', actual: `${JSON.stringify(res)} after ${fmtMs(elapsedMs(w))}` },
      ], { result: JSON.stringify(res), returned_after: fmtMs(elapsedMs(w)) });
    },
  },
];
