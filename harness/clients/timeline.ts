// The wire timeline of one client connection: what the client saw and did, when. Data only.
//
// Times are Unix milliseconds with fractions (performance.timeOrigin + performance.now()), so a
// timeline can be laid beside a server's journal once the journal's handler start is known.

/** Unix ms with sub-ms fractions, on the monotonic clock of this process. */
export function wallNow(): number {
  return performance.timeOrigin + performance.now();
}

export type TimelineEvent =
  /** TCP connection established. */
  | { type: 'connect'; t: number; localPort: number }
  /** TLS handshake done; `alpn` is the negotiated protocol or false. */
  | { type: 'tls-established'; t: number; protocol: string | null; alpn: string | false }
  /** Request `index` (0-based, in send order) handed to the kernel. */
  | { type: 'request-sent'; t: number; index: number; bytes: number }
  /** Status line and headers of response `index` complete (final responses only; 1xx are skipped). */
  | { type: 'head'; t: number; index: number; status: number }
  /** Response `index` ended: complete, truncated, framing error or abandoned. */
  | { type: 'response-end'; t: number; index: number; completion: string; bodyBytes: number }
  /** One read: `count` bytes arrived, `total` bytes received so far on this connection. */
  | { type: 'bytes'; t: number; count: number; total: number }
  /** The reading behaviour stopped reading from the kernel. */
  | { type: 'pause'; t: number; behaviour: string }
  /** The reading behaviour started reading again. */
  | { type: 'resume'; t: number; behaviour: string }
  /** The peer sent FIN (end of its stream). */
  | { type: 'fin-received'; t: number }
  /**
   * The client sent FIN: `close` = full close (reading stops, the socket closes right after),
   * `half-close` = sending side only (reading goes on), `after-peer-fin` = answering the server's FIN.
   */
  | { type: 'fin-sent'; t: number; how: 'close' | 'half-close' | 'after-peer-fin' }
  /** The client aborted the connection with RST. */
  | { type: 'rst-sent'; t: number }
  /** A socket error; ECONNRESET means an RST was received. */
  | { type: 'error'; t: number; code: string; message: string }
  /** The socket is closed; nothing more will happen on it. */
  | { type: 'close'; t: number };

export type TimelineEventType = TimelineEvent['type'];

/** Events of one type, narrowed. */
export function eventsOf<K extends TimelineEventType>(
  timeline: readonly TimelineEvent[],
  type: K,
): Extract<TimelineEvent, { type: K }>[] {
  return timeline.filter((e): e is Extract<TimelineEvent, { type: K }> => e.type === type);
}
