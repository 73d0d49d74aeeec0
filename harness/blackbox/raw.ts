// A raw client connection for requests the simulators do not send: a request written a piece at a
// time (slowloris headers, a slow body). Records what it wrote and saw as a wire timeline (the
// clients' event types, so reports chart it) and the answer's status line, if any.
import net from 'node:net';
import tls from 'node:tls';
import { wallNow, type TimelineEvent } from '../clients/index.ts';
import { tlsVerifyOptions } from '../clients/tls-policy.ts';

export class RawConnection {
  readonly timeline: TimelineEvent[] = [];
  received = Buffer.alloc(0);
  sent = 0;
  /** Unix ms of the server's FIN or reset (whatever ended the connection first), or null. */
  endedAt: number | null = null;
  endedBy: 'fin' | 'reset' | 'error' | null = null;
  private constructor(private readonly socket: net.Socket) {}

  static open(host: string, port: number, useTls: boolean, timeoutMs: number): Promise<RawConnection> {
    return new Promise((resolve, reject) => {
      const socket = useTls
        ? tls.connect({ host, port, ...tlsVerifyOptions(), ALPNProtocols: ['http/1.1'], ...(net.isIP(host) ? {} : { servername: host }) })
        : net.connect({ host, port });
      const c = new RawConnection(socket);
      const t = setTimeout(() => { socket.destroy(); reject(new Error(`connect to ${host}:${port} timed out after ${timeoutMs} ms`)); }, timeoutMs);
      socket.once(useTls ? 'secureConnect' : 'connect', () => {
        clearTimeout(t);
        c.timeline.push({ type: 'connect', t: wallNow(), localPort: socket.localPort ?? 0 });
        resolve(c);
      });
      socket.on('error', (err: NodeJS.ErrnoException) => {
        clearTimeout(t);
        c.timeline.push({ type: 'error', t: wallNow(), code: err.code ?? 'ERR', message: err.message });
        if (c.endedAt === null) {
          c.endedAt = Date.now();
          c.endedBy = err.code === 'ECONNRESET' ? 'reset' : 'error';
        }
        reject(err);
      });
      socket.on('data', (d: Buffer) => {
        c.received = Buffer.concat([c.received, d.subarray(0, Math.max(0, 65536 - c.received.length))]);
        c.timeline.push({ type: 'bytes', t: wallNow(), count: d.length, total: c.received.length });
      });
      socket.once('end', () => {
        c.timeline.push({ type: 'fin-received', t: wallNow() });
        if (c.endedAt === null) {
          c.endedAt = Date.now();
          c.endedBy = 'fin';
        }
      });
      socket.once('close', () => c.timeline.push({ type: 'close', t: wallNow() }));
    });
  }

  get localPort(): number { return this.socket.localPort ?? 0; }
  get ended(): boolean { return this.endedAt !== null || this.socket.destroyed; }

  write(data: string | Buffer): void {
    if (this.socket.destroyed || !this.socket.writable) return;
    const b = typeof data === 'string' ? Buffer.from(data, 'latin1') : data;
    this.sent += b.length;
    this.socket.write(b);
    this.timeline.push({ type: 'request-sent', t: wallNow(), index: 0, bytes: b.length });
  }

  /** The status of the answer's status line, or null when none arrived. */
  get status(): number | null {
    const m = /^HTTP\/1\.[01] (\d{3})/.exec(this.received.subarray(0, 64).toString('latin1'));
    return m ? Number(m[1]) : null;
  }

  destroy(): void {
    this.socket.destroy();
  }
}
