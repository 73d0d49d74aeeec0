// One client connection on the HTTP worker thread: parses requests, dispatches them to the TX
// side, and commits response bytes to the socket in order. Pipelined requests are dispatched at
// once (their handlers run concurrently); their responses go out one after another.
//
// Commit discipline (I-3): body bytes leave the exchange's queue only when the previous socket
// write has completed, at most COMMIT_MAX at a time. Whatever is handed to socket.write() can no
// longer be withdrawn and counts as sent; everything still queued can be withdrawn by a timed-out
// write. So against a stalled reader `sent` stops within COMMIT_MAX of what the kernel took.
//
// The socket writes themselves, and when their ring bytes are released: commit-writer.ts.
import type { Socket } from 'node:net';
import { COMMIT_MAX } from '../shuttle/messages.ts';
import { CommitWriter, type Taken } from './commit-writer.ts';
import { Exchange } from './exchange.ts';
import { RequestParser, RequestParseError, type ParsedRequest, type ParserLimits } from './request-parser.ts';

export { COMMIT_MAX };

export interface ConnectionLimits extends ParserLimits {
  /** cfg keep_alive: false closes every connection after its first response. */
  keepAlive: boolean;
  maxPipeline: number;
  headerTimeoutMs: number;
  idleTimeoutMs: number;
  lingerTimeoutMs: number;
}

/** A client connection as the worker sees it, whatever its protocol (this file, or h2/h2-connection.ts). */
export interface Carrier {
  readonly socket: Socket;
  readonly tls: boolean;
  /** Commits whatever can be committed now. */
  pump(): void;
  /** Re-evaluates timers after the handler side changed an exchange (e.g. ended it). */
  touched(): void;
  /** Closes now, cancelling whatever is in progress. */
  destroy(): void;
  /** Finish the responses in progress, accept no more requests, then close. */
  shutdown(): void;
}

/** A whole request, as either protocol hands it to the worker. */
export interface RequestIn {
  method: string;
  target: string;
  version: '1.0' | '1.1' | '2';
  /** Flat [name, value, ...] with lower-cased names. */
  headers: string[];
  body: Buffer | null;
  keepAlive: boolean;
}

/** What a connection needs from the worker that owns it. */
export interface ConnectionHost {
  /** Assigns a request id and sends the request to the TX side; null when over the limit. */
  dispatch(conn: Carrier, req: RequestIn): Exchange | null;
  /** Body bytes were committed, or the head was. */
  progress(ex: Exchange): void;
  /** A socket write holds the bytes of `ex` it took no longer (`ex.released`, `ex.holds` are updated). */
  released(ex: Exchange): void;
  /** The exchange is over on the wire (cancelled: the client went away first). */
  closed(ex: Exchange, cancelled: boolean): void;
  connectionGone(conn: Carrier): void;
}

const CONTINUE_100 = Buffer.from('HTTP/1.1 100 Continue\r\n\r\n');

export class Connection implements Carrier {
  readonly exchanges: Exchange[] = [];
  #parser: RequestParser;
  readonly #writer: CommitWriter;
  #gone = false;
  /** No more requests are read (error, close requested, shutdown). */
  #readDone = false;
  #peerEnded = false;
  #ending = false;
  #paused = false;
  #timerMs = -1;
  /** header_timeout: a deadline for the whole head from its first byte, not restarted by each byte. */
  #headTimer: NodeJS.Timeout | null = null;

  constructor(
    readonly socket: Socket,
    readonly tls: boolean,
    private readonly host: ConnectionHost,
    private readonly limits: ConnectionLimits,
    /** Bytes already read from the socket (sniffed to tell HTTP/1.1 from h2c). */
    initial: Buffer | null = null,
  ) {
    this.#parser = new RequestParser(limits);
    this.#writer = new CommitWriter(socket, tls, (ex) => host.released(ex), () => this.pump());
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    socket.on('end', () => this.#onPeerEnd());
    socket.on('error', () => {
      /* reported through 'close'; ECONNRESET / EPIPE mean the client went away */
    });
    socket.on('close', () => this.#onClose());
    socket.on('timeout', () => this.#onTimeout());
    this.#armTimer();
    if (initial !== null && initial.length > 0) this.#onData(initial);
  }

  /** Commits whatever can be committed now. */
  pump(): void {
    // A destroyed socket (reset, write error) takes nothing: its queued bytes must not count as
    // sent. Its 'close' follows and reports the exchanges cancelled.
    if (this.#writer.writing || this.#gone || this.socket.destroyed) return;
    const out: Uint8Array[] = [];
    /** Exchanges whose body bytes go out in this write, with the position they were taken up to. */
    const taken: Taken = [];
    let budget = COMMIT_MAX;
    let finishedAny = false;
    while (this.exchanges.length > 0 && !this.#ending) {
      const ex = this.exchanges[0]!;
      if (!ex.headCommitted) {
        if (ex.head) {
          out.push(ex.commitHead());
          if (!ex.local) this.host.progress(ex);
        } else if (ex.ended) {
          // The handler ended without ever getting a head out (e.g. its write_header timed out):
          // this request cannot be answered, so the connection ends here.
          ex.finished = true;
          ex.closeAfter = true;
        } else break;
      }
      if (!ex.finished) {
        if (ex.queuedBytes > 0) {
          if (budget === 0) break;
          budget -= ex.takeFramed(budget, out);
          taken.push([ex, ex.sent]);
          ex.holds++;
          if (!ex.local) this.host.progress(ex);
          if (ex.queuedBytes > 0) break;
        }
        if (!ex.ended) break;
        ex.finish(out);
      }
      this.exchanges.shift();
      finishedAny = true;
      if (!ex.local) this.host.closed(ex, false);
      if (ex.closeAfter) this.#beginEnding();
    }
    if (out.length > 0) this.#writer.write(out, taken);
    else this.#writer.release(taken); // counted, never on the wire (HEAD)
    if (this.#ending && !this.#writer.writing) this.socket.end();
    else if (this.#peerEnded && this.exchanges.length === 0 && !this.#writer.writing) this.#beginEnding(true);
    if (finishedAny) {
      if (this.#paused && this.exchanges.length < this.limits.maxPipeline && !this.#readDone) {
        this.#paused = false;
        this.socket.resume();
      }
      this.#armTimer();
    }
  }

  /** Closes now, cancelling whatever is in progress. */
  destroy(): void {
    this.socket.destroy();
  }

  /** Finish the responses in progress, read no more requests, then close. */
  shutdown(): void {
    this.#readDone = true;
    // No response in progress: nothing to finish. A request only partly received is never read
    // to its end now (#readDone), so it does not keep the connection either.
    if (this.exchanges.length === 0) this.#beginEnding(true);
    else {
      for (const ex of this.exchanges) ex.closeAfter = true;
      this.pump();
    }
  }


  #onData(chunk: Buffer): void {
    if (this.#readDone) return;
    let reqs: ParsedRequest[];
    try {
      reqs = this.#parser.push(chunk, (req) => {
        if (req.expectContinue && this.exchanges.length === 0 && !this.#writer.writing) this.socket.write(CONTINUE_100);
      });
    } catch (err) {
      const e = err instanceof RequestParseError ? err : new RequestParseError(400, String(err));
      this.#readDone = true;
      this.#respondLocally(e.status, e.message, true);
      return;
    }
    if (reqs.length > 0 && this.#headTimer !== null) {
      clearTimeout(this.#headTimer); // that head is complete; a next one gets a clock of its own
      this.#headTimer = null;
    }
    for (const req of reqs) {
      if (!this.limits.keepAlive) req.keepAlive = false;
      const ex = this.host.dispatch(this, req);
      if (ex === null) this.#respondLocally(503, 'server busy: too many concurrent requests', false, req);
      else this.exchanges.push(ex);
      if (!req.keepAlive) {
        this.#readDone = true;
        break;
      }
    }
    const failure = this.#parser.failure;
    if (failure !== null && !this.#readDone) {
      // Requests before the bad one (in the same read) are answered first, then the error.
      this.#readDone = true;
      this.#respondLocally(failure.status, failure.message, true);
      return;
    }
    this.#armTimer();
    if (this.exchanges.length >= this.limits.maxPipeline && !this.#paused) {
      this.#paused = true;
      this.socket.pause();
    }
  }

  /** A response made by the worker itself (errors, overload); never seen by a handler. */
  #respondLocally(status: number, message: string, close: boolean, req?: ParsedRequest): void {
    const ex = new Exchange(-1, req?.method ?? 'GET', req?.version ?? '1.1', !close && (req?.keepAlive ?? false), this.tls);
    ex.local = true;
    const body = Buffer.from(`${message}\n`);
    ex.head = { hseq: 0, status, headers: ['content-type', 'text/plain', 'content-length', String(body.length)] };
    if (status === 503) ex.head.headers.push('retry-after', '1');
    ex.enqueue(0, body);
    ex.ended = true;
    this.exchanges.push(ex);
    this.pump();
  }

  #onPeerEnd(): void {
    // A half-close is not a cancellation (CXL-08): answer what was asked, then close.
    this.#peerEnded = true;
    this.#readDone = true;
    if (this.exchanges.length === 0 && !this.#writer.writing) this.#beginEnding(true);
  }

  #beginEnding(now = false): void {
    this.#ending = true;
    this.#readDone = true;
    // Requests pipelined behind a response that closes the connection will never be answered.
    const rest = this.exchanges.splice(0);
    for (const ex of rest) if (!ex.local) this.host.closed(ex, true);
    if (now && !this.#writer.writing) this.socket.end();
  }

  #onTimeout(): void {
    if (this.exchanges.length === 0 && this.#parser.midRequest) {
      this.#requestTimedOut('request body not received in time');
      return;
    }
    this.socket.destroy();
  }

  #requestTimedOut(message: string): void {
    if (this.#readDone || this.#gone) return;
    this.#readDone = true;
    this.#respondLocally(408, message, true);
    setTimeout(() => this.socket.destroy(), 1000).unref();
  }

  /**
   * The head deadline: runs from the first byte of a head while no response is in progress (a
   * head read behind pipelined responses starts its clock once they are done).
   */
  #armHeadDeadline(): void {
    const want = this.exchanges.length === 0 && this.#parser.inHead && !this.#readDone;
    if (!want) {
      if (this.#headTimer !== null && !this.#parser.inHead) {
        clearTimeout(this.#headTimer);
        this.#headTimer = null;
      }
      return;
    }
    if (this.#headTimer !== null) return;
    this.#headTimer = setTimeout(() => {
      this.#headTimer = null;
      if (this.#parser.inHead && this.exchanges.length === 0) this.#requestTimedOut('request head not received in time');
    }, this.limits.headerTimeoutMs);
    this.#headTimer.unref();
  }

  /** One socket inactivity timer, set for the state the connection is in (and the head deadline). */
  #armTimer(): void {
    this.#armHeadDeadline();
    let ms = 0;
    // Between requests, or while a body arrives: no gap longer than idle_timeout.
    if (this.exchanges.length === 0) ms = this.limits.idleTimeoutMs;
    else if (this.exchanges.every((e) => e.ended)) ms = this.limits.lingerTimeoutMs;
    if (ms !== this.#timerMs) {
      this.#timerMs = ms;
      this.socket.setTimeout(ms);
    }
  }

  /** Re-evaluates the timer after the handler side changed an exchange (e.g. ended it). */
  touched(): void {
    this.#armTimer();
  }

  #onClose(): void {
    if (this.#gone) return;
    this.#gone = true;
    if (this.#headTimer !== null) clearTimeout(this.#headTimer);
    const rest = this.exchanges.splice(0);
    for (const ex of rest) if (!ex.local) this.host.closed(ex, !ex.finished);
    this.#writer.releaseHeld();
    this.host.connectionGone(this);
  }
}
