// HTTP/2 frames for the reference server (RFC 9113 4 and 6): an incremental reader for what a
// client sends and builders for what the server sends. Only what a server needs; the harness has
// its own, stricter codec (harness/clients/h2/) so that a codec bug cannot hide on both sides of
// a conformance check.
//
// Frame-layer errors the reader finds (sizes, stream id 0 or not, padding, CONTINUATION order)
// are thrown as H2Error; the connection answers them with GOAWAY or RST_STREAM.

export const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');

export const T = {
  DATA: 0x0, HEADERS: 0x1, PRIORITY: 0x2, RST_STREAM: 0x3, SETTINGS: 0x4, PUSH_PROMISE: 0x5,
  PING: 0x6, GOAWAY: 0x7, WINDOW_UPDATE: 0x8, CONTINUATION: 0x9,
} as const;

export const F = { END_STREAM: 0x1, ACK: 0x1, END_HEADERS: 0x4, PADDED: 0x8, PRIORITY: 0x20 } as const;

export const E = {
  NO_ERROR: 0x0, PROTOCOL_ERROR: 0x1, INTERNAL_ERROR: 0x2, FLOW_CONTROL_ERROR: 0x3, SETTINGS_TIMEOUT: 0x4,
  STREAM_CLOSED: 0x5, FRAME_SIZE_ERROR: 0x6, REFUSED_STREAM: 0x7, CANCEL: 0x8, COMPRESSION_ERROR: 0x9,
  CONNECT_ERROR: 0xa, ENHANCE_YOUR_CALM: 0xb, INADEQUATE_SECURITY: 0xc, HTTP_1_1_REQUIRED: 0xd,
} as const;

export const S = {
  HEADER_TABLE_SIZE: 0x1, ENABLE_PUSH: 0x2, MAX_CONCURRENT_STREAMS: 0x3, INITIAL_WINDOW_SIZE: 0x4,
  MAX_FRAME_SIZE: 0x5, MAX_HEADER_LIST_SIZE: 0x6,
} as const;

export const DEFAULT_WINDOW = 65_535;
/** CONTINUATION frames one field block may take (a 128 KiB block needs 8 at the default frame size). */
export const MAX_CONTINUATIONS = 128;
/** Empty CONTINUATION frames (no END_HEADERS) one connection may send in all. */
export const MAX_EMPTY_CONTINUATIONS = 256;
export const MAX_WINDOW = 0x7fffffff;
export const DEFAULT_MAX_FRAME = 16_384;

/** A protocol error: `stream` 0 is a connection error (GOAWAY), otherwise a stream error (RST_STREAM). */
export class H2Error extends Error {
  constructor(readonly code: number, readonly stream: number, message: string) {
    super(message);
  }
}

export interface InFrame {
  type: number;
  flags: number;
  stream: number;
  /** The payload without padding (HEADERS: the whole field block, CONTINUATIONs joined; priority fields removed). */
  payload: Buffer;
  /** DATA: the whole payload length, padding included: what flow control counts. */
  flowBytes: number;
  /**
   * HEADERS: a stream error found in the frame itself (it depends on its own stream). It is
   * raised only after the field block has been decoded: the HPACK table must follow every block.
   */
  streamError?: H2Error;
}

/**
 * Cuts a byte stream into frames. `maxFrame` is our SETTINGS_MAX_FRAME_SIZE. HEADERS followed by
 * CONTINUATION come out as one HEADERS frame whose payload is the joined field block.
 */
export class FrameReader {
  #buf: Buffer | null = null;
  /** HEADERS waiting for its CONTINUATIONs. */
  #block: { stream: number; flags: number; parts: Buffer[]; bytes: number; frames: number; streamError: H2Error | undefined } | null = null;
  /** Empty CONTINUATION frames without END_HEADERS on this connection: they carry nothing, only work. */
  #emptyContinuations = 0;

  constructor(
    private readonly maxFrame: number,
    private readonly maxBlock: number,
    /** CONTINUATION frames one field block may have (a CONTINUATION flood is ENHANCE_YOUR_CALM). */
    private readonly maxContinuations = MAX_CONTINUATIONS,
  ) {}

  /**
   * Feeds bytes; calls `on` for each whole frame. A stream error (H2Error with a stream), found
   * here or thrown by `on`, goes to `onStreamError` and reading goes on; a connection error is
   * thrown (the connection is over).
   */
  push(chunk: Buffer, on: (f: InFrame) => void, onStreamError: (e: H2Error) => void): void {
    let buf = this.#buf === null ? chunk : Buffer.concat([this.#buf, chunk]);
    let off = 0;
    while (buf.length - off >= 9) {
      const len = buf.readUIntBE(off, 3);
      const type = buf[off + 3]!;
      const flags = buf[off + 4]!;
      const stream = buf.readUInt32BE(off + 5) & 0x7fffffff;
      if (len > this.maxFrame) throw new H2Error(E.FRAME_SIZE_ERROR, 0, `frame of ${len} bytes exceeds SETTINGS_MAX_FRAME_SIZE ${this.maxFrame}`);
      if (buf.length - off < 9 + len) break;
      const payload = buf.subarray(off + 9, off + 9 + len);
      off += 9 + len;
      try {
        this.#frame(type, flags, stream, payload, on);
      } catch (err) {
        if (!(err instanceof H2Error) || err.stream === 0) throw err;
        onStreamError(err);
      }
    }
    this.#buf = off === buf.length ? null : Buffer.from(buf.subarray(off));
  }

  #frame(type: number, flags: number, stream: number, payload: Buffer, on: (f: InFrame) => void): void {
    if (this.#block !== null) {
      const b = this.#block;
      if (type !== T.CONTINUATION || stream !== b.stream) throw new H2Error(E.PROTOCOL_ERROR, 0, 'field block interrupted: CONTINUATION expected');
      // The size cap alone lets empty frames through without end (issue 15: 13M of them took
      // 2.6 GB): the frames of one block, and empty ones on the connection, are counted too.
      if (++b.frames > this.maxContinuations) throw new H2Error(E.ENHANCE_YOUR_CALM, 0, `field block in more than ${this.maxContinuations} CONTINUATION frames`);
      if (payload.length === 0 && !(flags & F.END_HEADERS) && ++this.#emptyContinuations > MAX_EMPTY_CONTINUATIONS) {
        throw new H2Error(E.ENHANCE_YOUR_CALM, 0, `more than ${MAX_EMPTY_CONTINUATIONS} empty CONTINUATION frames`);
      }
      b.bytes += payload.length;
      if (b.bytes > this.maxBlock) throw new H2Error(E.ENHANCE_YOUR_CALM, 0, `field block over ${this.maxBlock} bytes`);
      if (payload.length > 0) b.parts.push(Buffer.from(payload));
      if (flags & F.END_HEADERS) {
        this.#block = null;
        on({ type: T.HEADERS, flags: b.flags | F.END_HEADERS, stream, payload: Buffer.concat(b.parts), flowBytes: 0, ...(b.streamError ? { streamError: b.streamError } : {}) });
      }
      return;
    }
    switch (type) {
      case T.DATA: {
        if (stream === 0) throw new H2Error(E.PROTOCOL_ERROR, 0, 'DATA on stream 0');
        on({ type, flags, stream, payload: unpad(payload, flags), flowBytes: payload.length });
        return;
      }
      case T.HEADERS: {
        if (stream === 0) throw new H2Error(E.PROTOCOL_ERROR, 0, 'HEADERS on stream 0');
        let p = unpad(payload, flags);
        let streamError: H2Error | undefined;
        if (flags & F.PRIORITY) {
          if (p.length < 5) throw new H2Error(E.FRAME_SIZE_ERROR, 0, 'HEADERS too short for its priority fields');
          // Not thrown here: the field block (and its CONTINUATIONs) must still be decoded.
          if ((p.readUInt32BE(0) & 0x7fffffff) === stream) streamError = new H2Error(E.PROTOCOL_ERROR, stream, 'stream depends on itself');
          p = p.subarray(5);
        }
        if (flags & F.END_HEADERS) on({ type, flags, stream, payload: p, flowBytes: 0, ...(streamError ? { streamError } : {}) });
        else this.#block = { stream, flags, parts: [Buffer.from(p)], bytes: p.length, frames: 0, streamError };
        return;
      }
      case T.PRIORITY:
        if (stream === 0) throw new H2Error(E.PROTOCOL_ERROR, 0, 'PRIORITY on stream 0');
        if (payload.length !== 5) throw new H2Error(E.FRAME_SIZE_ERROR, stream, 'PRIORITY payload is not 5 bytes');
        if ((payload.readUInt32BE(0) & 0x7fffffff) === stream) throw new H2Error(E.PROTOCOL_ERROR, stream, 'stream depends on itself');
        return; // priorities are advisory; this server schedules round-robin
      case T.RST_STREAM:
        if (stream === 0) throw new H2Error(E.PROTOCOL_ERROR, 0, 'RST_STREAM on stream 0');
        if (payload.length !== 4) throw new H2Error(E.FRAME_SIZE_ERROR, 0, 'RST_STREAM payload is not 4 bytes');
        break;
      case T.SETTINGS:
        if (stream !== 0) throw new H2Error(E.PROTOCOL_ERROR, 0, 'SETTINGS on a stream');
        if (flags & F.ACK ? payload.length !== 0 : payload.length % 6 !== 0) throw new H2Error(E.FRAME_SIZE_ERROR, 0, 'SETTINGS payload length');
        break;
      case T.PUSH_PROMISE:
        throw new H2Error(E.PROTOCOL_ERROR, 0, 'PUSH_PROMISE from a client');
      case T.PING:
        if (stream !== 0) throw new H2Error(E.PROTOCOL_ERROR, 0, 'PING on a stream');
        if (payload.length !== 8) throw new H2Error(E.FRAME_SIZE_ERROR, 0, 'PING payload is not 8 bytes');
        break;
      case T.GOAWAY:
        if (stream !== 0) throw new H2Error(E.PROTOCOL_ERROR, 0, 'GOAWAY on a stream');
        if (payload.length < 8) throw new H2Error(E.FRAME_SIZE_ERROR, 0, 'GOAWAY too short');
        break;
      case T.WINDOW_UPDATE:
        if (payload.length !== 4) throw new H2Error(E.FRAME_SIZE_ERROR, 0, 'WINDOW_UPDATE payload is not 4 bytes');
        break;
      case T.CONTINUATION:
        throw new H2Error(E.PROTOCOL_ERROR, 0, 'CONTINUATION without HEADERS');
      default:
        return; // unknown frame types are ignored (RFC 9113 4.1)
    }
    on({ type, flags, stream, payload, flowBytes: 0 });
  }
}

function unpad(p: Buffer, flags: number): Buffer {
  if (!(flags & F.PADDED)) return p;
  if (p.length < 1) throw new H2Error(E.FRAME_SIZE_ERROR, 0, 'padded frame without a pad length');
  const pad = p[0]!;
  if (pad >= p.length) throw new H2Error(E.PROTOCOL_ERROR, 0, 'padding exceeds the payload');
  return p.subarray(1, p.length - pad);
}

/** A frame header (9 bytes). */
export function frameHead(len: number, type: number, flags: number, stream: number): Buffer {
  const b = Buffer.allocUnsafe(9);
  b.writeUIntBE(len, 0, 3);
  b[3] = type;
  b[4] = flags;
  b.writeUInt32BE(stream, 5);
  return b;
}

export function settingsFrame(settings: Array<[number, number]>): Buffer {
  const b = Buffer.allocUnsafe(9 + 6 * settings.length);
  frameHead(6 * settings.length, T.SETTINGS, 0, 0).copy(b);
  settings.forEach(([id, v], i) => {
    b.writeUInt16BE(id, 9 + 6 * i);
    b.writeUInt32BE(v, 11 + 6 * i);
  });
  return b;
}

export const SETTINGS_ACK = frameHead(0, T.SETTINGS, F.ACK, 0);

export function pingAck(opaque: Buffer): Buffer {
  return Buffer.concat([frameHead(8, T.PING, F.ACK, 0), opaque]);
}

export function windowUpdate(stream: number, increment: number): Buffer {
  const b = frameHead(4, T.WINDOW_UPDATE, 0, stream);
  const p = Buffer.allocUnsafe(4);
  p.writeUInt32BE(increment);
  return Buffer.concat([b, p]);
}

export function rstStream(stream: number, code: number): Buffer {
  const b = Buffer.allocUnsafe(13);
  frameHead(4, T.RST_STREAM, 0, stream).copy(b);
  b.writeUInt32BE(code, 9);
  return b;
}

export function goaway(lastStream: number, code: number, debug = ''): Buffer {
  const d = Buffer.from(debug, 'utf8');
  const b = Buffer.allocUnsafe(17 + d.length);
  frameHead(8 + d.length, T.GOAWAY, 0, 0).copy(b);
  b.writeUInt32BE(lastStream, 9);
  b.writeUInt32BE(code, 13);
  d.copy(b, 17);
  return b;
}

/** A field block as HEADERS + CONTINUATION frames of at most `maxFrame` bytes each. */
export function headersFrames(stream: number, block: Buffer, endStream: boolean, maxFrame: number, out: Uint8Array[]): void {
  let off = 0;
  let first = true;
  do {
    const n = Math.min(maxFrame, block.length - off);
    const last = off + n === block.length;
    const flags = (last ? F.END_HEADERS : 0) | (first && endStream ? F.END_STREAM : 0);
    out.push(frameHead(n, first ? T.HEADERS : T.CONTINUATION, flags, stream));
    if (n > 0) out.push(block.subarray(off, off + n));
    off += n;
    first = false;
  } while (off < block.length);
}
