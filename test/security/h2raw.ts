// A raw HTTP/2 client for the floods in test/security: plain (h2c prior knowledge) or TLS (ALPN
// h2); sends what it is given, and when reading, records GOAWAY and RST_STREAM codes. A client
// that does not read (`read: false`) never takes a byte off its socket.
import net from 'node:net';
import tls from 'node:tls';
import { CLIENT_PREFACE, FrameType, HeaderEncoder, headersFrames, settingsFrame } from '../../harness/clients/h2/index.ts';

export class FloodClient {
  goaways: number[] = [];
  resets = new Map<number, number>();
  headers = new Set<number>();
  /** Every frame received, as "TYPE:stream" in arrival order (HEADERS payloads kept raw in `heads`). */
  order: string[] = [];
  heads = new Map<number, Buffer>();
  closed = false;
  #buf: Buffer = Buffer.alloc(0);
  readonly #enc = new HeaderEncoder();

  private constructor(readonly sock: net.Socket, read: boolean) {
    sock.on('error', () => {});
    sock.on('close', () => { this.closed = true; });
    if (read) sock.on('data', (d: Buffer) => this.#onData(d));
    else sock.pause();
  }

  static async open(port: number, o: { tls?: boolean; read?: boolean; settings?: Array<[number, number]> } = {}): Promise<FloodClient> {
    const sock = o.tls
      ? tls.connect({ port, host: '127.0.0.1', ALPNProtocols: ['h2'], rejectUnauthorized: false })
      : net.connect({ port, host: '127.0.0.1' });
    await new Promise((r, j) => { sock.once(o.tls ? 'secureConnect' : 'connect', r); sock.once('error', j); });
    const c = new FloodClient(sock, o.read ?? true);
    sock.write(Buffer.concat([CLIENT_PREFACE, settingsFrame(o.settings ?? [])]));
    return c;
  }

  /** A GET's field block (literals, no table changes). */
  request(path: string, more: Array<[string, string]> = []): Buffer {
    return this.#enc.encode([[':method', 'GET'], [':scheme', 'http'], [':path', path], [':authority', 'x'], ...more]);
  }

  headersFrames(stream: number, block: Buffer, endStream = true): Buffer {
    return headersFrames(stream, block, { endStream });
  }

  /** Writes, resolving once the data is handed to the kernel (or the socket is gone). */
  write(b: Buffer): Promise<void> {
    if (this.sock.destroyed) return Promise.resolve();
    return new Promise((r) => { if (!this.sock.write(b, () => r())) this.sock.once('drain', r); });
  }

  async waitGoaway(ms: number): Promise<number | null> {
    const end = performance.now() + ms;
    while (performance.now() < end) {
      if (this.goaways.length > 0) return this.goaways[0]!;
      if (this.closed) return this.goaways[0] ?? null;
      await new Promise((r) => setTimeout(r, 20));
    }
    return null;
  }

  close(): void {
    this.sock.destroy();
  }

  #onData(d: Buffer): void {
    this.#buf = this.#buf.length === 0 ? d : Buffer.concat([this.#buf, d]);
    let off = 0;
    while (this.#buf.length - off >= 9) {
      const len = this.#buf.readUIntBE(off, 3);
      if (this.#buf.length - off < 9 + len) break;
      const type = this.#buf[off + 3]!;
      const stream = this.#buf.readUInt32BE(off + 5) & 0x7fffffff;
      const p = this.#buf.subarray(off + 9, off + 9 + len);
      if (type === FrameType.GOAWAY) this.goaways.push(p.readUInt32BE(4));
      if (type === FrameType.RST_STREAM) this.resets.set(stream, p.readUInt32BE(0));
      if (type === FrameType.HEADERS) {
        this.headers.add(stream);
        this.heads.set(stream, Buffer.from(p));
      }
      this.order.push(`${type}:${stream}`);
      if (type === FrameType.SETTINGS && !(this.#buf[off + 4]! & 1)) this.sock.write(Buffer.from([0, 0, 0, 4, 1, 0, 0, 0, 0]));
      off += 9 + len;
    }
    this.#buf = Buffer.from(this.#buf.subarray(off));
  }
}
