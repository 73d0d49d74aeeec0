// Cancellation: the client goes away (FIN or RST) while the handler writes, or while a write or
// a wait() is blocked; and a client that only half-closes.
import { createCancelling, createReading, createStalled } from '../../clients/index.ts';
import type { Journal } from '../../../protocol/index.ts';
import type { CheckContext } from '../check.ts';
import { runProbe, type ScenarioRun } from '../probe-run.ts';
import { fill, header, script, sleepMs } from './ops.ts';

/** Writes of CANCEL.piece every CANCEL.gapS s; the client leaves after ~CANCEL.leaveAfter bytes. */
export const CANCEL = { piece: 16384, gapS: 0.05, leaveAfter: 70_000, maxWrites: 100, afterCallTimeout: 2, h2Window: 4 * 1024 * 1024, decided: 6 } as const;

/**
 * Reading client that closes (FIN after draining what arrived) or resets after ~70 KB.
 * Entries: header, then (write 16 KiB t=2, sleep 0.05) until a write reports cancelled, then
 * write 16 KiB t=2, write_header 200 t=2, wait 0 t=2, stats, close: the calls made after the
 * cancellation (CXL-05).
 */
function leaving(ctx: CheckContext, mode: 'fin' | 'rst'): Promise<ScenarioRun> {
  const t = CANCEL.afterCallTimeout;
  return runProbe(ctx, {
    scenario: `cancel-${mode}`,
    behaviour: createCancelling({ mode, after_bytes: CANCEL.leaveAfter }),
    // HTTP/2: windows as roomy as loopback's TCP buffers, so what the handler wrote before the
    // client left reaches it whatever the grants' pace (the count below rests on what arrived).
    h2: { settings: { initialWindowSize: CANCEL.h2Window }, connectionWindow: CANCEL.h2Window },
    scripts: [script([
      header(),
      { op: 'repeat', times: CANCEL.maxWrites, until: 'cancelled', ops: [
        { op: 'write', bytes: CANCEL.piece, timeout: t }, { op: 'sleep', seconds: CANCEL.gapS },
      ] },
      { op: 'write', bytes: CANCEL.piece, timeout: t }, header(200, { timeout: t }), { op: 'wait', pos: 0, timeout: t },
      { op: 'stats' }, { op: 'close' },
    ])],
    // Once the client has gone, a server that never reports it would keep writing for minutes
    // (100 writes, each timing out): CANCEL.decided writes after the client left without a report
    // already decide CXL-01/02, so the harness stops waiting there (the run is then unfinished).
    async drive(live) {
      const deadline = performance.now() + 20_000;
      while (!live.conn.closed && performance.now() < deadline) await sleepMs(20);
      live.marks.writesAtLeave = writesOf(await live.untilEntries(0, 0));
    },
    enough: (j, _n, marks) => marks.writesAtLeave !== undefined && !j.entries.some((e) => e.op === 'write' && e.result !== null && 'cancelled' in e.result && e.result.cancelled === true)
      && writesOf(j) >= marks.writesAtLeave + CANCEL.decided,
  });
}

const writesOf = (j: Journal) => j.entries.filter((e) => e.op === 'write').length;
export const cancelFin = (ctx: CheckContext) => leaving(ctx, 'fin');
export const cancelRst = (ctx: CheckContext) => leaving(ctx, 'rst');

export const BLOCKED = { timeout: 6, holdMs: 500 } as const;

/** CXL-03: a write blocked on a full path; the client resets 500 ms later. Entries: 0 header, 1 fill t=6, 2 stats, 3 close. */
export function cancelBlockedWrite(ctx: CheckContext, name = 'cancel-blocked-write'): Promise<ScenarioRun> {
  return runProbe(ctx, {
    scenario: name,
    behaviour: createStalled(),
    scripts: [script([header(), fill(ctx, BLOCKED.timeout), { op: 'stats' }, { op: 'close' }])],
    async drive(live) {
      await live.untilEntries(0, 1);
      await sleepMs(BLOCKED.holdMs);
      live.marks.reset = performance.timeOrigin + performance.now();
      live.conn.reset();
    },
  });
}

/**
 * CXL-04 / WAI-04: a wait(0) blocked (path full, 200,000 B pending); the client resets 500 ms after
 * the pending write returned. Entries: 0 header, 1 fill, 2 write 200,000, 3 wait 0 t=6, 4 stats, 5 close.
 */
export function cancelBlockedWait(ctx: CheckContext): Promise<ScenarioRun> {
  return runProbe(ctx, {
    scenario: 'cancel-blocked-wait',
    behaviour: createStalled(),
    scripts: [script([
      header(), fill(ctx), { op: 'write', bytes: 200_000, timeout: 5 }, { op: 'wait', pos: 0, timeout: BLOCKED.timeout },
      { op: 'stats' }, { op: 'close' },
    ])],
    async drive(live) {
      await live.untilEntries(0, 3);
      await sleepMs(BLOCKED.holdMs);
      live.marks.reset = performance.timeOrigin + performance.now();
      live.conn.reset();
    },
  });
}

/**
 * CXL-08: the client half-closes right after its request and keeps reading. Entries: 0 header,
 * 1 write 200,000, 2 sleep 0.2, 3 write 200,000, 4 wait 0, 5 stats, 6 close.
 */
export function halfClose(ctx: CheckContext): Promise<ScenarioRun> {
  return runProbe(ctx, {
    scenario: 'half-close',
    behaviour: createReading(),
    scripts: [script([
      header(), { op: 'write', bytes: 200_000, timeout: 5 }, { op: 'sleep', seconds: 0.2 }, { op: 'write', bytes: 200_000, timeout: 5 },
      { op: 'wait', pos: 0, timeout: 10 }, { op: 'stats' }, { op: 'close' },
    ])],
    async drive(live) {
      live.marks.halfClosed = performance.timeOrigin + performance.now();
      live.conn.halfClose();
    },
  });
}
