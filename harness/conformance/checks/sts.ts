// STS: get_send_stats().
import type { Check } from '../check.ts';
import { STATS_EXAMPLE, statsExample } from '../scenarios/basics.ts';
import { PARTIAL, partialWrites } from '../scenarios/partial.ts';
import { pipelined } from '../scenarios/timeouts.ts';
import { windowScenario } from '../scenarios/window.ts';
import { lacking } from '../traits.ts';
import { fail, firstFailure, pass } from '../verdict.ts';
import { bodyBytesSentOf, entry, headersFlagViolation, statsOf, statsViolation, writeEntry } from '../verifiers.ts';

const fmt = (s: { current: number; sent: number; headers_were_sent?: boolean }) =>
  `current ${s.current}, sent ${s.sent}${s.headers_were_sent !== undefined ? `, headers_were_sent ${s.headers_were_sent}` : ''}`;

export const stsChecks: Check[] = [
  {
    id: 'STS-01', group: 'STS', level: 'MUST', interpretations: ['I-2'], features: ['send_stats', 'send_timeout', 'send_result'],
    text: '`sent` never decreases; `sent <= current` at every sample; `current` decreases only at the return of a partial write, by exactly `len(body) - body_bytes_sent` (I-2).',
    method: 'Stats sampled every 5 ms and after every call in the partial-write and window runs: current must equal the bytes of every returned write (all of a nil one, the sent part of a partial one), and may only hold more while a write is in progress.',
    async run(ctx) {
      const runs = [await ctx.scenario('partial-writes', partialWrites), await ctx.scenario('window', windowScenario)];
      for (const r of runs) {
        const j = r.journals[0]!;
        const v = statsViolation(j);
        if (v !== null) return fail('sent monotonic, sent <= current, current = bytes of the returned writes', v, { scenario: r.scenario, samples: j.samples.length });
      }
      return pass({ samples: runs.reduce((a, r) => a + r.journals[0]!.samples.length, 0) });
    },
  },
  {
    id: 'STS-02', group: 'STS', level: 'MUST', interpretations: [], features: ['send_stats'],
    text: '`headers_were_sent` goes false -> true once and never back.',
    method: "Stats before and after write_header in the seed-example run, and for the pipelined request whose write_header times out (it must stay false). Against a target that closes HTTP/1.1 connections after each response, the pipelined part cannot be staged: the seed-example run alone is judged and the verdict says so.",
    h2Method: "the request whose write_header times out is TMO-03's second stream, behind a stream filling TCP.",
    exclusive: true,
    async run(ctx) {
      const ex = await ctx.scenario('stats-example', statsExample);
      const persistent = await ctx.trait('persistent-connections');
      const pl = persistent.has ? await ctx.scenario('pipelined', pipelined) : null;
      const j = ex.journals[0]!;
      const before = statsOf(entry(j, 0)).headers_were_sent;
      const after = statsOf(entry(j, STATS_EXAMPLE.afterHeader)).headers_were_sent;
      const v = [j, ...(pl?.journals ?? [])].map(headersFlagViolation).find((x) => x !== null) ?? null;
      const b = pl?.journals[1];
      const verdict = firstFailure([
        { ok: before === false, expected: 'headers_were_sent == false before write_header', actual: String(before) },
        { ok: after === true, expected: 'headers_were_sent == true after write_header', actual: String(after) },
        { ok: v === null, expected: 'never true then false', actual: v ?? '' },
        { ok: b === undefined || b.entries.every((e) => e.stats?.headers_were_sent !== true), expected: 'stays false when write_header timed out unsent', actual: b?.entries.map((e) => String(e.stats?.headers_were_sent)).join(',') ?? '' },
      ], { before, after, timed_out_header_judged: pl !== null });
      return verdict.status === 'pass' && pl === null
        ? pass(verdict.evidence, `the timed-out write_header was not staged: ${lacking('persistent-connections', persistent)}`)
        : verdict;
    },
  },
  {
    id: 'STS-03', group: 'STS', level: 'MUST', interpretations: ['I-3'], features: ['send_stats', 'wait'],
    text: 'At the end of a completed response `sent == current ==` body bytes the client received.',
    method: 'After the last wait(0) of the partial-write run (client reading), the stats are compared with the body bytes the client counted.',
    async run(ctx) {
      const r = await ctx.scenario('partial-writes', partialWrites);
      const s = statsOf(entry(r.journals[0]!, PARTIAL.end));
      const got = r.responses[0]?.bodyBytes ?? 0;
      return firstFailure([
        { ok: s.sent === s.current, expected: 'sent == current', actual: fmt(s) },
        { ok: s.sent === got, expected: `sent == body bytes received (${got})`, actual: fmt(s) },
      ], { current: s.current, sent: s.sent, client_received: got });
    },
  },
  {
    id: 'STS-04', group: 'STS', level: 'MUST', interpretations: ['I-3'], features: ['send_stats', 'wait', 'send_result'],
    text: "The example sequence in seed 001 reproduces (after `write_header`: 0/0/true; after `'abc'` to a reading client: current 3, sent 3; `'12345'` to a stalled client: current 8, sent 3; after the client reads: 8/8).",
    method: "As the seed's example, with one addition: a stalled client absorbs megabytes before the server's sends stop, so a fill write (F bytes sent) makes the path full before '12345'; the expected values after it are offset by F.",
    exclusive: true,
    async run(ctx) {
      const r = await ctx.scenario('stats-example', statsExample);
      const j = r.journals[0]!;
      const F = bodyBytesSentOf(writeEntry(j, STATS_EXAMPLE.fill));
      const s1 = statsOf(entry(j, STATS_EXAMPLE.afterHeader));
      const s2 = statsOf(entry(j, STATS_EXAMPLE.afterAbc));
      const s3 = statsOf(entry(j, STATS_EXAMPLE.after12345));
      const s4 = statsOf(entry(j, STATS_EXAMPLE.afterRead));
      const evidence = { after_header: fmt(s1), after_abc: fmt(s2), fill_sent: F, after_12345: fmt(s3), after_read: fmt(s4) };
      return firstFailure([
        { ok: s1.current === 0 && s1.sent === 0 && s1.headers_were_sent, expected: 'after write_header: current 0, sent 0, headers_were_sent true', actual: fmt(s1) },
        { ok: s2.current === 3 && s2.sent === 3, expected: "after 'abc' to a reading client: current 3, sent 3", actual: fmt(s2) },
        { ok: s3.current === 8 + F && s3.sent === 3 + F, expected: `after '12345' to the stalled client: current 8+F = ${8 + F}, sent 3+F = ${3 + F}`, actual: fmt(s3) },
        { ok: s4.current === 8 + F && s4.sent === 8 + F, expected: `after the client reads: ${8 + F}/${8 + F}`, actual: fmt(s4) },
      ], evidence);
    },
  },
];
