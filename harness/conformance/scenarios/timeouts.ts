// Timeouts against a stalled client: the fallback chain (positional, io.send_timeout, default),
// wait() running into its timeout, and write_header timing out behind a pipelined response.
import { createReading, createStalled } from '../../clients/index.ts';
import { MAX_WINDOW } from '../../clients/h2/constants.ts';
import type { CheckContext } from '../check.ts';
import { runProbe, type ScenarioRun } from '../probe-run.ts';
import { MiB } from '../verifiers.ts';
import { fill, header, script } from './ops.ts';

/**
 * io.send_timeout 0.8, stalled client. Entries: 0 header, 1 fill t=1.0 (TMO-01), 2 write 2 MiB
 * without a timeout (io.send_timeout: TMO-02), 3 write 2 MiB t=0.3 (positional: CFG-04), 4 write
 * 2 MiB without a timeout (io.send_timeout again: CFG-04), 5 write 200,000 t=2 (nil: fits the
 * window), 6 wait 0 t=0.8 (never holds: WAI-03), 7 stats, 8 close.
 */
export const TIMEOUTS = { ioTimeout: 0.8, fill: 1, fillTimeout: 1.0, ioWrite: 2, positional: 3, positionalTimeout: 0.3, ioAgain: 4, wait: 6, waitTimeout: 0.8 } as const;
export function timeouts(ctx: CheckContext): Promise<ScenarioRun> {
  return runProbe(ctx, {
    scenario: 'timeouts',
    behaviour: createStalled(),
    scripts: [script([
      header(), fill(ctx, TIMEOUTS.fillTimeout), { op: 'write', bytes: 2 * MiB },
      { op: 'write', bytes: 2 * MiB, timeout: TIMEOUTS.positionalTimeout }, { op: 'write', bytes: 2 * MiB },
      { op: 'write', bytes: 200_000, timeout: 2 }, { op: 'wait', pos: 0, timeout: TIMEOUTS.waitTimeout },
      { op: 'stats' }, { op: 'close' },
    ], { io: { send_timeout: TIMEOUTS.ioTimeout } })],
  });
}

/**
 * Two requests on one connection whose path the first fills; B's write_header(203, t=0.5) must
 * time out unsent. Then the client reads everything that comes.
 *
 * HTTP/1.1: pipelined on one keep-alive connection; the client reads nothing until both handlers
 * are done. A fills the path and holds it (fill t=1.5); B's head waits its turn behind A.
 * A: 0 stats, 1 header 200, 2 stats, 3 fill, 4 stats, 5 close. B: 0 stats, 1 header 203 t=0.5, 2 stats, 3 close.
 *
 * HTTP/2 ("another stream filling TCP"): two streams, our stream and connection windows as large
 * as the protocol allows, and the client stops reading the socket itself, so A's DATA fills TCP
 * (fill t=2). B starts 0.5 s later, when the path is full, and its HEADERS cannot be committed.
 * A: as on HTTP/1.1. B: 0 sleep 0.5, 1 header 203 t=0.5, 2 stats, 3 close.
 */
export const PIPELINED = { aHeader: 1, bHeader: 1, bStatus: 203, bTimeout: 0.5, h2Delay: 0.5, h2Fill: 2 } as const;
export function pipelined(ctx: CheckContext): Promise<ScenarioRun> {
  return ctx.transport.http === '2' ? sharedConnection(ctx) : pipelinedH1(ctx);
}

function pipelinedH1(ctx: CheckContext): Promise<ScenarioRun> {
  return runProbe(ctx, {
    scenario: 'pipelined',
    behaviour: createStalled(),
    scripts: [
      script([{ op: 'stats' }, header(), { op: 'stats' }, fill(ctx, 1.5), { op: 'stats' }, { op: 'close' }]),
      script([{ op: 'stats' }, header(PIPELINED.bStatus, { timeout: PIPELINED.bTimeout }), { op: 'stats' }, { op: 'close' }]),
    ],
    async drive(live) {
      await live.untilJournal(0, (j) => j.done);
      await live.untilJournal(1, (j) => j.done);
      live.marks.resumed = performance.timeOrigin + performance.now();
      live.conn.setBehaviour(createReading());
    },
  });
}

function sharedConnection(ctx: CheckContext): Promise<ScenarioRun> {
  return runProbe(ctx, {
    scenario: 'pipelined',
    behaviour: createReading(),
    h2: { settings: { initialWindowSize: MAX_WINDOW }, connectionWindow: MAX_WINDOW },
    scripts: [
      script([{ op: 'stats' }, header(), { op: 'stats' }, fill(ctx, PIPELINED.h2Fill), { op: 'stats' }, { op: 'close' }]),
      script([{ op: 'sleep', seconds: PIPELINED.h2Delay }, header(PIPELINED.bStatus, { timeout: PIPELINED.bTimeout }), { op: 'stats' }, { op: 'close' }]),
    ],
    async drive(live) {
      live.h2!.pauseSocket();
      live.marks.socketPaused = performance.timeOrigin + performance.now();
      await live.untilJournal(0, (j) => j.done);
      await live.untilJournal(1, (j) => j.done);
      live.marks.resumed = performance.timeOrigin + performance.now();
      live.h2!.resumeSocket();
    },
  });
}

/** CFG-02 in time (--slow): no timeout anywhere, so the default applies. Entries: 0 header, 1 fill, 2 close. */
export function defaultTimeout(ctx: CheckContext): Promise<ScenarioRun> {
  const fillOp = { ...fill(ctx) } as { op: 'write'; bytes: number; timeout?: number };
  delete fillOp.timeout;
  return runProbe(ctx, {
    scenario: 'default-timeout',
    behaviour: createStalled(),
    maxSeconds: 60,
    scripts: [script([header(), fillOp, { op: 'close' }])],
  });
}
