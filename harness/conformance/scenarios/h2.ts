// HTTP/2 scenarios (transports h2 and h2c): small and odd windows (H2-01), a stream stalled at its
// initial window (H2-02), a stalled stream beside a reading sibling (H2-03), one stream of three
// cancelled with RST_STREAM (CXL-06). The client simulator keeps flow control in its own hands:
// a stalled stream withholds WINDOW_UPDATE, so the server may send exactly the window granted.
import { createCancelling, createReading, createStalled, createThrottled, createBursty } from '../../clients/index.ts';
import type { CheckContext } from '../check.ts';
import { runProbe, type ScenarioRun } from '../probe-run.ts';
import { MiB } from '../verifiers.ts';
import { header, script } from './ops.ts';

const body = (bytes: number) => script([header(), { op: 'write', bytes, timeout: 10 }, { op: 'wait', pos: 0, timeout: 10 }, { op: 'close' }]);

/** H2-01's runs: our windows, how we grant them, and the responses (bytes per stream). */
export const H2_WINDOWS = {
  small: { initialWindow: 1000, streams: 2, bytes: 200_000 },
  bursty: { initialWindow: 10_007, grantThreshold: 7_777, connectionGrantThreshold: 20_011, streams: 2, bytes: 150_000, onMs: 30, offMs: 20 },
  connection: { initialWindow: 50_000, streams: 3, bytes: 150_000, rate: 3_000_000, chunk: 7_919 },
} as const;

/** SETTINGS_INITIAL_WINDOW_SIZE 1000, every DATA frame granted back as it is read; two streams share the 65,535 B connection window. */
export function smallWindow(ctx: CheckContext): Promise<ScenarioRun> {
  const w = H2_WINDOWS.small;
  return runProbe(ctx, {
    scenario: 'h2-window-small', behaviour: createReading(),
    h2: { settings: { initialWindowSize: w.initialWindow } },
    scripts: Array.from({ length: w.streams }, () => body(w.bytes)),
  });
}

/** Odd window and grant sizes, granted in bursts (a bursty reader, grants held back until 7,777 B are owed). */
export function burstyWindow(ctx: CheckContext): Promise<ScenarioRun> {
  const w = H2_WINDOWS.bursty;
  return runProbe(ctx, {
    scenario: 'h2-window-bursty', behaviour: createBursty({ on_ms: w.onMs, off_ms: w.offMs }),
    h2: { settings: { initialWindowSize: w.initialWindow }, grantThreshold: w.grantThreshold, connectionGrantThreshold: w.connectionGrantThreshold },
    scripts: Array.from({ length: w.streams }, () => body(w.bytes)),
  });
}

/** Three streams of 50,000 B windows (150,000 B) behind a 65,535 B connection window granted at its own (throttled) pace. */
export function connectionWindow(ctx: CheckContext): Promise<ScenarioRun> {
  const w = H2_WINDOWS.connection;
  return runProbe(ctx, {
    scenario: 'h2-window-connection', behaviour: createReading(),
    h2: { settings: { initialWindowSize: w.initialWindow }, connectionBehaviour: createThrottled({ bytes_per_second: w.rate, chunk_bytes: w.chunk }) },
    scripts: Array.from({ length: w.streams }, () => body(w.bytes)),
  });
}

/**
 * H2-02: one stream whose window the client keeps at its initial value W (stalled, nothing
 * granted; the connection window is large, so the stream's alone decides), send window 128 KiB.
 * Entries: 0 header, 1 write 1 MiB t=0.5 (must send exactly W), 2 stats, 3 and 4 write 48 KiB t=2
 * (fit the send window: nil at once), 5 write 48 KiB t=0.4 (exceeds it: times out), 6 stats; then
 * the client reads: 7 wait 0, 8 write 100,000 t=5, 9 wait 0, 10 stats, 11 close.
 */
export const STALL = {
  windows: [65_535, 1000], big: MiB, bigTimeout: 0.5, sendWindow: 131_072, piece: 49_152, fits: [3, 4], exceeds: 5, exceedsTimeout: 0.4,
  fitsTimeout: 2, big_i: 1, afterBig: 2, afterExceeds: 6, end: 10,
} as const;
export function stalledStream(ctx: CheckContext, w: number): Promise<ScenarioRun> {
  return runProbe(ctx, {
    scenario: `h2-stall-${w}`, behaviour: createStalled(),
    h2: { settings: { initialWindowSize: w }, connectionWindow: 16 * MiB },
    scripts: [script([
      header(), { op: 'write', bytes: STALL.big, timeout: STALL.bigTimeout }, { op: 'stats' },
      { op: 'write', bytes: STALL.piece, timeout: STALL.fitsTimeout }, { op: 'write', bytes: STALL.piece, timeout: STALL.fitsTimeout },
      { op: 'write', bytes: STALL.piece, timeout: STALL.exceedsTimeout }, { op: 'stats' },
      { op: 'wait', pos: 0, timeout: 10 }, { op: 'write', bytes: 100_000, timeout: 5 }, { op: 'wait', pos: 0, timeout: 10 }, { op: 'stats' }, { op: 'close' },
    ], { io: { send_window: STALL.sendWindow }, sample_stats_ms: 5 })],
    async drive(live) {
      await live.untilEntries(0, 7);
      const s = live.h2!.stream(0);
      live.marks.receivedAtStall = s.bodyBytes;
      live.marks.grantedAtStall = s.window.granted;
      live.marks.resumed = performance.timeOrigin + performance.now();
      live.conn.setBehaviour(createReading());
    },
  });
}

/**
 * H2-03: stream A stalled (its window exhausted, nothing granted), stream B reading, on one
 * connection whose window is granted as DATA arrives (so only A's stream window holds A back).
 * A: 0 header, 1 write 2 MiB t=2.5 (stalled throughout: sends exactly its window), 2 stats, 3 close.
 * B (starts 0.3 s later): 0 sleep, 1 header, 2 write 1 MiB t=3, 3 wait 0 t=3, 4 stats, 5 close.
 */
export const SIBLINGS = { aBytes: 2 * MiB, aTimeout: 2.5, bBytes: MiB, bDelay: 0.3, bWrite: 2, bWait: 3, promptMs: 1500 } as const;
export function stalledSibling(ctx: CheckContext): Promise<ScenarioRun> {
  return runProbe(ctx, {
    scenario: 'h2-stalled-sibling', behaviour: createReading(),
    h2: { connectionBehaviour: createReading() },
    send: [{ behaviour: createStalled() }, { behaviour: createReading() }],
    scripts: [
      script([header(), { op: 'write', bytes: SIBLINGS.aBytes, timeout: SIBLINGS.aTimeout }, { op: 'stats' }, { op: 'close' }]),
      script([{ op: 'sleep', seconds: SIBLINGS.bDelay }, header(), { op: 'write', bytes: SIBLINGS.bBytes, timeout: 3 },
        { op: 'wait', pos: 0, timeout: 3 }, { op: 'stats' }, { op: 'close' }]),
    ],
    async drive(live) {
      await live.untilJournal(1, (j) => j.done);
      live.marks.aReceivedWhenBDone = live.h2!.stream(0).bodyBytes;
      live.marks.aWindow = live.h2!.stream(0).window.initial;
    },
  });
}

/**
 * CXL-06: three streams on one connection (large connection window); the middle one resets its
 * stream (RST_STREAM CANCEL) after reading ~70,000 B, its siblings read to the end.
 * Siblings: 0 header, 25 x (write 16 KiB t=2, sleep 0.04), wait 0 t=5, stats, close.
 * Middle: 0 header, (write 16 KiB t=2, sleep 0.05) until a write reports cancelled, write 16 KiB t=2, stats, close.
 */
export const STREAM_CANCEL = { piece: 16_384, siblingWrites: 25, leaveAfter: 70_000, cancelled: 1 } as const;
export function streamCancel(ctx: CheckContext): Promise<ScenarioRun> {
  const sibling = script([
    header(), { op: 'repeat', times: STREAM_CANCEL.siblingWrites, ops: [{ op: 'write', bytes: STREAM_CANCEL.piece, timeout: 2 }, { op: 'sleep', seconds: 0.04 }] },
    { op: 'wait', pos: 0, timeout: 5 }, { op: 'stats' }, { op: 'close' },
  ]);
  return runProbe(ctx, {
    scenario: 'h2-stream-cancel', behaviour: createReading(),
    h2: { connectionWindow: 16 * MiB },
    send: [undefined, { behaviour: createCancelling({ mode: 'rst', after_bytes: STREAM_CANCEL.leaveAfter }) }, undefined],
    scripts: [
      sibling,
      script([
        header(), { op: 'repeat', times: 100, until: 'cancelled', ops: [{ op: 'write', bytes: STREAM_CANCEL.piece, timeout: 2 }, { op: 'sleep', seconds: 0.05 }] },
        { op: 'write', bytes: STREAM_CANCEL.piece, timeout: 2 }, { op: 'stats' }, { op: 'close' },
      ]),
      sibling,
    ],
    async drive(live) {
      await live.untilJournal(STREAM_CANCEL.cancelled, (j) => j.done);
      live.marks.closedWhenCancelled = live.conn.closed ? 1 : 0;
    },
  });
}
