// The shuttle: every message that crosses between the HTTP worker thread and the TX (handler)
// side, declared once as two tagged unions. Both sides switch on `t` exhaustively.
//
// Seed 000 draws one `shuttle` object passed back and forth per request; here the shuttle is the
// request id `rid` plus these messages, batched per event-loop turn (see channel.ts).

/** HTTP worker thread -> TX side. */
export type ToTx =
  | {
      t: 'request';
      rid: number;
      method: string;
      target: string;
      version: '1.0' | '1.1';
      /** Flat [name, value, name, value, ...], names lower-cased, in arrival order. */
      headers: string[];
      body: Uint8Array | null;
      peer: { address: string; port: number };
      tls: boolean;
    }
  /** "Continue": body bytes committed to the socket so far, and whether the head was. */
  | { t: 'progress'; rid: number; sent: number; headersSent: boolean }
  /** Reply to `withdraw`: the write's uncommitted bytes are gone; `sent` is final for it. */
  | { t: 'withdrawn'; rid: number; wseq: number; sent: number }
  /** Reply to `withdraw-head`: whether the head had been committed before the withdrawal. */
  | { t: 'head-withdrawn'; rid: number; hseq: number; committed: boolean }
  /** "Request closed": the exchange is over on the wire; `cancelled` when the client went away. */
  | { t: 'closed'; rid: number; cancelled: boolean; sent: number }
  | { t: 'listening'; addresses: Array<{ host: string; port: number; tls: boolean }> }
  | { t: 'fatal'; message: string; code?: string }
  | { t: 'drained' };

/** TX side -> HTTP worker thread. */
export type ToHttp =
  /** Status line and headers (flat list), to commit when the exchange's turn on the connection comes. */
  | { t: 'head'; rid: number; hseq: number; status: number; headers: string[] }
  | { t: 'withdraw-head'; rid: number; hseq: number }
  /** Body bytes accepted into the send window; pieces of one write share `wseq`. */
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
