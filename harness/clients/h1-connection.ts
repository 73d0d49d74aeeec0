// One HTTP/1.1 client connection (plain TCP or TLS) that owns its socket, response parser, reading
// behaviour and timers, and records a wire timeline. Several send() calls back to back pipeline.
// Prints nothing; everything it saw is in `timeline` and `responses`.
import type net from 'node:net';
import { ClientError } from './errors.ts';
import { H1ResponseParser, type ParsedResponse, type ParserOptions } from './h1-response-parser.ts';
import { type H1Request, hostHeader, serialiseRequest } from './h1-request.ts';
import { type OpenedSocket, type ReadMode, type TlsOptions, openSocket } from './open-socket.ts';
import type { ReadBehaviour, ReadControl } from './read-behaviour.ts';
import { type TimelineEvent, wallNow } from './timeline.ts';
import { Waiters } from './waiters.ts';
import { createReading } from './behaviours/reading.ts';

export type { H1Request } from './h1-request.ts';
export type { TlsOptions, ReadMode } from './open-socket.ts';

export interface H1ConnectionOptions {
  host: string;
  port: number;
  tls?: boolean | TlsOptions;
  /** How to read; default: read everything as fast as possible. */
  behaviour?: ReadBehaviour;
  /** Body bytes stored per response (default 1 MiB); counting goes on beyond. */
  storeBodyCap?: number;
  /** Plain TCP only: 'onread' (default, exact read sizes) or 'stream'. TLS always streams. */
  readMode?: ReadMode;
  /** Largest single read in onread mode (default 256 KiB). */
  readBufferBytes?: number;
  connectTimeoutMs?: number;
  /** After close(): how long to keep draining what already arrived before closing (default 20 ms). */
  closeDrainMs?: number;
  /** Every body piece as it arrives (valid only during the call), e.g. to check the pattern. */
  onBody?: ParserOptions['onBody'];
  /**
   * false: keep no wire timeline (`timeline` stays empty), for populations of thousands of
   * long-lived connections (dawdle capacity), where one event per read would pile up.
   */
  recordTimeline?: boolean;
  /**
   * onread mode: read into this buffer instead of one of the connection's own. Reads are handled
   * synchronously, so every connection of a process can share one (saves a buffer per connection).
   */
  sharedReadBuffer?: Buffer;
}

export class H1Connection {
  readonly timeline: TimelineEvent[] = [];
  private readonly parser: H1ResponseParser;
  private readonly waiters = new Waiters();
  private readonly readBuffer: Buffer;
  private opened: OpenedSocket | null = null;
  private current: { behaviour: ReadBehaviour; active: boolean };
  private received = 0;
  private requests = 0;
  private isPaused = false;
  private writeEnded = false;
  private clientClosing = false;
  private isClosed = false;
  private drainTimer: NodeJS.Timeout | null = null;
  private drainImmediate: NodeJS.Immediate | null = null;

  private constructor(private readonly opts: H1ConnectionOptions) {
    this.parser = new H1ResponseParser({
      now: wallNow,
      ...(opts.storeBodyCap !== undefined ? { storeBodyCap: opts.storeBodyCap } : {}),
      ...(opts.onBody !== undefined ? { onBody: opts.onBody } : {}),
      onHead: (r) => this.record({ type: 'head', t: r.headAt!, index: r.index, status: r.status }),
      onEnd: (r) => this.record({
        type: 'response-end', t: r.endAt!, index: r.index, completion: r.completion, bodyBytes: r.bodyBytes,
      }),
    });
    this.readBuffer = opts.sharedReadBuffer ?? Buffer.allocUnsafe(opts.readBufferBytes ?? 256 * 1024);
    this.current = { behaviour: opts.behaviour ?? createReading(), active: false };
  }

  /** Connects (and completes the TLS handshake); the behaviour is attached before any read. */
  static async open(opts: H1ConnectionOptions): Promise<H1Connection> {
    const c = new H1Connection(opts);
    await openSocket({
      host: opts.host,
      port: opts.port,
      tls: opts.tls,
      readMode: opts.readMode ?? 'onread',
      connectTimeoutMs: opts.connectTimeoutMs ?? 10_000,
      nextReadBuffer: () => c.nextReadBuffer(),
      onRead: (data) => c.onRead(data),
      onConnect: (localPort) => c.timeline.push({ type: 'connect', t: wallNow(), localPort }),
      onReady: (opened) => c.onReady(opened),
    });
    return c;
  }

  get responses(): readonly ParsedResponse[] { return this.parser.responses; }
  get bytesReceived(): number { return this.received; }
  /** Bytes read from the TCP socket (with TLS: record bytes, before decryption). */
  get tcpBytesReceived(): number { return this.opened?.tcp.bytesRead ?? 0; }
  get requestsSent(): number { return this.requests; }
  get paused(): boolean { return this.isPaused; }
  get closed(): boolean { return this.isClosed; }
  get behaviour(): ReadBehaviour { return this.current.behaviour; }
  get localPort(): number { return this.opened?.tcp.localPort ?? 0; }
  /** The framing error that stopped parsing, and bytes received after it, if any. */
  get framingError(): { offset: number; message: string; ignoredBytes: number } | null {
    const e = this.parser.error;
    return e === null ? null : { ...e, ignoredBytes: this.parser.ignoredBytes };
  }

  /** Writes one request; returns its index. Requests sent back to back are pipelined. */
  send(request: H1Request): number {
    if (this.writeEnded || this.isClosed) {
      throw new ClientError('ERR_NOT_WRITABLE', 'send() after the sending side was closed');
    }
    const bytes = serialiseRequest(request, hostHeader(this.opts.host, this.opts.port, this.opened!.tls !== null));
    const index = this.requests++;
    this.parser.expectResponse(request.method);
    this.opened!.socket.write(bytes, (err) => {
      if (!err) this.record({ type: 'request-sent', t: wallNow(), index, bytes: bytes.length });
    });
    return index;
  }

  /** Resolves once response `index` has its status line and headers (or ended without them). */
  waitForHead(index: number, timeoutMs: number): Promise<ParsedResponse> {
    return this.waiters.wait(`the head of response ${index}`, () => {
      const r = this.responseOrThrow(index);
      return r !== undefined && (r.headAt !== null || r.completion !== 'in-progress') ? r : undefined;
    }, timeoutMs);
  }

  /** Resolves once response `index` has ended: complete, truncated, framing error or abandoned. */
  waitForResponse(index: number, timeoutMs: number): Promise<ParsedResponse> {
    return this.waiters.wait(`response ${index}`, () => {
      const r = this.responseOrThrow(index);
      return r !== undefined && r.completion !== 'in-progress' ? r : undefined;
    }, timeoutMs);
  }

  /** Resolves with bytesReceived once at least `n` bytes have been received. */
  waitForBytes(n: number, timeoutMs: number): Promise<number> {
    return this.waiters.wait(`${n} bytes`, () => (this.received >= n ? this.received : undefined), timeoutMs);
  }

  waitForClose(timeoutMs: number): Promise<void> {
    return this.waiters.wait('the connection to close', () => (this.isClosed ? true : undefined), timeoutMs)
      .then(() => undefined);
  }

  /** Replaces the reading behaviour (e.g. stalled, then reading again). Reading resumes first. */
  setBehaviour(behaviour: ReadBehaviour): void {
    this.detachBehaviour();
    this.current = { behaviour, active: false };
    if (this.isClosed) return;
    this.resumeReading();
    this.attachBehaviour();
  }

  /**
   * Full close: FIN, then keep draining what has already arrived (until a loop turn brings
   * nothing, at most closeDrainMs), then close the socket. Data arriving after that meets RST, as
   * with any client that closes its socket.
   */
  close(): void {
    if (this.isClosed || this.clientClosing || this.opened === null) return;
    this.clientClosing = true;
    this.detachBehaviour();
    this.resumeReading();
    const drainMs = this.opts.closeDrainMs ?? 20;
    const socket = this.opened.socket;
    const drain = () => {
      const deadline = wallNow() + drainMs;
      let seen = this.received;
      const check = () => {
        this.drainImmediate = null;
        if (this.isClosed) return;
        if (this.received === seen || wallNow() >= deadline) return this.destroySocket();
        seen = this.received;
        this.drainImmediate = setImmediate(check);
      };
      this.drainImmediate = setImmediate(check);
    };
    if (!this.writeEnded) this.endWriting('close');
    // The FIN must have left before the socket is closed: closing a socket that still holds
    // unread data sends only an RST. 'finish' = the shutdown completed.
    if (socket.writableFinished) drain();
    else socket.once('finish', drain);
    // If the FIN cannot leave (our send buffer is full), give up after a second.
    this.drainTimer = setTimeout(() => this.destroySocket(), drainMs + 1000);
  }

  /** Shuts down the sending side (FIN) and keeps reading with the current behaviour. */
  halfClose(): void {
    if (this.isClosed || this.writeEnded) return;
    this.endWriting('half-close');
  }

  /** Abortive close: RST (SO_LINGER 0, then close). */
  reset(): void {
    if (this.isClosed || this.opened === null) return;
    this.clientClosing = true;
    this.record({ type: 'rst-sent', t: wallNow() });
    this.opened.tcp.resetAndDestroy();
    if (this.opened.socket !== this.opened.tcp) this.opened.socket.destroy();
  }

  /** Closes the socket at once (FIN, or RST if unread data is in the kernel buffer). */
  destroy(): void {
    if (this.isClosed || this.opened === null) return;
    this.clientClosing = true;
    this.destroySocket();
  }

  // ---- internals ----

  private record(e: TimelineEvent): void {
    if (this.opts.recordTimeline !== false) this.timeline.push(e);
  }

  private onReady(opened: OpenedSocket): void {
    this.opened = opened;
    if (opened.tls !== null) {
      this.record({ type: 'tls-established', t: wallNow(), protocol: opened.tls.protocol, alpn: opened.tls.alpn });
    }
    const s = opened.socket;
    s.on('end', () => this.onPeerFin());
    s.on('error', (err: Error & { code?: string }) => {
      this.record({ type: 'error', t: wallNow(), code: err.code ?? 'ERR_UNKNOWN', message: err.message });
    });
    s.on('close', () => this.onClose());
    if (opened.tcp !== s) opened.tcp.on('error', () => { /* reported through the TLS socket */ });
    this.attachBehaviour();
  }

  /** Response `index` if it has begun; throws when it never can (parsing stopped before it). */
  private responseOrThrow(index: number): ParsedResponse | undefined {
    const r = this.parser.responses[index];
    if (r === undefined && this.parser.finished) {
      const why = this.parser.error !== null ? `a framing error at byte ${this.parser.error.offset}` : 'the end of the response stream';
      throw new ClientError('ERR_NO_RESPONSE', `response ${index} cannot arrive: parsing stopped at ${why}`);
    }
    return r;
  }

  private nextReadBuffer(): Buffer {
    const b = this.current.behaviour;
    let n = this.readBuffer.length;
    if (b.readChunkBytes !== undefined) n = Math.min(n, b.readChunkBytes);
    if (b.nextReadLimit !== undefined) n = Math.min(n, b.nextReadLimit());
    return this.readBuffer.subarray(0, Math.max(1, Math.floor(n)));
  }

  private onRead(data: Buffer): void {
    const t = wallNow();
    this.received += data.length;
    this.record({ type: 'bytes', t, count: data.length, total: this.received });
    this.parser.push(data, t);
    if (this.current.active) this.current.behaviour.onBytes(data.length);
    this.waiters.poke();
  }

  private onPeerFin(): void {
    const t = wallNow();
    this.record({ type: 'fin-received', t });
    this.parser.end(t);
    if (!this.writeEnded) this.endWriting('after-peer-fin');
    this.waiters.poke();
  }

  private onClose(): void {
    const t = wallNow();
    this.isClosed = true;
    if (this.clientClosing) this.parser.abandon(t);
    else this.parser.end(t);
    this.detachBehaviour();
    if (this.drainTimer !== null) clearTimeout(this.drainTimer);
    if (this.drainImmediate !== null) clearImmediate(this.drainImmediate);
    this.drainTimer = null;
    this.drainImmediate = null;
    this.record({ type: 'close', t });
    this.waiters.closeAll();
  }

  /** FIN; the timeline records it once the shutdown is done (not at all if destroyed first). */
  private endWriting(how: 'close' | 'half-close' | 'after-peer-fin'): void {
    this.writeEnded = true;
    const socket = this.opened!.socket;
    socket.once('finish', () => this.record({ type: 'fin-sent', t: wallNow(), how }));
    socket.end();
  }

  private destroySocket(): void {
    if (this.opened === null || this.isClosed) return;
    this.opened.socket.destroy();
    if (this.opened.tcp !== this.opened.socket) this.opened.tcp.destroy();
  }

  private pauseReading(by: string): void {
    if (this.isPaused || this.isClosed) return;
    this.isPaused = true;
    this.opened?.socket.pause();
    this.record({ type: 'pause', t: wallNow(), behaviour: by });
  }

  private resumeReading(by = this.current.behaviour.name): void {
    if (!this.isPaused || this.isClosed) return;
    this.isPaused = false;
    this.opened?.socket.resume();
    this.record({ type: 'resume', t: wallNow(), behaviour: by });
  }

  private attachBehaviour(): void {
    const slot = this.current;
    slot.active = true;
    const name = slot.behaviour.name;
    const ifActive = (f: () => void) => () => { if (slot.active) f(); };
    const ctl: ReadControl = {
      pause: ifActive(() => this.pauseReading(name)),
      resume: ifActive(() => this.resumeReading(name)),
      close: ifActive(() => this.close()),
      halfClose: ifActive(() => this.halfClose()),
      reset: ifActive(() => this.reset()),
      now: wallNow,
      bytesReceived: () => this.received,
      paused: () => this.isPaused,
    };
    slot.behaviour.attach(ctl);
  }

  private detachBehaviour(): void {
    if (!this.current.active) return;
    this.current.active = false;
    this.current.behaviour.detach();
  }
}
