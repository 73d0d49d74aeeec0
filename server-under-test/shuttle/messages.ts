// The shuttle: every message that crosses between the HTTP worker thread and the TX (handler)
// side, declared once as two tagged unions. Both sides switch on `t` exhaustively.
//
// Seed 000 draws one `shuttle` object passed back and forth per request; here the shuttle is the
// request id `rid` plus these messages, batched per event-loop turn (see channel.ts).
//
// Body bytes travel in the response's byte ring (tx/body-ring.ts): a SharedArrayBuffer shared
// once (`ring`), then only offsets (`ring-body`); the worker reports in `progress.released` which
// ring bytes it no longer references, and only those (or withdrawn ones) are reused. Rings are
// pooled: `ring-free` says the worker is done with one, `ring-drop` that the TX side let it go.

/**
 * The most body bytes the worker commits to a socket in one write (I-3). A ring of
 * send_window + COMMIT_MAX always has room for what the window lets in (body-ring.ts).
 */
export const COMMIT_MAX = 64 * 1024;

/** HTTP worker thread -> TX side. */
export type ToTx =
  | {
      t: 'request';
      rid: number;
      method: string;
      target: string;
      version: '1.0' | '1.1' | '2';
      /** Flat [name, value, name, value, ...], names lower-cased, in arrival order. */
      headers: string[];
      body: Uint8Array | null;
      peer: { address: string; port: number };
      tls: boolean;
    }
  /**
   * "Continue": body bytes committed to the socket so far, and whether the head was. `released`:
   * the body position before which the worker references no byte any more (<= sent): their
   * socket write is done, or TLS has consumed them. Ring space before it may be reused.
   */
  | { t: 'progress'; rid: number; sent: number; headersSent: boolean; released: number }
  /** Reply to `withdraw`: the write's uncommitted bytes are gone; `sent` is final for it. */
  | { t: 'withdrawn'; rid: number; wseq: number; sent: number }
  /** Reply to `withdraw-head`: whether the head had been committed before the withdrawal. */
  | { t: 'head-withdrawn'; rid: number; hseq: number; committed: boolean }
  /** "Request closed": the exchange is over on the wire; `cancelled` when the client went away. */
  | { t: 'closed'; rid: number; cancelled: boolean; sent: number }
  /** The worker references no byte of ring `id` (serving `rid`) any more: the exchange is over and no socket write holds any. */
  | { t: 'ring-free'; rid: number; id: number }
  | { t: 'listening'; addresses: Array<{ host: string; port: number; tls: boolean }> }
  | { t: 'fatal'; message: string; code?: string }
  | { t: 'drained' };

/** TX side -> HTTP worker thread. */
export type ToHttp =
  /** Status line and headers (flat list), to commit when the exchange's turn on the connection comes. */
  | { t: 'head'; rid: number; hseq: number; status: number; headers: string[] }
  | { t: 'withdraw-head'; rid: number; hseq: number }
  /**
   * Ring `id` serves response `rid` from now on (before its first `ring-body`); `ring` is the
   * buffer the first time the worker hears of that id, null when it has it already (pooled).
   * It may grow in place later.
   */
  | { t: 'ring'; rid: number; id: number; ring: SharedArrayBuffer | null }
  /** The TX side let ring `id` go (its pool is full): forget it. */
  | { t: 'ring-drop'; id: number }
  /** Body bytes accepted into the send window, at [off, off + len) of the response's ring; pieces of one write share `wseq`. */
  | { t: 'ring-body'; rid: number; wseq: number; off: number; len: number }
  /** Body bytes accepted into the send window that did not fit the ring, in a buffer of their own (transferred). */
  | { t: 'body'; rid: number; wseq: number; data: Uint8Array }
  /** The write `wseq` timed out: drop every byte of it not yet committed (I-2), then reply. */
  | { t: 'withdraw'; rid: number; wseq: number }
  /** Handler closed the response (`abort`: it failed mid-response; close without terminating). */
  | { t: 'end'; rid: number; abort: boolean }
  /** A whole response at once (a handler returning {status, headers, body}). */
  | { t: 'respond'; rid: number; status: number; headers: string[]; body: Uint8Array | null }
  /** Stop accepting; close idle connections; `force` closes every connection now. */
  | { t: 'shutdown'; force: boolean };

export type Message = ToTx | ToHttp;

/** For exhaustive switches: a compile error names the unhandled tag. */
export function unreachable(m: never): never {
  throw new Error(`unhandled shuttle message ${JSON.stringify(m)}`);
}
