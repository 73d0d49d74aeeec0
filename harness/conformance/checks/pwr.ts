// PWR: partial writes on the wire.
import type { Check, CheckContext } from '../check.ts';
import { H2_ONLY } from './h2.ts';
import { contentLength, PARTIAL, partialWrites } from '../scenarios/partial.ts';
import { fail, firstFailure, pass } from '../verdict.ts';
import { describeWrite, fmtBytes, isNil, matchWire, writeEntry } from '../verifiers.ts';
import { sentWrites } from '../../../protocol/index.ts';

export const pwrChecks: Check[] = [
  {
    id: 'PWR-01', group: 'PWR', level: 'MUST', interpretations: ['I-2', 'I-3'], features: ['send_timeout', 'send_result'],
    text: 'For every write k, the client receives exactly `body_bytes_sent(r_k)` bytes of it (all of it when `r_k` is nil), in order, byte-exact against the generated pattern: nothing from the withdrawn tail, nothing duplicated, nothing missing in the middle.',
    method: 'Window 64 KiB, stalled client: a fill and two writes time out (one of them with bytes accepted into the window but not sent), one fits; then the client reads and two more writes follow. The body received is compared byte by byte with the journal.',
    async run(ctx) {
      const r = await ctx.scenario('partial-writes', partialWrites);
      const j = r.journals[0]!;
      const m = matchWire(j, r.bodies[0] ?? Buffer.alloc(0));
      const evidence = { journal_sent: m.expectedBytes, client_received: m.receivedBytes, writes: sentWrites(j).map((w) => `${w.sent}/${w.bytes}`).join(' ') };
      return m.ok ? pass(evidence) : fail('the client receives exactly the sent prefix of every write, in order', m.problem!, evidence);
    },
  },
  {
    id: 'PWR-02', group: 'PWR', level: 'MUST', interpretations: ['I-2'], features: ['send_timeout', 'send_result'],
    text: 'After a partial write the response framing stays valid: chunked encoding still parses; a response with a declared Content-Length that can no longer be honoured ends by closing the connection, never by padding or by desynchronising the next response on a keep-alive connection.',
    method: 'The partial-write run (no Content-Length) must end as a complete response. A second run declares a Content-Length, times out partially, and has another request pipelined behind it: the first response must end with the connection closing after exactly the sent bytes.',
    h2Method: 'the response without Content-Length must end with END_STREAM; the one with a broken Content-Length must end with RST_STREAM from the server after exactly the sent bytes (I-7: never END_STREAM with a short body, never padding), and the other request, a sibling stream on the same connection, must complete intact (the connection stays usable).',
    async run(ctx) {
      const p = await ctx.scenario('partial-writes', partialWrites);
      const c = await ctx.scenario('content-length', contentLength);
      const pr = p.responses[0];
      const cr = c.responses[0];
      const cj = c.journals[0]!;
      const fillW = writeEntry(cj, 1);
      const cm = matchWire({ entries: cj.entries }, c.bodies[0] ?? Buffer.alloc(0));
      const evidence = {
        unsized_framing: pr?.framing ?? 'none', unsized_end: pr?.completion ?? 'none',
        sized_declared: cr?.contentLength ?? 'none', sized_end: cr?.completion ?? 'none', sized_received: cr?.bodyBytes ?? 0,
        sized_write: describeWrite(fillW), later_responses: c.responses.length - 1,
      };
      if (ctx.transport.http === '2') {
        const sibling = c.responses[1];
        const sm = matchWire(c.journals[1] ?? { entries: [] }, c.bodies[1] ?? Buffer.alloc(0));
        return firstFailure([
          { ok: pr?.completion === 'complete' && pr.h2?.endStream === true, expected: 'the response without Content-Length ends with END_STREAM after partial writes', actual: pr === undefined ? 'no response' : `${pr.completion}${pr.error ? ` (${pr.error.message})` : ''}` },
          { ok: !isNil(fillW), expected: 'the write under a declared Content-Length times out (stalled client)', actual: describeWrite(fillW) },
          { ok: cr?.completion === 'reset-by-peer' && cr.h2?.endStream === false, expected: 'the response with a broken Content-Length ends with RST_STREAM from the server, not END_STREAM', actual: cr === undefined ? 'no response' : `${cr.completion}${cr.error ? ` (${cr.error.message})` : ''}` },
          { ok: cm.ok && (cr?.h2?.paddingBytes ?? 0) === 0, expected: `its body is exactly the ${fmtBytes(cm.expectedBytes)} sent (no padding)`, actual: cm.problem ?? `${cr?.h2?.paddingBytes ?? 0} B of padding` },
          { ok: sibling?.completion === 'complete' && sm.ok && c.journals[1]?.end?.reason === 'completed', expected: 'the other request, a sibling stream on that connection, completes intact', actual: `${sibling?.completion ?? 'no response'}: ${sm.problem ?? 'intact'}` },
        ], evidence);
      }
      const unsizedOk = pr !== undefined && (pr.completion === 'complete' || (pr.framing === 'until-close' && pr.completion === 'truncated-by-close'));
      return firstFailure([
        { ok: unsizedOk, expected: 'the response without Content-Length still parses to its end after partial writes', actual: `${pr?.framing ?? 'no response'}: ${pr?.completion ?? ''}${pr?.error ? ` (${pr.error.message})` : ''}` },
        { ok: !isNil(fillW), expected: 'the write under a declared Content-Length times out (stalled client)', actual: describeWrite(fillW) },
        { ok: cr !== undefined && cr.completion === 'truncated-by-close', expected: 'the response with a broken Content-Length ends by closing the connection', actual: cr === undefined ? 'no response' : `${cr.completion}${cr.error ? ` (${cr.error.message})` : ''}` },
        { ok: cm.ok, expected: `its body is exactly the ${fmtBytes(cm.expectedBytes)} sent (no padding, nothing of the next response)`, actual: cm.problem ?? '' },
        { ok: c.responses.length === 1, expected: 'no response follows on that connection', actual: `${c.responses.length - 1} more` },
      ], evidence);
    },
  },
  {
    id: 'PWR-03', group: 'PWR', level: 'MUST', interpretations: ['I-2'], features: ['send_timeout', 'send_result'],
    text: 'Writes after a partial write are delivered intact.',
    method: "In the partial-write run, every write issued after the first timed-out one is checked: nil writes arrive whole, partial ones with exactly their sent prefix.",
    async run(ctx) {
      const r = await ctx.scenario('partial-writes', partialWrites);
      const j = r.journals[0]!;
      const first = writeEntry(j, PARTIAL.fill);
      const m = matchWire(j, r.bodies[0] ?? Buffer.alloc(0));
      const firstK = first.k;
      const afterBad = m.ok ? false : sentWrites(j)[m.badWrite]!.k > firstK;
      const evidence = { first_partial: describeWrite(first), later_writes: sentWrites(j).filter((w) => w.k > firstK).length };
      if (isNil(first)) return fail('the first write times out partially (stalled client)', describeWrite(first), evidence);
      if (afterBad) return fail('the writes after the partial write arrive intact', m.problem!, evidence);
      if (!m.ok) return fail('the bytes up to the end of the partial write are right, so the later ones can be judged', m.problem!, evidence);
      return pass(evidence);
    },
  },
  {
    id: 'PWR-04', group: 'PWR', level: 'MUST', interpretations: ['I-2', 'I-3', 'I-7'], features: ['h2', 'send_timeout', 'send_result'],
    transports: [...H2_ONLY], notApplicable: 'HTTP/2 only (DATA frames, END_STREAM, RST_STREAM)',
    text: 'HTTP/2: DATA frames carry exactly the sent prefix; END_STREAM closes the stream correctly.',
    method: 'The partial-write run (stream stalled at its window, writes time out, then the client reads): the DATA frames must carry exactly body_bytes_sent of every write, in order and byte-exact (as PWR-01), without padding, and the stream must end with END_STREAM (no Content-Length). The Content-Length run: after the partial write the declared length can no longer be honoured, so the stream must end with RST_STREAM from the server after exactly the sent bytes, never with END_STREAM and a short body, never padded (I-7).',
    run: pwr04,
  },
];

async function pwr04(ctx: CheckContext) {
  const p = await ctx.scenario('partial-writes', partialWrites);
  const c = await ctx.scenario('content-length', contentLength);
  const pr = p.responses[0];
  const cr = c.responses[0];
  const pm = matchWire(p.journals[0]!, p.bodies[0] ?? Buffer.alloc(0));
  const cm = matchWire(c.journals[0]!, c.bodies[0] ?? Buffer.alloc(0));
  const partials = sentWrites(p.journals[0]!).filter((w) => w.sent < w.bytes).length;
  const evidence = {
    unsized_end: pr?.completion ?? 'none', unsized_data_frames: pr?.h2?.dataFrames ?? 0, unsized_received: pm.receivedBytes, unsized_sent: pm.expectedBytes,
    partial_writes: partials,
    sized_end: cr?.completion ?? 'none', sized_reset_code: cr?.h2?.resetCode ?? 'none', sized_received: cm.receivedBytes, sized_sent: cm.expectedBytes,
    padding: (pr?.h2?.paddingBytes ?? 0) + (cr?.h2?.paddingBytes ?? 0),
  };
  const sizedFill = writeEntry(c.journals[0]!, 1);
  return firstFailure([
    { ok: partials > 0 && !isNil(sizedFill), expected: 'writes timed out partially in both runs (stalled stream)', actual: `${partials} partial writes; sized run: ${describeWrite(sizedFill)}` },
    { ok: pm.ok, expected: 'the DATA frames carry exactly the sent prefix of every write, in order (no withdrawn tail, nothing missing)', actual: pm.problem ?? '' },
    { ok: pr?.completion === 'complete' && pr.h2?.endStream === true, expected: 'the stream without Content-Length ends with END_STREAM', actual: pr === undefined ? 'no response' : `${pr.completion}${pr.h2?.resetCode ? ` (${pr.h2.resetCode})` : ''}${pr.error ? `: ${pr.error.message}` : ''}` },
    { ok: cm.ok, expected: 'with a declared Content-Length too, the DATA frames carry exactly the sent prefix', actual: cm.problem ?? '' },
    { ok: cr?.completion === 'reset-by-peer' && cr.h2?.endStream === false, expected: `the stream whose Content-Length (${cr?.contentLength ?? '?'}) can no longer be honoured ends with RST_STREAM from the server, not END_STREAM (I-7)`, actual: cr === undefined ? 'no response' : `${cr.completion}${cr.h2?.endStream ? ' after END_STREAM' : ''}${cr.error ? `: ${cr.error.message}` : ''}` },
    { ok: evidence.padding === 0, expected: 'no padding in DATA frames (flow-controlled bytes are body bytes)', actual: `${evidence.padding} B of padding` },
  ], evidence);
}
