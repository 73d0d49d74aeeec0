// CXL: cancellation.
import type { Journal } from '../../../protocol/index.ts';
import type { Check, CheckContext } from '../check.ts';
import { wireEvents } from '../client-connection.ts';
import { ScenarioUnfinished, type ScenarioRun } from '../probe-run.ts';
import {
  BLOCKED, CANCEL, cancelBlockedWait, cancelBlockedWrite, cancelFin, cancelRst, halfClose,
} from '../scenarios/cancel.ts';
import { STREAM_CANCEL, streamCancel } from '../scenarios/h2.ts';
import { H2_ONLY } from './h2.ts';
import { fail, firstFailure, pass, skip, type Condition, type Verdict, lateBy } from '../verdict.ts';
import {
  bodyBytesSentOf, describeWrite, elapsedMs, fmtBytes, fmtMs, isCancelled, matchWire, waitEntry, writeEntry,
} from '../verifiers.ts';

/** A call after cancellation "returns at once": within this bound (its timeout is 2 s). */
const AT_ONCE_MS = 250;
/** "Well before its timeout": within half of it. */
const WELL_BEFORE = 0.5;

/**
 * CXL-01/02: how many writes the handler issued after the client left before one reported it.
 * "After the client left" = writes none of whose bytes the client received (it read everything
 * that arrived before closing), so no clock comparison between processes is needed.
 */
function leaveVerdict(r: ScenarioRun, how: 'FIN' | 'RST'): Verdict {
  const j = r.journals[0]!;
  const unfinished = r.unfinished !== undefined;
  const received = r.responses[0]?.bodyBytes ?? 0;
  const writes = j.entries.filter((e) => e.op === 'write').map((e) => writeEntry(j, e.i));
  let before = 0;
  let firstAfter = -1;
  writes.forEach((w, n) => {
    if (firstAfter < 0 && before >= received) firstAfter = n;
    before += bodyBytesSentOf(w);
  });
  const firstCancelled = writes.findIndex(isCancelled);
  const left = wireEvents(r.timeline, how === 'FIN' ? 'fin-sent' : 'rst-sent')[0]?.t ?? null;
  const evidence: Record<string, string | number> = { client_received: received, writes_before_leaving: firstAfter < 0 ? writes.length : firstAfter };
  if (firstCancelled < 0) {
    // An unfinished journal decides only once more than three writes went out after the client left.
    if (unfinished && (firstAfter < 0 || writes.length - firstAfter <= 3)) {
      throw new ScenarioUnfinished(r.scenario, r.unfinished!);
    }
    return fail(`a write reports cancelled == true at the latest the third write after the client's ${how}`,
      `no write reported cancelled (${writes.length} writes${firstAfter >= 0 ? `, ${writes.length - firstAfter} of them after the client left` : ''}; journal end: ${j.end?.reason ?? (unfinished ? `none: the handler was still writing after ${r.unfinished!.stoppedEarly ? 'the harness had seen enough' : `${r.unfinished!.seconds} s`}` : 'none')})`, evidence);
  }
  const cw = writes[firstCancelled]!;
  const count = firstAfter < 0 ? 0 : firstCancelled - firstAfter + 1;
  evidence.writes_until_cancelled = count;
  if (left !== null && j.origin_unix_ms !== undefined) evidence.ms_until_cancelled = Math.round(j.origin_unix_ms + cw.t1 - left);
  if (firstAfter < 0 || count < 1) {
    return fail(`the client's ${how} comes after the bytes it received`, `a write reported cancelled before the client left (write ${firstCancelled}, ${describeWrite(cw)})`, evidence);
  }
  // Writes go out every CANCEL.gapS: "by the third write" is a bound on time in disguise, which a
  // loaded machine (the client's close arriving late) can miss by a write or two: confirmed if so.
  if (count > 3) {
    return fail(`cancelled == true at the latest the third write issued after the ${how}`, `reported by write ${count} after it`, evidence,
      { timing: lateBy(count * CANCEL.gapS * 1000, 3 * CANCEL.gapS * 1000) });
  }
  return pass(evidence);
}

function releaseCheck(): Check['run'] {
  return async (ctx: CheckContext) => {
    const before = await ctx.probe.activeRequests();
    const r = await ctx.scenario('release', (c) => cancelBlockedWrite(c, 'release'));
    const j = r.journals[0]!;
    const t0 = performance.now();
    let now = before;
    while (performance.now() - t0 < 5000) {
      now = await ctx.probe.activeRequests();
      if (now <= before) break;
      await new Promise((res) => setTimeout(res, 25));
    }
    const evidence = { active_before: before, active_after: now, waited: fmtMs(performance.now() - t0), journal_end: j.end?.reason ?? 'none' };
    return firstFailure([
      { ok: j.end?.reason === 'cancelled', expected: 'the handler saw the cancellation', actual: `journal end: ${j.end?.reason ?? 'none'}` },
      { ok: now <= before, expected: `active requests back to ${before} within 5 s after the handler ended`, actual: String(now) },
    ], evidence);
  };
}

function afterCancellation(r: ScenarioRun): Verdict {
  const j = r.journals[0]!;
  const first = j.entries.find((e) => (e.op === 'write' || e.op === 'wait' || e.op === 'write_header') && isCancelled(e));
  if (!first) {
    // What the client did is CXL-01/02's to judge; here it only matters that nothing said so.
    const calls = j.entries.filter((e) => e.op === 'write').length;
    if (r.unfinished !== undefined && calls <= CANCEL.leaveAfter / CANCEL.piece + 3) throw new ScenarioUnfinished(r.scenario, r.unfinished);
    return fail('a call reports the cancellation', `none did (${calls} writes; journal end: ${j.end?.reason ?? 'none'})`);
  }
  // The calls after the cancellation come at the script's end: a prefix cannot show them.
  if (r.unfinished !== undefined) throw new ScenarioUnfinished(r.scenario, r.unfinished);
  const later = j.entries.filter((e) => e.i > first.i && (e.op === 'write' || e.op === 'wait' || e.op === 'write_header'));
  const last = j.entries.at(-1)!;
  const conds: Condition[] = later.map((e) => ({
    timing: lateBy(elapsedMs(e), AT_ONCE_MS), ok: isCancelled(e as Parameters<typeof isCancelled>[0]) && elapsedMs(e) <= AT_ONCE_MS,
    expected: `${e.op} after the cancellation returns within ${AT_ONCE_MS} ms reporting cancelled`,
    actual: `entry ${e.i} ${e.op}: ${JSON.stringify((e as { result?: unknown }).result)} after ${fmtMs(elapsedMs(e))}`,
  }));
  conds.push({ ok: last.stats?.cancelled === true, expected: 'get_send_stats().cancelled == true', actual: String(last.stats?.cancelled) });
  if (later.length === 0) conds.push({ ok: false, expected: 'calls after the cancellation were journaled', actual: 'none' });
  return firstFailure(conds, { first_cancelled_entry: first.i, calls_after: later.length, slowest_after: fmtMs(Math.max(0, ...later.map(elapsedMs))) });
}

export const cxlChecks: Check[] = [
  {
    id: 'CXL-01', group: 'CXL', level: 'MUST', interpretations: ['I-5'], features: ['cancel_detect'],
    text: 'Client closes the connection cleanly (FIN, after reading everything that had arrived) mid-response: a later `write()` returns `cancelled == true`, at the latest the third write issued after the close.',
    method: `The handler writes ${fmtBytes(CANCEL.piece)} every ${CANCEL.gapS * 1000} ms; the client reads ~${fmtBytes(CANCEL.leaveAfter)} and closes (FIN, draining what arrived). Counted: writes none of whose bytes reached the client, up to the first that reports cancelled.`,
    h2Method: 'the client closes the connection: GOAWAY(NO_ERROR), then FIN, and stops reading 20 ms later (its stream is never reset on its own); its stream and connection windows are 4 MiB, as roomy as the TCP buffers an HTTP/1.1 client offers.',
    // Alone: "after the close" is judged by the bytes the client had received, which lag behind
    // the server's commits when parallel checks load the machine (a write the client had not seen
    // yet would count as issued after the close).
    exclusive: true,
    judgesUnfinished: true,
    run: async (ctx) => leaveVerdict(await ctx.scenario('cancel-fin', cancelFin), 'FIN'),
  },
  {
    id: 'CXL-02', group: 'CXL', level: 'MUST', interpretations: ['I-5'], features: ['cancel_detect'],
    text: 'Same with an abortive close (RST).',
    method: `As CXL-01, but the client aborts with RST after ~${fmtBytes(CANCEL.leaveAfter)}.`,
    h2Method: 'the TCP connection is reset (RST), with no HTTP/2 frame first.',
    exclusive: true,
    judgesUnfinished: true,
    run: async (ctx) => leaveVerdict(await ctx.scenario('cancel-rst', cancelRst), 'RST'),
  },
  {
    id: 'CXL-03', group: 'CXL', level: 'MUST', interpretations: [], features: ['cancel_detect', 'send_timeout'],
    text: 'A `write()` blocked on a full window wakes on cancellation well before its timeout.',
    method: `A write blocks against a stalled client (timeout ${BLOCKED.timeout} s); ${BLOCKED.holdMs} ms later the client resets. The write must return cancelled within ${BLOCKED.timeout * WELL_BEFORE} s of its call.`,
    async run(ctx) {
      const r = await ctx.scenario('cancel-blocked-write', cancelBlockedWrite);
      const w = writeEntry(r.journals[0]!, 1);
      return firstFailure([
        { ok: isCancelled(w), expected: 'the blocked write returns cancelled == true', actual: describeWrite(w) },
        { timing: lateBy(elapsedMs(w), BLOCKED.timeout * 1000 * WELL_BEFORE), ok: elapsedMs(w) < BLOCKED.timeout * 1000 * WELL_BEFORE, expected: `it returns within ${BLOCKED.timeout * WELL_BEFORE} s (timeout ${BLOCKED.timeout} s)`, actual: fmtMs(elapsedMs(w)) },
      ], { result: describeWrite(w), returned_after: fmtMs(elapsedMs(w)) });
    },
  },
  {
    id: 'CXL-04', group: 'CXL', level: 'MUST', interpretations: ['I-1'], features: ['cancel_detect', 'wait'],
    text: '`wait()` wakes on cancellation well before its timeout.',
    method: `wait(0) blocks (200,000 B pending, stalled client, timeout ${BLOCKED.timeout} s); ${BLOCKED.holdMs} ms later the client resets. It must return within ${BLOCKED.timeout * WELL_BEFORE} s; behind a shaped link (--network) plus four RTTs (the client learns that the wait started by polling the journal across the link, and its RST takes a one-way delay to arrive).`,
    async run(ctx) {
      const r = await ctx.scenario('cancel-blocked-wait', cancelBlockedWait);
      const w = waitEntry(r.journals[0]!, 3);
      const boundMs = BLOCKED.timeout * 1000 * WELL_BEFORE + 4 * (ctx.options.link?.rttMs ?? 0);
      return firstFailure([
        { timing: lateBy(elapsedMs(w), boundMs), ok: elapsedMs(w) < boundMs && w.result !== null, expected: `wait() returns within ${boundMs / 1000} s of its call (timeout ${BLOCKED.timeout} s)`, actual: `${JSON.stringify(w.result)} after ${fmtMs(elapsedMs(w))}` },
      ], { result: JSON.stringify(w.result), returned_after: fmtMs(elapsedMs(w)) });
    },
  },
  {
    id: 'CXL-05', group: 'CXL', level: 'MUST', interpretations: [], features: ['cancel_detect', 'send_stats'],
    text: 'After cancellation every further `write*()` returns at once, is ignored, and reports `cancelled`; `get_send_stats().cancelled == true`.',
    method: `After the first write reporting cancelled (CXL-01's run), the handler calls write, write_header and wait(0) with 2 s timeouts: each must return within ${AT_ONCE_MS} ms reporting cancelled.`,
    judgesUnfinished: true,
    run: async (ctx) => afterCancellation(await ctx.scenario('cancel-fin', cancelFin)),
  },
  {
    id: 'CXL-06', group: 'CXL', level: 'MUST', interpretations: [], features: ['h2', 'cancel_detect'],
    transports: [...H2_ONLY], notApplicable: 'HTTP/2 only (RST_STREAM)',
    text: "HTTP/2: RST_STREAM on one stream cancels only that stream's handler; sibling streams on the same connection complete intact.",
    method: `Three streams on one connection, each handler writing ${fmtBytes(STREAM_CANCEL.piece)} pieces: the middle stream is reset by the client (RST_STREAM CANCEL) after reading ~${fmtBytes(STREAM_CANCEL.leaveAfter)}, and its handler keeps writing until a write reports cancelled. Its journal must end cancelled; the siblings (${STREAM_CANCEL.siblingWrites} writes each, spanning the reset) must complete: every write nil, journals not cancelled, responses complete with END_STREAM and byte-exact, and the connection must stay open.`,
    async run(ctx) {
      const r = await ctx.scenario('h2-stream-cancel', streamCancel);
      const n = STREAM_CANCEL.cancelled;
      const victim = r.journals[n]!;
      const writes = victim.entries.filter((e) => e.op === 'write').map((e) => writeEntry(victim, e.i));
      const firstCancelled = writes.findIndex(isCancelled);
      const siblings = r.journals.map((j, i) => ({ j, i })).filter((x) => x.i !== n);
      const evidence: Record<string, string | number> = {
        cancelled_stream: r.responses[n]?.h2?.streamId ?? -1, cancelled_received: r.responses[n]?.bodyBytes ?? 0,
        cancelled_journal_end: victim.end?.reason ?? 'none', writes_until_cancelled: firstCancelled < 0 ? 'none' : firstCancelled + 1,
        ...Object.fromEntries(siblings.map(({ j, i }) => [`sibling_${i + 1}`, `${j.end?.reason ?? 'none'}, ${r.responses[i]?.completion ?? 'no response'}, ${r.responses[i]?.bodyBytes ?? 0} B`])),
      };
      return firstFailure([
        { ok: r.responses[n]?.completion === 'cancelled', expected: `the client reset stream ${n + 1} (RST_STREAM CANCEL) mid-response`, actual: r.responses[n]?.completion ?? 'no response' },
        { ok: firstCancelled >= 0 && victim.end?.reason === 'cancelled', expected: "the reset stream's handler reports cancelled (a write returns cancelled, the journal ends cancelled)", actual: `${firstCancelled < 0 ? 'no write reported cancelled' : `write ${firstCancelled + 1} reported it`}; journal end ${victim.end?.reason ?? 'none'}` },
        ...siblings.flatMap(({ j, i }) => {
          const m = matchWire(j, r.bodies[i] ?? Buffer.alloc(0));
          const bad = j.entries.find((e) => (e.op === 'write' || e.op === 'wait') && e.result !== null);
          return [
            { ok: j.end?.reason === 'completed' && bad === undefined, expected: `sibling stream ${i + 1}: its handler is not cancelled (every write and wait nil, journal completed)`, actual: `journal end ${j.end?.reason ?? 'none'}${bad ? `; entry ${bad.i} ${bad.op} returned ${JSON.stringify((bad as { result: unknown }).result)}` : ''}` },
            { ok: r.responses[i]?.completion === 'complete' && r.responses[i]?.h2?.endStream === true && m.ok, expected: `sibling stream ${i + 1}: its response completes (END_STREAM) byte-exact`, actual: `${r.responses[i]?.completion ?? 'no response'}: ${m.problem ?? 'intact'}` },
          ];
        }),
        { ok: r.marks.closedWhenCancelled === 0 && r.h2?.goawayReceived === null, expected: 'the connection stays open', actual: r.h2?.goawayReceived ? `GOAWAY received (error ${r.h2.goawayReceived.errorCode})` : 'the connection closed' },
      ], evidence);
    },
  },
  {
    id: 'CXL-07', group: 'CXL', level: 'MUST', interpretations: [], features: ['cancel_detect'], infoFields: ['active_requests'],
    text: "The handler's resources are released after cancellation (the server's active-request count returns to its earlier value).",
    method: 'Reads active_requests from /__probe/info, runs a handler whose blocked write is cancelled by a client RST, and polls active_requests until it is back (5 s at most). Runs alone so no other check changes the count.',
    exclusive: true,
    run: releaseCheck(),
  },
  {
    id: 'CXL-08', group: 'CXL', level: 'SHOULD', interpretations: [], features: ['cancel_detect'],
    transports: ['h1', 'h1tls'],
    notApplicable: 'HTTP/1.1 only: on HTTP/2 every request stream is already half-closed by its END_STREAM, and a TCP half-close is not an HTTP/2 notion (a FIN after GOAWAY ends the connection: CXL-01)',
    text: 'A client that half-closes (shuts down only its sending side after the request) and keeps reading is not cancelled: the response completes.',
    method: 'The client sends FIN right after its request and keeps reading; the handler writes 400,000 B over ~200 ms. SHOULD-level: a target that cancels fails only with --strict; otherwise the verdict is a skip that says what the target does.',
    async run(ctx) {
      const r = await ctx.scenario('half-close', halfClose);
      const j = r.journals[0]!;
      const m = matchWire(j, r.bodies[0] ?? Buffer.alloc(0));
      const completed = j.end?.reason === 'completed' && r.responses[0]?.completion === 'complete' && m.ok;
      const evidence = { journal_end: j.end?.reason ?? 'none', response: r.responses[0]?.completion ?? 'none', received: m.receivedBytes };
      if (completed) return pass(evidence, 'the target lets a half-closed client read the whole response');
      const what = `the target treats half-close as cancellation (journal end: ${evidence.journal_end}, response ${evidence.response})`;
      if (ctx.options.strict) return fail('the response completes for a client that only half-closed', what, evidence);
      return skip(`SHOULD-level, not checked strictly (--strict): ${what}`, evidence);
    },
  },
];
