// Watching one connection from outside: polls the kernel's view of both ends (proc.ts) every
// `everyMs`, tracking the bytes the server has pushed (what we read + our receive queue + the
// server's send queue) and when that last grew (the server's last successful write), until the
// server closes its end, `until` says stop, the signal aborts, or `maxMs` passes.
import type { H1Connection } from '../clients/index.ts';
import { connectionView, serverClosed, type ConnectionView } from './proc.ts';

export interface Watch {
  /** Unix ms of the first sample. */
  start: number;
  /** Bytes the server pushed (read by us + queued on our side + queued on the server's side). */
  pushed: number;
  /** Unix ms when `pushed` last grew. */
  lastProgress: number;
  /** Unix ms when the server's end was first seen closed, or null. */
  closedAt: number | null;
  /** The server end's state when it was first seen closed ("gone": reset or fully closed). */
  closedState: string | null;
  serverInode: number;
  samples: Array<Record<string, number | string | null>>;
}

export function newWatch(): Watch {
  const now = Date.now();
  return { start: now, pushed: 0, lastProgress: now, closedAt: null, closedState: null, serverInode: 0, samples: [] };
}

export function sample(w: Watch, c: H1Connection, serverPort: number): ConnectionView {
  const v = connectionView(c.localPort, serverPort);
  const now = Date.now();
  const pushed = c.tcpBytesReceived + (v.client?.rxQueue ?? 0) + (v.server?.txQueue ?? 0);
  if (v.server !== null && v.server.inode !== 0) w.serverInode = v.server.inode;
  // A connection the client itself closed tells nothing of the server.
  if (w.closedAt === null && !c.closed && serverClosed(v)) {
    w.closedAt = now;
    w.closedState = v.server?.state ?? 'gone';
  }
  // Once closed, the server's queued FIN counts one in its send queue: not a write.
  if (pushed > w.pushed && w.closedAt === null) {
    w.pushed = pushed;
    w.lastProgress = now;
  }
  if (w.samples.length < 2000) {
    w.samples.push({ t: now, pushed, client_rx_queue: v.client?.rxQueue ?? null, server_tx_queue: v.server?.txQueue ?? null, server_state: v.server?.state ?? 'gone' });
  }
  return v;
}

export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

/** Samples until the server closes, `until(w)` is true, the signal aborts, or `maxMs` passes. */
export async function watchUntil(
  w: Watch, c: H1Connection, serverPort: number, o: { maxMs: number; everyMs?: number; signal: AbortSignal; until?: (w: Watch) => boolean },
): Promise<Watch> {
  const end = Date.now() + o.maxMs;
  for (;;) {
    sample(w, c, serverPort);
    if (w.closedAt !== null || o.signal.aborted || Date.now() >= end || (o.until?.(w) ?? false)) return w;
    await sleep(o.everyMs ?? 50, o.signal);
  }
}

export function secs(ms: number): number {
  return Math.round(ms) / 1000;
}
