// Opens the TCP (and optionally TLS) socket of one client connection, with the reading machinery
// the behaviours need:
//  - plain TCP, 'onread' mode (default): net.connect's onread option reads into one reused buffer
//    whose size is chosen per read (the behaviour's read size), and pause() is readStop() at once:
//    not one byte more leaves the kernel.
//  - plain TCP, 'stream' mode and TLS: 'data' events; pause() stops the stream, which stops
//    reading from the kernel once its buffer (16 KiB at most) is full. TLS reads whole records.
// TLS runs over a net.Socket we create ourselves, so reset() can send an RST on the TCP socket
// (resetAndDestroy() refuses a TLS handle).
import { tlsVerifyOptions } from './tls-policy.ts';
import net from 'node:net';
import tls from 'node:tls';
import { ClientError } from './errors.ts';

export interface TlsOptions {
  /** SNI name; defaults to the host unless the host is an IP address. */
  servername?: string;
  /** ALPN protocols offered, e.g. ['http/1.1']. */
  alpn?: string[];
}

export type ReadMode = 'onread' | 'stream';

export interface SocketOptions {
  host: string;
  port: number;
  tls?: boolean | TlsOptions | undefined;
  readMode: ReadMode;
  /** onread mode: the buffer for the next read (its length is the read size). */
  nextReadBuffer: () => Buffer;
  onRead: (data: Buffer) => void;
  connectTimeoutMs: number;
  onConnect: (localPort: number) => void;
  /** Called synchronously once ready (connected, TLS done), before any read can happen. */
  onReady: (opened: OpenedSocket) => void;
}

export interface OpenedSocket {
  /** The socket requests and responses go through (TLS or plain). */
  socket: net.Socket;
  /** The TCP socket underneath (the same as `socket` without TLS). */
  tcp: net.Socket;
  /** Whether reads come through onread (no 'data' events). */
  readMode: ReadMode;
  tls: { protocol: string | null; alpn: string | false } | null;
}

export function openSocket(o: SocketOptions): Promise<OpenedSocket> {
  const useTls = o.tls !== undefined && o.tls !== false;
  const readMode: ReadMode = useTls ? 'stream' : o.readMode;
  const tcp = net.connect({
    host: o.host,
    port: o.port,
    allowHalfOpen: true,
    noDelay: true,
    ...(readMode === 'onread'
      ? { onread: { buffer: o.nextReadBuffer, callback: (n: number, buf: Uint8Array) => { o.onRead((buf as Buffer).subarray(0, n)); return true; } } }
      : {}),
  });
  tcp.once('connect', () => o.onConnect(tcp.localPort ?? 0));
  let socket: net.Socket = tcp;
  if (useTls) {
    const t = o.tls === true ? {} : (o.tls as TlsOptions);
    const servername = t.servername ?? (net.isIP(o.host) === 0 ? o.host : undefined);
    // allowHalfOpen is honoured by TLSSocket (it passes it to net.Socket) though not in the typings.
    const options: tls.ConnectionOptions & { allowHalfOpen: boolean } = {
      socket: tcp,
      allowHalfOpen: true,
      ...tlsVerifyOptions(), // off by default: the reference server uses a self-signed certificate
      ...(servername !== undefined ? { servername } : {}),
      ...(t.alpn !== undefined ? { ALPNProtocols: t.alpn } : {}),
    };
    socket = tls.connect(options);
  }
  if (readMode === 'stream') socket.on('data', o.onRead);
  return new Promise((resolve, reject) => {
    const ready = useTls ? 'secureConnect' : 'connect';
    let settled = false;
    // Failing before ready: both sockets are destroyed; later errors on them are expected noise.
    const giveUp = (error: ClientError) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.off(ready, ok);
      socket.destroy();
      tcp.destroy();
      reject(error);
    };
    const fail = (err: Error & { code?: string }) =>
      giveUp(new ClientError('ERR_CONNECT', `cannot connect to ${o.host}:${o.port}: ${err.code !== undefined && /CERT|TLS|SSL|ALTNAME|VERIFY/.test(err.code) ? `${err.code} (${err.message})` : err.code ?? err.message}`, { cause: err }));
    const ok = () => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.off('error', fail);
      tcp.off('error', fail);
      const s = socket as tls.TLSSocket;
      const opened: OpenedSocket = {
        socket, tcp, readMode,
        tls: useTls ? { protocol: s.getProtocol?.() ?? null, alpn: s.alpnProtocol ?? false } : null,
      };
      o.onReady(opened);
      resolve(opened);
    };
    const timer = setTimeout(() => giveUp(new ClientError(
      'ERR_CONNECT_TIMEOUT', `connecting to ${o.host}:${o.port} took over ${o.connectTimeoutMs} ms`,
    )), o.connectTimeoutMs);
    socket.once(ready, ok);
    socket.on('error', fail);
    if (tcp !== socket) tcp.on('error', fail);
  });
}
