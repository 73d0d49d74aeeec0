// H2ClientConnection: the HTTP/2 client simulator (harness/clients/h2) behind the conformance
// runner's ClientConnection seam. Each send() opens a stream on the same connection, so a
// scenario's scripts run concurrently instead of pipelined; responses are the streams in send
// order, in the shapes the verifiers read.
//
// Reading: the connection's reading behaviour (open's `behaviour`, setBehaviour()) is ONE reader
// over the body bytes of every stream that has no behaviour of its own, as an HTTP/1.1 client
// reads one socket: it decides when and how much the streams consume, and what a stream consumes
// it grants back (WINDOW_UPDATE). So a stalled reader grants nothing (each stream receives its
// initial window, the connection its window), a throttled one grants at its rate over all
// streams, and its close/reset act on the connection: GOAWAY(NO_ERROR) and FIN, or a TCP RST
// (CXL-01/02 on HTTP/2). A stream sent with a behaviour of its own reads alone, and that
// behaviour's close/reset is RST_STREAM(CANCEL) on that stream only (CXL-06).
import { ClientError } from '../clients/errors.ts';
import { createReading } from '../clients/behaviours/reading.ts';
import {
  H2Connection, type H2ConnectionOptions, type H2Stream, type LocalSettings,
} from '../clients/h2/index.ts';
import type { Violation } from '../clients/h2/violations.ts';
import type { H1Request } from '../clients/h1-request.ts';
import type { ReadBehaviour, ReadControl } from '../clients/read-behaviour.ts';
import type { TlsOptions } from '../clients/open-socket.ts';
import { wallNow } from '../clients/timeline.ts';
import type { ClientConnection, SendOptions, WindowLedger, WireEvent, WireResponse } from './client-connection.ts';

/** How a scenario wants its HTTP/2 connection: our SETTINGS and windows. */
export interface H2ClientOptions {
  /** Our SETTINGS (initialWindowSize: every stream's receive window). */
  settings?: LocalSettings;
  /** The connection's receive window (>= 65535). */
  connectionWindow?: number;
  /** Grants the connection window on its own (e.g. reading: always open); default: follows the streams. */
  connectionBehaviour?: ReadBehaviour;
  /** Stream WINDOW_UPDATE once this many consumed bytes are owed (grants in bursts). */
  grantThreshold?: number;
  connectionGrantThreshold?: number;
}

export interface H2ClientConnectionOptions extends H2ClientOptions {
  host: string;
  port: number;
  tls: false | TlsOptions;
  behaviour?: ReadBehaviour;
  storeBodyCap?: number;
  connectTimeoutMs?: number;
}

/** The HTTP/2 side of a scenario run, for verdicts and reports. */
export interface H2RunRecord {
  /** Our SETTINGS as sent, and the connection window we granted over the run. */
  settings: Array<[name: string, value: number]>;
  peerSettings: Record<string, number | null>;
  connectionWindow: WindowLedger;
  /** Every RFC 9113 violation and H2-01 excess the client recorded. */
  violations: Violation[];
  windowUpdatesSent: { stream: number; connection: number };
  goawayReceived: { lastStreamId: number; errorCode: number } | null;
}

/** Forget ledgers' inner fields a report does not need. */
function ledger(w: { initial: number; granted: number; received: number; excess: number }): WindowLedger {
  return { initial: w.initial, granted: w.granted, received: w.received, excess: w.excess };
}

export class H2ClientConnection implements ClientConnection {
  private readonly events: WireEvent[] = [];
  private readonly views: WireResponse[] = [];
  /** Stream readers attached to the connection's reader, by the ReadControl of their proxy. */
  private readonly members = new Set<ReadControl>();
  private current: { behaviour: ReadBehaviour; active: boolean };
  private isPaused = false;
  private consumedBytes = 0;
  private readonly ownBehaviour = new Set<number>();

  private constructor(readonly connection: H2Connection, behaviour: ReadBehaviour) {
    this.current = { behaviour, active: false };
    this.attach();
    connection.onChange(() => {
      if (connection.closed) this.detach();
    });
  }

  static async open(o: H2ClientConnectionOptions): Promise<H2ClientConnection> {
    const opts: H2ConnectionOptions = {
      host: o.host, port: o.port, tls: o.tls === false ? false : o.tls,
      // A client that closes stops reading soon after its FIN, as the HTTP/1.1 simulator does.
      closeDrainMs: 20,
      ...(o.settings !== undefined ? { settings: o.settings } : {}),
      ...(o.connectionWindow !== undefined ? { connectionWindow: o.connectionWindow } : {}),
      ...(o.connectionBehaviour !== undefined ? { connectionBehaviour: o.connectionBehaviour } : {}),
      ...(o.grantThreshold !== undefined ? { grantThreshold: o.grantThreshold } : {}),
      ...(o.connectionGrantThreshold !== undefined ? { connectionGrantThreshold: o.connectionGrantThreshold } : {}),
      ...(o.storeBodyCap !== undefined ? { storeBodyCap: o.storeBodyCap } : {}),
      ...(o.connectTimeoutMs !== undefined ? { connectTimeoutMs: o.connectTimeoutMs } : {}),
    };
    const c = await H2Connection.open(opts);
    return new H2ClientConnection(c, o.behaviour ?? createReading());
  }

  get paused(): boolean { return this.isPaused; }
  get closed(): boolean { return this.connection.closed; }
  /** Flow-controlled bytes the connection's reader consumed (over its streams). */
  get consumed(): number { return this.consumedBytes; }
  get behaviour(): ReadBehaviour { return this.current.behaviour; }

  /** The stream behind response `index`. */
  stream(index: number): H2Stream {
    const s = this.connection.streams[index];
    if (s === undefined) throw new ClientError('ERR_NO_RESPONSE', `no request ${index} was sent on this connection`);
    return s;
  }

  send(request: H1Request, opts: SendOptions = {}): number {
    const index = this.connection.streams.length;
    const req = {
      method: request.method, path: request.path,
      ...(request.headers !== undefined ? { headers: request.headers } : {}),
      ...(request.body !== undefined ? { body: request.body } : {}),
    };
    const s = this.connection.request(req, { behaviour: opts.behaviour ?? this.proxy() });
    if (opts.behaviour !== undefined) this.ownBehaviour.add(index);
    this.views.push(this.view(index, s));
    return index;
  }

  get responses(): readonly WireResponse[] { return this.views; }

  waitForHead(index: number, timeoutMs: number): Promise<WireResponse> {
    return this.stream(index).waitForHead(timeoutMs).then(() => this.views[index]!);
  }

  waitForResponse(index: number, timeoutMs: number): Promise<WireResponse> {
    return this.stream(index).waitForEnd(timeoutMs).then(() => this.views[index]!);
  }

  setBehaviour(behaviour: ReadBehaviour): void {
    this.detach();
    this.current = { behaviour, active: false };
    if (this.closed) return;
    this.setPaused(false, behaviour.name);
    this.attach();
  }

  close(): void {
    this.detach();
    this.connection.close();
  }

  halfClose(): void {
    throw new ClientError('ERR_NOT_SUPPORTED', 'half-close is not an HTTP/2 notion: every request stream is already half-closed by its END_STREAM, and a TCP half-close ends the connection');
  }

  reset(): void {
    this.detach();
    this.connection.reset();
  }

  destroy(): void {
    this.detach();
    this.connection.destroy();
  }

  /** Stops reading TCP (TMO-03 on HTTP/2); see H2Connection.pauseSocket(). */
  pauseSocket(): void { this.connection.pauseSocket(); }
  resumeSocket(): void { this.connection.resumeSocket(); }

  /** The connection's own events and every stream's, as one timeline in time order. */
  get timeline(): readonly WireEvent[] {
    const out: WireEvent[] = [...this.events];
    for (const e of this.connection.timeline) {
      if (e.type === 'window-update' || e.type === 'stream-opened' || e.type === 'stream-closed') continue;
      if (e.type === 'pause' || e.type === 'resume') {
        // The connection-level behaviour granting (or not) the connection window, not the reader.
        out.push({ type: e.type === 'pause' ? 'connection-window-pause' : 'connection-window-resume', t: e.t, behaviour: e.behaviour });
      } else {
        out.push(e);
      }
    }
    this.connection.streams.forEach((s, index) => {
      const streamId = s.id;
      for (const e of s.timeline) {
        switch (e.type) {
          case 'headers-sent': out.push({ type: 'request-sent', t: e.t, index, bytes: e.bytes, streamId } as WireEvent); break;
          case 'head': out.push({ type: 'head', t: e.t, index, status: e.status, streamId } as WireEvent); break;
          case 'interim': out.push({ type: 'interim', t: e.t, index, streamId, status: e.status }); break;
          case 'trailers': out.push({ type: 'trailers', t: e.t, index, streamId }); break;
          case 'end-stream': out.push({ type: 'end-stream', t: e.t, index, streamId }); break;
          case 'rst-stream': out.push({ type: 'rst-stream', t: e.t, index, streamId, direction: e.direction, errorCode: e.errorCode }); break;
          case 'close': out.push({ type: 'response-end', t: e.t, index, completion: e.completion, bodyBytes: s.bodyBytes, streamId } as WireEvent); break;
          case 'pause': case 'resume':
            if (this.ownBehaviour.has(index)) out.push({ type: e.type, t: e.t, behaviour: e.behaviour, index, streamId } as WireEvent);
            break;
          default: break; // DATA, WINDOW_UPDATE, goaway and violations are in the connection's record
        }
      }
    });
    return out.sort((a, b) => a.t - b.t);
  }

  /** The HTTP/2 record of the run (windows, violations, settings). */
  record(): H2RunRecord {
    const c = this.connection;
    const sent = c.timeline.filter((e) => e.type === 'settings' && e.direction === 'sent' && !e.ack)[0];
    let streamUpdates = 0;
    for (const s of c.streams) for (const e of s.timeline) if (e.type === 'window-update' && e.direction === 'sent') streamUpdates++;
    const p = c.peerSettings;
    const num = (x: number) => (Number.isFinite(x) ? x : null);
    return {
      settings: sent !== undefined && sent.type === 'settings' ? sent.settings : [],
      peerSettings: {
        header_table_size: p.headerTableSize, enable_push: p.enablePush, max_concurrent_streams: num(p.maxConcurrentStreams),
        initial_window_size: p.initialWindowSize, max_frame_size: p.maxFrameSize, max_header_list_size: num(p.maxHeaderListSize),
      },
      connectionWindow: ledger(c.window),
      violations: c.violations.map((v) => ({ ...v })),
      windowUpdatesSent: {
        stream: streamUpdates,
        connection: c.timeline.filter((e) => e.type === 'window-update' && e.direction === 'sent').length,
      },
      goawayReceived: c.goawayReceived,
    };
  }

  // ---- the connection's reader ----

  /** A stream's side of the connection's reader: it consumes when and as much as the reader says. */
  private proxy(): ReadBehaviour {
    let ctl: ReadControl | null = null;
    const self = this;
    return {
      name: 'connection-reader',
      get readChunkBytes() { return self.current.behaviour.readChunkBytes; },
      nextReadLimit: () => self.current.behaviour.nextReadLimit?.() ?? Infinity,
      attach(c) {
        ctl = c;
        self.members.add(c);
        if (self.isPaused) c.pause();
      },
      onBytes(n) {
        self.consumedBytes += n;
        if (self.current.active) self.current.behaviour.onBytes(n);
      },
      detach() {
        if (ctl !== null) self.members.delete(ctl);
        ctl = null;
      },
    };
  }

  private setPaused(p: boolean, by: string): void {
    if (this.isPaused === p) return;
    this.isPaused = p;
    this.events.push({ type: p ? 'pause' : 'resume', t: wallNow(), behaviour: by });
    for (const c of [...this.members]) {
      if (p) c.pause();
      else c.resume();
    }
  }

  private attach(): void {
    const slot = this.current;
    slot.active = true;
    const name = slot.behaviour.name;
    const ifActive = (f: () => void) => () => { if (slot.active) f(); };
    slot.behaviour.attach({
      pause: ifActive(() => this.setPaused(true, name)),
      resume: ifActive(() => this.setPaused(false, name)),
      close: ifActive(() => this.close()),
      halfClose: ifActive(() => { this.events.push({ type: 'half-close-noop', t: wallNow(), behaviour: name }); }),
      reset: ifActive(() => this.reset()),
      now: wallNow,
      bytesReceived: () => this.consumedBytes,
      paused: () => this.isPaused,
    });
  }

  private detach(): void {
    if (!this.current.active) return;
    this.current.active = false;
    this.current.behaviour.detach();
  }

  /** A live view of stream `s` as response `index` (its getters read the stream when asked). */
  private view(index: number, s: H2Stream): WireResponse {
    return {
      index,
      get status() { return s.status ?? 0; },
      get headers() { return (s.head?.headers ?? []) as Array<[string, string]>; },
      get headAt() { return s.head?.t ?? null; },
      framing: 'data-frames',
      get contentLength() {
        const v = s.head?.headers.find(([n]) => n === 'content-length')?.[1];
        return v === undefined || !/^\d+$/.test(v) ? null : Number(v);
      },
      get bodyBytes() { return s.bodyBytes; },
      get body() { return [s.body]; },
      get completion() { return s.completion; },
      get endAt() { return s.endedAt; },
      get error() {
        const v = s.violations.find((x) => x.action !== 'recorded');
        return v === undefined ? null : { message: `${v.code}: ${v.message}` };
      },
      get anomalies() { return s.violations.filter((x) => x.action === 'recorded').map((x) => `${x.code}: ${x.message}`); },
      get h2() {
        const frames = s.timeline.filter((e) => e.type === 'bytes');
        return {
          streamId: s.id,
          endStream: s.remoteEnded,
          resetCode: s.resetCode,
          resetBy: s.completion === 'reset-by-peer' ? 'server' as const
            : s.completion === 'cancelled' || s.completion === 'stream-error' ? 'client' as const : null,
          dataFrames: frames.length,
          paddingBytes: frames.reduce((a, e) => a + (e.type === 'bytes' ? e.flowBytes - e.count : 0), 0),
          window: ledger(s.window),
          violations: s.violations.map((v) => v.code),
        };
      },
    };
  }
}
