// TMO: send timeouts.
import type { Check } from '../check.ts';
import { PARTIAL, partialWrites } from '../scenarios/partial.ts';
import { PIPELINED, pipelined, timeouts, TIMEOUTS } from '../scenarios/timeouts.ts';
import { firstFailure, lateBy } from '../verdict.ts';
import {
  bodyBytesSentOf, describeTimeoutWindow, describeWrite, elapsedMs, fmtMs, headerEntry, isNil, matchWire, withinTimeout, writeEntry, timeoutWindow,
} from '../verifiers.ts';

export const tmoChecks: Check[] = [
  {
    id: 'TMO-01', group: 'TMO', level: 'MUST', interpretations: ['I-2'], features: ['send_timeout', 'send_result'],
    text: 'Against a stalled client, `write(body, t)` returns no earlier than `t` and no later than `t + max(50 ms, 10% of t)`, with a non-nil `send_result` whose `body_bytes_sent < len(body)`.',
    method: 'The client reads nothing; one write much larger than the path can absorb, with t = 1.0 s. Its duration comes from the journal (server clock).',
    exclusive: true,
    async run(ctx) {
      const r = await ctx.scenario('timeouts', timeouts);
      const w = writeEntry(r.journals[0]!, TIMEOUTS.fill);
      const evidence = { timeout_s: TIMEOUTS.fillTimeout, returned_after: fmtMs(elapsedMs(w)), result: describeWrite(w) };
      return firstFailure([
        { ok: !isNil(w) && bodyBytesSentOf(w) < w.bytes, expected: 'a non-nil send_result with body_bytes_sent < len(body)', actual: describeWrite(w) },
        { timing: lateBy(elapsedMs(w), timeoutWindow(TIMEOUTS.fillTimeout).max), ok: withinTimeout(w, TIMEOUTS.fillTimeout), expected: `returns ${describeTimeoutWindow(TIMEOUTS.fillTimeout)} after the call`, actual: fmtMs(elapsedMs(w)) },
      ], evidence);
    },
  },
  {
    id: 'TMO-02', group: 'TMO', level: 'MUST', interpretations: [], features: ['send_timeout'],
    text: 'Without a positional timeout, `io.send_timeout` applies; without that, `default_send_timeout`.',
    method: 'io.send_timeout = 0.8 s and a full path: a write without a positional timeout must return within the TMO-01 bound of 0.8 s. The last link (no io.send_timeout: the default) is checked from the effective value (CFG-02; timed with --slow).',
    exclusive: true,
    async run(ctx) {
      const r = await ctx.scenario('timeouts', timeouts);
      const j = r.journals[0]!;
      const w = writeEntry(j, TIMEOUTS.ioWrite);
      return firstFailure([
        { timing: lateBy(elapsedMs(w), timeoutWindow(TIMEOUTS.ioTimeout).max), ok: !isNil(w) && withinTimeout(w, TIMEOUTS.ioTimeout), expected: `a write without a timeout returns ${describeTimeoutWindow(TIMEOUTS.ioTimeout)} after the call (io.send_timeout)`, actual: `${describeWrite(w)} after ${fmtMs(elapsedMs(w))}` },
        { ok: j.effective.send_timeout === TIMEOUTS.ioTimeout, expected: `effective send_timeout ${TIMEOUTS.ioTimeout}`, actual: String(j.effective.send_timeout) },
      ], { io_send_timeout: TIMEOUTS.ioTimeout, returned_after: fmtMs(elapsedMs(w)), result: describeWrite(w) });
    },
  },
  {
    id: 'TMO-03', group: 'TMO', level: 'MUST', interpretations: ['I-3'], features: ['send_timeout', 'header_timeout', 'send_result'],
    text: '`write_header(code, headers, t)` on a connection whose path is full (an earlier pipelined response on the same keep-alive connection that the client does not read; on HTTP/2 another stream filling TCP) returns after `t` with `headers_were_sent == false`, and the client never receives that status line.',
    method: `Two pipelined requests; the client reads nothing until both handlers end. The first response fills the path; the second handler calls write_header(${PIPELINED.bStatus}, {}, ${PIPELINED.bTimeout}). Afterwards the client reads everything the server still sends.`,
    h2Method: `two streams on one connection; the client grants the largest stream and connection windows there are and stops reading the socket itself, so the first stream's fill (t = ${PIPELINED.h2Fill} s) fills TCP; the second handler sleeps ${PIPELINED.h2Delay} s, then calls write_header(${PIPELINED.bStatus}, {}, ${PIPELINED.bTimeout}). Once both handlers are done the client reads the socket again, and everything the server still sends.`,
    needs: ['persistent-connections'],
    exclusive: true,
    async run(ctx) {
      const r = await ctx.scenario('pipelined', pipelined);
      const h = headerEntry(r.journals[1]!, PIPELINED.bHeader);
      const res = h.result;
      const seen = r.responses.filter((x) => x.status === PIPELINED.bStatus);
      const evidence = {
        returned_after: fmtMs(elapsedMs(h)), result: JSON.stringify(res), responses_seen: r.responses.map((x) => x.status).join(',') || 'none',
      };
      return firstFailure([
        { ok: res !== null && 'headers_were_sent' in res && res.headers_were_sent === false, expected: 'a send_result with headers_were_sent == false', actual: JSON.stringify(res) },
        { timing: lateBy(elapsedMs(h), timeoutWindow(PIPELINED.bTimeout).max), ok: withinTimeout(h, PIPELINED.bTimeout), expected: `returns ${describeTimeoutWindow(PIPELINED.bTimeout)} after the call`, actual: fmtMs(elapsedMs(h)) },
        { ok: seen.length === 0, expected: `the client never receives the ${PIPELINED.bStatus} status line`, actual: `received ${seen.length} response(s) with status ${PIPELINED.bStatus}` },
      ], evidence);
    },
  },
  {
    id: 'TMO-04', group: 'TMO', level: 'MUST', interpretations: ['I-2'], features: ['send_timeout', 'send_result'],
    text: 'A timed-out request stays usable: later writes with fresh timeouts work once the client reads again.',
    method: 'Writes time out against a stalled client; then the client reads, and the same handler writes 500,000 B more with fresh 5 s timeouts: they must return nil and arrive intact.',
    async run(ctx) {
      const r = await ctx.scenario('partial-writes', partialWrites);
      const j = r.journals[0]!;
      const timedOut = writeEntry(j, PARTIAL.fill);
      const later = j.entries.filter((e) => e.op === 'write' && e.i > PARTIAL.firstLater).map((e) => writeEntry(j, e.i));
      const m = matchWire(j, r.bodies[0] ?? Buffer.alloc(0));
      return firstFailure([
        { ok: !isNil(timedOut), expected: 'the first write times out (the client reads nothing)', actual: describeWrite(timedOut) },
        ...later.map((w) => ({ ok: isNil(w), expected: `write k=${w.k} after the client reads again returns nil`, actual: `${describeWrite(w)} after ${fmtMs(elapsedMs(w))}` })),
        { ok: m.ok, expected: 'the later writes arrive intact', actual: m.problem ?? '' },
      ], { timed_out: describeWrite(timedOut), later_writes: later.map(describeWrite).join('; ') });
    },
  },
];
