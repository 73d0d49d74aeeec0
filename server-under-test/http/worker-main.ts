// The HTTP worker thread (seed 000): owns the listening sockets and every connection; accepts,
// handshakes TLS, parses, frames and sends. Requests go to the TX side through the shuttle
// channel; response pieces come back and are committed as the socket accepts them.
import net from 'node:net';
import tls from 'node:tls';
import { parentPort, workerData } from 'node:worker_threads';
import type { FaultName } from '../faults.ts';
import { BatchingChannel } from '../shuttle/channel.ts';
import { COMMIT_MAX, unreachable, type ToHttp, type ToTx } from '../shuttle/messages.ts';
import { H2Connection, type H2Limits } from '../h2/h2-connection.ts';
import { PREFACE } from '../h2/frames.ts';
import { Connection, type Carrier, type ConnectionHost, type ConnectionLimits, type RequestIn } from './connection.ts';
import { Exchange } from './exchange.ts';
import { DroppedRings } from '../tx/ring-gc.ts';

export interface WorkerSetup {
  listen: Array<{ host: string; port: number; tls: { cert: string; key: string } | null }>;
  limits: ConnectionLimits & { maxConnections: number; maxConnectionsPerIp: number; maxConcurrentRequests: number };
  /** HTTP/2: h2c with prior knowledge on plain listeners, ALPN h2 on TLS ones; null: HTTP/1.1 only. */
  h2: Pick<H2Limits, 'maxConcurrentStreams' | 'maxResets' | 'resetWindowMs'> | null;
  /** Test-only faults the worker implements (faults.ts WORKER_FAULTS); empty for a correct server. */
  faults: FaultName[];
}

const setup = workerData as WorkerSetup;
const faults: ReadonlySet<FaultName> = new Set(setup.faults);
const port = parentPort!;
const exchanges = new Map<number, { ex: Exchange; conn: Carrier }>();
const connections = new Set<Carrier>();
/**
 * Plain connections whose protocol is not decided yet (sniff()), each with what shutdown does to
 * it: they are connections too, so they are ended at shutdown and `drained` waits for them.
 */
const sniffing = new Map<net.Socket, (force: boolean) => void>();
const h2Limits: H2Limits | null = setup.h2 && { ...setup.limits, ...setup.h2 };
const servers: net.Server[] = [];
/** The byte rings the TX side has shared, by id; it pools them, so one serves many responses. */
const rings = new Map<number, SharedArrayBuffer>();
/** The worker's references to dropped rings must be collected too before their pages are freed. */
const droppedRings = new DroppedRings();
let nextRid = 1;
/** Open connections per client address (cfg max_connections_per_ip; 0: not counted). */
const perIp = new Map<string, number>();
let shuttingDown = false;

const channel = new BatchingChannel<ToTx, ToHttp>(port, onMessage);

const host: ConnectionHost = {
  dispatch(conn: Carrier, req: RequestIn): Exchange | null {
    if (exchanges.size >= setup.limits.maxConcurrentRequests) return null;
    const rid = nextRid++;
    const ex = new Exchange(rid, req.method, req.version, req.keepAlive && !shuttingDown, conn.tls, faults);
    exchanges.set(rid, { ex, conn });
    let body: Uint8Array | null = null;
    let transfer: ArrayBuffer | undefined;
    if (req.body && req.body.length > 0) {
      // Copy out of the socket's (possibly pooled) buffer into one we can transfer.
      body = new Uint8Array(req.body);
      transfer = body.buffer as ArrayBuffer;
    }
    channel.post(
      {
        t: 'request', rid, method: req.method, target: req.target, version: req.version, headers: req.headers, body,
        peer: { address: conn.socket.remoteAddress ?? '', port: conn.socket.remotePort ?? 0 }, tls: conn.tls,
      },
      transfer,
    );
    return ex;
  },
  progress(ex: Exchange): void {
    channel.postLatest(`p${ex.rid}`, { t: 'progress', rid: ex.rid, sent: ex.sent, headersSent: ex.headCommitted, released: ex.released });
    // A batch leaves when this turn ends, but a fast socket can drain the whole window within one
    // turn (write callbacks chain through nextTick): once half of what was queued has gone out,
    // send the progress now, so the handler refills the window while the rest is written. Only
    // for a response still being written with more than a couple of commits queued: flushing
    // every small response would cost a postMessage each.
    if (ex.queuedBytes > ex.peakQueued) ex.peakQueued = ex.queuedBytes;
    else if (ex.queuedBytes * 2 < ex.peakQueued && ex.peakQueued >= 2 * COMMIT_MAX && !ex.ended) {
      ex.peakQueued = ex.queuedBytes;
      channel.flush();
    }
  },
  released(ex: Exchange): void {
    // Tell the TX side which ring space it may reuse; a finished response writes no more.
    if (!ex.finished && exchanges.has(ex.rid)) host.progress(ex);
    freeRingIfDone(ex);
  },
  closed(ex: Exchange, cancelled: boolean): void {
    if (!exchanges.delete(ex.rid)) return;
    channel.post({ t: 'closed', rid: ex.rid, cancelled, sent: ex.sent });
    freeRingIfDone(ex);
  },
  connectionGone(conn: Carrier): void {
    connections.delete(conn);
    maybeDrained();
  },
};

/** Hands the exchange's ring back once the exchange is over and no socket write holds its bytes. */
function freeRingIfDone(ex: Exchange): void {
  if (ex.ringId === 0 || ex.holds > 0 || exchanges.has(ex.rid)) return;
  channel.post({ t: 'ring-free', rid: ex.rid, id: ex.ringId });
  ex.ring = null;
  ex.ringId = 0;
}

function onMessage(m: ToHttp): void {
  switch (m.t) {
    case 'head': {
      const e = exchanges.get(m.rid);
      if (!e || e.ex.headCommitted) return;
      e.ex.head = { hseq: m.hseq, status: m.status, headers: m.headers };
      e.conn.pump();
      return;
    }
    case 'withdraw-head': {
      const e = exchanges.get(m.rid);
      const committed = e ? e.ex.headCommitted : false;
      if (e && !committed && e.ex.head?.hseq === m.hseq) e.ex.head = null;
      channel.post({ t: 'head-withdrawn', rid: m.rid, hseq: m.hseq, committed });
      return;
    }
    case 'ring': {
      if (m.ring) rings.set(m.id, m.ring);
      const e = exchanges.get(m.rid);
      const ring = rings.get(m.id);
      if (!e || !ring) {
        // The exchange is over already: the ring was never used here.
        channel.post({ t: 'ring-free', rid: m.rid, id: m.id });
        return;
      }
      e.ex.ring = ring;
      e.ex.ringId = m.id;
      return;
    }
    case 'ring-drop': {
      const sab = rings.get(m.id);
      rings.delete(m.id);
      if (sab) droppedRings.add(sab.byteLength);
      return;
    }
    case 'ring-body': {
      const e = exchanges.get(m.rid);
      if (!e || !e.ex.ring) return;
      e.ex.enqueue(m.wseq, new Uint8Array(e.ex.ring, m.off, m.len));
      e.conn.pump();
      return;
    }
    case 'body': {
      const e = exchanges.get(m.rid);
      if (!e) return;
      e.ex.enqueue(m.wseq, m.data);
      e.conn.pump();
      return;
    }
    case 'withdraw': {
      const e = exchanges.get(m.rid);
      // Fault tail-not-withdrawn: the reply claims the tail is gone, but it stays queued.
      if (e && faults.has('tail-not-withdrawn')) e.ex.keepOwnCopy(m.wseq);
      else if (e) e.ex.withdraw(m.wseq);
      channel.post({ t: 'withdrawn', rid: m.rid, wseq: m.wseq, sent: e ? e.ex.sent : -1 });
      return;
    }
    case 'end': {
      const e = exchanges.get(m.rid);
      if (!e) return;
      e.ex.ended = true;
      e.ex.aborted = m.abort;
      if (m.abort) e.ex.dropQueued();
      e.conn.pump();
      e.conn.touched();
      return;
    }
    case 'respond': {
      const e = exchanges.get(m.rid);
      if (!e) return;
      e.ex.head = { hseq: 0, status: m.status, headers: m.headers };
      if (m.body) e.ex.enqueue(0, m.body);
      e.ex.ended = true;
      e.conn.pump();
      e.conn.touched();
      return;
    }
    case 'shutdown': {
      shuttingDown = true;
      for (const s of servers) s.close();
      for (const c of connections) (m.force ? c.destroy() : c.shutdown());
      for (const stop of [...sniffing.values()]) stop(m.force);
      maybeDrained();
      return;
    }
    default:
      unreachable(m);
  }
}

function maybeDrained(): void {
  if (shuttingDown && connections.size === 0 && sniffing.size === 0) channel.post({ t: 'drained' });
}

function accept(socket: net.Socket, isTls: boolean): void {
  if (shuttingDown) {
    socket.destroy();
    return;
  }
  if (isTls) {
    const h2 = h2Limits !== null && (socket as tls.TLSSocket).alpnProtocol === 'h2';
    connections.add(h2 ? new H2Connection(socket, true, host, h2Limits, faults) : new Connection(socket, true, host, setup.limits));
  } else if (h2Limits === null) {
    connections.add(new Connection(socket, false, host, setup.limits));
  } else {
    sniff(socket, h2Limits);
  }
}

/**
 * A plain connection speaks HTTP/1.1 or h2c with prior knowledge: its first bytes tell. Read
 * until they match the HTTP/2 preface or stop matching it, then hand everything read so far to
 * the right connection. (No request line starts with "PRI * HTTP/2.0".)
 */
function sniff(socket: net.Socket, limits: H2Limits): void {
  let got: Buffer = Buffer.alloc(0);
  const onData = (chunk: Buffer): void => {
    if (shuttingDown) return; // no new connection: shutdown has ended this one
    got = got.length === 0 ? chunk : Buffer.concat([got, chunk]);
    const n = Math.min(got.length, PREFACE.length);
    const matches = got.subarray(0, n).equals(PREFACE.subarray(0, n));
    if (matches && got.length < PREFACE.length) return;
    done();
    if (!matches && got.subarray(0, 4).equals(PREFACE.subarray(0, 4))) {
      // "PRI " is reserved for the HTTP/2 preface (RFC 9113 3.4): a broken preface, not a request.
      socket.destroy();
      return;
    }
    socket.pause();
    const conn = matches ? new H2Connection(socket, false, host, limits, faults, got) : new Connection(socket, false, host, setup.limits, got);
    connections.add(conn);
    socket.resume();
  };
  const onGone = (): void => {
    done();
    maybeDrained();
  };
  const onError = (): void => { /* followed by 'close' */ };
  const onTimeout = (): void => void socket.destroy();
  // A FIN before the protocol is known: no request can follow, nothing is owed; a half-closed
  // socket must not be held until the timeout (it counts against max_connections and fds).
  const onEnd = (): void => void socket.destroy();
  /** Sniffing is over: the socket was handed to a connection, or it is gone. */
  const done = (): void => {
    socket.off('data', onData);
    socket.off('close', onGone);
    socket.off('error', onError);
    socket.off('timeout', onTimeout);
    socket.off('end', onEnd);
    socket.setTimeout(0);
    sniffing.delete(socket);
  };
  socket.on('data', onData);
  socket.on('close', onGone);
  socket.on('error', onError);
  socket.on('timeout', onTimeout);
  socket.on('end', onEnd);
  // A connection that has sent nothing yet is closed after idle_timeout, like an idle keep-alive
  // one (not header_timeout: clients such as the conformance harness open connections ahead of
  // their first request, and under load that wait passed 10 s). A FIN ends it at once (onEnd).
  socket.setTimeout(setup.limits.idleTimeoutMs);
  // Shutdown: no request has begun here (or only its first bytes), so like an idle keep-alive
  // connection it is ended (FIN; what the client still sends is dropped), and destroyed when
  // shutdown is forced. Its 'close' takes it out of `sniffing`.
  sniffing.set(socket, (force) => {
    socket.off('data', onData);
    socket.resume();
    if (force) socket.destroy();
    else socket.end();
  });
}

/** cfg max_connections_per_ip: a client address past it gets its new connection closed at once. */
function countPerIp(socket: net.Socket): void {
  const ip = socket.remoteAddress ?? '';
  const n = (perIp.get(ip) ?? 0) + 1;
  if (n > setup.limits.maxConnectionsPerIp) {
    socket.destroy();
    return;
  }
  perIp.set(ip, n);
  socket.once('close', () => {
    const m = (perIp.get(ip) ?? 1) - 1;
    if (m <= 0) perIp.delete(ip);
    else perIp.set(ip, m);
  });
}

async function listen(): Promise<void> {
  const addresses: Array<{ host: string; port: number; tls: boolean }> = [];
  for (const l of setup.listen) {
    let server: net.Server;
    if (l.tls) {
      server = tls.createServer({
        cert: l.tls.cert, key: l.tls.key, allowHalfOpen: true, ALPNProtocols: setup.h2 ? ['h2', 'http/1.1'] : ['http/1.1'],
        // The handshake must be done within header_timeout (Node's default is 120 s); a client that
        // connects and sends nothing, or half-closes before its handshake, is closed then.
        handshakeTimeout: setup.limits.headerTimeoutMs,
      });
      server.on('secureConnection', (s: tls.TLSSocket) => accept(s, true));
      // A failed (or timed-out) handshake concerns that client only; its socket must go, though:
      // with a listener here Node leaves it open (half-closed ones stayed in CLOSE-WAIT for ever).
      server.on('tlsClientError', (_err, s: tls.TLSSocket) => s.destroy());
    } else {
      server = net.createServer({ allowHalfOpen: true, noDelay: true }, (s) => accept(s, false));
    }
    server.maxConnections = setup.limits.maxConnections;
    if (setup.limits.maxConnectionsPerIp > 0) server.prependListener('connection', countPerIp);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: l.host, port: l.port }, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const a = server.address() as net.AddressInfo;
    addresses.push({ host: l.host, port: a.port, tls: l.tls !== null });
    servers.push(server);
  }
  channel.post({ t: 'listening', addresses });
}

listen().catch((err: NodeJS.ErrnoException) => {
  channel.post({ t: 'fatal', message: err.message, ...(err.code ? { code: err.code } : {}) });
});
