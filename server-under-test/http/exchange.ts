// One request/response exchange on an HTTP/1.1 connection, as the worker thread sees it: the head
// waiting to be committed, the body bytes accepted into the send window but not yet committed,
// and how many have been committed ("sent", I-3). Framing is decided when the head is committed:
// chunked by default, the handler's Content-Length if it declared one, or close-delimited for an
// HTTP/1.0 client. Each commit of body bytes is framed on its own (one chunk per commit), so the
// framing stays valid whatever is withdrawn later (PWR-02).
//
// Queued body bytes are mostly views of the response's byte ring (a SharedArrayBuffer the TX
// side writes into; see tx/body-ring.ts), handed to the socket as they are. `released` tells the
// TX side up to which body position the worker references none of them any more.
import { NO_FAULTS, type FaultSet } from '../faults.ts';
import { dateLine, statusLine } from './status-text.ts';

export type Framing = 'chunked' | 'length' | 'close' | 'none';

interface Piece {
  wseq: number;
  data: Uint8Array;
}

const CRLF = Buffer.from('\r\n');
const LAST_CHUNK = Buffer.from('0\r\n\r\n');

export class Exchange {
  head: { hseq: number; status: number; headers: string[] } | null = null;
  headCommitted = false;
  framing: Framing = 'chunked';
  declaredLength = -1;
  /** Body bytes committed to the socket. */
  sent = 0;
  /** Body position before which no byte is referenced here any more (write done, or consumed). */
  released = 0;
  /** The response's byte ring and its id, once the TX side has shared it; 0: none. */
  ring: SharedArrayBuffer | null = null;
  ringId = 0;
  /** Socket writes (0 or 1) that hold bytes of this exchange: taken, and not yet released. */
  holds = 0;
  /** The handler closed the response (`end`), or aborted it. */
  ended = false;
  aborted = false;
  /** The response is complete on the wire (terminator committed), or abandoned. */
  finished = false;
  /** The connection must close after this response (client asked, HTTP/1.0, length mismatch). */
  closeAfter: boolean;
  readonly queue: Piece[] = [];
  queuedBytes = 0;
  /** Most bytes queued since progress last left at once (worker-main `progress`). */
  peakQueued = 0;
  /** Made by the worker itself (an error or overload answer); no handler behind it. */
  local = false;

  constructor(
    readonly rid: number,
    readonly method: string,
    readonly version: '1.0' | '1.1' | '2',
    keepAlive: boolean,
    readonly tls: boolean,
    /** Test-only faults (faults.ts); empty for a correct server. */
    private readonly faults: FaultSet = NO_FAULTS,
  ) {
    this.closeAfter = !keepAlive;
  }

  /** A response to HEAD, or a status that has no body (1xx, 204, 304): body bytes are counted, never sent. */
  bodyless(status: number): boolean {
    return this.method === 'HEAD' || status === 204 || status === 304 || (status >= 100 && status < 200);
  }

  get bodyAllowed(): boolean {
    return this.framing !== 'none';
  }

  /** Serialises the head and fixes the framing. */
  commitHead(): Buffer {
    const h = this.head!;
    const status = h.status;
    let s = statusLine(status);
    let hasDate = false;
    let hasConnection = false;
    for (let i = 0; i < h.headers.length; i += 2) {
      const name = h.headers[i]!;
      const value = h.headers[i + 1]!;
      const lower = name.toLowerCase();
      if (lower === 'content-length') {
        this.declaredLength = Number(value);
        continue; // written below, once, if the framing keeps it
      }
      if (lower === 'transfer-encoding') continue; // the server frames the body itself
      if (lower === 'date') hasDate = true;
      if (lower === 'connection') {
        hasConnection = true;
        if (/\bclose\b/i.test(value)) this.closeAfter = true;
      }
      s += `${name}: ${value}\r\n`;
    }
    if (!hasDate) s += dateLine();
    if (this.bodyless(status)) {
      this.framing = 'none';
      if (this.declaredLength >= 0 && status !== 204) s += `content-length: ${this.declaredLength}\r\n`;
    } else if (this.declaredLength >= 0) {
      this.framing = 'length';
      s += `content-length: ${this.declaredLength}\r\n`;
    } else if (this.version === '1.0') {
      this.framing = 'close';
      this.closeAfter = true;
    } else {
      this.framing = 'chunked';
      s += 'transfer-encoding: chunked\r\n';
    }
    if (this.closeAfter && !hasConnection) s += 'connection: close\r\n';
    else if (this.version === '1.0' && !this.closeAfter && !hasConnection) s += 'connection: keep-alive\r\n';
    s += '\r\n';
    this.headCommitted = true;
    this.head = null;
    return Buffer.from(s, 'latin1');
  }

  enqueue(wseq: number, data: Uint8Array): void {
    if (data.length === 0) return;
    this.queue.push({ wseq, data });
    this.queuedBytes += data.length;
  }

  /** Drops every queued (uncommitted) byte of write `wseq` (I-2). Earlier writes are untouched. */
  withdraw(wseq: number): void {
    for (let i = this.queue.length - 1; i >= 0; i--) {
      const p = this.queue[i]!;
      if (p.wseq !== wseq) continue;
      this.queuedBytes -= p.data.length;
      this.queue.splice(i, 1);
    }
  }

  /** An aborted response: nothing still queued goes out (the connection closes after it). */
  dropQueued(): void {
    this.queue.length = 0;
    this.queuedBytes = 0;
  }

  /**
   * Fault tail-not-withdrawn only: the queued bytes of write `wseq` stay queued though the TX side
   * was told they are gone and may reuse their ring space; copy them out of the ring first, so
   * the fault sends the withdrawn tail as it was (not bytes written over it).
   */
  keepOwnCopy(wseq: number): void {
    for (const p of this.queue) if (p.wseq === wseq && !(p.data.buffer instanceof ArrayBuffer)) p.data = p.data.slice();
  }

  /**
   * Takes up to `max` queued body bytes and returns them framed, ready for the socket; they
   * count as sent from here on. Empty when nothing is queued.
   */
  takeFramed(max: number, out: Uint8Array[]): number {
    const parts: Uint8Array[] = [];
    const n = this.take(max, parts);
    if (n === 0) return 0;
    if (this.framing === 'none') return n; // HEAD and friends: counted, never on the wire
    if (this.framing === 'chunked') out.push(Buffer.from(`${n.toString(16)}\r\n`, 'latin1'));
    for (const p of parts) out.push(p);
    if (this.framing === 'chunked') out.push(CRLF);
    return n;
  }

  /**
   * Takes up to `max` queued body bytes into `parts`, unframed (HTTP/2 frames them itself); they
   * count as sent from here on.
   */
  take(max: number, parts: Uint8Array[]): number {
    let n = 0;
    while (n < max && this.queue.length > 0) {
      const p = this.queue[0]!;
      const room = max - n;
      if (p.data.length <= room) {
        parts.push(p.data);
        n += p.data.length;
        this.queue.shift();
      } else {
        parts.push(p.data.subarray(0, room));
        p.data = p.data.subarray(room);
        n += room;
      }
    }
    this.queuedBytes -= n;
    this.sent += n;
    return n;
  }

  /** The bytes that complete the response on the wire, deciding whether the connection survives. */
  finish(out: Uint8Array[]): void {
    this.finished = true;
    if (this.aborted) {
      this.closeAfter = true;
      return;
    }
    if (this.framing === 'chunked') out.push(LAST_CHUNK);
    else if (this.framing === 'close') this.closeAfter = true;
    else if (this.framing === 'length' && this.sent !== this.declaredLength) {
      // A declared length that can no longer be honoured: end by closing, never by padding (PWR-02).
      // Fault content-length-kept: the response just ends short and keep-alive goes on.
      if (!this.faults.has('content-length-kept')) this.closeAfter = true;
    }
  }
}
