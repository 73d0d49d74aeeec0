// The client-connection seam of the conformance runner: what scenarios, probe runs, verifiers and
// the ISO crowd use of a client-simulator connection, whatever the HTTP version under it.
// HTTP/1.1: H1Connection as it is (several sends pipeline). HTTP/2: H2ClientConnection
// (h2-adapter.ts), where each send opens a stream on the same connection.
import type { H1Request, ReadBehaviour, TimelineEvent } from '../clients/index.ts';
import type { H2ConnectionEvent } from '../clients/h2/index.ts';

/** A response as the checks read it: the fields HTTP/1.1's ParsedResponse and an HTTP/2 stream share. */
export interface WireResponse {
  /** 0-based, in send order. */
  index: number;
  /** 0 while (or when) no final head arrived. */
  status: number;
  headers: Array<[name: string, value: string]>;
  headAt: number | null;
  /** HTTP/1.1: content-length, chunked, until-close, none...; HTTP/2: data-frames. */
  framing: string;
  contentLength: number | null;
  /** Body bytes received (de-chunked; HTTP/2: DATA payloads without padding). */
  bodyBytes: number;
  /** The stored body bytes, as received. */
  body: Buffer[];
  /**
   * How it ended. HTTP/1.1: complete, truncated-by-close, framing-error, abandoned (the client
   * closed first). HTTP/2, the stream's completion: complete (END_STREAM), reset-by-peer
   * (RST_STREAM from the server), cancelled (ours), refused, stream-error, connection-error,
   * connection-closed. in-progress until then.
   */
  completion: string;
  endAt: number | null;
  error: { message: string; offset?: number } | null;
  anomalies: string[];
  /** HTTP/2 only: the stream behind the response. */
  h2?: H2StreamRecord;
}

/** What an HTTP/2 stream adds to its response (PWR-04, CXL-06, H2-01..03 judge it). */
export interface H2StreamRecord {
  streamId: number;
  /** END_STREAM received (the response ended normally on the wire). */
  endStream: boolean;
  /** The RST_STREAM error code, and who sent it, if the stream was reset. */
  resetCode: string | null;
  resetBy: 'client' | 'server' | null;
  dataFrames: number;
  /** Padding bytes in DATA frames (flow-controlled bytes that are not body). */
  paddingBytes: number;
  /** Our receive window of the stream as granted (H2-01 is checked against it). */
  window: WindowLedger;
  /** Codes of the violations recorded on this stream. */
  violations: string[];
}

export interface WindowLedger {
  initial: number;
  granted: number;
  received: number;
  /** Bytes received beyond the allowance at the time they arrived (H2-01). */
  excess: number;
}

/**
 * Wire events: HTTP/1.1's timeline events, and on HTTP/2 the connection's own events plus each
 * stream's, carrying the response `index` (and `streamId`) they belong to. DATA frames and
 * WINDOW_UPDATEs are left out (summarised in the scenario's h2 record); `bytes` are TCP reads.
 */
export type WireEvent =
  | TimelineEvent
  | Exclude<H2ConnectionEvent, { type: 'window-update' | 'stream-opened' | 'stream-closed' | 'violation' | 'pause' | 'resume' }>
  /** HTTP/2: the connection-level behaviour (connectionBehaviour) stopped or started granting the connection window. */
  | { type: 'connection-window-pause' | 'connection-window-resume'; t: number; behaviour: string }
  /** An RFC 9113 violation or H2-01 excess the client recorded (harness/clients/h2/violations.ts). */
  | {
    type: 'violation'; t: number; code: string; rule: string; message: string; streamId: number; action: string;
    errorCode: string; frameType?: string; offset?: number; excess?: { bytes: number; scope: 'stream' | 'connection'; window: number };
  }
  | { type: 'end-stream'; t: number; index: number; streamId: number }
  | { type: 'rst-stream'; t: number; index: number; streamId: number; direction: 'sent' | 'received'; errorCode: string }
  | { type: 'interim'; t: number; index: number; streamId: number; status: number }
  | { type: 'trailers'; t: number; index: number; streamId: number }
  /** A reading behaviour asked for a half-close: on HTTP/2 every request stream already is (END_STREAM). */
  | { type: 'half-close-noop'; t: number; behaviour: string };

export type WireEventType = WireEvent['type'];

/** Events of one type, narrowed. */
export function wireEvents<K extends WireEventType>(timeline: readonly WireEvent[], type: K): Extract<WireEvent, { type: K }>[] {
  return timeline.filter((e): e is Extract<WireEvent, { type: K }> => e.type === type);
}

export interface SendOptions {
  /**
   * HTTP/2: this request's stream reads on its own with this behaviour (its cancel is
   * RST_STREAM on that stream), instead of as part of the connection's reader. Ignored on HTTP/1.1.
   */
  behaviour?: ReadBehaviour;
}

export interface ClientConnection {
  readonly timeline: readonly WireEvent[];
  /** Responses in send order (index = what send() returned). */
  readonly responses: readonly WireResponse[];
  /** The connection's reader is paused (stalled). */
  readonly paused: boolean;
  readonly closed: boolean;
  /** Sends one request; returns its index. HTTP/1.1: pipelined; HTTP/2: a new stream. */
  send(request: H1Request, opts?: SendOptions): number;
  waitForHead(index: number, timeoutMs: number): Promise<WireResponse>;
  waitForResponse(index: number, timeoutMs: number): Promise<WireResponse>;
  /** Replaces how the client reads (HTTP/2: how every stream without its own behaviour consumes, i.e. grants). */
  setBehaviour(behaviour: ReadBehaviour): void;
  /** Full close: HTTP/1.1 FIN then close; HTTP/2 GOAWAY(NO_ERROR), FIN, close. */
  close(): void;
  /** HTTP/1.1: shut down the sending side only. Not an HTTP/2 notion (throws there). */
  halfClose(): void;
  /** Abortive close: TCP RST. */
  reset(): void;
  /** Closes the socket at once. */
  destroy(): void;
}
