// Protocol violations: what the peer did against RFC 9113 (or against the windows the simulator
// granted, H2-01), recorded as evidence. A violation is never thrown: the parser and the
// connection report it, answer it as the RFC says (GOAWAY or RST_STREAM) and go on or stop.
import type { ErrorCodeName } from './constants.ts';

export type ViolationCode =
  // frame layer (RFC 9113 4 and 6)
  | 'PREFACE_NOT_SETTINGS'      // 3.4: the server's first frame must be SETTINGS
  | 'FRAME_TOO_LARGE'           // 4.2: length over our SETTINGS_MAX_FRAME_SIZE
  | 'BAD_FRAME_LENGTH'          // 4.2 and 6.x: length wrong for the frame type
  | 'STREAM_ID_ZERO'            // 6.x: a stream frame on stream 0
  | 'STREAM_ID_NONZERO'         // 6.x: a connection frame on a stream
  | 'PADDING_OVERFLOW'          // 6.1, 6.2, 6.6: padding as long as the payload or longer
  | 'SELF_DEPENDENCY'           // 5.3.1: a stream that depends on itself
  | 'CONTINUATION_EXPECTED'     // 6.10: another frame inside a field block
  | 'UNEXPECTED_CONTINUATION'   // 6.10: CONTINUATION with no field block open, or on another stream
  | 'BAD_SETTING_VALUE'         // 6.5.2: ENABLE_PUSH, INITIAL_WINDOW_SIZE, MAX_FRAME_SIZE... out of range
  | 'ZERO_WINDOW_INCREMENT'     // 6.9: WINDOW_UPDATE with increment 0
  | 'WINDOW_OVERFLOW'           // 6.9.1: a window grown past 2^31-1
  | 'GOAWAY_ID_INCREASED'       // 6.8: a later GOAWAY with a higher last stream id
  // streams and messages (RFC 9113 5.1, 8)
  | 'IDLE_STREAM_FRAME'         // 5.1: a frame on a stream that was never opened
  | 'CLOSED_STREAM_FRAME'       // 5.1: DATA or HEADERS after the peer's END_STREAM
  | 'PUSH_DISABLED'             // 6.6 / 8.4: PUSH_PROMISE although we set ENABLE_PUSH 0
  | 'COMPRESSION'               // 4.3: a field block HPACK cannot decode
  | 'MALFORMED_RESPONSE'        // 8.1.1, 8.3: bad or missing pseudo-headers, bad field names
  | 'CONTENT_LENGTH_MISMATCH'   // 8.1.1: DATA adds up to another length than content-length
  | 'HEADER_BLOCK_TOO_LARGE'    // a simulator limit, not an RFC rule: protects the harness
  // flow control as the simulator granted it
  | 'H2-01';                    // DATA beyond the stream's or the connection's granted window

/** How the simulator answered, as RFC 9113 5.4 says for the violation. */
export type ViolationAction =
  | 'connection-error' // GOAWAY with errorCode, then the connection closes
  | 'stream-error'     // RST_STREAM with errorCode on that stream
  | 'recorded';        // evidence only (H2-01 by default; rules with no prescribed answer)

export interface Violation {
  code: ViolationCode;
  /** Where the rule is, e.g. "RFC 9113 6.1". */
  rule: string;
  message: string;
  /** Stream of the offending frame (0: the connection). */
  streamId: number;
  /** Type of the offending frame, e.g. "DATA". */
  frameType?: string;
  action: ViolationAction;
  /** The error code sent (connection and stream errors), or the one the RFC names. */
  errorCode: ErrorCodeName;
  /** Offset of the offending frame's first byte in the bytes the peer sent after TLS. */
  offset?: number;
  /** H2-01: by how many bytes the window was exceeded, and at which level. */
  excess?: { bytes: number; scope: 'stream' | 'connection'; window: number };
}

export function connectionError(
  code: ViolationCode, errorCode: ErrorCodeName, rule: string, message: string,
  at: { streamId: number; frameType?: string; offset?: number },
): Violation {
  return { code, rule, message, action: 'connection-error', errorCode, ...at };
}

export function streamError(
  code: ViolationCode, errorCode: ErrorCodeName, rule: string, message: string,
  at: { streamId: number; frameType?: string; offset?: number },
): Violation {
  return { code, rule, message, action: 'stream-error', errorCode, ...at };
}
