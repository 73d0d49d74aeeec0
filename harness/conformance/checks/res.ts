// RES: the send_result helpers.
import type { Check } from '../check.ts';
import { basics } from '../scenarios/basics.ts';
import { partialWrites } from '../scenarios/partial.ts';
import { PIPELINED, pipelined } from '../scenarios/timeouts.ts';
import { windowScenario } from '../scenarios/window.ts';
import { firstFailure } from '../verdict.ts';
import { headerEntry } from '../verifiers.ts';

export const resChecks: Check[] = [
  {
    id: 'RES-01', group: 'RES', level: 'MUST', interpretations: [], features: ['send_result'],
    text: '`cancelled(nil) == nil`; `headers_were_sent(nil) == true`; `body_bytes_sent(nil)` raises.',
    method: 'The probe handler calls the three helpers on nil and journals what each returned or that it raised.',
    async run(ctx) {
      const r = await ctx.scenario('basics', basics);
      const e = r.journals[0]!.entries[0];
      if (e?.op !== 'helpers_on_nil') throw new Error('journal entry 0 is not helpers_on_nil');
      const h = e.helpers;
      return firstFailure([
        { ok: h.cancelled === null, expected: 'cancelled(nil) == nil', actual: JSON.stringify(h.cancelled) },
        { ok: h.headers_were_sent === true, expected: 'headers_were_sent(nil) == true', actual: JSON.stringify(h.headers_were_sent) },
        { ok: h.body_bytes_sent === 'raised', expected: 'body_bytes_sent(nil) raises', actual: `returned ${JSON.stringify(h.body_bytes_sent)}` },
      ], { cancelled: JSON.stringify(h.cancelled), headers_were_sent: JSON.stringify(h.headers_were_sent), body_bytes_sent: JSON.stringify(h.body_bytes_sent) });
    },
  },
  {
    id: 'RES-02', group: 'RES', level: 'MUST', interpretations: ['I-3'], features: ['send_timeout', 'send_result'],
    text: '`headers_were_sent(r)` for `r` from `write_header()` is true iff the client receives that status line and headers.',
    method: `Two pipelined requests (TMO-03's run): the first write_header succeeds and its 200 must arrive; the second, write_header(${PIPELINED.bStatus}, {}, ${PIPELINED.bTimeout}) behind a full path, times out: the helper's answer must match whether the client got that status line.`,
    h2Method: "TMO-03's HTTP/2 run: two streams, the first filling TCP while the client does not read the socket.",
    needs: ['persistent-connections'],
    exclusive: true,
    async run(ctx) {
      const r = await ctx.scenario('pipelined', pipelined);
      const a = headerEntry(r.journals[0]!, PIPELINED.aHeader);
      const b = headerEntry(r.journals[1]!, PIPELINED.bHeader);
      const hws = (x: typeof a) => (x.result === null ? true : 'headers_were_sent' in x.result ? x.result.headers_were_sent : null);
      const gotA = r.responses[0]?.status === 200;
      const gotB = r.responses.some((x) => x.status === PIPELINED.bStatus);
      return firstFailure([
        { ok: hws(a) === gotA, expected: `headers_were_sent (${hws(a)}) matches receipt of the first 200`, actual: gotA ? 'received' : 'not received' },
        { ok: hws(b) === gotB, expected: `headers_were_sent (${hws(b)}) matches receipt of the ${PIPELINED.bStatus}`, actual: gotB ? 'received' : 'not received' },
      ], { first: `headers_were_sent ${hws(a)}, ${gotA ? 'received' : 'not received'}`, second: `headers_were_sent ${hws(b)}, ${gotB ? 'received' : 'not received'}` });
    },
  },
  {
    id: 'RES-03', group: 'RES', level: 'MUST', interpretations: [], features: ['send_timeout', 'send_result'],
    text: '`0 <= body_bytes_sent(r) <= len(body)` for every non-nil result of `write()`.',
    method: 'Every partial write of the partial-write and window runs (stalled clients, several sizes) is checked.',
    async run(ctx) {
      const runs = [await ctx.scenario('partial-writes', partialWrites), await ctx.scenario('window', windowScenario)];
      const results = runs.flatMap((r) => r.journals[0]!.entries).flatMap((e) =>
        e.op === 'write' && e.result !== null && 'body_bytes_sent' in e.result && e.result.body_bytes_sent !== 'unsupported' ? [{ i: e.i, bytes: e.bytes, bbs: e.result.body_bytes_sent }] : []);
      return firstFailure([
        { ok: results.length > 0, expected: 'partial writes to judge', actual: 'no write returned a send_result' },
        ...results.map((x) => ({ ok: x.bbs >= 0 && x.bbs <= x.bytes, expected: `0 <= body_bytes_sent <= ${x.bytes}`, actual: `entry ${x.i}: ${x.bbs}` })),
      ], { results: results.length, values: results.map((x) => `${x.bbs}/${x.bytes}`).join(' ') });
    },
  },
];
