// Handlers `dawdle serve` mounts beside the probe: a hello world (throughput), a stream that
// writes with timeouts and drops data a slow client cannot take (the use case of seed 001), and
// an index. Capacity runs use them as realistic endpoints.
import { bodyBytesSent, cancelled } from './tx/send-result.ts';
import type { Io } from './tx/io.ts';
import type { Request, Site } from './tx/types.ts';

const HELLO = Buffer.from('hello world\n');

export function demoSites(): Site[] {
  return [
    { path: '/hello', handler: () => ({ status: 200, headers: { 'content-type': 'text/plain' }, body: HELLO }) },
    {
      // /stream?bytes=N&chunk=M&timeout=S&window=W: N bytes in writes of M; a write that times out
      // drops its unsent rest and the stream goes on (stale data is worth nothing). `window` sets
      // io.sendWindow (default: the server's default_send_window), e.g. to hold thousands of slow
      // readers without a MiB of ring each.
      path: '/stream',
      handler: async (req, io) => {
        const q = new URLSearchParams(req.query);
        const total = clampInt(q.get('bytes'), 1 << 20, 0, 1 << 30);
        const chunk = clampInt(q.get('chunk'), 16 * 1024, 1, 1 << 24);
        const timeout = Number(q.get('timeout') ?? '1');
        const piece = Buffer.alloc(chunk, 0x61);
        if (q.get('window') !== null) io.sendWindow = clampInt(q.get('window'), 1 << 20, 1, 1 << 30);
        await io.writeHeader(200, { 'content-type': 'application/octet-stream' });
        for (let done = 0; done < total; done += chunk) {
          const n = Math.min(chunk, total - done);
          const r = await io.write(n === chunk ? piece : piece.subarray(0, n), Number.isFinite(timeout) ? timeout : 1);
          if (cancelled(r)) return; // a timed-out write already dropped its unsent rest
        }
        await io.close();
      },
    },
    { path: '/ticker', handler: ticker },
    {
      path: '/',
      handler: (req) =>
        req.path === '/'
          ? { status: 200, headers: { 'content-type': 'text/plain' }, body: 'dawdle reference server\n  /hello\n  /stream?bytes=N&chunk=M&timeout=S&window=W\n  /ticker?interval_ms=I&bytes=B&count=C&timeout_ms=T&window_bytes=W\n  /__probe/info (probe protocol v1)\n' }
          : { status: 404, headers: { 'content-type': 'text/plain' }, body: 'not found\n' },
    },
  ];
}

function clampInt(v: string | null, dflt: number, min: number, max: number): number {
  const n = v === null ? dflt : Number(v);
  return Number.isInteger(n) ? Math.min(max, Math.max(min, n)) : dflt;
}

/**
 * /ticker?interval_ms=100&bytes=200&count=600&timeout_ms=I&window_bytes=B: a stock ticker (seed 001's use case for
 * timeouts and send_result). Every `interval_ms` it writes the current update, `bytes` long:
 *   `U <seq> <unix ms>` then '.' padding and '\n'
 * where seq is the tick (elapsed / interval) and the time is when the update was made
 * (Date.now(): the host's clock). Each write may take `timeout_ms` (default: one interval); a
 * write that times out has its unsent rest dropped (the bytes of it that were sent stay: a torn
 * update, which the reader tells by the next header on the same line) and the ticker goes on with
 * the then current tick, so a reader that cannot keep up sees gaps in seq, never old news queued
 * behind new. The send window is one update (`window_bytes`, default `bytes`): the server queues no
 * old news of its own; what the kernel's socket buffers hold it cannot take back (on loopback
 * ~4 MB: a slow reader first reads its way through that backlog, growing older, before a write
 * can time out). Ends after `count` ticks, or when the client goes away.
 */
async function ticker(req: Request, io: Io): Promise<void> {
  const q = new URLSearchParams(req.query);
  const interval = clampInt(q.get('interval_ms'), 100, 1, 60_000);
  const bytes = clampInt(q.get('bytes'), 200, 32, 1 << 20);
  const count = clampInt(q.get('count'), 600, 1, 1_000_000);
  const timeoutMs = clampInt(q.get('timeout_ms'), interval, 1, 600_000);
  io.sendWindow = clampInt(q.get('window_bytes'), bytes, 1, 1 << 30);
  const pad = Buffer.alloc(bytes, 0x2e);
  pad[bytes - 1] = 0x0a;
  const r0 = await io.writeHeader(200, { 'content-type': 'text/plain', 'cache-control': 'no-store' }, timeoutMs / 1000);
  if (r0 !== null) return; // no headers in time, or the client left
  const start = performance.now();
  let seq = 0;
  while (seq < count) {
    const update = Buffer.from(pad);
    update.write(`U ${seq} ${Date.now()} `, 0, 'latin1');
    const r = await io.write(update, timeoutMs / 1000);
    if (r !== null && cancelled(r)) return;
    if (r !== null && bodyBytesSent(r) === 0 && !io.getSendStats().headersWereSent) return;
    // Next: the tick after the one that is current now (skipping those a slow write overran).
    const elapsed = performance.now() - start;
    const next = Math.max(seq + 1, Math.floor(elapsed / interval) + 1);
    if (next >= count) break;
    await sleep(Math.max(0, next * interval - (performance.now() - start)));
    seq = next;
  }
  await io.close();
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
