// The state one HTTP/2 connection shares between its read loop (inbound.ts), its write loop
// (out-framer.ts), its streams and its public face (connection.ts): the stream map, settings,
// connection windows, HPACK contexts, the timeline, and how the connection answers what
// happens: grants, resets, GOAWAY, violations.
import type { ReadBehaviour } from '../read-behaviour.ts';
import { wallNow } from '../timeline.ts';
import { Waiters } from '../waiters.ts';
import { DEFAULT_WINDOW, ErrorCode, type ErrorCodeName, MAX_STREAM_ID } from './constants.ts';
import { InboundWindow, OutboundWindow } from './flow.ts';
import { FrameParser, type FrameSink } from './frame-parser.ts';
import { dataFrame, goawayFrame, rstStreamFrame, windowUpdateFrame } from './frame-serializer.ts';
import { HeaderDecoder, HeaderEncoder } from './hpack.ts';
import { OutFramer, type ByteSink } from './out-framer.ts';
import { type PeerSettings, defaultSettings } from './settings.ts';
import { H2Stream, type StreamHost } from './stream.ts';
import type { H2ConnectionEvent, StreamCompletion } from './timeline.ts';
import type { Violation } from './violations.ts';
import { WindowReader } from './window-reader.ts';

/** What to do when DATA exceeds a window the simulator granted (H2-01). */
export type WindowExceededAction = 'record' | 'stream-error' | 'connection-error';

export interface CoreOptions {
  /** Our SETTINGS_INITIAL_WINDOW_SIZE. */
  initialWindowSize: number;
  /** Our SETTINGS_MAX_FRAME_SIZE. */
  maxFrameSize: number;
  headerTableSize: number;
  /** The connection's receive window; above 65535 it is raised right after the preface. */
  connectionWindow: number;
  /** Independent connection-level grants; null: the connection grants what its streams release. */
  connectionBehaviour: ReadBehaviour | null;
  connectionGrantThreshold: number;
  onWindowExceeded: WindowExceededAction;
  maxHeaderBlockBytes: number;
  batchBytes?: number;
  recordWrites?: boolean;
}

/** What the core needs from the socket owner. */
export interface SocketControl {
  /** FIN once everything queued is written, then close. */
  closeAfterFlush(): void;
  /** TCP RST. */
  reset(): void;
}

export class ConnectionCore implements StreamHost {
  readonly timeline: H2ConnectionEvent[] = [];
  readonly violations: Violation[] = [];
  readonly waiters = new Waiters();
  /** The shared stream map (seed 002): streams not yet ended, by id. */
  readonly active = new Map<number, H2Stream>();
  /** Every stream this connection opened, in order. */
  readonly streams: H2Stream[] = [];
  readonly byId = new Map<number, H2Stream>();
  readonly peer: PeerSettings = defaultSettings();
  peerSettingsSeen = false;
  localSettingsAcked = false;
  /** Our connection receive window (H2-01 at the connection level). */
  readonly window = new InboundWindow(DEFAULT_WINDOW);
  /** The peer's connection window for what we send. */
  readonly sendWindow = new OutboundWindow(DEFAULT_WINDOW);
  readonly connReader: WindowReader | null;
  readonly decoder: HeaderDecoder;
  readonly encoder = new HeaderEncoder();
  readonly framer: OutFramer;
  readonly parser: FrameParser;
  nextStreamId = 1;
  /** Server stream ids reserved by PUSH_PROMISE (each refused at once). */
  readonly promised = new Set<number>();
  goawayReceived: { lastStreamId: number; errorCode: number } | null = null;
  goawaySent = false;
  closed = false;
  /** PINGs we sent, by opaque data (hex). */
  readonly pings = new Map<string, { sentAt: number; resolve: (rttMs: number) => void }>();
  socket: SocketControl | null = null;
  /** Called (on a microtask) after anything a pool cares about changed: streams, settings, close. */
  readonly listeners = new Set<() => void>();
  private notifyQueued = false;

  constructor(readonly opts: CoreOptions, sink: ByteSink, inbound: (core: ConnectionCore) => FrameSink) {
    this.decoder = new HeaderDecoder(opts.headerTableSize);
    this.framer = new OutFramer(sink, {
      ...(opts.batchBytes !== undefined ? { batchBytes: opts.batchBytes } : {}),
      ...(opts.recordWrites ? { record: true } : {}),
    });
    this.parser = new FrameParser(inbound(this), {
      maxFrameSize: opts.maxFrameSize,
      maxHeaderBlockBytes: opts.maxHeaderBlockBytes,
    });
    this.connReader = opts.connectionBehaviour === null ? null : new WindowReader({
      consumed: (n) => this.connectionConsumed(n),
      paused: (by) => this.record({ type: 'pause', t: wallNow(), behaviour: by }),
      resumed: (by) => this.record({ type: 'resume', t: wallNow(), behaviour: by }),
      close: () => this.goAway('NO_ERROR', 'client closing'),
      halfClose: () => this.goAway('NO_ERROR', 'client closing'),
      reset: () => this.socket?.reset(),
    }, opts.connectionBehaviour);
  }

  record(e: H2ConnectionEvent): void {
    this.timeline.push(e);
  }

  /** Something changed: waits are re-checked now, listeners on the next microtask. */
  changed(): void {
    this.waiters.poke();
    if (this.listeners.size === 0 || this.notifyQueued) return;
    this.notifyQueued = true;
    queueMicrotask(() => {
      this.notifyQueued = false;
      for (const l of [...this.listeners]) l();
    });
  }

  /** Can one more stream be opened here without passing the peer's MAX_CONCURRENT_STREAMS? */
  get canOpenStream(): boolean {
    return !this.closed && !this.goawaySent && this.goawayReceived === null
      && this.nextStreamId <= MAX_STREAM_ID && this.active.size < this.peer.maxConcurrentStreams;
  }

  /** Idle from our side: a client stream id never used, or a server id never promised. */
  isIdle(streamId: number): boolean {
    return streamId % 2 === 1 ? streamId >= this.nextStreamId : !this.promised.has(streamId);
  }

  // ---- the answer to a violation ----

  violation(v: Violation): void {
    const t = wallNow();
    this.violations.push(v);
    this.record({ type: 'violation', t, ...v });
    const stream = v.streamId !== 0 ? this.byId.get(v.streamId) : undefined;
    stream?.violations.push(v);
    stream?.record({ type: 'violation', t, ...v });
    if (v.action === 'connection-error') {
      this.parser.stop(v);
      this.goAway(v.errorCode, v.message);
      for (const s of [...this.active.values()]) this.endStream(s, 'connection-error', t);
    } else if (v.action === 'stream-error' && v.streamId !== 0) {
      if (stream !== undefined && !stream.ended) this.resetStream(stream, v.errorCode, 'stream-error');
      else if (!this.isIdle(v.streamId)) this.sendRst(v.streamId, v.errorCode, stream); // a closed stream keeps its completion; never RST an idle one (5.1)
    }
    this.changed();
  }

  // ---- StreamHost ----

  sendWindowUpdate(streamId: number, increment: number, onSent: () => void): void {
    this.framer.enqueueControl({ bytes: windowUpdateFrame(streamId, increment), label: 'WINDOW_UPDATE', streamId, onWritten: onSent });
  }

  resetStream(stream: H2Stream, errorCode: ErrorCodeName, completion: 'cancelled' | 'stream-error'): void {
    if (stream.ended) return;
    const neverSent = this.framer.cancelStream(stream.id);
    if (!neverSent) this.sendRst(stream.id, errorCode, stream);
    this.endStream(stream, completion, wallNow(), ErrorCode[errorCode]);
  }

  endLocal(stream: H2Stream): void {
    if (stream.localEnded || stream.ended) return;
    stream.localEnded = true;
    this.framer.enqueueStream({
      bytes: dataFrame(stream.id, Buffer.alloc(0), { endStream: true }), label: 'DATA', streamId: stream.id,
      onWritten: () => {
        stream.record({ type: 'data-sent', t: wallNow(), bytes: 0, endStream: true });
        this.localEndWritten(stream);
      },
    });
  }

  /** In follow mode the connection grants what its streams consumed or dropped. */
  released(n: number): void {
    if (this.connReader !== null) return;
    this.connectionConsumed(n);
  }

  // ---- sending ----

  sendRst(streamId: number, errorCode: ErrorCodeName, stream?: H2Stream): void {
    this.framer.enqueueControl({
      bytes: rstStreamFrame(streamId, ErrorCode[errorCode]), label: 'RST_STREAM', streamId,
      onWritten: () => stream?.record({ type: 'rst-stream', t: wallNow(), direction: 'sent', errorCode }),
    });
  }

  /** Connection-level bytes consumed (follow mode: released by streams; else by connReader). */
  connectionConsumed(n: number): void {
    if (this.closed || this.goawaySent) return;
    this.window.consume(n);
    const inc = this.window.due(this.opts.connectionGrantThreshold);
    if (inc > 0) this.sendConnectionGrant(inc, inc);
  }

  /** A connection WINDOW_UPDATE; `fromPending` of it pays back consumed bytes. */
  sendConnectionGrant(increment: number, fromPending: number): void {
    this.window.sent(increment, fromPending);
    const window = this.window.available;
    this.framer.enqueueControl({
      bytes: windowUpdateFrame(0, increment), label: 'WINDOW_UPDATE', streamId: 0,
      onWritten: () => this.record({ type: 'window-update', t: wallNow(), direction: 'sent', increment, window }),
    });
  }

  /** GOAWAY (once), then FIN when everything queued is out. */
  goAway(errorCode: ErrorCodeName, debug: string): void {
    if (this.goawaySent || this.closed) return;
    this.goawaySent = true;
    const lastStreamId = 0; // we accept no server-initiated streams
    this.framer.enqueueControl({
      bytes: goawayFrame(lastStreamId, ErrorCode[errorCode], debug), label: 'GOAWAY', streamId: 0,
      onWritten: () => this.record({ type: 'goaway', t: wallNow(), direction: 'sent', lastStreamId, errorCode, debug }),
    });
    this.connReader?.finish();
    this.socket?.closeAfterFlush();
  }

  // ---- stream ends ----

  /** Our END_STREAM went out: the stream is complete if the peer's came too. */
  localEndWritten(stream: H2Stream): void {
    if (stream.remoteEnded && !stream.ended) this.endStream(stream, 'complete', wallNow());
  }

  /** Ends a stream and takes it out of the map; a GOAWAY'd connection closes with its last stream. */
  endStream(stream: H2Stream, completion: StreamCompletion, t: number, resetCode?: number): void {
    if (stream.ended) return;
    stream.finish(completion, t, resetCode);
    this.active.delete(stream.id);
    this.record({ type: 'stream-closed', t, streamId: stream.id, completion });
    if (this.goawayReceived !== null && this.active.size === 0) this.goAway('NO_ERROR', 'GOAWAY received, no stream left');
    this.changed();
  }

  /** The socket is gone: every stream still open ends, nothing more is written or granted. */
  socketClosed(t: number): void {
    if (this.closed) return;
    this.closed = true;
    for (const s of [...this.active.values()]) this.endStream(s, 'connection-closed', t);
    for (const s of this.streams) s.stopReading();
    this.connReader?.finish();
    this.framer.stop();
    this.waiters.closeAll();
    this.changed();
  }
}
