// Parsed HTTP/2 frames, as the parser hands them on. HEADERS and PUSH_PROMISE arrive with their
// whole field block (CONTINUATION frames already joined), so the rest of the client never sees
// a CONTINUATION.

export interface Priority {
  exclusive: boolean;
  dependsOn: number;
  /** 1..256 (the wire value plus one). */
  weight: number;
}

export interface FrameBase {
  streamId: number;
  flags: number;
  /** Offset of the frame's first byte in the peer's byte stream. */
  offset: number;
}

export type Frame =
  | (FrameBase & {
    type: 'DATA';
    endStream: boolean;
    data: Buffer;
    /** Pad Length byte plus padding (0 when not PADDED). */
    paddingBytes: number;
    /** The whole payload length: what counts against flow control (RFC 9113 6.9.1). */
    flowBytes: number;
  })
  | (FrameBase & {
    type: 'HEADERS';
    endStream: boolean;
    priority: Priority | null;
    /** The field block, CONTINUATION fragments joined. */
    block: Buffer;
    /** 1 + the CONTINUATION frames that carried the block. */
    frames: number;
  })
  | (FrameBase & { type: 'PRIORITY'; priority: Priority })
  | (FrameBase & { type: 'RST_STREAM'; errorCode: number })
  | (FrameBase & { type: 'SETTINGS'; ack: boolean; settings: Array<[id: number, value: number]> })
  | (FrameBase & { type: 'PUSH_PROMISE'; promisedStreamId: number; block: Buffer; frames: number })
  | (FrameBase & { type: 'PING'; ack: boolean; opaque: Buffer })
  | (FrameBase & { type: 'GOAWAY'; lastStreamId: number; errorCode: number; debug: Buffer })
  | (FrameBase & { type: 'WINDOW_UPDATE'; increment: number })
  | (FrameBase & { type: 'UNKNOWN'; frameType: number; payload: Buffer });

export type FrameKind = Frame['type'];
export type FrameOf<K extends FrameKind> = Extract<Frame, { type: K }>;
