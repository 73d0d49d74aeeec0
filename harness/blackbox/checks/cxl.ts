// BB-CXL: cancellation. A client that goes away mid-response (FIN, or RST) must be let go: the
// server closes its end, and for a local target its process no longer holds the socket and its fd
// count is back, within a bound.
import { createCancelling } from '../../clients/index.ts';
import { fail, pass, skip, type Evidence, lateBy } from '../../conformance/verdict.ts';
import type { BlackboxCheck, BlackboxContext } from '../check.ts';
import { newWatch, sample, sleep } from '../observe.ts';
import { connectionView, heldBy, processStats, serverClosed, type ProcessStats } from '../proc.ts';

/** How long the server has to let go of a cancelled request. */
export const CANCEL_BOUND_MS = 2000;
const CANCEL_AFTER = 1024 * 1024;

/** The processes' stats once their fd count held still for 200 ms (at most 2 s): earlier checks' connections wind down first. */
async function settledStats(pids: readonly number[], signal: AbortSignal): Promise<ProcessStats | null> {
  let last = processStats(pids);
  for (let i = 0; i < 10 && last !== null && !signal.aborted; i++) {
    await sleep(200, signal);
    const now = processStats(pids);
    if (now === null || now.fds === last.fds) return now;
    last = now;
  }
  return last;
}

async function cancelled(ctx: BlackboxContext, mode: 'fin' | 'rst') {
  const pids = ctx.target.pids;
  const before = pids.length > 0 ? await settledStats(pids, ctx.signal) : null;
  const behaviour = createCancelling({ mode, after_bytes: CANCEL_AFTER });
  const c = await ctx.open(behaviour);
  const w = newWatch();
  try {
    // The server's socket has an inode once its process accepted the connection: see it before
    // the request, since the whole cancellation can take a millisecond on loopback.
    for (let i = 0; i < 100 && w.serverInode === 0 && !ctx.signal.aborted; i++) {
      sample(w, c, ctx.target.port);
      if (w.serverInode === 0) await sleep(10, ctx.signal);
    }
    c.send({ method: 'GET', path: ctx.target.path, headers: { 'user-agent': 'dawdle-blackbox' } });
    const deadline = Date.now() + 5000;
    while (!c.closed && Date.now() < deadline && !ctx.signal.aborted) {
      sample(w, c, ctx.target.port);
      await sleep(10, ctx.signal);
    }
    const firedAt = behaviour.fired?.t ?? null;
    const clientPort = c.localPort;
    const inode = w.serverInode;
    let kernelAt: number | null = null;
    let processAt: number | null = null;
    let fdsAt: number | null = null;
    let fdsAfter: number | null = null;
    const t0 = Date.now();
    while (Date.now() - t0 < CANCEL_BOUND_MS + 1000 && !ctx.signal.aborted) {
      const now = Date.now();
      if (kernelAt === null && serverClosed(connectionView(clientPort, ctx.target.port))) kernelAt = now;
      if (pids.length > 0 && processAt === null && inode !== 0 && !heldBy(pids, inode)) processAt = now;
      if (before !== null && fdsAt === null) {
        fdsAfter = processStats(pids)?.fds ?? null;
        if (fdsAfter !== null && fdsAfter <= before.fds) fdsAt = now;
      }
      if (kernelAt !== null && (pids.length === 0 || (processAt !== null && fdsAt !== null))) break;
      await sleep(20, ctx.signal);
    }
    ctx.record({ scenario: `cancel-${mode}`, timelines: [c.timeline], samples: w.samples, ...(firedAt !== null ? { marks: { cancelled: firedAt } } : {}) });
    const after = (at: number | null) => (at === null ? null : Math.max(0, Math.round(at - t0)));
    const ev: Evidence = {
      mode, bytes_before_cancel: behaviour.fired?.bytes ?? c.bytesReceived, response_status: c.responses[0]?.status ?? 0,
      server_end_closed_ms: after(kernelAt), process_let_go_ms: pids.length > 0 ? after(processAt) : null,
      fds_before: before?.fds ?? null, fds_after: fdsAfter, fds_back_ms: after(fdsAt), server_socket_inode_seen: inode !== 0,
    };
    return { firedAt, kernelAt, processAt, fdsAt, inode, ev, t0, completion: c.responses[0]?.completion ?? 'in-progress' };
  } finally {
    c.destroy();
  }
}

function cxlCheck(id: string, mode: 'fin' | 'rst'): BlackboxCheck {
  const how = mode === 'fin' ? 'closes the connection (FIN; its kernel answers what arrives after with RST)' : 'aborts the connection (RST)';
  return {
    id,
    group: 'BB-CXL',
    level: 'MUST',
    transports: ['h1', 'h1tls'],
    text: `A client that ${mode === 'fin' ? 'closes' : 'resets'} the connection mid-response is let go within ${CANCEL_BOUND_MS / 1000} s: the server closes its end, and its process no longer holds the socket nor more fds than before.`,
    method: `GETs --path, reads ${CANCEL_AFTER / 1048576} MiB, then ${how}. Within ${CANCEL_BOUND_MS / 1000} s the server's end of the connection must have left ESTABLISHED/CLOSE_WAIT in /proc/net/tcp, and for a local target no server process may still hold that socket (by inode in /proc/PID/fd) and the processes' fd count must be back to what it was before the request.${mode === 'rst' ? ' Without a local target an RST leaves nothing to see (the kernel drops the socket at once): skipped.' : ''}`,
    async run(ctx) {
      const r = await cancelled(ctx, mode);
      if (r.firedAt === null) {
        if (r.completion === 'complete') return skip(`the response ended before ${CANCEL_AFTER} bytes: give a larger --path`, r.ev);
        return fail(`a response of more than ${CANCEL_AFTER} bytes to cancel`, `the connection ended (${r.completion}) before the client cancelled`, r.ev);
      }
      const pids = ctx.target.pids;
      if (pids.length === 0 && mode === 'rst') return skip('not a local target: whether the server let go of a reset connection shows only in its /proc (give --pid)', r.ev);
      const late = (at: number | null) => at === null || at - r.t0 > CANCEL_BOUND_MS;
      const timing = (at: number | null) => ({ timing: lateBy(at === null ? null : at - r.t0, CANCEL_BOUND_MS) });
      if (late(r.kernelAt)) return fail(`the server's end closed within ${CANCEL_BOUND_MS / 1000} s`, 'its end is still open', r.ev, timing(r.kernelAt));
      if (pids.length > 0) {
        if (r.inode === 0) return skip('the server\'s socket inode was never seen in /proc/net/tcp: cannot tell whether the process let it go', r.ev);
        if (late(r.processAt)) return fail(`the server's processes let go of the socket within ${CANCEL_BOUND_MS / 1000} s`, 'a server process still holds it', r.ev, timing(r.processAt));
        if (late(r.fdsAt)) return fail(`the server's fd count back to ${r.ev.fds_before} within ${CANCEL_BOUND_MS / 1000} s`, `${r.ev.fds_after} fds`, r.ev, timing(r.fdsAt));
      }
      return pass(r.ev);
    },
  };
}

export const CXL_CHECKS: BlackboxCheck[] = [cxlCheck('BB-CXL-01', 'fin'), cxlCheck('BB-CXL-02', 'rst')];
