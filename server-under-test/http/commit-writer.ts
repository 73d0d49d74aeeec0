// The socket side of the commit rule, shared by HTTP/1.1 (connection.ts) and HTTP/2
// (h2/h2-connection.ts): one write of committed bytes at a time, and the bookkeeping of which
// ring bytes a write still holds.
//
// Body bytes handed to socket.write() are views of the response's byte ring; the TX side may
// reuse that space only once it is released (Exchange.released, reported in progress): when the
// write's callback has run (a plain socket's libuv may write from that memory until then), or
// at once on TLS, which encrypts (or, when it cannot yet, copies) what it is given synchronously,
// if the write reached TLS at once (nothing else was pending on the socket).
import type { Socket } from 'node:net';
import type { Exchange } from './exchange.ts';

/** Exchanges whose body bytes go out in one write, with the position they were taken up to. */
export type Taken = Array<[Exchange, number]>;

export class CommitWriter {
  /** A socket write is outstanding: nothing more is committed until its callback. */
  writing = false;
  /** What the socket write in progress holds, until its callback (or the socket's close). */
  #held: Taken | null = null;

  constructor(
    private readonly socket: Socket,
    private readonly tls: boolean,
    /** A socket write holds the bytes of `ex` it took no longer. */
    private readonly onReleased: (ex: Exchange) => void,
    /** The write completed: commit what can be committed next. */
    private readonly onDone: () => void,
  ) {}

  /** Writes `out` (one corked batch) and releases `taken` when the socket no longer needs them. */
  write(out: Uint8Array[], taken: Taken): void {
    this.writing = true;
    const s = this.socket;
    // With nothing pending on the socket, the write goes down to the handle synchronously (a
    // pending one would queue ours in the Writable, uncopied, until it is done).
    const consumedAtOnce = this.tls && taken.length > 0 && s.writableLength === 0 && !s.writableCorked && !s.destroyed;
    if (!consumedAtOnce) this.#held = taken;
    const done = (): void => {
      this.writing = false;
      if (this.#held === taken) {
        this.#held = null;
        this.release(taken);
      }
      this.onDone();
    };
    if (out.length === 1) s.write(out[0]!, done);
    else {
      s.cork();
      for (let i = 0; i < out.length - 1; i++) s.write(out[i]!);
      s.write(out[out.length - 1]!, done);
      s.uncork();
    }
    if (consumedAtOnce) this.release(taken);
  }

  /** These body bytes are referenced no more; the TX side may reuse their ring space. */
  release(taken: Taken): void {
    for (const [ex, to] of taken) {
      ex.holds--;
      if (to > ex.released) ex.released = to;
      if (!ex.local) this.onReleased(ex);
    }
  }

  /** The handle is closed: libuv has let go of a write it had not finished. */
  releaseHeld(): void {
    if (this.#held === null) return;
    const held = this.#held;
    this.#held = null;
    this.release(held);
  }
}
