// One HTTP/2 client connection on the HTTP worker thread (h2 over TLS by ALPN, or h2c with prior
// knowledge): reads frames, turns each request stream into an exchange for the TX side, and
// frames the responses. Same handler API and the same exchange bookkeeping as HTTP/1.1
// (connection.ts); what differs is what "sent" means (I-3 for HTTP/2):
//
//   A body byte is sent when it is put into a DATA frame that the client's stream window AND
//   connection window allow, and that frame is handed to the socket.
//
// So a stream whose window the client keeps at 0 does not advance `sent` at all, whatever TCP
// would take, and its queued bytes stay withdrawable (a timed-out write takes them back, I-2).
// Commit discipline as on HTTP/1.1: frames are built only when the previous socket write has
// completed, at most COMMIT_MAX body bytes per write, streams served round-robin so that one
// stalled stream never holds back its siblings (H2-03) while the connection window allows.
//
// Cancellation: RST_STREAM from the client cancels that stream's handler only (CXL-06); GOAWAY
// from the client, its FIN, or the loss of the connection cancel every stream.
//
// Errors: what RFC 9113 makes a stream error (a malformed request, frames after the client's
// END_STREAM or RST_STREAM) is RST_STREAM on that stream and nothing else; frames for a stream we
// reset are ignored, their field blocks decoded all the same (HPACK); GOAWAY is for connection
// errors only (docs/interpretations.md, HTTP/2 point 7).
import type { Socket } from 'node:net';
import type { FaultSet } from '../faults.ts';
import { NO_FAULTS } from '../faults.ts';
import type { Carrier, ConnectionHost } from '../http/connection.ts';
import { CommitWriter, type Taken } from '../http/commit-writer.ts';
import { Exchange } from '../http/exchange.ts';
import { dateValue } from '../http/status-text.ts';
import { COMMIT_MAX } from '../shuttle/messages.ts';
import {
  DEFAULT_MAX_FRAME, DEFAULT_WINDOW, E, F, FrameReader, H2Error, MAX_WINDOW, PREFACE, S, SETTINGS_ACK, T,
  frameHead, goaway, headersFrames, pingAck, rstStream, settingsFrame, windowUpdate, type InFrame,
} from './frames.ts';
import { RequestDecoder, ResponseEncoder } from './hpack.ts';

export interface H2Limits {
  maxConcurrentStreams: number;
  /** Largest request field block (decoded size, RFC 9113 SETTINGS_MAX_HEADER_LIST_SIZE). */
  maxHeadBytes: number;
  maxHeaders: number;
  maxBodyBytes: number;
  headerTimeoutMs: number;
  idleTimeoutMs: number;
  lingerTimeoutMs: number;
  /** RST_STREAM frames a client may send within `resetWindowMs` before GOAWAY(ENHANCE_YOUR_CALM) (CVE-2023-44487). */
  maxResets: number;
  resetWindowMs: number;
}

/** Our receive window for request bodies, per stream (SETTINGS_INITIAL_WINDOW_SIZE). */
const RECV_WINDOW = 1 << 20;
/** Our SETTINGS_MAX_FRAME_SIZE: what we accept. */
const OUR_MAX_FRAME = DEFAULT_MAX_FRAME;
/** How many streams reset by us are remembered, to ignore the frames (DATA, trailers) the client still had in flight. */
const RESET_MEMORY = 256;
/**
 * Control frames (SETTINGS and PING acks, WINDOW_UPDATEs, RST_STREAMs) queued while the client
 * does not read: past this the connection is closed (as nghttp2 and Go do), since a client that
 * floods PING or SETTINGS and never reads would otherwise grow the queue without end.
 */
export const MAX_CONTROL_QUEUE = 10_000;
/** RFC 9113 8.2.1: field names are lower-case tokens; values have no NUL, CR, LF and no surrounding whitespace. */
const FIELD_NAME = /^[!#$%&'*+\-.^_`|~0-9a-z]+$/;
const BAD_VALUE = /[\0\r\n]|^[ \t]|[ \t]$/;
/** Headers that are HTTP/1.1 connection business: never in an HTTP/2 response (RFC 9113 8.2.2). */
const CONNECTION_SPECIFIC = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade']);

interface Stream {
  id: number;
  /** The exchange, once the whole request has arrived and was dispatched (or answered locally). */
  ex: Exchange | null;
  /** The request while it arrives. */
  req: { method: string; target: string; headers: string[] } | null;
  body: Buffer[];
  bodyBytes: number;
  /** The request's content-length, -1 when none (RFC 9113 8.1.1: DATA must add up to it). */
  declaredLength: number;
  /** END_STREAM received: the request is complete. */
  remoteDone: boolean;
  /** What we may still send on this stream (the client's stream window); may go negative (6.9.2). */
  window: number;
  /** END_STREAM or RST_STREAM sent: nothing more goes out on this stream. */
  localDone: boolean;
  /** Fault h2-sent-counts-unwindowed only: bytes counted as sent that wait for window. */
  limbo: Uint8Array[];
  limboBytes: number;
  /** When the request last made progress (its HEADERS, a DATA frame): a stalled request body times out. */
  lastIn: number;
  /** Answered before the request was whole (413, 408): the rest of its body is ignored, and RST_STREAM(NO_ERROR) follows the response. */
  discardBody: boolean;
}

export class H2Connection implements Carrier {
  readonly #streams = new Map<number, Stream>();
  readonly #writer: CommitWriter;
  readonly #reader: FrameReader;
  readonly #decoder = new RequestDecoder();
  readonly #encoder = new ResponseEncoder();
  /** Frames that go ahead of everything else at the next write (acks, window updates, resets). */
  #control: Uint8Array[] = [];
  #preface = 0;
  #settingsSeen = false;
  #peerInitialWindow = DEFAULT_WINDOW;
  #peerMaxFrame = DEFAULT_MAX_FRAME;
  /** The client's connection window: what we may still send on all streams together. */
  #connWindow = DEFAULT_WINDOW;
  #lastStream = 0;
  #gone = false;
  /** GOAWAY sent: no new streams; the socket ends once the last stream is done. */
  #goingAway = false;
  #timerMs = -1;
  /** Round-robin start for the next pump. */
  #rr = 0;
  /** Streams we reset lately (RST_STREAM sent), oldest first. */
  readonly #resetByUs = new Set<number>();
  /** Streams the client reset lately (RST_STREAM received), oldest first. */
  readonly #resetByPeer = new Set<number>();
  /** RST_STREAMs received in the current rate window, and when that window began. */
  #resets = 0;
  #resetWindowStart = 0;
  /** A connection error was found: GOAWAY sent, nothing more is read. */
  #failed = false;
  /** Fires when the oldest request still arriving has made no progress for idle_timeout. */
  #stallTimer: NodeJS.Timeout | null = null;

  constructor(
    readonly socket: Socket,
    readonly tls: boolean,
    private readonly host: ConnectionHost,
    private readonly limits: H2Limits,
    private readonly faults: FaultSet = NO_FAULTS,
    /** Bytes already read from the socket (the sniffed preface of an h2c connection). */
    initial: Buffer | null = null,
  ) {
    // FrameReader's field-block cap: the decoded-size limit applies after HPACK; this bounds the
    // compressed block (which is never larger than a sane multiple of it).
    this.#reader = new FrameReader(OUR_MAX_FRAME, 2 * limits.maxHeadBytes);
    this.#writer = new CommitWriter(socket, tls, (ex) => host.released(ex), () => this.pump());
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    socket.on('end', () => this.#onPeerEnd());
    socket.on('error', () => { /* reported through 'close' */ });
    socket.on('close', () => this.#onClose());
    socket.on('timeout', () => this.#onTimeout());
    this.#control.push(settingsFrame([
      [S.MAX_CONCURRENT_STREAMS, limits.maxConcurrentStreams],
      [S.INITIAL_WINDOW_SIZE, RECV_WINDOW],
      [S.MAX_FRAME_SIZE, OUR_MAX_FRAME],
      [S.MAX_HEADER_LIST_SIZE, limits.maxHeadBytes],
      [S.ENABLE_PUSH, 0],
    ]));
    // The connection's receive window is fixed at 65535 by the RFC: open it to match the streams'.
    this.#control.push(windowUpdate(0, RECV_WINDOW - DEFAULT_WINDOW));
    this.#armTimer();
    this.pump();
    if (initial !== null && initial.length > 0) this.#onData(initial);
  }

  /** Commits whatever can be committed now: control frames, heads, DATA the windows allow. */
  pump(): void {
    if (this.#writer.writing || this.#gone || this.socket.destroyed) return;
    const out: Uint8Array[] = this.#control;
    this.#control = [];
    const taken: Taken = [];
    let budget = COMMIT_MAX;
    const streams = [...this.#streams.values()];
    const n = streams.length;
    let finishedAny = false;
    let lastServed = -1;
    for (let k = 0; k < n; k++) {
      const s = streams[(k + this.#rr) % n]!;
      const ex = s.ex;
      if (ex === null || s.localDone) continue;
      if (!ex.headCommitted) {
        if (ex.head) {
          this.#commitHead(s, ex, out);
          if (!ex.local) this.host.progress(ex);
        } else if (ex.ended) {
          // The handler ended without ever getting a head out (its write_header timed out): the
          // request cannot be answered.
          this.#finish(s, ex, E.INTERNAL_ERROR, out);
          finishedAny = true;
          continue;
        } else continue;
      }
      const before = ex.sent;
      budget = this.#frameData(s, ex, budget, out);
      if (ex.sent !== before) {
        lastServed = k;
        taken.push([ex, ex.sent]);
        ex.holds++;
        if (!ex.local) this.host.progress(ex);
      }
      if (ex.ended && ex.queuedBytes === 0 && s.limboBytes === 0) {
        const short = ex.framing === 'length' && ex.sent !== ex.declaredLength;
        this.#finish(s, ex, ex.aborted || short ? E.INTERNAL_ERROR : E.NO_ERROR, out);
        finishedAny = true;
      }
      if (budget === 0) break;
    }
    // The next pass starts after the last stream that got bytes, so that neither the commit
    // budget nor the connection window always goes to the same stream first.
    if (lastServed >= 0) this.#rr = (lastServed + this.#rr + 1) % n;
    if (out.length > 0) this.#writer.write(out, taken);
    else this.#writer.release(taken);
    if (finishedAny) this.#armTimer();
    if (this.#goingAway && this.#streams.size === 0 && !this.#writer.writing) this.socket.end();
  }

  /** Closes now, cancelling every stream. */
  destroy(): void {
    this.socket.destroy();
  }

  /** Graceful: GOAWAY, finish the streams in progress, accept no new ones, then close. */
  shutdown(): void {
    this.#goAway(E.NO_ERROR, 'shutting down');
    this.pump();
  }

  touched(): void {
    this.#armTimer();
  }

  /** Frames up to `budget` body bytes of `s` as DATA; returns the budget left. */
  #frameData(s: Stream, ex: Exchange, budget: number, out: Uint8Array[]): number {
    if (ex.framing === 'none') {
      // HEAD, 204, 304: counted as sent, never on the wire (as on HTTP/1.1).
      if (ex.queuedBytes > 0) ex.take(ex.queuedBytes, []);
      return budget;
    }
    const ignoreStreamWindow = this.faults.has('h2-stream-window-ignored');
    for (;;) {
      const left = s.limboBytes > 0 ? s.limboBytes : ex.queuedBytes;
      if (left === 0 || budget === 0) break;
      const allow = Math.min(budget, this.#connWindow, this.#peerMaxFrame, ignoreStreamWindow ? MAX_WINDOW : s.window, left);
      if (allow <= 0) {
        if (this.faults.has('h2-sent-counts-unwindowed') && ex.queuedBytes > 0 && s.limboBytes < COMMIT_MAX) {
          // The fault: bytes waiting for window counted as sent (copied: they outlive the ring slot).
          const parts: Uint8Array[] = [];
          const n = ex.take(COMMIT_MAX - s.limboBytes, parts);
          for (const p of parts) s.limbo.push(Buffer.from(p));
          s.limboBytes += n;
        }
        break;
      }
      const parts: Uint8Array[] = [];
      if (s.limboBytes > 0) {
        takeFrom(s.limbo, allow, parts);
        s.limboBytes -= allow;
      } else ex.take(allow, parts);
      const last = ex.ended && ex.queuedBytes === 0 && s.limboBytes === 0 && !ex.aborted
        && !(ex.framing === 'length' && ex.sent !== ex.declaredLength);
      out.push(frameHead(allow, T.DATA, last ? F.END_STREAM : 0, s.id));
      for (const p of parts) out.push(p);
      if (last) s.localDone = true;
      s.window -= allow;
      this.#connWindow -= allow;
      budget -= allow;
    }
    return budget;
  }

  #commitHead(s: Stream, ex: Exchange, out: Uint8Array[]): void {
    const h = ex.head!;
    const fields: string[] = [':status', String(h.status)];
    let hasDate = false;
    for (let i = 0; i < h.headers.length; i += 2) {
      const name = h.headers[i]!.toLowerCase();
      const value = h.headers[i + 1]!;
      if (CONNECTION_SPECIFIC.has(name)) continue;
      if (name === 'content-length') {
        ex.declaredLength = Number(value);
        continue; // added below, once
      }
      if (name === 'date') hasDate = true;
      fields.push(name, value);
    }
    if (!hasDate) fields.push('date', dateValue());
    const status = h.status;
    if (ex.bodyless(status)) ex.framing = 'none';
    else ex.framing = ex.declaredLength >= 0 ? 'length' : 'chunked';
    if (ex.declaredLength >= 0 && status !== 204 && status !== 304) fields.push('content-length', String(ex.declaredLength));
    // A response that is already whole and has no body ends with its HEADERS frame.
    const endNow = ex.ended && !ex.aborted && (ex.framing === 'none' || (ex.queuedBytes === 0 && (ex.framing !== 'length' || ex.declaredLength === 0)));
    headersFrames(s.id, this.#encoder.encode(fields), endNow, this.#peerMaxFrame, out);
    if (endNow) s.localDone = true;
    ex.headCommitted = true;
    ex.head = null;
  }

  /** The stream is over on our side: END_STREAM if not sent yet (code NO_ERROR), or RST_STREAM(code). */
  #finish(s: Stream, ex: Exchange, code: number, out: Uint8Array[]): void {
    if (code !== E.NO_ERROR) this.#reset(s.id, code, out);
    else {
      if (!s.localDone) out.push(frameHead(0, T.DATA, F.END_STREAM, s.id));
      // The response is complete but the request is not: the rest of it is not wanted (8.1).
      if (!s.remoteDone || s.discardBody) this.#reset(s.id, E.NO_ERROR, out);
    }
    s.localDone = true;
    ex.finished = true;
    // The client may still be sending its request body; that is no business of ours any more.
    this.#streams.delete(s.id);
    if (!ex.local) this.host.closed(ex, false);
  }


  // ---- reading ----

  #onData(chunk: Buffer): void {
    if (this.#gone || this.#failed) return;
    try {
      if (this.#preface < PREFACE.length) {
        const n = Math.min(PREFACE.length - this.#preface, chunk.length);
        if (!chunk.subarray(0, n).equals(PREFACE.subarray(this.#preface, this.#preface + n))) {
          throw new H2Error(E.PROTOCOL_ERROR, 0, 'bad connection preface');
        }
        this.#preface += n;
        chunk = chunk.subarray(n);
        if (chunk.length === 0) return;
      }
      this.#reader.push(chunk, (f) => { if (!this.#failed) this.#onFrame(f); }, (e) => { if (!this.#failed) this.#streamError(e.stream, e.code); });
    } catch (err) {
      if (!(err instanceof H2Error)) throw err;
      this.#connectionError(err.code, err.message);
    }
    if (this.#control.length > MAX_CONTROL_QUEUE) {
      // The client sends frames that need an answer but does not read the answers: no GOAWAY
      // could reach it either. Close (what it had queued is dropped, its streams cancelled).
      this.socket.destroy();
      return;
    }
    this.pump();
  }

  #onFrame(f: InFrame): void {
    if (!this.#settingsSeen && f.type !== T.SETTINGS) throw new H2Error(E.PROTOCOL_ERROR, 0, 'the client preface must start with SETTINGS');
    switch (f.type) {
      case T.SETTINGS:
        if (f.flags & F.ACK) return;
        this.#applySettings(f.payload);
        this.#control.push(SETTINGS_ACK);
        if (!this.#settingsSeen) {
          this.#settingsSeen = true;
          this.#armTimer(); // from header_timeout (preface) to idle_timeout
        }
        return;
      case T.PING:
        if (!(f.flags & F.ACK)) this.#control.push(pingAck(f.payload));
        return;
      case T.GOAWAY:
        // The client is going away: every stream it had is cancelled (issue: GOAWAY cancels all).
        this.#goingAway = true;
        this.#cancelAll();
        this.socket.end();
        return;
      case T.WINDOW_UPDATE:
        this.#onWindowUpdate(f);
        return;
      case T.RST_STREAM:
        this.#onReset(f.stream);
        return;
      case T.HEADERS:
        this.#onHeaders(f);
        return;
      case T.DATA:
        this.#onDataFrame(f);
        return;
    }
  }

  #applySettings(p: Buffer): void {
    for (let i = 0; i < p.length; i += 6) {
      const id = p.readUInt16BE(i);
      const v = p.readUInt32BE(i + 2);
      if (id === S.ENABLE_PUSH && v > 1) throw new H2Error(E.PROTOCOL_ERROR, 0, 'SETTINGS_ENABLE_PUSH must be 0 or 1');
      if (id === S.INITIAL_WINDOW_SIZE) {
        if (v > MAX_WINDOW) throw new H2Error(E.FLOW_CONTROL_ERROR, 0, 'SETTINGS_INITIAL_WINDOW_SIZE above 2^31-1');
        const delta = v - this.#peerInitialWindow;
        this.#peerInitialWindow = v;
        for (const s of this.#streams.values()) {
          s.window += delta;
          if (s.window > MAX_WINDOW) throw new H2Error(E.FLOW_CONTROL_ERROR, 0, `stream ${s.id} window above 2^31-1`);
        }
      }
      if (id === S.MAX_FRAME_SIZE) {
        if (v < DEFAULT_MAX_FRAME || v > 16_777_215) throw new H2Error(E.PROTOCOL_ERROR, 0, 'SETTINGS_MAX_FRAME_SIZE out of range');
        this.#peerMaxFrame = v;
      }
      // HEADER_TABLE_SIZE: our encoder never uses the dynamic table. MAX_CONCURRENT_STREAMS:
      // limits pushes, which this server does not make. Unknown ids are ignored (6.5.2).
    }
  }

  #onWindowUpdate(f: InFrame): void {
    const inc = f.payload.readUInt32BE(0) & 0x7fffffff;
    if (f.stream === 0) {
      if (inc === 0) throw new H2Error(E.PROTOCOL_ERROR, 0, 'WINDOW_UPDATE with increment 0');
      this.#connWindow += inc;
      if (this.#connWindow > MAX_WINDOW) throw new H2Error(E.FLOW_CONTROL_ERROR, 0, 'connection window above 2^31-1');
      return;
    }
    if (f.stream > this.#lastStream) throw new H2Error(E.PROTOCOL_ERROR, 0, `WINDOW_UPDATE on idle stream ${f.stream}`);
    const s = this.#streams.get(f.stream);
    if (s === undefined) return; // closed: nothing to send any more
    if (inc === 0) throw new H2Error(E.PROTOCOL_ERROR, f.stream, 'WINDOW_UPDATE with increment 0');
    s.window += inc;
    if (s.window > MAX_WINDOW) throw new H2Error(E.FLOW_CONTROL_ERROR, f.stream, 'stream window above 2^31-1');
  }

  #onReset(id: number): void {
    if (id > this.#lastStream) throw new H2Error(E.PROTOCOL_ERROR, 0, `RST_STREAM on idle stream ${id}`);
    // Rapid reset (CVE-2023-44487): every reset stream cost a handler start; a client that resets
    // faster than the limit is told to calm down and the connection is closed.
    const now = performance.now();
    if (now - this.#resetWindowStart > this.limits.resetWindowMs) {
      this.#resetWindowStart = now;
      this.#resets = 0;
    }
    if (++this.#resets > this.limits.maxResets) {
      throw new H2Error(E.ENHANCE_YOUR_CALM, 0, `more than ${this.limits.maxResets} RST_STREAM in ${this.limits.resetWindowMs / 1000} s`);
    }
    if (!this.#resetByUs.has(id)) remember(this.#resetByPeer, id);
    const s = this.#streams.get(id);
    if (s === undefined) return;
    if (this.faults.has('h2-rst-cancels-connection')) {
      // The fault: one stream's reset takes the whole connection (and every sibling) down.
      this.socket.destroy();
      return;
    }
    s.localDone = true; // no frame may follow a RST_STREAM we received
    this.#cancel(s);
  }

  #onHeaders(f: InFrame): void {
    // Decoded whatever happens next: the HPACK table must follow every block (RFC 7541 2.2).
    // Bounded: past 4x the field-section limit the block is not decoded further (HPACK bomb).
    const fields = this.#decoder.decode(f.payload, 4 * this.limits.maxHeadBytes);
    const id = f.stream;
    // A stream we reset is closed: what the client still had in flight for it (trailers, say) is
    // ignored (RFC 9113 5.1), its block decoded above all the same.
    if (this.#resetByUs.has(id)) return;
    // Any frame but PRIORITY after the client's RST_STREAM is a stream error (5.1, "closed").
    if (this.#resetByPeer.has(id)) throw new H2Error(E.STREAM_CLOSED, id, 'HEADERS on a stream the client reset');
    const existing = this.#streams.get(id);
    if (existing !== undefined) {
      if (existing.discardBody) return; // answered already; its trailers are not wanted either
      // After the client's END_STREAM: half-closed (remote), a stream error (5.1).
      if (existing.remoteDone) throw new H2Error(E.STREAM_CLOSED, id, 'HEADERS after END_STREAM');
      if (f.streamError) throw f.streamError;
      // Trailers: only after the body, they end the request (8.1), and carry no pseudo-header
      // or connection-specific field (8.1, 8.2.2); else the request is malformed (8.1.1).
      if (!(f.flags & F.END_STREAM)) throw new H2Error(E.PROTOCOL_ERROR, id, 'HEADERS in the middle of a request');
      const bad = trailersProblem(fields);
      if (bad !== null) throw new H2Error(E.PROTOCOL_ERROR, id, bad);
      this.#endOfRequest(existing);
      return;
    }
    if (id % 2 === 0 || id <= this.#lastStream) throw new H2Error(E.PROTOCOL_ERROR, 0, `HEADERS opening stream ${id} (not a new odd id)`);
    this.#lastStream = id;
    // The stream is open now (idle -> open), and reset at once.
    if (f.streamError) throw f.streamError;
    if (this.#goingAway) {
      this.#reset(id, E.REFUSED_STREAM);
      return;
    }
    // Every stream we still hold counts, a finished response still waiting for window included:
    // otherwise a client that keeps its window at 0 holds any number of them (issue 15).
    if (this.#streams.size >= this.limits.maxConcurrentStreams) {
      this.#reset(id, E.REFUSED_STREAM);
      return;
    }
    const s: Stream = {
      id, ex: null, req: null, body: [], bodyBytes: 0, declaredLength: -1, remoteDone: false, window: this.#peerInitialWindow, localDone: false,
      limbo: [], limboBytes: 0, lastIn: performance.now(), discardBody: false,
    };
    this.#streams.set(id, s);
    const req = this.#requestFrom(fields);
    // A malformed request is a stream error (RFC 9113 8.1.1).
    if (typeof req === 'string') throw new H2Error(E.PROTOCOL_ERROR, id, req);
    s.req = { method: req.method, target: req.target, headers: req.headers };
    s.declaredLength = req.contentLength;
    this.#armTimer();
    if (f.flags & F.END_STREAM) this.#endOfRequest(s);
    else if (this.#stallTimer === null) this.#checkStalled();
  }

  /**
   * Requests still arriving (HEADERS without END_STREAM) must make progress: one whose body has
   * not moved for idle_timeout is answered 408 (and the rest of it refused), so that a client
   * cannot hold streams, and with them the connection, by never finishing them.
   */
  #checkStalled(): void {
    this.#stallTimer = null;
    if (this.#gone) return;
    const now = performance.now();
    const limit = this.limits.idleTimeoutMs;
    let oldest = Infinity;
    for (const s of [...this.#streams.values()]) {
      if (s.ex !== null || s.remoteDone) continue;
      if (now - s.lastIn >= limit) this.#respondLocally(s, 408, 'request body not received in time');
      else oldest = Math.min(oldest, s.lastIn);
    }
    if (oldest !== Infinity) {
      this.#stallTimer = setTimeout(() => this.#checkStalled(), Math.max(1, oldest + limit - now));
      this.#stallTimer.unref();
    }
    this.pump();
  }

  /**
   * Pseudo-headers and fields of a request (RFC 9113 8.3.1) and its content-length (-1: none), or
   * why it is malformed. Fields are looked up by name only, never by position in the flat list.
   */
  #requestFrom(fields: string[]): { method: string; target: string; headers: string[]; contentLength: number } | string {
    let method = '';
    let path = '';
    let scheme = '';
    let authority = '';
    let regular = false;
    let hasHost = false;
    let contentLength = -1;
    let size = 0;
    const headers: string[] = [];
    for (let i = 0; i < fields.length; i += 2) {
      const name = fields[i]!;
      const value = fields[i + 1]!;
      size += name.length + value.length + 32;
      if (name.startsWith(':')) {
        if (regular) return 'pseudo-header after a regular field';
        if (/[\0\r\n]/.test(value)) return `malformed value of ${name}`;
        if (name === ':method' && method === '') method = value;
        else if (name === ':path' && path === '') path = value;
        else if (name === ':scheme' && scheme === '') scheme = value;
        else if (name === ':authority' && authority === '') authority = value;
        else return `unexpected or repeated pseudo-header ${name}`;
        continue;
      }
      regular = true;
      if (name !== name.toLowerCase()) return `upper-case field name ${name}`;
      if (!FIELD_NAME.test(name)) return `malformed field name ${JSON.stringify(name)}`;
      if (BAD_VALUE.test(value)) return `malformed value of field ${name}`;
      if (CONNECTION_SPECIFIC.has(name)) return `connection-specific field ${name}`;
      if (name === 'te' && value !== 'trailers') return 'te other than "trailers"';
      if (name === 'content-length') {
        // Repeated, it must say the same each time (8.1.1: the DATA must add up to it).
        if (!/^\d{1,15}$/.test(value)) return 'malformed content-length';
        if (contentLength >= 0 && Number(value) !== contentLength) return 'content-length fields disagree';
        contentLength = Number(value);
      }
      if (name === 'host') hasHost = true;
      headers.push(name, value);
    }
    if (size > this.limits.maxHeadBytes) return 'field section over the limit';
    if (headers.length / 2 > this.limits.maxHeaders) return 'too many fields';
    if (method === '' || method === 'CONNECT') return method === '' ? 'no :method' : 'CONNECT is not served';
    if (scheme === '' || path === '') return 'no :scheme or :path';
    if (authority !== '' && !hasHost) headers.unshift('host', authority);
    return { method, target: path, headers, contentLength };
  }

  #onDataFrame(f: InFrame): void {
    // Connection-level flow control: what arrives is given back at once (bodies are bounded by
    // max_body_len, which is enforced per stream below).
    if (f.flowBytes > 0) this.#control.push(windowUpdate(0, f.flowBytes));
    const id = f.stream;
    if (id > this.#lastStream) throw new H2Error(E.PROTOCOL_ERROR, 0, `DATA on idle stream ${id}`);
    // DATA the client sent before it saw our RST_STREAM is expected, and ignored (RFC 9113 5.4.2).
    if (this.#resetByUs.has(id)) return;
    const s = this.#streams.get(id);
    // A closed stream (finished, reset by the client): DATA there is a stream error (RFC 9113 5.1).
    if (s === undefined) throw new H2Error(E.STREAM_CLOSED, id, 'DATA on a closed stream');
    if (s.discardBody) return; // answered already (413, 408); the rest of the body is not wanted
    if (s.remoteDone) throw new H2Error(E.STREAM_CLOSED, id, 'DATA after END_STREAM');
    if (s.ex === null) {
      s.lastIn = performance.now();
      s.bodyBytes += f.payload.length;
      if (s.bodyBytes > this.limits.maxBodyBytes) {
        this.#respondLocally(s, 413, 'request body too large');
        return;
      }
      if (s.bodyBytes > s.declaredLength && s.declaredLength >= 0) throw new H2Error(E.PROTOCOL_ERROR, id, 'request body longer than its content-length');
      if (f.payload.length > 0) s.body.push(Buffer.from(f.payload));
    }
    if (f.flags & F.END_STREAM) this.#endOfRequest(s);
    else if (f.flowBytes > 0) this.#control.push(windowUpdate(id, f.flowBytes));
  }

  /**
   * END_STREAM from the client, on HEADERS, DATA or trailers alike: the body must add up to the
   * declared content-length (RFC 9113 8.1.1), else the request is malformed (a stream error).
   */
  #endOfRequest(s: Stream): void {
    if (s.ex === null && s.declaredLength >= 0 && s.bodyBytes !== s.declaredLength) {
      throw new H2Error(E.PROTOCOL_ERROR, s.id, `request body of ${s.bodyBytes} bytes, content-length ${s.declaredLength}`);
    }
    this.#requestComplete(s);
  }

  #requestComplete(s: Stream): void {
    s.remoteDone = true;
    if (s.ex !== null || s.req === null) return;
    const r = s.req;
    s.req = null;
    const body = s.body.length === 0 ? null : s.body.length === 1 ? s.body[0]! : Buffer.concat(s.body);
    s.body = [];
    const ex = this.host.dispatch(this, { method: r.method, target: r.target, version: '2', headers: r.headers, body, keepAlive: true });
    if (ex === null) this.#respondLocally(s, 503, 'server busy: too many concurrent requests');
    else s.ex = ex;
  }

  /** A response made by the worker itself (errors, overload); never seen by a handler. */
  #respondLocally(s: Stream, status: number, message: string): void {
    const method = s.req?.method ?? 'GET';
    s.req = null;
    s.body = [];
    const ex = new Exchange(-1, method, '2', true, this.tls);
    ex.local = true;
    const body = Buffer.from(`${message}\n`);
    ex.head = { hseq: 0, status, headers: ['content-type', 'text/plain', 'content-length', String(body.length)] };
    if (status === 503) ex.head.headers.push('retry-after', '1');
    ex.enqueue(0, body);
    ex.ended = true;
    s.ex = ex;
    // Nothing more of this request is wanted; the response goes out as the windows allow, then
    // RST_STREAM(NO_ERROR) tells the client to stop sending (RFC 9113 8.1). Sent before the
    // response, it would close the stream the response is still to come on.
    if (!s.remoteDone) s.discardBody = true;
    s.remoteDone = true;
  }

  // ---- errors and endings ----

  /**
   * Sends RST_STREAM(code) on stream `id` (with the control frames, or into `out`) and remembers
   * (the last RESET_MEMORY) streams reset so: whatever the client still had in flight for them is
   * ignored (RFC 9113 5.1, "closed"). A stream above the last one opened (a PRIORITY frame's
   * error on an idle stream) is not remembered: the client may still open it.
   */
  #reset(id: number, code: number, out: Uint8Array[] = this.#control): void {
    out.push(rstStream(id, code));
    if (id <= this.#lastStream) remember(this.#resetByUs, id);
  }

  #streamError(id: number, code: number): void {
    this.#reset(id, code);
    const s = this.#streams.get(id);
    if (s !== undefined) {
      s.localDone = true;
      this.#cancel(s);
    }
  }

  #connectionError(code: number, message: string): void {
    if (this.#failed) return;
    this.#goAway(code, message);
    // Nothing more is read: what follows the error is not parsed, and no second GOAWAY goes out.
    this.#failed = true;
    this.#cancelAll();
    this.pump();
    if (!this.#writer.writing) this.socket.end();
    setTimeout(() => this.socket.destroy(), 1000).unref();
  }

  #goAway(code: number, debug: string): void {
    if ((this.#goingAway && code === E.NO_ERROR) || this.#failed) return;
    this.#goingAway = true;
    this.#control.push(goaway(this.#lastStream, code, debug));
  }

  /** The client cancelled stream `s` (or it failed): its handler is told; nothing more is sent. */
  #cancel(s: Stream): void {
    this.#streams.delete(s.id);
    const ex = s.ex;
    if (ex === null || ex.finished) return;
    ex.finished = true;
    ex.dropQueued();
    if (!ex.local) this.host.closed(ex, true);
    this.#armTimer();
  }

  #cancelAll(): void {
    for (const s of [...this.#streams.values()]) {
      s.localDone = true;
      this.#cancel(s);
    }
  }

  #onPeerEnd(): void {
    // An HTTP/2 client that stops sending can no longer open windows or acknowledge anything:
    // the connection is over, as with GOAWAY.
    this.#goingAway = true;
    this.#cancelAll();
    if (!this.#writer.writing) this.socket.end();
  }

  #onTimeout(): void {
    if (this.#streams.size === 0) {
      this.#goAway(E.NO_ERROR, 'idle');
      this.pump();
      setTimeout(() => this.socket.destroy(), 1000).unref();
      return;
    }
    this.socket.destroy();
  }

  /** One socket inactivity timer, set for the state the connection is in. */
  #armTimer(): void {
    let ms = 0;
    if (this.#streams.size === 0) ms = this.#settingsSeen ? this.limits.idleTimeoutMs : this.limits.headerTimeoutMs;
    else {
      let allEnded = true;
      for (const s of this.#streams.values()) if (s.ex === null || !s.ex.ended) allEnded = false;
      if (allEnded) ms = this.limits.lingerTimeoutMs;
    }
    if (ms !== this.#timerMs) {
      this.#timerMs = ms;
      this.socket.setTimeout(ms);
    }
  }

  #onClose(): void {
    if (this.#gone) return;
    this.#gone = true;
    if (this.#stallTimer !== null) clearTimeout(this.#stallTimer);
    for (const s of [...this.#streams.values()]) {
      this.#streams.delete(s.id);
      if (s.ex !== null && !s.ex.local && !s.ex.finished) this.host.closed(s.ex, true);
    }
    this.#writer.releaseHeld();
    this.host.connectionGone(this);
  }
}

/** Adds `id` to a set of recently reset streams that keeps the last RESET_MEMORY. */
function remember(set: Set<number>, id: number): void {
  set.add(id);
  if (set.size > RESET_MEMORY) set.delete(set.values().next().value!);
}

/** Why a trailer section is malformed (RFC 9113 8.1, 8.2.1, 8.2.2), or null. */
function trailersProblem(fields: string[]): string | null {
  for (let i = 0; i < fields.length; i += 2) {
    const name = fields[i]!;
    if (name.startsWith(':')) return `pseudo-header ${name} in trailers`;
    if (name !== name.toLowerCase()) return `upper-case field name ${name} in trailers`;
    if (!FIELD_NAME.test(name)) return `malformed field name ${JSON.stringify(name)} in trailers`;
    if (BAD_VALUE.test(fields[i + 1]!)) return `malformed value of field ${name} in trailers`;
    if (CONNECTION_SPECIFIC.has(name)) return `connection-specific field ${name} in trailers`;
  }
  return null;
}

/** Moves `n` bytes from the front of `from` into `parts` (splitting the last piece if needed). */
function takeFrom(from: Uint8Array[], n: number, parts: Uint8Array[]): void {
  while (n > 0) {
    const p = from[0]!;
    if (p.length <= n) {
      parts.push(p);
      from.shift();
      n -= p.length;
    } else {
      parts.push(p.subarray(0, n));
      from[0] = p.subarray(n);
      n = 0;
    }
  }
}
