// One HTTP/2 stream of the simulator: a request and what came back for it (interim and final
// heads, body bytes, trailers, how it ended), its receive window as the simulator grants it,
// the reading behaviour that drives those grants, and its own wire timeline.
//
// The connection owns the stream map and the socket; it feeds frames in through the on*()
// methods (each returns a malformation message, or null) and ends the stream with finish().
import type { ReadBehaviour } from '../read-behaviour.ts';
import { wallNow } from '../timeline.ts';
import type { Waiters } from '../waiters.ts';
import { ClientError } from '../errors.ts';
import { type ErrorCodeName, errorCodeName } from './constants.ts';
import { InboundWindow, OutboundWindow } from './flow.ts';
import { checkResponseHead, checkTrailers } from './header-rules.ts';
import type { HeaderList } from './hpack.ts';
import type { H2StreamEvent, StreamCompletion } from './timeline.ts';
import type { Violation } from './violations.ts';
import { WindowReader } from './window-reader.ts';

export interface H2Request {
  method: string;
  path: string;
  /** :authority; default host:port of the connection. */
  authority?: string;
  /** :scheme; default https over TLS, http otherwise. */
  scheme?: string;
  /** Regular fields (names are lowercased). */
  headers?: HeaderList | Record<string, string>;
  /** A request body, sent as DATA frames as the server's windows allow. */
  body?: Buffer | string;
}

export interface StreamOptions {
  /** How this stream's body is consumed, i.e. when its window is granted (default: reading). */
  behaviour?: ReadBehaviour;
  /** Send a stream WINDOW_UPDATE once this many consumed bytes are owed (default 1: at once). */
  grantThreshold?: number;
  /** Body bytes stored (default 1 MiB); counting goes on beyond. */
  storeBodyCap?: number;
  /** Every body piece as it arrives (valid only during the call), e.g. to check the pattern. */
  onBody?: (stream: H2Stream, chunk: Buffer, offset: number) => void;
}

/** A message-level problem (RFC 9113 8.1.1): a stream error of type PROTOCOL_ERROR. */
export interface Malformed {
  code: 'MALFORMED_RESPONSE' | 'CONTENT_LENGTH_MISMATCH';
  message: string;
}

export interface ResponseHead {
  status: number;
  headers: HeaderList;
  t: number;
}

/** What a stream needs from its connection. */
export interface StreamHost {
  readonly waiters: Waiters;
  /** Queue a stream WINDOW_UPDATE; `onSent` runs when it is handed to the kernel. */
  sendWindowUpdate(streamId: number, increment: number, onSent: () => void): void;
  /** Reset the stream from our side (RST_STREAM unless the peer never heard of it). */
  resetStream(stream: H2Stream, errorCode: ErrorCodeName, completion: 'cancelled' | 'stream-error'): void;
  /** End our side (an empty DATA frame with END_STREAM) if not done yet. */
  endLocal(stream: H2Stream): void;
  /** `n` bytes of this stream were consumed or discarded: the connection may grant them. */
  released(n: number): void;
}

export class H2Stream {
  readonly timeline: H2StreamEvent[] = [];
  readonly violations: Violation[] = [];
  readonly interim: ResponseHead[] = [];
  head: ResponseHead | null = null;
  trailers: HeaderList | null = null;
  completion: StreamCompletion = 'in-progress';
  /** The RST_STREAM error code, sent or received, if the stream was reset. */
  resetCode: string | null = null;
  endedAt: number | null = null;
  /** END_STREAM received. */
  remoteEnded = false;
  /** END_STREAM sent (or queued). */
  localEnded = false;
  /** The peer's window for our request body on this stream. */
  readonly sendWindow: OutboundWindow;
  /** Our receive window for this stream, as granted (H2-01 is checked against it). */
  readonly window: InboundWindow;
  readonly reader: WindowReader;
  private bodyCount = 0;
  private readonly stored: Buffer[] = [];
  private storedBytes = 0;
  private contentLength: number | null = null;
  private readonly cap: number;
  private readonly threshold: number;

  constructor(
    readonly id: number,
    readonly method: string,
    private readonly host: StreamHost,
    initialWindow: number,
    peerInitialWindow: number,
    behaviour: ReadBehaviour,
    private readonly opts: StreamOptions,
  ) {
    this.window = new InboundWindow(initialWindow);
    this.sendWindow = new OutboundWindow(peerInitialWindow);
    this.cap = opts.storeBodyCap ?? 1 << 20;
    this.threshold = Math.max(1, opts.grantThreshold ?? 1);
    this.reader = new WindowReader({
      consumed: (n) => this.consumed(n),
      paused: (by) => this.record({ type: 'pause', t: wallNow(), behaviour: by }),
      resumed: (by) => this.record({ type: 'resume', t: wallNow(), behaviour: by }),
      close: () => this.cancel(),
      reset: () => this.cancel(),
      halfClose: () => this.host.endLocal(this),
    }, behaviour);
  }

  // ---- what a test or check reads ----

  get status(): number | null { return this.head?.status ?? null; }
  /** Body bytes received (DATA payloads without padding). */
  get bodyBytes(): number { return this.bodyCount; }
  /** Stored body bytes (up to storeBodyCap). */
  get body(): Buffer { return Buffer.concat(this.stored, this.storedBytes); }
  get ended(): boolean { return this.completion !== 'in-progress'; }
  get behaviour(): ReadBehaviour { return this.reader.behaviour; }

  /** Resolves once the final response head arrived (or the stream ended without one). */
  waitForHead(timeoutMs: number): Promise<H2Stream> {
    return this.host.waiters.wait(`the head of stream ${this.id}`, () => (this.head !== null || this.ended ? this : undefined), timeoutMs);
  }

  /** Resolves once the stream ended, however it ended (see completion). */
  waitForEnd(timeoutMs: number): Promise<H2Stream> {
    return this.host.waiters.wait(`stream ${this.id} to end`, () => (this.ended ? this : undefined), timeoutMs);
  }

  /** Resolves with bodyBytes once at least `n` body bytes arrived; rejects if the stream ends short. */
  waitForBytes(n: number, timeoutMs: number): Promise<number> {
    return this.host.waiters.wait(`${n} body bytes on stream ${this.id}`, () => {
      if (this.bodyCount >= n) return this.bodyCount;
      if (this.ended) throw new ClientError('ERR_NO_RESPONSE', `stream ${this.id} ended (${this.completion}) after ${this.bodyCount} of ${n} bytes`);
      return undefined;
    }, timeoutMs);
  }

  // ---- what a test or check does ----

  /** RST_STREAM(CANCEL), as a client that gives up on this response. */
  cancel(errorCode: ErrorCodeName = 'CANCEL'): void {
    if (this.ended) return;
    this.host.resetStream(this, errorCode, 'cancelled');
  }

  /** A stream WINDOW_UPDATE of `n` bytes now, whatever the reading behaviour does. */
  grant(n: number): void {
    if (this.ended || n <= 0) return;
    const inc = Math.min(n, this.window.headroom);
    if (inc <= 0) return;
    this.sendGrant(inc, 0);
    this.host.released(inc);
  }

  /** Replaces the reading behaviour (e.g. stalled, then reading). Consumption resumes first. */
  setBehaviour(b: ReadBehaviour): void {
    this.reader.setBehaviour(b);
  }

  // ---- connection side: frames in ----

  record(e: H2StreamEvent): void {
    this.timeline.push(e);
  }

  /** A decoded HEADERS block: a 1xx head, the final head or trailers. Returns a malformation or null. */
  onHeaders(headers: HeaderList, endStream: boolean, t: number): string | null {
    if (this.head === null) {
      const h = checkResponseHead(headers);
      if (h.problems.length > 0) return `response head on stream ${this.id}: ${h.problems.join('; ')}`;
      const status = h.status!;
      if (status < 200) {
        if (status === 101) return `101 on stream ${this.id}: HTTP/2 has no Switching Protocols (RFC 9113 8.6)`;
        if (endStream) return `a ${status} head with END_STREAM on stream ${this.id} (RFC 9113 8.1)`;
        this.interim.push({ status, headers, t });
        this.record({ type: 'interim', t, status });
        return null;
      }
      this.head = { status, headers, t };
      this.contentLength = this.method === 'HEAD' || status === 204 || status === 304 ? null : h.contentLength;
      this.record({ type: 'head', t, status });
      return null;
    }
    if (this.trailers !== null) return `a second trailer section on stream ${this.id}`;
    if (!endStream) return `trailers without END_STREAM on stream ${this.id} (RFC 9113 8.1)`;
    const problems = checkTrailers(headers);
    if (problems.length > 0) return `trailers on stream ${this.id}: ${problems.join('; ')}`;
    this.trailers = headers;
    this.record({ type: 'trailers', t });
    return null;
  }

  /** Body bytes of one DATA frame (flow accounting is done by the caller). */
  onData(data: Buffer, flowBytes: number, t: number): Malformed | null {
    if (this.head === null) return { code: 'MALFORMED_RESPONSE', message: `DATA before the response head on stream ${this.id} (RFC 9113 8.1)` };
    const offset = this.bodyCount;
    this.bodyCount += data.length;
    if (this.storedBytes < this.cap && data.length > 0) {
      const keep = data.subarray(0, this.cap - this.storedBytes);
      this.stored.push(Buffer.from(keep));
      this.storedBytes += keep.length;
    }
    if (data.length > 0) this.opts.onBody?.(this, data, offset);
    this.record({ type: 'bytes', t, count: data.length, total: this.bodyCount, flowBytes });
    if (this.contentLength !== null && this.bodyCount > this.contentLength) {
      return { code: 'CONTENT_LENGTH_MISMATCH', message: `${this.bodyCount} body bytes on stream ${this.id}, over content-length ${this.contentLength}` };
    }
    return null;
  }

  /** END_STREAM received. Returns a malformation (no final head, content-length short) or null. */
  onEndStream(t: number): Malformed | null {
    this.remoteEnded = true;
    this.record({ type: 'end-stream', t });
    if (this.head === null) return { code: 'MALFORMED_RESPONSE', message: `END_STREAM before a final response head on stream ${this.id}` };
    if (this.contentLength !== null && this.bodyCount !== this.contentLength) {
      return { code: 'CONTENT_LENGTH_MISMATCH', message: `${this.bodyCount} body bytes on stream ${this.id}, content-length said ${this.contentLength}` };
    }
    return null;
  }

  /**
   * The stream is over: no more stream grants. A complete stream's reader goes on consuming
   * what is left (releasing connection window as it goes); any other end drops the unconsumed
   * bytes (released to the connection at once) and stops the behaviour.
   */
  finish(completion: StreamCompletion, t: number, resetCode?: number): void {
    if (this.ended) return;
    this.completion = completion;
    this.endedAt = t;
    if (resetCode !== undefined) this.resetCode = errorCodeName(resetCode);
    this.record({ type: 'close', t, completion });
    if (completion !== 'complete') this.stopReading();
    else this.stopWhenDrained();
  }

  /** A complete stream's behaviour stops (its timers with it) once nothing is left to consume. */
  private stopWhenDrained(): void {
    if (this.completion !== 'complete' || this.reader.unconsumed > 0) return;
    queueMicrotask(() => { if (this.reader.unconsumed === 0) this.reader.finish(); });
  }

  /** Drops unconsumed bytes and stops the behaviour (a reset, or the connection is gone). */
  stopReading(): void {
    const dropped = this.reader.discard();
    this.reader.finish();
    if (dropped > 0) this.host.released(dropped);
  }

  // ---- grants ----

  private consumed(n: number): void {
    this.window.consume(n);
    this.host.released(n);
    if (this.ended) return this.stopWhenDrained();
    if (this.remoteEnded) return; // no more DATA can come: no stream WINDOW_UPDATE
    const inc = this.window.due(this.threshold);
    if (inc > 0) this.sendGrant(inc, inc);
  }

  private sendGrant(increment: number, fromPending: number): void {
    this.window.sent(increment, fromPending);
    const window = this.window.available;
    this.host.sendWindowUpdate(this.id, increment, () => {
      this.record({ type: 'window-update', t: wallNow(), direction: 'sent', increment, window });
    });
  }
}
