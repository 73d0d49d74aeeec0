// Servers for the HTTP/2 client tests, on 127.0.0.1 port 0: real node:http2 servers (h2c, and
// TLS with ALPN h2 and a self-signed certificate), and raw TCP servers that read our frames
// and write crafted bytes back.
import http2 from 'node:http2';
import type net from 'node:net';
import { CLIENT_PREFACE } from '../../../harness/clients/h2/constants.ts';
import { FrameParser } from '../../../harness/clients/h2/frame-parser.ts';
import { settingsFrame } from '../../../harness/clients/h2/frame-serializer.ts';
import type { Frame } from '../../../harness/clients/h2/frames.ts';
import { HeaderDecoder, HeaderEncoder, type HeaderList } from '../../../harness/clients/h2/hpack.ts';
import { firstMismatch } from '../../../protocol/index.ts';
import { PATTERN_BLOCK, settle, startServer, testCertificate, type TestServer } from '../servers.ts';

export interface H2TestServer {
  port: number;
  server: http2.Http2Server | http2.Http2SecureServer;
  /** Server-side sessions, in accept order. */
  sessions: http2.ServerHttp2Session[];
  close(): Promise<void>;
}

export async function startH2(
  onStream: (stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders) => void,
  opts: { tls?: boolean; settings?: http2.Settings } = {},
): Promise<H2TestServer> {
  const sessions: http2.ServerHttp2Session[] = [];
  const options = { ...(opts.settings ? { settings: opts.settings } : {}) };
  const server = opts.tls
    ? http2.createSecureServer({ ...options, ...(await testCertificate()) })
    : http2.createServer(options);
  server.on('session', (s) => {
    sessions.push(s);
    s.on('error', () => { /* tests look at what they need */ });
  });
  server.on('stream', (stream, headers) => {
    stream.on('error', () => { /* e.g. a client RST_STREAM */ });
    onStream(stream, headers);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    server,
    sessions,
    close: () => new Promise<void>((resolve) => {
      for (const s of sessions) s.destroy();
      server.close(() => resolve());
    }),
  };
}

/** The server side of a raw connection: the client's frames as they arrive, and a writer. */
export interface RawPeer {
  socket: net.Socket;
  /** Frames the client sent (after its preface). */
  frames: Frame[];
  /** Resolves once a frame matching `pred` has come. */
  waitFor(pred: (f: Frame) => boolean, timeoutMs?: number): Promise<Frame>;
  /** Whether the client's FIN arrived. */
  ended(): boolean;
  encoder: HeaderEncoder;
  /** Decodes the field block of a HEADERS frame the client sent. */
  decode(block: Buffer): HeaderList;
}

/**
 * A raw TCP server: reads the client preface, then hands each connection to `script` with our
 * server SETTINGS already written unless `sendSettings` is false.
 */
export async function startRaw(script: (peer: RawPeer) => void | Promise<void>, opts: { sendSettings?: boolean } = {}): Promise<TestServer> {
  return startServer((socket) => {
    const frames: Frame[] = [];
    const waiters: Array<{ pred: (f: Frame) => boolean; resolve: (f: Frame) => void }> = [];
    let fin = false;
    let preface = Buffer.alloc(0);
    const decoder = new HeaderDecoder();
    const parser = new FrameParser({
      frame: (f) => {
        frames.push(f);
        for (const w of [...waiters]) if (w.pred(f)) { waiters.splice(waiters.indexOf(w), 1); w.resolve(f); }
      },
      violation: () => { /* the client's frames are checked by the tests */ },
    }, { maxFrameSize: 1 << 24, expectServerPreface: false });
    socket.on('end', () => { fin = true; });
    socket.on('data', (d: Buffer) => {
      if (preface.length < CLIENT_PREFACE.length) {
        const need = CLIENT_PREFACE.length - preface.length;
        preface = Buffer.concat([preface, d.subarray(0, need)]);
        d = d.subarray(need);
      }
      parser.push(d);
    });
    const peer: RawPeer = {
      socket,
      frames,
      ended: () => fin,
      encoder: new HeaderEncoder(),
      decode: (block) => {
        const r = decoder.decode(block);
        if (!r.ok) throw new Error(r.message);
        return r.headers;
      },
      waitFor: (pred, timeoutMs = 5000) => {
        const now = frames.find(pred);
        if (now) return Promise.resolve(now);
        return new Promise<Frame>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error('raw peer: frame did not come')), timeoutMs);
          waiters.push({ pred, resolve: (f) => { clearTimeout(timer); resolve(f); } });
        });
      },
    };
    if (opts.sendSettings !== false) socket.write(settingsFrame([]));
    void script(peer);
  });
}

/** Writes `total` bytes of write 0's probe pattern on a node:http2 stream, minding backpressure, then ends it. */
export function sendPattern(stream: http2.ServerHttp2Stream, total: number, status = 200): void {
  stream.respond({ ':status': status, 'content-length': String(total) });
  let sent = 0;
  const step = (): void => {
    while (sent < total && !stream.destroyed) {
      const n = Math.min(PATTERN_BLOCK.length, total - sent);
      sent += n;
      if (!stream.write(n === PATTERN_BLOCK.length ? PATTERN_BLOCK : PATTERN_BLOCK.subarray(0, n))) {
        stream.once('drain', step);
        return;
      }
    }
    if (!stream.destroyed) stream.end();
  };
  step();
}

/** An onBody callback that remembers the first byte off the probe pattern (-1: none). */
export function patternChecker(): { onBody: (s: unknown, chunk: Buffer, offset: number) => void; mismatch: () => number } {
  let mismatch = -1;
  return {
    onBody: (_s, chunk, offset) => {
      if (mismatch >= 0) return;
      const m = firstMismatch(0, offset, chunk);
      if (m >= 0) mismatch = offset + m;
    },
    mismatch: () => mismatch,
  };
}

/** Polls until `pred()` holds (at most `maxMs`); returns whether it did. */
export async function until(pred: () => boolean, maxMs = 10_000): Promise<boolean> {
  const t0 = Date.now();
  while (!pred()) {
    if (Date.now() - t0 > maxMs) return false;
    await new Promise((r) => setTimeout(r, 10));
  }
  return true;
}

/** Waits for `value()` to reach `target`, then for it to stay put (so an excess would show). */
export async function reachAndSettle(value: () => number, target: number, maxMs = 10_000): Promise<number> {
  await until(() => value() >= target, maxMs);
  return settle(value, 300, maxMs);
}
