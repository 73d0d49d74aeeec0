// Opening an HTTP/2 connection for a BB-H2 check, and the one answer when the target does not speak
// HTTP/2 on this transport (no ALPN h2, or a close after the client preface: nginx's h1 listener):
// the check is skipped with what the target did, never failed.
import { ClientError, type ReadBehaviour } from '../clients/index.ts';
import type { H2ClientConnection, H2ClientOptions } from '../conformance/h2-adapter.ts';
import { skip, type Verdict } from '../conformance/verdict.ts';
import type { BlackboxContext } from './check.ts';
import { sleep } from './observe.ts';

export const NOT_H2 = 'the target does not speak HTTP/2 here';

/** An HTTP/2 connection that has the server's SETTINGS, or the skip verdict saying why not. */
export async function openH2OrSkip(ctx: BlackboxContext, behaviour: ReadBehaviour, o: H2ClientOptions = {}): Promise<H2ClientConnection | Verdict> {
  let c: H2ClientConnection;
  try {
    c = await ctx.openH2(behaviour, o);
  } catch (err) {
    if (err instanceof ClientError && err.code === 'ERR_CONNECT') return skip(`${NOT_H2}: ${err.message}`);
    throw err;
  }
  if (c.closed || c.connection.goawayReceived !== null || c.connection.connectionError !== null) {
    c.destroy();
    return skip(`${NOT_H2}: it closed the connection after the client preface`);
  }
  return c;
}

export function isVerdict(x: H2ClientConnection | Verdict): x is Verdict {
  return 'status' in x;
}

/** GET `path` on a new stream (with its own reading behaviour, if given); the response's index. */
export function get(c: H2ClientConnection, path: string, behaviour?: ReadBehaviour): number {
  return c.send({ method: 'GET', path, headers: { 'user-agent': 'dawdle-blackbox' } }, behaviour !== undefined ? { behaviour } : {});
}

/** Whether response `index` has received its whole stream window (held at 0 by a client that grants nothing). */
export function held(c: H2ClientConnection, index: number): boolean {
  const w = c.responses[index]?.h2?.window;
  return w !== undefined && w.received >= w.granted;
}

/** Polls `done` every 20 ms until it is true, the connection closes, the signal aborts or `maxMs` passes. */
export async function until(ctx: BlackboxContext, c: H2ClientConnection, done: () => boolean, maxMs: number): Promise<boolean> {
  const deadline = Date.now() + maxMs;
  while (!ctx.signal.aborted) {
    if (done()) return true;
    if (c.closed || Date.now() >= deadline) return false;
    await sleep(20, ctx.signal);
  }
  return false;
}
