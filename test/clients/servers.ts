// Real servers for the client tests, on 127.0.0.1 port 0: raw TCP (we write the bytes), TLS with
// a self-signed certificate, and helpers to stream the probe pattern with or without backpressure.
import net from 'node:net';
import tls from 'node:tls';
import { generate } from 'selfsigned';
import { makePattern, PATTERN_MODULUS } from '../../protocol/index.ts';

export interface TestServer {
  port: number;
  /** Server-side sockets, in accept order. */
  sockets: net.Socket[];
  close(): Promise<void>;
}

export type OnConnection = (socket: net.Socket) => void;

let certPromise: Promise<{ key: string; cert: string }> | null = null;
export function testCertificate(): Promise<{ key: string; cert: string }> {
  certPromise ??= generate([{ name: 'commonName', value: 'localhost' }], { keyType: 'ec', algorithm: 'sha256' })
    .then((p) => ({ key: p.private, cert: p.cert }));
  return certPromise;
}

/** A TCP (or TLS) server calling `onConnection` for each accepted socket. */
export async function startServer(onConnection: OnConnection, opts: { tls?: boolean } = {}): Promise<TestServer> {
  const sockets: net.Socket[] = [];
  const accept = (s: net.Socket) => {
    sockets.push(s);
    s.on('error', () => { /* each test looks at what it needs */ });
    onConnection(s);
  };
  const server: net.Server = opts.tls
    ? tls.createServer({ ...(await testCertificate()), allowHalfOpen: true }, accept)
    : net.createServer({ allowHalfOpen: true }, accept);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    sockets,
    close: () => new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    }),
  };
}

/** Resolves with the request head once "\r\n\r\n" has arrived on `socket`. */
export function readRequestHead(socket: net.Socket): Promise<string> {
  return new Promise((resolve) => {
    let got = '';
    const onData = (d: Buffer) => {
      got += d.toString('latin1');
      const end = got.indexOf('\r\n\r\n');
      if (end >= 0) {
        socket.off('data', onData);
        resolve(got.slice(0, end + 4));
      }
    };
    socket.on('data', onData);
  });
}

/** One block of write 0's pattern whose length is a multiple of 251, so blocks chain seamlessly. */
export const PATTERN_BLOCK = makePattern(0, PATTERN_MODULUS * 1024);

export interface StreamStats { queued: number; done: boolean; error: string | null }

/**
 * Writes `total` bytes of write 0's pattern. With `respectBackpressure` it waits for 'drain';
 * without, it queues a block per event-loop turn while less than `maxQueued` is unflushed.
 */
export function streamPattern(
  socket: net.Socket,
  total: number,
  opts: { respectBackpressure: boolean; maxQueued?: number; end?: boolean },
): StreamStats {
  const stats: StreamStats = { queued: 0, done: false, error: null };
  const block = PATTERN_BLOCK;
  socket.on('error', (e: Error & { code?: string }) => { stats.error ??= e.code ?? e.message; });
  const step = (): void => {
    while (stats.queued < total && !socket.destroyed) {
      if (!opts.respectBackpressure && socket.writableLength >= (opts.maxQueued ?? Infinity)) {
        setTimeout(step, 5);
        return;
      }
      const n = Math.min(block.length, total - stats.queued);
      stats.queued += n;
      const more = socket.write(n === block.length ? block : block.subarray(0, n));
      if (opts.respectBackpressure && !more) {
        socket.once('drain', step);
        return;
      }
      if (!opts.respectBackpressure) {
        setImmediate(step);
        return;
      }
    }
    if (stats.queued >= total) {
      stats.done = true;
      if (opts.end) socket.end();
    }
  };
  step();
  return stats;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Waits until `value()` has not changed for `stableMs` (polling), at most `maxMs`. */
export async function settle(value: () => number, stableMs: number, maxMs: number): Promise<number> {
  const t0 = Date.now();
  let last = value();
  let since = Date.now();
  while (Date.now() - t0 < maxMs) {
    await sleep(25);
    const v = value();
    if (v !== last) {
      last = v;
      since = Date.now();
    } else if (Date.now() - since >= stableMs) {
      break;
    }
  }
  return last;
}

/** Things to close after each test, even when an assertion failed (so the process still ends). */
export class Cleanup {
  private readonly fns: Array<() => unknown> = [];
  add<T extends { close(): unknown } | { destroy(): unknown }>(thing: T): T {
    this.fns.push(() => ('destroy' in thing ? thing.destroy() : thing.close()));
    return thing;
  }
  async run(): Promise<void> {
    for (const fn of this.fns.splice(0).reverse()) await fn();
  }
}
