// A raw HTTP/2 client for server tests that need frames the harness's simulator would never send
// (trailers after a reset, HEADERS on a half-closed stream, a block that adds to the server's HPACK
// table ...). It sends whatever it is given and records every frame the server sends, with
// response field blocks decoded in order (so the decoder follows the server's table).
import net from 'node:net';
import {
  CLIENT_PREFACE, ErrorCode, Flag, FrameType, HeaderDecoder, HeaderEncoder, headersFrames, rawFrame, settingsAckFrame, settingsFrame,
  type HeaderList,
} from '../../harness/clients/h2/index.ts';

export interface RawFrame {
  type: number;
  flags: number;
  stream: number;
  payload: Buffer;
  /** HEADERS: the decoded fields (CONTINUATIONs joined). */
  fields?: HeaderList;
}

export class RawH2 {
  readonly frames: RawFrame[] = [];
  closed = false;
  readonly #enc = new HeaderEncoder();
  readonly #dec = new HeaderDecoder();
  #buf = Buffer.alloc(0);
  #block: { first: RawFrame; parts: Buffer[] } | null = null;
  #changed: Array<() => void> = [];

  private constructor(readonly sock: net.Socket) {
    sock.on('data', (d: Buffer) => this.#onData(d));
    sock.on('error', () => {});
    sock.on('close', () => {
      this.closed = true;
      this.#notify();
    });
  }

  /** Connects, sends the preface and an empty SETTINGS; acknowledges the server's SETTINGS. */
  static async open(port: number, host = '127.0.0.1'): Promise<RawH2> {
    const sock = net.connect(port, host);
    await new Promise<void>((resolve, reject) => {
      sock.once('connect', resolve);
      sock.once('error', reject);
    });
    const c = new RawH2(sock);
    sock.write(Buffer.concat([CLIENT_PREFACE, settingsFrame([])]));
    return c;
  }

  send(...frames: Buffer[]): void {
    this.sock.write(Buffer.concat(frames));
  }

  /** A field block of literals that do not touch the server's HPACK table, plus `extra` bytes. */
  block(fields: HeaderList, extra: Buffer = Buffer.alloc(0)): Buffer {
    return Buffer.concat([this.#enc.encode(fields), extra]);
  }

  /** A request's field block (GET unless `method` given), with more fields after the pseudo-headers. */
  request(path: string, more: HeaderList = [], method = 'GET', extra?: Buffer): Buffer {
    return this.block([[':method', method], [':scheme', 'http'], [':path', path], [':authority', 'x'], ...more], extra);
  }

  headers(stream: number, block: Buffer, endStream: boolean): Buffer {
    return headersFrames(stream, block, { endStream });
  }

  /** Resolves with the first frame (already received or to come) that `pred` accepts. */
  async waitFor(pred: (f: RawFrame) => boolean, what: string, ms = 10_000): Promise<RawFrame> {
    const end = performance.now() + ms;
    for (;;) {
      const f = this.frames.find(pred);
      if (f) return f;
      if (this.closed) throw new Error(`connection closed before ${what}; frames: ${this.describe()}`);
      const left = end - performance.now();
      if (left <= 0) throw new Error(`no ${what} within ${ms} ms; frames: ${this.describe()}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.#changed.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** RST_STREAM on `stream`; resolves with its error code. */
  async reset(stream: number, ms?: number): Promise<number> {
    const f = await this.waitFor((x) => x.type === FrameType.RST_STREAM && x.stream === stream, `RST_STREAM on stream ${stream}`, ms);
    return f.payload.readUInt32BE(0);
  }

  /** Waits for the response on `stream` to end with END_STREAM; its status and body. */
  async response(stream: number, ms?: number): Promise<{ status: string; body: Buffer }> {
    await this.waitFor((f) => f.stream === stream && (f.type === FrameType.DATA || f.type === FrameType.HEADERS) && (f.flags & Flag.END_STREAM) !== 0,
      `END_STREAM on stream ${stream}`, ms);
    const head = this.frames.find((f) => f.stream === stream && f.type === FrameType.HEADERS)!;
    const status = head.fields!.find(([n]) => n === ':status')?.[1] ?? '';
    const body = Buffer.concat(this.frames.filter((f) => f.stream === stream && f.type === FrameType.DATA).map((f) => f.payload));
    return { status, body };
  }

  get goaway(): RawFrame | undefined {
    return this.frames.find((f) => f.type === FrameType.GOAWAY);
  }

  describe(): string {
    return this.frames.map((f) => {
      const name = Object.entries(FrameType).find(([, v]) => v === f.type)?.[0] ?? String(f.type);
      const code = f.type === FrameType.RST_STREAM ? `(${errorName(f.payload.readUInt32BE(0))})`
        : f.type === FrameType.GOAWAY ? `(${errorName(f.payload.readUInt32BE(4))} "${f.payload.subarray(8).toString()}")` : '';
      return `${name}${code}#${f.stream}`;
    }).join(' ');
  }

  close(): void {
    this.sock.destroy();
  }

  #onData(d: Buffer): void {
    this.#buf = Buffer.concat([this.#buf, d]);
    while (this.#buf.length >= 9) {
      const len = this.#buf.readUIntBE(0, 3);
      if (this.#buf.length < 9 + len) break;
      const f: RawFrame = { type: this.#buf[3]!, flags: this.#buf[4]!, stream: this.#buf.readUInt32BE(5) & 0x7fffffff, payload: Buffer.from(this.#buf.subarray(9, 9 + len)) };
      this.#buf = this.#buf.subarray(9 + len);
      if (f.type === FrameType.SETTINGS && !(f.flags & Flag.ACK)) this.sock.write(settingsAckFrame());
      if (f.type === FrameType.HEADERS) {
        this.#block = { first: f, parts: [f.payload] };
      } else if (f.type === FrameType.CONTINUATION && this.#block) {
        this.#block.parts.push(f.payload);
      }
      if ((f.type === FrameType.HEADERS || f.type === FrameType.CONTINUATION) && this.#block && (f.flags & Flag.END_HEADERS)) {
        const r = this.#dec.decode(Buffer.concat(this.#block.parts));
        this.#block.first.fields = r.ok ? r.headers : [['x-decode-error', r.message]];
        this.#block = null;
      }
      if (f.type !== FrameType.CONTINUATION) this.frames.push(f);
    }
    this.#notify();
  }

  #notify(): void {
    const ws = this.#changed;
    this.#changed = [];
    for (const w of ws) w();
  }
}

function errorName(code: number): string {
  return Object.entries(ErrorCode).find(([, v]) => v === code)?.[0] ?? String(code);
}

/**
 * An HPACK literal field WITH incremental indexing and a new name (RFC 7541 6.2.1, no Huffman):
 * it adds an entry to the decoder's dynamic table, so a later block can refer to it by index
 * (the first such entry is index 62: `indexed(62)`). Names and values shorter than 127 bytes.
 */
export function indexedLiteral(name: string, value: string): Buffer {
  return Buffer.concat([Buffer.from([0x40, name.length]), Buffer.from(name, 'latin1'), Buffer.from([value.length]), Buffer.from(value, 'latin1')]);
}

/** An HPACK indexed field (RFC 7541 6.1), index < 127. */
export function indexed(index: number): Buffer {
  return Buffer.from([0x80 | index]);
}

export { ErrorCode, Flag, FrameType, rawFrame };
