// wait() against a client that stalls, then reads again after a known pause.
import { createReading, createStalled } from '../../clients/index.ts';
import type { CheckContext } from '../check.ts';
import { runProbe, type ScenarioRun } from '../probe-run.ts';
import { fill, header, script, sleepMs } from './ops.ts';

/** How long the client keeps stalling after the handler reached its wait(). */
export const WAIT_PAUSE_MS = 400;

/**
 * Stalled client, path filled, 200,000 B accepted but not sent, then a wait() that only the
 * client's reading can satisfy; the client reads again WAIT_PAUSE_MS after the write returned.
 * Entries: 0 header, 1 fill, 2 write 200,000, 3 wait (the one judged), 4 stats, 5 wait 0, 6 stats, 7 close.
 */
export const WAIT = { write: 2, wait: 3, after: 4, drain: 5, end: 6, pending: 200_000 } as const;
function waitScenario(ctx: CheckContext, name: string, waitOp: { pos: number; relative_to?: 'current' }): Promise<ScenarioRun> {
  return runProbe(ctx, {
    scenario: name,
    behaviour: createStalled(),
    scripts: [script([
      header(), fill(ctx), { op: 'write', bytes: WAIT.pending, timeout: 5 },
      { op: 'wait', ...waitOp, timeout: 8 }, { op: 'stats' }, { op: 'wait', pos: 0, timeout: 8 }, { op: 'stats' }, { op: 'close' },
    ], { sample_stats_ms: 5 })],
    async drive(live) {
      await live.untilEntries(0, 3);
      await sleepMs(WAIT_PAUSE_MS);
      live.marks.resumed = performance.timeOrigin + performance.now();
      live.conn.setBehaviour(createReading());
    },
  });
}

/** WAI-01: wait(current - 100,000): returns once all but the last 100,000 B are sent. */
export const waitPositive = (ctx: CheckContext) => waitScenario(ctx, 'wait-pos', { pos: -100_000, relative_to: 'current' });
/** WAI-02: wait(-150,000): returns once at most 150,000 B are in flight. */
export const WAIT_NEG_POS = -150_000;
export const waitNegative = (ctx: CheckContext) => waitScenario(ctx, 'wait-neg', { pos: WAIT_NEG_POS });
