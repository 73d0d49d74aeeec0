// The wire timelines of the HTTP/2 simulator: one per connection (TCP, TLS, connection-level
// frames, violations) and one per stream (its request, response, DATA over time, windows,
// resets). Times are Unix ms with fractions, the clock of ../timeline.ts. Data only.
import type { TimelineEvent } from '../timeline.ts';
import type { Violation } from './violations.ts';

export type Direction = 'sent' | 'received';

/** The TCP-level events of the HTTP/1.1 timeline that an HTTP/2 connection records as they are. */
type SocketEvent = Extract<TimelineEvent, {
  type: 'connect' | 'tls-established' | 'bytes' | 'fin-received' | 'fin-sent' | 'rst-sent' | 'error' | 'close';
}>;

export type H2ConnectionEvent =
  | SocketEvent
  /** Connection preface and our SETTINGS handed to the kernel. */
  | { type: 'preface-sent'; t: number }
  | { type: 'settings'; t: number; direction: Direction; ack: boolean; settings: Array<[name: string, value: number]> }
  | { type: 'ping'; t: number; direction: Direction; ack: boolean; opaque: string }
  | { type: 'goaway'; t: number; direction: Direction; lastStreamId: number; errorCode: string; debug: string }
  /** A connection-level WINDOW_UPDATE; `window` = what the peer may send after it (sent) or our send window (received). */
  | { type: 'window-update'; t: number; direction: Direction; increment: number; window: number }
  | ({ type: 'violation'; t: number } & Violation)
  | { type: 'stream-opened'; t: number; streamId: number }
  | { type: 'stream-closed'; t: number; streamId: number; completion: StreamCompletion }
  /** pauseSocket() / resumeSocket(): reading TCP stopped or started again (below HTTP/2). */
  | { type: 'socket-pause'; t: number }
  | { type: 'socket-resume'; t: number }
  /** The connection-level reading behaviour stopped or started consuming. */
  | { type: 'pause'; t: number; behaviour: string }
  | { type: 'resume'; t: number; behaviour: string };

/**
 * How a stream ended:
 *  - complete: END_STREAM received (and ours sent);
 *  - reset-by-peer: RST_STREAM received (code in the stream's resetCode);
 *  - cancelled: we sent RST_STREAM (the reading behaviour or cancel());
 *  - refused: GOAWAY named a last stream below it, or REFUSED_STREAM: never processed;
 *  - stream-error: the peer broke a rule on this stream; we sent RST_STREAM;
 *  - connection-error: the peer broke a connection rule; we sent GOAWAY;
 *  - connection-closed: the connection closed (or was reset) before the stream ended.
 */
export type StreamCompletion =
  | 'in-progress' | 'complete' | 'reset-by-peer' | 'cancelled' | 'refused' | 'stream-error' | 'connection-error' | 'connection-closed';

export type H2StreamEvent =
  /** HEADERS (and CONTINUATIONs) handed to the kernel. */
  | { type: 'headers-sent'; t: number; bytes: number; endStream: boolean }
  /** A request body DATA frame handed to the kernel. */
  | { type: 'data-sent'; t: number; bytes: number; endStream: boolean }
  /** A 1xx response head. */
  | { type: 'interim'; t: number; status: number }
  /** The final response head. */
  | { type: 'head'; t: number; status: number }
  | { type: 'trailers'; t: number }
  /** One DATA frame: `count` body bytes, `total` body bytes so far, `flowBytes` counted by flow control. */
  | { type: 'bytes'; t: number; count: number; total: number; flowBytes: number }
  /** END_STREAM received: the HTTP/2 FIN. */
  | { type: 'end-stream'; t: number }
  /** A stream-level WINDOW_UPDATE; `window` = what the peer may send after it (sent) or our send window (received). */
  | { type: 'window-update'; t: number; direction: Direction; increment: number; window: number }
  | { type: 'rst-stream'; t: number; direction: Direction; errorCode: string }
  /** A GOAWAY arrived; `refused` when this stream is above its last stream id. */
  | { type: 'goaway'; t: number; lastStreamId: number; errorCode: string; refused: boolean }
  | { type: 'pause'; t: number; behaviour: string }
  | { type: 'resume'; t: number; behaviour: string }
  | ({ type: 'violation'; t: number } & Violation)
  | { type: 'close'; t: number; completion: StreamCompletion };

export type H2ConnectionEventType = H2ConnectionEvent['type'];
export type H2StreamEventType = H2StreamEvent['type'];

/** Events of one type, narrowed (for either timeline). */
export function eventsOfType<E extends { type: string }, K extends E['type']>(
  timeline: readonly E[],
  type: K,
): Extract<E, { type: K }>[] {
  return timeline.filter((e): e is Extract<E, { type: K }> => e.type === type);
}
