// Scenarios with a reading client: defaults and helpers, a write larger than the window, a tiny
// window, and the send_stats example of seed 001.
import { createReading, createStalled } from '../../clients/index.ts';
import type { CheckContext } from '../check.ts';
import { runProbe, type ScenarioRun } from '../probe-run.ts';
import { MiB } from '../verifiers.ts';
import { fill, header, script, sleepMs } from './ops.ts';
import { transferTimeout } from '../link-allowance.ts';

/** No io settings: effective defaults, helpers on nil. Entries: 0 helpers, 1 write_header, 2 stats, 3 write, 4 wait, 5 stats, 6 close. */
export function basics(ctx: CheckContext): Promise<ScenarioRun> {
  return runProbe(ctx, {
    scenario: 'basics',
    behaviour: createReading(),
    scripts: [script([
      { op: 'helpers_on_nil' }, header(), { op: 'stats' }, { op: 'write', bytes: 1000 },
      { op: 'wait', pos: 0, timeout: 10 }, { op: 'stats' }, { op: 'close' },
    ])],
  });
}

/** WIN-03: window 64 KiB, one 4 MiB write to a reader. Entries: 0 header, 1 write, 2 wait, 3 stats, 4 close. */
export function bigWrite(ctx: CheckContext): Promise<ScenarioRun> {
  const timeout = transferTimeout(ctx.options, 10, 4 * MiB);
  return runProbe(ctx, {
    scenario: 'big-write',
    ...(ctx.options.link ? { maxSeconds: 2 * timeout + 10 } : {}),
    behaviour: createReading(),
    scripts: [script([header(), { op: 'write', bytes: 4 * MiB, timeout }, { op: 'wait', pos: 0, timeout }, { op: 'stats' }, { op: 'close' }],
      { io: { send_window: 65536 } })],
  });
}

/** WIN-05: window 1 KiB, 1 MiB to a reader. Entries: 0 header, 1 write, 2 wait, 3 stats, 4 close. */
export function tinyWindow(ctx: CheckContext): Promise<ScenarioRun> {
  const timeout = transferTimeout(ctx.options, 10, MiB);
  return runProbe(ctx, {
    scenario: 'tiny-window',
    ...(ctx.options.link ? { maxSeconds: 2 * timeout + 10 } : {}),
    behaviour: createReading(),
    scripts: [script([header(), { op: 'write', bytes: MiB, timeout }, { op: 'wait', pos: 0, timeout }, { op: 'stats' }, { op: 'close' }],
      { io: { send_window: 1024 } })],
  });
}

/**
 * STS-04, seed 001's example: after write_header 0/0/true; 'abc' to a reading client 3/3; then
 * the client stalls; a fill makes the path full (F bytes sent); '12345' gives current 8+F, sent
 * 3+F; once the client reads again 8+F/8+F.
 * Entries: 0 stats, 1 header, 2 stats, 3 write 3, 4 wait, 5 stats, 6 sleep, 7 fill, 8 write 5,
 * 9 stats, 10 wait, 11 stats, 12 close.
 */
export const STATS_EXAMPLE = { afterHeader: 2, afterAbc: 5, fill: 7, after12345: 9, afterRead: 11 } as const;
export function statsExample(ctx: CheckContext): Promise<ScenarioRun> {
  return runProbe(ctx, {
    scenario: 'stats-example',
    behaviour: createReading(),
    scripts: [script([
      { op: 'stats' }, header(), { op: 'stats' }, { op: 'write', bytes: 3 }, { op: 'wait', pos: 0, timeout: 10 },
      { op: 'stats' }, { op: 'sleep', seconds: 0.3 }, fill(ctx), { op: 'write', bytes: 5 }, { op: 'stats' },
      { op: 'wait', pos: 0, timeout: 10 }, { op: 'stats' }, { op: 'close' },
    ], { sample_stats_ms: 5 })],
    async drive(live) {
      // Stall as soon as 'abc' has arrived (the server sleeps 300 ms before filling).
      const deadline = performance.now() + 20_000;
      while ((live.conn.responses[0]?.bodyBytes ?? 0) < 3 && performance.now() < deadline && !live.conn.closed) await sleepMs(2);
      live.conn.setBehaviour(createStalled());
      await live.untilEntries(0, 10);
      live.marks.resumed = performance.timeOrigin + performance.now();
      live.conn.setBehaviour(createReading());
    },
  });
}
