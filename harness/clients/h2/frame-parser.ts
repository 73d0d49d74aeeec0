// A strict, incremental HTTP/2 frame parser for the client side (RFC 9113 4 and 6). Bytes go in
// as they arrive; whole frames come out, HEADERS and PUSH_PROMISE with their CONTINUATION
// fragments joined. Anything the RFC forbids at the frame layer becomes a Violation handed to
// the sink, never an exception: a connection error stops the parser (later bytes are only
// counted), a stream error drops that frame and parsing goes on.
//
// What it checks: the server preface (first frame SETTINGS), SETTINGS_MAX_FRAME_SIZE, the length
// each type requires, stream id 0 vs non-0 per type, padding overflow, self-dependency, the
// CONTINUATION sequence, SETTINGS values, WINDOW_UPDATE increment 0. Stream states, flow control
// and field blocks are checked by the connection, which knows them.
import { FRAME_HEADER_BYTES, Flag, FrameType, frameTypeName } from './constants.ts';
import type { Frame, Priority } from './frames.ts';
import { checkSetting } from './settings.ts';
import { type Violation, connectionError, streamError } from './violations.ts';

export interface FrameParserOptions {
  /** Our SETTINGS_MAX_FRAME_SIZE: a longer frame is FRAME_TOO_LARGE. */
  maxFrameSize: number;
  /** The first frame must be a SETTINGS frame without ACK (RFC 9113 3.4). Default true. */
  expectServerPreface?: boolean;
  /** Largest field block kept (a harness limit, not an RFC rule). Default 1 MiB. */
  maxHeaderBlockBytes?: number;
}

export interface FrameSink {
  frame(f: Frame): void;
  violation(v: Violation): void;
}

interface Header {
  length: number;
  type: number;
  flags: number;
  streamId: number;
  offset: number;
  /** A stream error found from the header alone: the payload is skipped, then this is reported. */
  skip: Violation | null;
}

interface OpenBlock {
  type: 'HEADERS' | 'PUSH_PROMISE';
  streamId: number;
  first: Header;
  fragments: Buffer[];
  bytes: number;
  frames: number;
  endStream: boolean;
  priority: Priority | null;
  promisedStreamId: number;
  streamViolation: Violation | null;
}

export class FrameParser {
  private readonly chunks: Buffer[] = [];
  private buffered = 0;
  private consumed = 0;
  private header: Header | null = null;
  private block: OpenBlock | null = null;
  private framesSeen = 0;
  private stoppedBy: Violation | null = null;
  private ignored = 0;
  maxFrameSize: number;
  private readonly expectPreface: boolean;
  private readonly maxBlock: number;

  constructor(private readonly sink: FrameSink, opts: FrameParserOptions) {
    this.maxFrameSize = opts.maxFrameSize;
    this.expectPreface = opts.expectServerPreface ?? true;
    this.maxBlock = opts.maxHeaderBlockBytes ?? 1 << 20;
  }

  /** The connection error that stopped parsing, if any. */
  get stopped(): Violation | null { return this.stoppedBy; }
  /** Bytes that arrived after parsing stopped (not parsed). */
  get ignoredBytes(): number { return this.ignored; }
  /** Bytes taken by whole frames so far. */
  get bytesParsed(): number { return this.consumed; }
  /** Bytes of an incomplete frame (or field block) waiting for the rest. */
  get pendingBytes(): number { return this.buffered + (this.block?.bytes ?? 0); }

  /** Stops parsing from outside (e.g. the connection found a connection error in a frame). */
  stop(v: Violation): void {
    if (this.stoppedBy !== null) return;
    this.stoppedBy = v;
    this.ignored += this.buffered;
    this.chunks.length = 0;
    this.buffered = 0;
  }

  push(chunk: Buffer): void {
    if (this.stoppedBy !== null) {
      this.ignored += chunk.length;
      return;
    }
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    while (this.stoppedBy === null) {
      if (this.header === null) {
        if (this.buffered < FRAME_HEADER_BYTES) return;
        const offset = this.consumed;
        const h = this.take(FRAME_HEADER_BYTES);
        this.header = {
          length: h.readUIntBE(0, 3),
          type: h[3]!,
          flags: h[4]!,
          streamId: h.readUInt32BE(5) & 0x7fffffff, // the reserved bit is ignored (4.1)
          offset,
          skip: null,
        };
        const v = this.checkHeader(this.header);
        if (v !== null) {
          if (v.action === 'connection-error') return this.fail(v);
          this.header.skip = v;
        }
      }
      const hdr: Header = this.header;
      if (this.buffered < hdr.length) return;
      const payload = this.take(hdr.length);
      this.header = null;
      this.framesSeen++;
      if (hdr.skip !== null) this.sink.violation(hdr.skip);
      else this.onPayload(hdr, payload);
    }
  }

  // ---- checks on the 9-byte header: size, preface, sequence, lengths fixed by the type ----

  private checkHeader(h: Header): Violation | null {
    const at = { streamId: h.streamId, frameType: frameTypeName(h.type), offset: h.offset };
    if (this.expectPreface && this.framesSeen === 0 && (h.type !== FrameType.SETTINGS || (h.flags & Flag.ACK) !== 0)) {
      return connectionError('PREFACE_NOT_SETTINGS', 'PROTOCOL_ERROR', 'RFC 9113 3.4',
        `the server's first frame is ${at.frameType}${h.type === FrameType.SETTINGS ? ' with ACK' : ''}, not SETTINGS`, at);
    }
    if (h.length > this.maxFrameSize) {
      return connectionError('FRAME_TOO_LARGE', 'FRAME_SIZE_ERROR', 'RFC 9113 4.2',
        `${at.frameType} frame of ${h.length} bytes, over SETTINGS_MAX_FRAME_SIZE ${this.maxFrameSize}`, at);
    }
    if (this.block !== null) {
      if (h.type !== FrameType.CONTINUATION) {
        return connectionError('CONTINUATION_EXPECTED', 'PROTOCOL_ERROR', 'RFC 9113 6.10',
          `${at.frameType} on stream ${h.streamId} inside the field block of ${this.block.type} on stream ${this.block.streamId}`, at);
      }
      if (h.streamId !== this.block.streamId) {
        return connectionError('UNEXPECTED_CONTINUATION', 'PROTOCOL_ERROR', 'RFC 9113 6.10',
          `CONTINUATION on stream ${h.streamId} while the field block of stream ${this.block.streamId} is open`, at);
      }
      if (this.block.bytes + h.length > this.maxBlock) {
        return connectionError('HEADER_BLOCK_TOO_LARGE', 'ENHANCE_YOUR_CALM', 'simulator limit',
          `field block over ${this.maxBlock} bytes on stream ${h.streamId}`, at);
      }
      return null;
    }
    const onStream = (expected: boolean): Violation | null => {
      if (expected && h.streamId === 0) {
        return connectionError('STREAM_ID_ZERO', 'PROTOCOL_ERROR', 'RFC 9113 6', `${at.frameType} on stream 0`, at);
      }
      if (!expected && h.streamId !== 0) {
        return connectionError('STREAM_ID_NONZERO', 'PROTOCOL_ERROR', 'RFC 9113 6',
          `${at.frameType} on stream ${h.streamId}; it belongs to stream 0`, at);
      }
      return null;
    };
    const badLength = (rule: string, want: string, asStreamError = false): Violation => {
      const msg = `${at.frameType} with length ${h.length}; ${want}`;
      return asStreamError
        ? streamError('BAD_FRAME_LENGTH', 'FRAME_SIZE_ERROR', rule, msg, at)
        : connectionError('BAD_FRAME_LENGTH', 'FRAME_SIZE_ERROR', rule, msg, at);
    };
    const padded = (h.flags & Flag.PADDED) !== 0;
    switch (h.type) {
      case FrameType.DATA:
        return onStream(true) ?? (padded && h.length < 1 ? badLength('RFC 9113 6.1', 'PADDED needs the Pad Length byte') : null);
      case FrameType.HEADERS: {
        const min = (padded ? 1 : 0) + ((h.flags & Flag.PRIORITY) !== 0 ? 5 : 0);
        return onStream(true) ?? (h.length < min ? badLength('RFC 9113 6.2', `its flags need at least ${min} bytes`) : null);
      }
      case FrameType.PRIORITY:
        return onStream(true) ?? (h.length !== 5 ? badLength('RFC 9113 6.3', 'PRIORITY is 5 bytes', true) : null);
      case FrameType.RST_STREAM:
        return onStream(true) ?? (h.length !== 4 ? badLength('RFC 9113 6.4', 'RST_STREAM is 4 bytes') : null);
      case FrameType.SETTINGS:
        if ((h.flags & Flag.ACK) !== 0 && h.length !== 0) return onStream(false) ?? badLength('RFC 9113 6.5', 'a SETTINGS ACK is empty');
        return onStream(false) ?? (h.length % 6 !== 0 ? badLength('RFC 9113 6.5', 'SETTINGS is a multiple of 6 bytes') : null);
      case FrameType.PUSH_PROMISE:
        return onStream(true) ?? (h.length < (padded ? 5 : 4) ? badLength('RFC 9113 6.6', `needs at least ${padded ? 5 : 4} bytes`) : null);
      case FrameType.PING:
        return onStream(false) ?? (h.length !== 8 ? badLength('RFC 9113 6.7', 'PING is 8 bytes') : null);
      case FrameType.GOAWAY:
        return onStream(false) ?? (h.length < 8 ? badLength('RFC 9113 6.8', 'GOAWAY is at least 8 bytes') : null);
      case FrameType.WINDOW_UPDATE:
        return h.length !== 4 ? badLength('RFC 9113 6.9', 'WINDOW_UPDATE is 4 bytes') : null;
      case FrameType.CONTINUATION:
        return connectionError('UNEXPECTED_CONTINUATION', 'PROTOCOL_ERROR', 'RFC 9113 6.10',
          `CONTINUATION on stream ${h.streamId} with no field block open`, at);
      default:
        return null; // unknown types are ignored (5.5)
    }
  }

  // ---- the payload: padding, priority, values; field block assembly ----

  private onPayload(h: Header, p: Buffer): void {
    const base = { streamId: h.streamId, flags: h.flags, offset: h.offset };
    const at = { streamId: h.streamId, frameType: frameTypeName(h.type), offset: h.offset };
    switch (h.type) {
      case FrameType.DATA: {
        const unpadded = this.unpad(h, p, 0, at);
        if (unpadded === null) return;
        this.sink.frame({
          ...base, type: 'DATA', endStream: (h.flags & Flag.END_STREAM) !== 0,
          data: unpadded, paddingBytes: p.length - unpadded.length, flowBytes: p.length,
        });
        return;
      }
      case FrameType.HEADERS: {
        const hasPriority = (h.flags & Flag.PRIORITY) !== 0;
        const fragment = this.unpad(h, p, hasPriority ? 5 : 0, at);
        if (fragment === null) return;
        const padOffset = (h.flags & Flag.PADDED) !== 0 ? 1 : 0;
        const priority = hasPriority ? readPriority(p, padOffset) : null;
        const selfDep = priority !== null && priority.dependsOn === h.streamId
          ? streamError('SELF_DEPENDENCY', 'PROTOCOL_ERROR', 'RFC 9113 5.3.1', `stream ${h.streamId} depends on itself`, at)
          : null;
        this.openBlock({
          type: 'HEADERS', streamId: h.streamId, first: h, fragments: [fragment], bytes: fragment.length, frames: 1,
          endStream: (h.flags & Flag.END_STREAM) !== 0, priority, promisedStreamId: 0, streamViolation: selfDep,
        });
        return;
      }
      case FrameType.PRIORITY: {
        const priority = readPriority(p, 0);
        if (priority.dependsOn === h.streamId) {
          this.sink.violation(streamError('SELF_DEPENDENCY', 'PROTOCOL_ERROR', 'RFC 9113 5.3.1', `stream ${h.streamId} depends on itself`, at));
          return;
        }
        this.sink.frame({ ...base, type: 'PRIORITY', priority });
        return;
      }
      case FrameType.RST_STREAM:
        this.sink.frame({ ...base, type: 'RST_STREAM', errorCode: p.readUInt32BE(0) });
        return;
      case FrameType.SETTINGS: {
        const settings: Array<[number, number]> = [];
        for (let i = 0; i < p.length; i += 6) {
          const id = p.readUInt16BE(i);
          const value = p.readUInt32BE(i + 2);
          const bad = checkSetting(id, value, true);
          if (bad !== null) {
            return this.fail(connectionError('BAD_SETTING_VALUE', bad.errorCode, 'RFC 9113 6.5.2', bad.message, at));
          }
          settings.push([id, value]);
        }
        this.sink.frame({ ...base, type: 'SETTINGS', ack: (h.flags & Flag.ACK) !== 0, settings });
        return;
      }
      case FrameType.PUSH_PROMISE: {
        const fragment = this.unpad(h, p, 4, at);
        if (fragment === null) return;
        const padOffset = (h.flags & Flag.PADDED) !== 0 ? 1 : 0;
        this.openBlock({
          type: 'PUSH_PROMISE', streamId: h.streamId, first: h, fragments: [fragment], bytes: fragment.length, frames: 1,
          endStream: false, priority: null, promisedStreamId: p.readUInt32BE(padOffset) & 0x7fffffff, streamViolation: null,
        });
        return;
      }
      case FrameType.PING:
        this.sink.frame({ ...base, type: 'PING', ack: (h.flags & Flag.ACK) !== 0, opaque: Buffer.from(p) });
        return;
      case FrameType.GOAWAY:
        this.sink.frame({
          ...base, type: 'GOAWAY', lastStreamId: p.readUInt32BE(0) & 0x7fffffff, errorCode: p.readUInt32BE(4),
          debug: Buffer.from(p.subarray(8)),
        });
        return;
      case FrameType.WINDOW_UPDATE: {
        const increment = p.readUInt32BE(0) & 0x7fffffff;
        if (increment === 0) {
          const msg = `WINDOW_UPDATE with increment 0 on stream ${h.streamId}`;
          if (h.streamId === 0) return this.fail(connectionError('ZERO_WINDOW_INCREMENT', 'PROTOCOL_ERROR', 'RFC 9113 6.9', msg, at));
          this.sink.violation(streamError('ZERO_WINDOW_INCREMENT', 'PROTOCOL_ERROR', 'RFC 9113 6.9', msg, at));
          return;
        }
        this.sink.frame({ ...base, type: 'WINDOW_UPDATE', increment });
        return;
      }
      case FrameType.CONTINUATION: {
        const b = this.block!; // checkHeader guarantees an open block on this stream
        b.fragments.push(p);
        b.bytes += p.length;
        b.frames++;
        if ((h.flags & Flag.END_HEADERS) !== 0) this.closeBlock();
        return;
      }
      default:
        this.sink.frame({ ...base, type: 'UNKNOWN', frameType: h.type, payload: p });
    }
  }

  /** The payload without Pad Length, `skip` fixed bytes and padding; null after a violation. */
  private unpad(h: Header, p: Buffer, skip: number, at: { streamId: number; frameType: string; offset: number }): Buffer | null {
    if ((h.flags & Flag.PADDED) === 0) return p.subarray(skip);
    const pad = p[0]!;
    const room = p.length - 1 - skip; // bytes left for content plus padding
    if (pad > room) {
      const rule = h.type === FrameType.DATA ? 'RFC 9113 6.1' : h.type === FrameType.HEADERS ? 'RFC 9113 6.2' : 'RFC 9113 6.6';
      this.fail(connectionError('PADDING_OVERFLOW', 'PROTOCOL_ERROR', rule,
        `${at.frameType} with ${pad} bytes of padding in a ${p.length}-byte payload`, at));
      return null;
    }
    return p.subarray(1 + skip, p.length - pad);
  }

  private openBlock(b: OpenBlock): void {
    if (b.bytes > this.maxBlock) {
      this.fail(connectionError('HEADER_BLOCK_TOO_LARGE', 'ENHANCE_YOUR_CALM', 'simulator limit',
        `field block over ${this.maxBlock} bytes on stream ${b.streamId}`, { streamId: b.streamId, frameType: b.type, offset: b.first.offset }));
      return;
    }
    this.block = b;
    if ((b.first.flags & Flag.END_HEADERS) !== 0) this.closeBlock();
  }

  private closeBlock(): void {
    const b = this.block!;
    this.block = null;
    const block = b.fragments.length === 1 ? b.fragments[0]! : Buffer.concat(b.fragments, b.bytes);
    const base = { streamId: b.streamId, flags: b.first.flags, offset: b.first.offset };
    if (b.type === 'HEADERS') {
      // The stream error first (the stream is reset), then the frame: its block must still be
      // decoded to keep the HPACK table in step.
      if (b.streamViolation !== null) this.sink.violation(b.streamViolation);
      this.sink.frame({ ...base, type: 'HEADERS', endStream: b.endStream, priority: b.priority, block, frames: b.frames });
    } else {
      this.sink.frame({ ...base, type: 'PUSH_PROMISE', promisedStreamId: b.promisedStreamId, block, frames: b.frames });
    }
  }

  private fail(v: Violation): void {
    this.stop(v);
    this.sink.violation(v);
  }

  /** Takes `n` buffered bytes (a view when they sit in one chunk). */
  private take(n: number): Buffer {
    this.buffered -= n;
    this.consumed += n;
    const first = this.chunks[0];
    if (n === 0) return Buffer.alloc(0);
    if (first !== undefined && first.length >= n) {
      if (first.length === n) this.chunks.shift();
      else this.chunks[0] = first.subarray(n);
      return first.subarray(0, n);
    }
    const out = Buffer.allocUnsafe(n);
    let filled = 0;
    while (filled < n) {
      const c = this.chunks[0]!;
      const k = Math.min(c.length, n - filled);
      c.copy(out, filled, 0, k);
      filled += k;
      if (k === c.length) this.chunks.shift();
      else this.chunks[0] = c.subarray(k);
    }
    return out;
  }
}

function readPriority(p: Buffer, at: number): Priority {
  const word = p.readUInt32BE(at);
  return { exclusive: (word & 0x80000000) !== 0, dependsOn: word & 0x7fffffff, weight: p[at + 4]! + 1 };
}
