// One HTTP/2 client connection: plain TCP with prior knowledge (h2c) or TLS with ALPN h2. It
// owns the socket; a read loop (socket -> FrameParser -> inbound dispatch through the stream
// map) and a write loop (OutFramer, control frames first) do the protocol work in core.ts and
// inbound.ts. Flow control is the simulator's: every stream's window is granted by its reading
// behaviour (or by hand), the connection's by its own behaviour or by what its streams release.
// Prints nothing; everything it saw is in `timeline`, `violations` and each stream.
import { ClientError } from '../errors.ts';
import { type OpenedSocket, type TlsOptions, openSocket } from '../open-socket.ts';
import type { ReadBehaviour } from '../read-behaviour.ts';
import { wallNow } from '../timeline.ts';
import { createReading } from '../behaviours/reading.ts';
import { CLIENT_PREFACE, DEFAULT_HEADER_TABLE_SIZE, DEFAULT_MAX_FRAME_SIZE, DEFAULT_WINDOW, MAX_STREAM_ID, MAX_WINDOW, settingName } from './constants.ts';
import { ConnectionCore, type WindowExceededAction } from './core.ts';
import type { InboundWindow, OutboundWindow } from './flow.ts';
import { dataFrame, headersFrames, pingFrame, settingsFrame } from './frame-serializer.ts';
import type { HeaderList } from './hpack.ts';
import { inboundSink } from './inbound.ts';
import type { BodySource, ByteSink, OutItem } from './out-framer.ts';
import { type LocalSettings, type PeerSettings, localSettingsList } from './settings.ts';
import { H2Stream, type H2Request, type StreamOptions } from './stream.ts';
import type { H2ConnectionEvent } from './timeline.ts';
import type { Violation } from './violations.ts';

export interface H2ConnectionOptions {
  host: string;
  port: number;
  /** TLS, offering ALPN h2 (the handshake must pick it); without: h2c with prior knowledge. */
  tls?: boolean | TlsOptions;
  /** What our SETTINGS advertise; initialWindowSize is every stream's receive window. */
  settings?: LocalSettings;
  /** The connection's receive window, at least 65535 (raised by a WINDOW_UPDATE after the preface). */
  connectionWindow?: number;
  /** A fresh reading behaviour per stream (default: reading). A stream's own option wins. */
  streamBehaviour?: () => ReadBehaviour;
  /**
   * Grants the connection window on its own pace (stalled: never, throttled: at its rate, ...)
   * over all DATA received. Without it the connection grants what its streams consume.
   */
  connectionBehaviour?: ReadBehaviour;
  /** Stream WINDOW_UPDATE once this many bytes are owed (default 1: as soon as consumed). */
  grantThreshold?: number;
  /** Connection WINDOW_UPDATE once this many bytes are owed (default 1). */
  connectionGrantThreshold?: number;
  /** DATA over a granted window (H2-01): record it (default), or answer with an error too. */
  onWindowExceeded?: WindowExceededAction;
  /** Body bytes stored per stream (default 1 MiB). */
  storeBodyCap?: number;
  onBody?: StreamOptions['onBody'];
  connectTimeoutMs?: number;
  /** After our GOAWAY and FIN, how long to wait for the server to close before closing (default 2000 ms). */
  closeDrainMs?: number;
  maxHeaderBlockBytes?: number;
  /** Most bytes per socket write of the write loop (default 64 KiB). */
  writeBatchBytes?: number;
  /** Keep the labels of written frames in `writtenFrames` (tests). */
  recordWrites?: boolean;
}

export class H2Connection {
  private readonly core: ConnectionCore;
  private opened: OpenedSocket | null = null;
  private received = 0;
  private writeEnded = false;
  private clientClosing = false;
  private drainTimer: NodeJS.Timeout | null = null;
  private socketPaused = false;
  private readonly initialWindow: number;

  private constructor(private readonly opts: H2ConnectionOptions) {
    const s = opts.settings ?? {};
    this.initialWindow = s.initialWindowSize ?? DEFAULT_WINDOW;
    const connectionWindow = opts.connectionWindow ?? DEFAULT_WINDOW;
    if (connectionWindow < DEFAULT_WINDOW || connectionWindow > MAX_WINDOW || this.initialWindow > MAX_WINDOW) {
      throw new RangeError(`connectionWindow must be 65535..2^31-1 (got ${connectionWindow}); initialWindowSize at most 2^31-1`);
    }
    const sink: ByteSink = {
      write: (bytes, written) => this.opened!.socket.write(bytes, written),
      onDrain: (cb) => this.opened!.socket.once('drain', cb),
    };
    this.core = new ConnectionCore({
      initialWindowSize: this.initialWindow,
      maxFrameSize: s.maxFrameSize ?? DEFAULT_MAX_FRAME_SIZE,
      headerTableSize: s.headerTableSize ?? DEFAULT_HEADER_TABLE_SIZE,
      connectionWindow,
      connectionBehaviour: opts.connectionBehaviour ?? null,
      connectionGrantThreshold: Math.max(1, opts.connectionGrantThreshold ?? 1),
      onWindowExceeded: opts.onWindowExceeded ?? 'record',
      maxHeaderBlockBytes: opts.maxHeaderBlockBytes ?? 1 << 20,
      ...(opts.writeBatchBytes !== undefined ? { batchBytes: opts.writeBatchBytes } : {}),
      ...(opts.recordWrites ? { recordWrites: true } : {}),
    }, sink, inboundSink);
    this.core.socket = {
      closeAfterFlush: () => this.closeAfterFlush(),
      reset: () => this.reset(),
    };
  }

  /**
   * Connects, sends the preface and our SETTINGS, and resolves once the server's SETTINGS came
   * (or the server broke the preface: see violations; or it closed). Rejects if the connection
   * cannot be made, TLS does not negotiate h2, or no SETTINGS come within connectTimeoutMs.
   */
  static async open(opts: H2ConnectionOptions): Promise<H2Connection> {
    const c = new H2Connection(opts);
    const timeoutMs = opts.connectTimeoutMs ?? 10_000;
    const tls = opts.tls === undefined || opts.tls === false ? undefined : { alpn: ['h2'], ...(opts.tls === true ? {} : opts.tls) };
    const opened = await openSocket({
      host: opts.host,
      port: opts.port,
      tls,
      readMode: 'stream',
      connectTimeoutMs: timeoutMs,
      nextReadBuffer: () => Buffer.alloc(0), // unused in stream mode
      onRead: (data) => c.onRead(data),
      onConnect: (localPort) => c.core.record({ type: 'connect', t: wallNow(), localPort }),
      onReady: (o) => c.onReady(o),
    });
    if (opened.tls !== null && opened.tls.alpn !== 'h2') {
      c.destroy();
      throw new ClientError('ERR_CONNECT', `${opts.host}:${opts.port} did not negotiate h2 over TLS (ALPN: ${opened.tls.alpn || 'none'})`);
    }
    const core = c.core;
    try {
      await core.waiters.wait('the server SETTINGS', () => (core.peerSettingsSeen || core.parser.stopped !== null || core.closed ? true : undefined), timeoutMs);
    } catch (err) {
      if ((err as ClientError).code !== 'ERR_CONNECTION_CLOSED') {
        c.destroy();
        throw new ClientError('ERR_CONNECT_TIMEOUT', `no SETTINGS from ${opts.host}:${opts.port} within ${timeoutMs} ms`, { cause: err });
      }
    }
    return c;
  }

  // ---- what a test or check reads ----

  get timeline(): readonly H2ConnectionEvent[] { return this.core.timeline; }
  /** Every violation seen on this connection (its streams' included), in order. */
  get violations(): readonly Violation[] { return this.core.violations; }
  /** Every stream opened, in order. */
  get streams(): readonly H2Stream[] { return this.core.streams; }
  /** Streams not yet ended (they count against the server's MAX_CONCURRENT_STREAMS). */
  get activeStreams(): number { return this.core.active.size; }
  get peerSettings(): Readonly<PeerSettings> { return this.core.peer; }
  get settingsAcked(): boolean { return this.core.localSettingsAcked; }
  /** Our connection receive window as granted (H2-01). */
  get window(): Readonly<InboundWindow> { return this.core.window; }
  /** The server's connection window for our request bodies. */
  get sendWindow(): Readonly<OutboundWindow> { return this.core.sendWindow; }
  get canOpenStream(): boolean { return this.core.canOpenStream; }
  get goawayReceived(): { lastStreamId: number; errorCode: number } | null { return this.core.goawayReceived; }
  get closed(): boolean { return this.core.closed; }
  /** The connection error that stopped the read loop, if any. */
  get connectionError(): Violation | null { return this.core.parser.stopped; }
  /** Bytes received after TLS. */
  get bytesReceived(): number { return this.received; }
  get tcpBytesReceived(): number { return this.opened?.tcp.bytesRead ?? 0; }
  get localPort(): number { return this.opened?.tcp.localPort ?? 0; }
  /** Labels of written frames in write order, when recordWrites is on ("HEADERS:1", "PING_ACK"...). */
  get writtenFrames(): readonly string[] { return this.core.framer.written; }
  get connectionBehaviour(): ReadBehaviour | null { return this.core.connReader?.behaviour ?? null; }
  /** True between pauseSocket() and resumeSocket(). */
  get socketIsPaused(): boolean { return this.socketPaused; }

  /** Calls `fn` (on a microtask) whenever streams, settings or the connection's state change. */
  onChange(fn: () => void): () => void {
    this.core.listeners.add(fn);
    return () => this.core.listeners.delete(fn);
  }

  waitForClose(timeoutMs: number): Promise<void> {
    return this.core.waiters.wait('the connection to close', () => (this.core.closed ? true : undefined), timeoutMs)
      .then(() => undefined, (err) => { if (!this.core.closed) throw err; });
  }

  // ---- what a test or check does ----

  /** Opens a stream with this request (HEADERS, then the body as windows allow). */
  request(req: H2Request, streamOpts: StreamOptions = {}): H2Stream {
    const core = this.core;
    if (core.closed || core.goawaySent || core.goawayReceived !== null || this.writeEnded) {
      throw new ClientError('ERR_NOT_WRITABLE', 'request() on a connection that is closing or closed');
    }
    if (core.nextStreamId > MAX_STREAM_ID) throw new ClientError('ERR_NOT_WRITABLE', 'no stream ids left on this connection');
    const headers = requestHeaders(req, this.opts.host, this.opts.port, this.opened!.tls !== null);
    const id = core.nextStreamId;
    core.nextStreamId += 2;
    const behaviour = streamOpts.behaviour ?? this.opts.streamBehaviour?.() ?? createReading();
    const s = new H2Stream(id, req.method, core, this.initialWindow, core.peer.initialWindowSize, behaviour, {
      ...(this.opts.grantThreshold !== undefined ? { grantThreshold: this.opts.grantThreshold } : {}),
      ...(this.opts.storeBodyCap !== undefined ? { storeBodyCap: this.opts.storeBodyCap } : {}),
      ...(this.opts.onBody !== undefined ? { onBody: this.opts.onBody } : {}),
      ...streamOpts,
    });
    core.byId.set(id, s);
    core.active.set(id, s);
    core.streams.push(s);
    core.record({ type: 'stream-opened', t: wallNow(), streamId: id });
    const body = req.body === undefined ? null : Buffer.from(req.body);
    const endStream = body === null || body.length === 0;
    const bytes = headersFrames(id, core.encoder.encode(headers), { endStream, maxFrameSize: core.peer.maxFrameSize });
    if (endStream) s.localEnded = true;
    core.framer.enqueueStream({
      bytes, label: 'HEADERS', streamId: id,
      onWritten: () => {
        s.record({ type: 'headers-sent', t: wallNow(), bytes: bytes.length, endStream });
        if (endStream) core.localEndWritten(s);
      },
    });
    if (!endStream) core.framer.enqueueBody(this.bodySource(s, body!));
    core.changed();
    return s;
  }

  /** PING; resolves with the round trip in ms once the ACK comes. */
  ping(timeoutMs = 5000): Promise<number> {
    const opaque = Buffer.from(crypto.getRandomValues(new Uint8Array(8)));
    const key = opaque.toString('hex');
    return new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.core.pings.delete(key);
        reject(new ClientError('ERR_WAIT_TIMEOUT', `no PING ACK within ${timeoutMs} ms`));
      }, timeoutMs);
      this.core.pings.set(key, { sentAt: wallNow(), resolve: (rtt) => { clearTimeout(timer); resolve(rtt); } });
      this.core.framer.enqueueControl({
        bytes: pingFrame(opaque), label: 'PING', streamId: 0,
        onWritten: () => this.core.record({ type: 'ping', t: wallNow(), direction: 'sent', ack: false, opaque: key }),
      });
    });
  }

  /** A connection WINDOW_UPDATE of `n` bytes now, whatever the behaviours do. */
  grant(n: number): void {
    if (this.core.closed || n <= 0) return;
    const inc = Math.min(n, this.core.window.headroom);
    if (inc > 0) this.core.sendConnectionGrant(inc, 0);
  }

  /**
   * Stops reading TCP (below HTTP/2): nothing more is taken from the kernel once the socket's own
   * buffer is full, whatever the windows allow, so the server's TCP send path fills, as behind an
   * HTTP/1.1 client that stops reading. No frame is parsed meanwhile (PINGs, SETTINGS wait too);
   * what we write still goes out. resumeSocket() reads again.
   */
  pauseSocket(): void {
    if (this.socketPaused || this.core.closed || this.opened === null) return;
    this.socketPaused = true;
    this.opened.socket.pause();
    this.core.record({ type: 'socket-pause', t: wallNow() });
  }

  resumeSocket(): void {
    if (!this.socketPaused || this.opened === null) return;
    this.socketPaused = false;
    if (this.core.closed) return;
    this.core.record({ type: 'socket-resume', t: wallNow() });
    this.opened.socket.resume();
  }

  /** Graceful close: GOAWAY(NO_ERROR), FIN once it is out, then the socket closes. */
  close(): void {
    if (this.core.closed || this.opened === null) return;
    this.core.goAway('NO_ERROR', 'client closing');
  }

  /** Abortive close: TCP RST. */
  reset(): void {
    if (this.core.closed || this.opened === null) return;
    this.clientClosing = true;
    this.core.record({ type: 'rst-sent', t: wallNow() });
    this.opened.tcp.resetAndDestroy();
    if (this.opened.socket !== this.opened.tcp) this.opened.socket.destroy();
  }

  /** Closes the socket at once. */
  destroy(): void {
    if (this.core.closed || this.opened === null) return;
    this.clientClosing = true;
    this.destroySocket();
  }

  // ---- internals ----

  private onReady(opened: OpenedSocket): void {
    this.opened = opened;
    const core = this.core;
    if (opened.tls !== null) {
      core.record({ type: 'tls-established', t: wallNow(), protocol: opened.tls.protocol, alpn: opened.tls.alpn });
    }
    const s = opened.socket;
    s.on('end', () => this.onPeerFin());
    s.on('error', (err: Error & { code?: string }) => {
      core.record({ type: 'error', t: wallNow(), code: err.code ?? 'ERR_UNKNOWN', message: err.message });
    });
    s.on('close', () => this.onClose());
    if (opened.tcp !== s) opened.tcp.on('error', () => { /* reported through the TLS socket */ });
    const list = localSettingsList(this.opts.settings ?? {});
    core.framer.enqueueControl({
      bytes: Buffer.concat([CLIENT_PREFACE, settingsFrame(list)]), label: 'PREFACE', streamId: 0,
      onWritten: () => {
        const t = wallNow();
        core.record({ type: 'preface-sent', t });
        core.record({ type: 'settings', t, direction: 'sent', ack: false, settings: list.map(([id, v]) => [settingName(id), v]) });
      },
    });
    if (core.opts.connectionWindow > DEFAULT_WINDOW) core.sendConnectionGrant(core.opts.connectionWindow - DEFAULT_WINDOW, 0);
  }

  private onRead(data: Buffer): void {
    this.received += data.length;
    this.core.record({ type: 'bytes', t: wallNow(), count: data.length, total: this.received });
    this.core.parser.push(data);
  }

  private onPeerFin(): void {
    this.core.record({ type: 'fin-received', t: wallNow() });
    if (!this.writeEnded) this.endWriting('after-peer-fin');
    this.core.changed();
  }

  private onClose(): void {
    const t = wallNow();
    if (this.drainTimer !== null) clearTimeout(this.drainTimer);
    this.drainTimer = null;
    this.core.record({ type: 'close', t });
    this.core.socketClosed(t);
  }

  /** After GOAWAY: FIN once the write loop is idle, then wait for the server to close. */
  private closeAfterFlush(): void {
    if (this.clientClosing || this.opened === null) return;
    this.clientClosing = true;
    void this.core.framer.flushed().then(() => {
      if (this.core.closed) return;
      if (!this.writeEnded) this.endWriting('close');
      this.drainTimer = setTimeout(() => this.destroySocket(), this.opts.closeDrainMs ?? 2000);
    });
  }

  private endWriting(how: 'close' | 'half-close' | 'after-peer-fin'): void {
    this.writeEnded = true;
    const socket = this.opened!.socket;
    socket.once('finish', () => this.core.record({ type: 'fin-sent', t: wallNow(), how }));
    socket.end();
  }

  private destroySocket(): void {
    if (this.opened === null || this.core.closed) return;
    this.opened.socket.destroy();
    if (this.opened.tcp !== this.opened.socket) this.opened.tcp.destroy();
  }

  /** DATA frames of a request body, as large as the stream window, connection window and peer's frame size allow. */
  private bodySource(s: H2Stream, body: Buffer): BodySource {
    const core = this.core;
    let offset = 0;
    let finished = false;
    return {
      streamId: s.id,
      done: () => finished || s.ended,
      next: (): OutItem | null => {
        if (finished || s.ended) return null;
        const n = Math.min(body.length - offset, s.sendWindow.window, core.sendWindow.window, core.peer.maxFrameSize);
        if (n <= 0) return null;
        const chunk = body.subarray(offset, offset + n);
        offset += n;
        s.sendWindow.take(n);
        core.sendWindow.take(n);
        const endStream = offset === body.length;
        if (endStream) {
          finished = true;
          s.localEnded = true;
        }
        return {
          bytes: dataFrame(s.id, chunk, { endStream }), label: 'DATA', streamId: s.id,
          onWritten: () => {
            s.record({ type: 'data-sent', t: wallNow(), bytes: n, endStream });
            if (endStream) core.localEndWritten(s);
          },
        };
      },
    };
  }
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** Pseudo-headers first, then regular fields (lowercased); throws ERR_INVALID_REQUEST. */
function requestHeaders(req: H2Request, host: string, port: number, tls: boolean): HeaderList {
  if (!TOKEN.test(req.method)) throw new ClientError('ERR_INVALID_REQUEST', `invalid method ${JSON.stringify(req.method)}`);
  if (req.path.length === 0 || /[\s\u0000-\u001f\u007f]/.test(req.path)) {
    throw new ClientError('ERR_INVALID_REQUEST', `invalid path ${JSON.stringify(req.path)}`);
  }
  const authority = req.authority ?? (host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`);
  const list: HeaderList = [
    [':method', req.method],
    [':scheme', req.scheme ?? (tls ? 'https' : 'http')],
    [':authority', authority],
    [':path', req.path],
  ];
  const regular = req.headers === undefined ? [] : Array.isArray(req.headers) ? req.headers : Object.entries(req.headers);
  for (const [name, value] of regular) {
    if (!TOKEN.test(name)) throw new ClientError('ERR_INVALID_REQUEST', `invalid field name ${JSON.stringify(name)}`);
    if (/[\r\n\u0000]/.test(value)) throw new ClientError('ERR_INVALID_REQUEST', `invalid value for ${name}`);
    list.push([name.toLowerCase(), value]);
  }
  return list;
}
