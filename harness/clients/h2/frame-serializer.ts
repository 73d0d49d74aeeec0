// Serialises HTTP/2 frames (RFC 9113 4.1 and 6). The typed builders write valid frames; rawFrame()
// writes whatever it is given, so tests and fault scenarios can craft frames the RFC forbids.
import { DEFAULT_MAX_FRAME_SIZE, FRAME_HEADER_BYTES, Flag, FrameType } from './constants.ts';
import type { Frame, Priority } from './frames.ts';

/** One frame, exactly as given: no check on length, flags or stream id. */
export function rawFrame(type: number, flags: number, streamId: number, payload: Buffer = Buffer.alloc(0)): Buffer {
  const out = Buffer.allocUnsafe(FRAME_HEADER_BYTES + payload.length);
  out.writeUIntBE(payload.length, 0, 3);
  out[3] = type;
  out[4] = flags;
  out.writeUInt32BE(streamId >>> 0, 5);
  payload.copy(out, FRAME_HEADER_BYTES);
  return out;
}

/** Payload with a Pad Length byte and `pad` zero bytes around `content`. */
function padded(content: Buffer, pad: number | undefined, prefix?: Buffer): { payload: Buffer; flag: number } {
  const parts = prefix ? [prefix, content] : [content];
  if (pad === undefined) return { payload: Buffer.concat(parts), flag: 0 };
  return { payload: Buffer.concat([Buffer.from([pad]), ...parts, Buffer.alloc(pad)]), flag: Flag.PADDED };
}

export function dataFrame(streamId: number, data: Buffer, opts: { endStream?: boolean; pad?: number } = {}): Buffer {
  const { payload, flag } = padded(data, opts.pad);
  return rawFrame(FrameType.DATA, flag | (opts.endStream ? Flag.END_STREAM : 0), streamId, payload);
}

function priorityBytes(p: Priority): Buffer {
  const b = Buffer.allocUnsafe(5);
  b.writeUInt32BE(((p.exclusive ? 0x80000000 : 0) | (p.dependsOn & 0x7fffffff)) >>> 0, 0);
  b[4] = p.weight - 1;
  return b;
}

/**
 * HEADERS, followed by CONTINUATION frames when the block is longer than `maxFrameSize` (the
 * peer's SETTINGS_MAX_FRAME_SIZE). Returned as one buffer: the frames must not be interleaved.
 */
export function headersFrames(
  streamId: number,
  block: Buffer,
  opts: { endStream?: boolean; maxFrameSize?: number; priority?: Priority; pad?: number } = {},
): Buffer {
  return blockFrames(FrameType.HEADERS, streamId, block, opts.maxFrameSize ?? DEFAULT_MAX_FRAME_SIZE,
    (opts.endStream ? Flag.END_STREAM : 0) | (opts.priority ? Flag.PRIORITY : 0),
    opts.priority ? priorityBytes(opts.priority) : undefined, opts.pad);
}

export function pushPromiseFrames(
  streamId: number, promisedStreamId: number, block: Buffer, opts: { maxFrameSize?: number; pad?: number } = {},
): Buffer {
  const id = Buffer.allocUnsafe(4);
  id.writeUInt32BE(promisedStreamId & 0x7fffffff, 0);
  return blockFrames(FrameType.PUSH_PROMISE, streamId, block, opts.maxFrameSize ?? DEFAULT_MAX_FRAME_SIZE, 0, id, opts.pad);
}

function blockFrames(type: number, streamId: number, block: Buffer, max: number, flags: number, prefix: Buffer | undefined, pad: number | undefined): Buffer {
  const overhead = (prefix?.length ?? 0) + (pad !== undefined ? 1 + pad : 0);
  const firstRoom = Math.max(0, max - overhead);
  const first = block.subarray(0, firstRoom);
  const frames: Buffer[] = [];
  const rest = block.subarray(first.length);
  const { payload, flag } = padded(first, pad, prefix);
  frames.push(rawFrame(type, flags | flag | (rest.length === 0 ? Flag.END_HEADERS : 0), streamId, payload));
  for (let i = 0; i < rest.length; i += max) {
    const piece = rest.subarray(i, i + max);
    frames.push(rawFrame(FrameType.CONTINUATION, i + max >= rest.length ? Flag.END_HEADERS : 0, streamId, piece));
  }
  return frames.length === 1 ? frames[0]! : Buffer.concat(frames);
}

export function priorityFrame(streamId: number, p: Priority): Buffer {
  return rawFrame(FrameType.PRIORITY, 0, streamId, priorityBytes(p));
}

function u32(n: number): Buffer {
  const b = Buffer.allocUnsafe(4);
  b.writeUInt32BE(n >>> 0, 0);
  return b;
}

export function rstStreamFrame(streamId: number, errorCode: number): Buffer {
  return rawFrame(FrameType.RST_STREAM, 0, streamId, u32(errorCode));
}

export function settingsFrame(settings: ReadonlyArray<readonly [number, number]>): Buffer {
  const p = Buffer.allocUnsafe(settings.length * 6);
  settings.forEach(([id, value], i) => {
    p.writeUInt16BE(id, i * 6);
    p.writeUInt32BE(value >>> 0, i * 6 + 2);
  });
  return rawFrame(FrameType.SETTINGS, 0, 0, p);
}

export function settingsAckFrame(): Buffer {
  return rawFrame(FrameType.SETTINGS, Flag.ACK, 0);
}

export function pingFrame(opaque: Buffer, ack = false): Buffer {
  const p = Buffer.alloc(8);
  opaque.copy(p, 0, 0, 8);
  return rawFrame(FrameType.PING, ack ? Flag.ACK : 0, 0, p);
}

export function goawayFrame(lastStreamId: number, errorCode: number, debug: Buffer | string = ''): Buffer {
  return rawFrame(FrameType.GOAWAY, 0, 0, Buffer.concat([u32(lastStreamId & 0x7fffffff), u32(errorCode), Buffer.from(debug)]));
}

export function windowUpdateFrame(streamId: number, increment: number): Buffer {
  return rawFrame(FrameType.WINDOW_UPDATE, 0, streamId, u32(increment & 0x7fffffff));
}

/** The wire form of a parsed frame (field blocks split by `maxFrameSize`). */
export function serializeFrame(f: Frame, maxFrameSize = DEFAULT_MAX_FRAME_SIZE): Buffer {
  switch (f.type) {
    case 'DATA': {
      const pad = f.paddingBytes > 0 ? f.paddingBytes - 1 : undefined;
      return dataFrame(f.streamId, f.data, { endStream: f.endStream, ...(pad !== undefined ? { pad } : {}) });
    }
    case 'HEADERS':
      return headersFrames(f.streamId, f.block, { endStream: f.endStream, maxFrameSize, ...(f.priority ? { priority: f.priority } : {}) });
    case 'PRIORITY': return priorityFrame(f.streamId, f.priority);
    case 'RST_STREAM': return rstStreamFrame(f.streamId, f.errorCode);
    case 'SETTINGS': return f.ack ? settingsAckFrame() : settingsFrame(f.settings);
    case 'PUSH_PROMISE': return pushPromiseFrames(f.streamId, f.promisedStreamId, f.block, { maxFrameSize });
    case 'PING': return pingFrame(f.opaque, f.ack);
    case 'GOAWAY': return goawayFrame(f.lastStreamId, f.errorCode, f.debug);
    case 'WINDOW_UPDATE': return windowUpdateFrame(f.streamId, f.increment);
    case 'UNKNOWN': return rawFrame(f.frameType, f.flags, f.streamId, f.payload);
  }
}
