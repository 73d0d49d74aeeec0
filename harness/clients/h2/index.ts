// The HTTP/2 client simulator: connections (h2c with prior knowledge, TLS with ALPN h2), a
// per-host pool, flow control driven by the HTTP/1.1 reading behaviours, a strict frame codec
// whose findings are violations (evidence), and the H2-01 check on every connection.
export { H2Connection, type H2ConnectionOptions } from './connection.ts';
export { H2Pool, type H2PoolOptions, type PoolEvent } from './pool.ts';
export { H2Stream, type H2Request, type StreamOptions, type ResponseHead, type Malformed } from './stream.ts';
export type { WindowExceededAction } from './core.ts';
export type { LocalSettings, PeerSettings } from './settings.ts';
export {
  type H2ConnectionEvent, type H2StreamEvent, type H2ConnectionEventType, type H2StreamEventType, type StreamCompletion,
  type Direction, eventsOfType,
} from './timeline.ts';
export type { Violation, ViolationCode, ViolationAction } from './violations.ts';
export { InboundWindow, OutboundWindow } from './flow.ts';
export { WindowReader, type ReaderHost } from './window-reader.ts';
export { OutFramer, type OutItem, type BodySource, type ByteSink } from './out-framer.ts';
export { FrameParser, type FrameParserOptions, type FrameSink } from './frame-parser.ts';
export * from './frame-serializer.ts';
export type { Frame, FrameKind, FrameOf, Priority } from './frames.ts';
export { HeaderEncoder, HeaderDecoder, type HeaderList, type DecodeResult } from './hpack.ts';
export * from './constants.ts';
