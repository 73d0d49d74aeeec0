// Unit tests of the capacity building blocks: the SLO grammar, step and rate parsing, histogram
// merging (in process and across an encode/decode, as between worker processes), knee detection,
// vegeta result lines, the ticker reader's staleness arithmetic and the capacity analysis.
//
// @test quick
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { decodeHistogram, encodeHistogram, mergeHistograms, newHistogram, recordUs, summarise } from '../../harness/capacity/histogram.ts';
import { findKnee } from '../../harness/capacity/knee.ts';
import { analyse, gaveOut } from '../../harness/capacity/result.ts';
import { judgeSlo, parseSlo } from '../../harness/capacity/slo.ts';
import { parseRate, parseSteps } from '../../harness/capacity/steps.ts';
import { TickerReader, type StalenessCounters } from '../../harness/capacity/ticker-reader.ts';
import { parseResultLine } from '../../harness/load/vegeta.ts';
import { step } from './fixtures.ts';

test('SLO grammar: clauses, units, operators', () => {
  const r = parseSlo('p99<200ms, errors<0.1%,max<=1.5s,p99.9<1s');
  assert.ok(r.ok);
  if (!r.ok) return;
  assert.equal(r.slo.map((c) => c.metric), ['p99', 'errors', 'max', 'p99.9']);
  assert.equal(r.slo[0], { metric: 'p99', op: '<', boundMs: 200, text: 'p99<200ms' });
  assert.equal(r.slo[1], { metric: 'errors', op: '<', boundPct: 0.1, text: 'errors<0.1%' });
  assert.equal(r.slo[2], { metric: 'max', op: '<=', boundMs: 1500, text: 'max<=1.5s' });
});

test('SLO grammar: every malformed SLO is one line naming the problem', () => {
  for (const [bad, says] of [
    ['', 'expected clauses'], ['p99', 'cannot read'], ['p99<200', 'needs a unit'], ['p42<1ms', 'unknown metric'],
    ['errors<1ms', 'percentage'], ['errors<150%', 'at most 100'], ['p99>200ms', 'cannot read'], ['p99<200ms,', 'expected clauses'], ['p99<0ms', 'above 0'],
  ] as const) {
    const r = parseSlo(bad);
    assert.not.ok(r.ok, bad);
    if (!r.ok) {
      assert.ok(r.error.includes(says), `${bad}: ${r.error}`);
      assert.not.ok(r.error.includes('\n'));
    }
  }
});

test('SLO judgement: strict and inclusive bounds, nothing measured fails', () => {
  const r = parseSlo('p99<100ms,max<=200ms,errors<1%');
  assert.ok(r.ok);
  if (!r.ok) return;
  const lat = { p50: 10, p90: 20, p95: 50, p99: 100, 'p99.9': 150, max: 200 };
  const out = judgeSlo(r.slo, { latencyMs: lat, errorPct: 0.5, requests: 100 });
  assert.equal(out.map((c) => c.ok), [false, true, true]);
  const none = judgeSlo(r.slo, { latencyMs: { p50: null, p90: null, p95: null, p99: null, 'p99.9': null, max: null }, errorPct: 0, requests: 0 });
  assert.equal(none.map((c) => c.ok), [false, false, false]);
});

test('steps: ranges, lists, bounds', () => {
  assert.equal(parseSteps('0..2000:250'), { ok: true, steps: [0, 250, 500, 750, 1000, 1250, 1500, 1750, 2000] });
  assert.equal(parseSteps('0..10:4'), { ok: true, steps: [0, 4, 8, 10] });
  assert.equal(parseSteps(' 0 , 50,100 '), { ok: true, steps: [0, 50, 100] });
  assert.equal(parseSteps('5..5'), { ok: true, steps: [5] });
  for (const bad of ['', '10..0:5', '0..10:0', 'a..b', '0..100000:1', '100,50', '0..200000:100000', '-5..5:1']) {
    const r = parseSteps(bad);
    assert.not.ok(r.ok, bad);
    if (!r.ok) assert.ok(r.error.startsWith('--slow'), r.error);
  }
});

test('rates', () => {
  assert.equal(parseRate('500/s'), { ok: true, perSecond: 500 });
  assert.equal(parseRate('500'), { ok: true, perSecond: 500 });
  assert.equal(parseRate('600/m'), { ok: true, perSecond: 10 });
  for (const bad of ['', '0/s', 'fast', '-3/s', '10/h', '2000000/s']) assert.not.ok(parseRate(bad).ok, bad);
});

test('histograms: merging two halves equals recording the whole, also across encode/decode', () => {
  const whole = newHistogram();
  const a = newHistogram();
  const b = newHistogram();
  for (let i = 1; i <= 10_000; i++) {
    const us = (i * 7919) % 250_000 + 100;
    recordUs(whole, us);
    recordUs(i % 2 ? a : b, us);
  }
  const merged = mergeHistograms([a, b]);
  const viaWire = mergeHistograms([decodeHistogram(encodeHistogram(a)), decodeHistogram(encodeHistogram(b))]);
  for (const h of [merged, viaWire]) {
    const { max, ...rest } = summarise(h);
    const { max: wholeMax, ...wholeRest } = summarise(whole);
    assert.equal(rest, wholeRest);
    // A merged maximum is its bucket's highest equivalent value: within the 3-digit resolution.
    assert.ok(Math.abs(max! - wholeMax!) <= wholeMax! * 1e-3, `${max} vs ${wholeMax}`);
  }
  const s = summarise(whole);
  assert.equal(s.count, 10_000);
  // 3 significant digits: p50 of a uniform 0.1..250 ms spread is about 125 ms.
  assert.ok(Math.abs(s.p50! - 125) < 2, String(s.p50));
  assert.equal(summarise(newHistogram()).p99, null);
});

test('knee: a hockey stick has one, a straight or flat line has none', () => {
  const pts = (ys: number[]) => ys.map((value, i) => ({ n: i * 100, value }));
  // Kneedle picks the point furthest below the diagonal: 40 ms is still low next to 400 ms.
  assert.is(findKnee(pts([5, 5, 6, 6, 7, 40, 400])), 500);
  assert.is(findKnee(pts([2, 2, 2, 3, 250])), 300);
  assert.is(findKnee(pts([10, 20, 30, 40, 50])), null);
  assert.is(findKnee(pts([3, 3, 3, 3])), null);
  assert.is(findKnee(pts([100, 50, 20])), null);
  assert.is(findKnee(pts([1, 2])), null);
});

test('vegeta result lines: nanosecond timestamps, errors, junk', () => {
  const r = parseResultLine('{"attack":"","seq":3,"code":200,"timestamp":"2026-11-29T13:26:36.274015374Z","latency":647775,"bytes_out":0,"bytes_in":12,"error":"","body":null}');
  assert.ok(r);
  assert.is(r!.code, 200);
  assert.is(r!.latencyUs, 647.775);
  assert.ok(Math.abs(r!.t - (Date.parse('2026-11-29T13:26:36.274Z') + 0.015374)) < 1e-6);
  const e = parseResultLine('{"code":0,"timestamp":"2026-11-29T13:26:36Z","latency":1000,"error":"connection refused"}');
  assert.is(e!.error, 'connection refused');
  assert.is(parseResultLine('not json'), null);
  assert.is(parseResultLine('{"code":200}'), null);
});

test('ticker reader: ages, lag, drops from gaps, torn updates, age of information', () => {
  let now = 1_000_000;
  const c: StalenessCounters = { ages: newHistogram(), lags: newHistogram(), received: 0, dropped: 0, aoiArea: 0, aoiTime: 0 };
  const r = new TickerReader(() => c, 100, () => now);
  const upd = (seq: number, t: number) => `U ${seq} ${t} ${'.'.repeat(20)}\n`;
  now = 1_000_050;
  r.push(Buffer.from(upd(0, 1_000_000))); // age 50
  now = 1_000_150;
  // update 1 torn (its write timed out after 9 bytes), update 2 whole, in pieces
  const two = upd(2, 1_000_100);
  r.push(Buffer.from(`U 1 1000${two.slice(0, 5)}`));
  r.push(Buffer.from(two.slice(5)));
  now = 1_000_600;
  r.push(Buffer.from(upd(3, 1_000_300))); // age 300: lag 3
  assert.is(c.received, 3);
  assert.is(c.dropped, 1);
  assert.is(c.ages.maxValue >= 299_000 && c.ages.maxValue <= 301_000, true);
  assert.is(c.lags.maxValue, 3);
  // Age of information: from 1_000_050 to 1_000_150 it rose from 50 to 150 (area 10,000), then
  // from 1_000_150 (age 50) to 1_000_600 (age 500): area 450 * (50 + 225) = 123,750.
  assert.is(c.aoiTime, 550);
  assert.is(c.aoiArea, 10_000 + 123_750);
});

test('analysis: capacity below the first confirmed break; what gave out; null when N=0 breaks', () => {
  const ctx = { slo: 'p99<100ms', fastRate: 200, fastPath: '/hello', memTotalBytes: 8e9 };
  const steps = [step(0, 5), step(100, 8), step(200, 300, { attempt: 1 }), step(200, 40, { attempt: 2 }), step(300, 250, { attempt: 1 }), step(300, 260, { attempt: 2, cpu: 97 })];
  const f = analyse('3g', steps, ctx);
  assert.is(f.max_slow_clients, 200);
  assert.is(f.breaking_n, 300);
  assert.is(f.gave_out_first?.what, 'cpu');
  assert.ok(f.sentence.includes('at most 200'), f.sentence);
  const none = analyse('3g', [step(0, 150), step(0, 160, { attempt: 2 })], ctx);
  assert.is(none.max_slow_clients, null);
  assert.ok(none.sentence.includes('without slow clients'), none.sentence);
  const all = analyse('3g', [step(0, 5), step(100, 6)], ctx);
  assert.is(all.max_slow_clients, 100);
  assert.ok(all.all_within);
  const errs = gaveOut(step(50, null, { errorPct: 100 }), 8e9);
  assert.is(errs.what, 'errors');
  const fds = gaveOut(step(50, 500, { fds: 19_500 }), 8e9);
  assert.is(fds.what, 'fds');
});

test.run();
