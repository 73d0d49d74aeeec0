// WIN: the send window.
import type { Check } from '../check.ts';
import { rateFloor } from '../link-allowance.ts';
import { bigWrite, tinyWindow } from '../scenarios/basics.ts';
import { WINDOW, windowScenario } from '../scenarios/window.ts';
import { firstFailure, lateBy } from '../verdict.ts';
import {
  describeWrite, elapsedMs, fmtBytes, fmtMs, fmtWindow, inFlight, isNil, matchWire, MiB, statsOf, waitEntry, writeEntry,
} from '../verifiers.ts';

/** WIN-01's "small bound (tens of ms)", widened for a noisy machine; a blocking write takes 2 s. */
const NONBLOCKING_MS = 200;
/** WIN-05: a 1 KiB window must still move at least this many bytes per second to a fast reader. */
const MIN_TINY_WINDOW_RATE = 256 * 1024;

export const winChecks: Check[] = [
  {
    id: 'WIN-01', group: 'WIN', level: 'MUST', interpretations: ['I-5'], features: ['send_window'],
    text: 'Below the window, `write()` does not block: while `in flight + len(body) <= send_window`, it returns `nil` within a small bound (tens of ms) even though the client reads nothing.',
    method: `Window 128 KiB; the client reads nothing and the path is filled first, so nothing more can pass. Two writes of 48 KiB (96 KiB in flight) must each return nil within ${NONBLOCKING_MS} ms (their timeout is 2 s).`,
    async run(ctx) {
      const r = await ctx.scenario('window', windowScenario);
      const j = r.journals[0]!;
      const fits = WINDOW.fits.map((i) => writeEntry(j, i));
      const evidence = Object.fromEntries(fits.map((w, n) => [`write_${n + 1}`, `${describeWrite(w)} after ${fmtMs(elapsedMs(w))}`]));
      return firstFailure(fits.map((w, n) => ({
        timing: lateBy(elapsedMs(w), NONBLOCKING_MS), ok: isNil(w) && elapsedMs(w) <= NONBLOCKING_MS,
        expected: `write ${n + 1} (${fmtBytes(w.bytes)}, ${fmtBytes(WINDOW.piece * n)} already in flight, window ${fmtBytes(WINDOW.window)}) returns nil within ${NONBLOCKING_MS} ms`,
        actual: `${describeWrite(w)} after ${fmtMs(elapsedMs(w))}`,
      })), evidence);
    },
  },
  {
    id: 'WIN-02', group: 'WIN', level: 'MUST', interpretations: ['I-3', 'I-5'], features: ['send_window', 'send_stats'],
    text: 'When `write()` returns `nil`, `current - sent <= send_window` at that moment.',
    method: 'Against a stalled client with a full path and a 128 KiB window, every write that returned nil is followed by get_send_stats(): in flight must not exceed the window.',
    async run(ctx) {
      const r = await ctx.scenario('window', windowScenario);
      const j = r.journals[0]!;
      const nils = j.entries.filter((e) => e.op === 'write' && e.result === null);
      const worst = Math.max(0, ...nils.map((e) => inFlight(statsOf(e))));
      return firstFailure(nils.map((e) => ({
        ok: inFlight(statsOf(e)) <= (j.effective.send_window ?? Infinity),
        expected: `in flight <= send_window (${fmtWindow(j.effective.send_window)}) when write() returns nil`,
        actual: `entry ${e.i}: current ${statsOf(e).current} - sent ${statsOf(e).sent} = ${fmtBytes(inFlight(statsOf(e)))}`,
      })), { nil_writes: nils.length, largest_in_flight: worst, window: j.effective.send_window });
    },
  },
  {
    id: 'WIN-03', group: 'WIN', level: 'MUST', interpretations: ['I-5'], features: ['send_window'],
    text: 'A write larger than the whole window still completes against a client that keeps reading (no deadlock), and the bytes arrive intact.',
    method: 'Window 64 KiB, one 4 MiB write to a reading client: it returns nil and the client receives the 4 MiB byte-exact. Behind a shaped link (--network) its 20 s timeout grows by twice the 4 MiB\'s time at the link\'s download rate plus ten RTTs.',
    async run(ctx) {
      const r = await ctx.scenario('big-write', bigWrite);
      const j = r.journals[0]!;
      const w = writeEntry(j, 1);
      const m = matchWire(j, r.bodies[0] ?? Buffer.alloc(0));
      return firstFailure([
        { ok: isNil(w), expected: `write(${fmtBytes(4 * MiB)}) with a ${fmtWindow(j.effective.send_window)} window returns nil`, actual: `${describeWrite(w)} after ${fmtMs(elapsedMs(w))}` },
        { ok: m.ok, expected: 'the client receives every byte, in order', actual: m.problem ?? '' },
      ], { write: describeWrite(w), took: fmtMs(elapsedMs(w)), received: m.receivedBytes });
    },
  },
  {
    id: 'WIN-04', group: 'WIN', level: 'MUST', interpretations: [], features: ['send_window'],
    text: 'The per-request `io.send_window` is enforced (a small window blocks sooner than the default).',
    method: 'io.send_window = 128 KiB, full path, 96 KiB already in flight: a third write of 48 KiB exceeds the window (but not the 1 MiB default) and must block until its 0.4 s timeout.',
    async run(ctx) {
      const r = await ctx.scenario('window', windowScenario);
      const j = r.journals[0]!;
      const w = writeEntry(j, WINDOW.exceeds);
      return firstFailure([
        { ok: !isNil(w) && elapsedMs(w) >= WINDOW.exceedsTimeout * 1000 - 0.5, expected: `write of ${fmtBytes(w.bytes)} with ${fmtBytes(2 * WINDOW.piece)} in flight and a ${fmtBytes(WINDOW.window)} window blocks and times out after ${WINDOW.exceedsTimeout} s`, actual: `${describeWrite(w)} after ${fmtMs(elapsedMs(w))}` },
      ], { write: describeWrite(w), took: fmtMs(elapsedMs(w)), window: j.effective.send_window });
    },
  },
  {
    id: 'WIN-05', group: 'WIN', level: 'MUST', interpretations: [], features: ['send_window'],
    text: "The window is independent of TCP's: with a fast reader and a tiny window (e.g. 1 KiB), throughput is still sustained and nothing is lost.",
    method: `Window 1 KiB, 1 MiB written to a reading client: the write and the following wait(0) complete, at ${fmtBytes(MIN_TINY_WINDOW_RATE)}/s or more, and every byte arrives. Behind a shaped link (--network) the floor is 40% of the link's download rate when that is lower, and the timeouts grow with the transfer's time at that rate and with the RTT.`,
    async run(ctx) {
      const floor = rateFloor(ctx.options, MIN_TINY_WINDOW_RATE);
      const r = await ctx.scenario('tiny-window', tinyWindow);
      const j = r.journals[0]!;
      const w = writeEntry(j, 1);
      const wait = waitEntry(j, 2);
      const ms = wait.t1 - w.t0;
      const rate = (w.bytes / ms) * 1000;
      const m = matchWire(j, r.bodies[0] ?? Buffer.alloc(0));
      const evidence = { bytes: w.bytes, took: fmtMs(ms), rate_bytes_per_s: Math.round(rate), window: j.effective.send_window };
      return firstFailure([
        { ok: isNil(w) && isNil(wait), expected: 'write and wait(0) complete (nil)', actual: `write ${describeWrite(w)}, wait ${wait.result === null ? 'nil' : JSON.stringify(wait.result)}` },
        { timing: lateBy(ms, (w.bytes / floor) * 1000), ok: rate >= floor, expected: `at least ${fmtBytes(floor)}/s through a ${fmtWindow(j.effective.send_window)} window`, actual: `${fmtBytes(Math.round(rate))}/s` },
        { ok: m.ok, expected: 'every byte arrives, in order', actual: m.problem ?? '' },
      ], evidence);
    },
  },
];
