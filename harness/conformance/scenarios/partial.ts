// Partial writes against a client that stalls, then reads again: the wire must carry exactly the
// sent prefixes (PWR), stats must follow (STS), later writes must work (TMO-04).
import { createReading, createStalled } from '../../clients/index.ts';
import type { CheckContext } from '../check.ts';
import { runProbe, type ScenarioRun } from '../probe-run.ts';
import { fill, header, script } from './ops.ts';

/**
 * Window 64 KiB, stalled client. Entries: 0 header, 1 fill (partial), 2 write 100,000 t=0.3
 * (blocks: partial), 3 write 30,000 (nil: fits the window), 4 write 50,000 t=0.3 (blocks: partial,
 * part of it was accepted into the window and must be withdrawn), then the client reads: 5 wait 0,
 * 6 write 200,000 t=5, 7 write 300,000 t=5, 8 wait 0, 9 stats, 10 close.
 */
export const PARTIAL = { fill: 1, firstLater: 5, end: 9, window: 65536 } as const;
export function partialWrites(ctx: CheckContext): Promise<ScenarioRun> {
  return runProbe(ctx, {
    scenario: 'partial-writes',
    behaviour: createStalled(),
    scripts: [script([
      header(), fill(ctx), { op: 'write', bytes: 100_000, timeout: 0.3 }, { op: 'write', bytes: 30_000, timeout: 5 },
      { op: 'write', bytes: 50_000, timeout: 0.3 },
      { op: 'wait', pos: 0, timeout: 8 }, { op: 'write', bytes: 200_000, timeout: 5 }, { op: 'write', bytes: 300_000, timeout: 5 },
      { op: 'wait', pos: 0, timeout: 8 }, { op: 'stats' }, { op: 'close' },
    ], { io: { send_window: PARTIAL.window }, sample_stats_ms: 5 })],
    async drive(live) {
      await live.untilEntries(0, 5);
      live.marks.resumed = performance.timeOrigin + performance.now();
      live.conn.setBehaviour(createReading());
    },
  });
}

/**
 * PWR-02 with a declared Content-Length that a partial write breaks: the response must end by
 * closing the connection. A second request is pipelined behind it: its response must not be read
 * as the rest of the first body. Script 0: 0 header (content-length), 1 fill (partial), 2 close.
 * Script 1 (may never run): 0 header, 1 write 1000, 2 close.
 */
export function contentLength(ctx: CheckContext): Promise<ScenarioRun> {
  const declared = ctx.options.fillBytes + 1024 * 1024;
  return runProbe(ctx, {
    scenario: 'content-length',
    behaviour: createStalled(),
    scripts: [
      script([header(200, { headers: { 'content-length': String(declared) } }), fill(ctx), { op: 'close' }]),
      script([header(), { op: 'write', bytes: 1000 }, { op: 'close' }]),
    ],
    optional: [1],
    async drive(live) {
      await live.untilEntries(0, 3);
      live.marks.resumed = performance.timeOrigin + performance.now();
      live.conn.setBehaviour(createReading());
    },
  });
}
